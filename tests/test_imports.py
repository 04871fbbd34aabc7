"""Lazy imports of module namespaces (PEP 562)."""

from __future__ import annotations

import types
from typing import Any

import pytest

from websockets.imports import lazy_import


def namespace(name: str = "websockets.fake") -> dict[str, Any]:
    module = types.ModuleType(name)
    module.__package__ = "websockets"
    return vars(module)


def test_alias_is_imported_on_first_access_and_then_cached() -> None:
    ns = namespace()
    lazy_import(ns, aliases={"Frame": ".frames", "Headers": "websockets.datastructures"})
    from websockets.datastructures import Headers
    from websockets.frames import Frame

    assert ns["__getattr__"]("Frame") is Frame
    assert ns["Frame"] is Frame
    assert ns["__getattr__"]("Headers") is Headers


def test_deprecated_alias_warns_on_every_access() -> None:
    ns = namespace()
    lazy_import(ns, deprecated_aliases={"parse_uri": ".uri"})
    for _ in range(2):
        with pytest.warns(DeprecationWarning, match=r"websockets\.fake\.parse_uri is deprecated"):
            ns["__getattr__"]("parse_uri")
    assert "parse_uri" not in ns


def test_unknown_name() -> None:
    ns = namespace()
    lazy_import(ns)
    with pytest.raises(AttributeError, match=r"module .websockets\.fake. has no attribute .nope."):
        ns["__getattr__"]("nope")


def test_dir_lists_every_name() -> None:
    ns = namespace()
    lazy_import(ns, aliases={"Frame": ".frames"}, deprecated_aliases={"parse_uri": ".uri"})
    names = ns["__dir__"]()
    assert "Frame" in names
    assert "parse_uri" in names
    assert "__name__" in names


@pytest.mark.parametrize(
    ("aliases", "deprecated"),
    [
        ({"__name__": ".frames"}, {}),
        ({}, {"__name__": ".frames"}),
        ({"Frame": ".frames"}, {"Frame": ".frames"}),
    ],
)
def test_conflicts_are_refused(aliases: dict[str, str], deprecated: dict[str, str]) -> None:
    with pytest.raises(AssertionError):
        lazy_import(namespace(), aliases=aliases, deprecated_aliases=deprecated)
