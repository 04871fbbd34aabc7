"""The top-level package: version, lazy names, and the invariant on __all__."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import websockets

# Modules whose __all__ the top level re-exports (minus ALL-CAPS constants).
SOURCES = [
    "websockets.asyncio.client",
    "websockets.asyncio.server",
    "websockets.client",
    "websockets.datastructures",
    "websockets.exceptions",
    "websockets.frames",
    "websockets.http11",
    "websockets.protocol",
    "websockets.server",
    "websockets.typing",
]


def test_version() -> None:
    assert websockets.__version__ == "15.0.1"
    assert websockets.version.version == "15.0.1"
    assert websockets.version.released is True


def test_all_is_the_union_of_the_source_modules() -> None:
    expected: dict[str, str] = {}
    for name in SOURCES:
        module = importlib.import_module(name)
        for symbol in module.__all__:
            if symbol.isupper():
                continue
            assert symbol not in expected, f"{symbol} defined in {expected[symbol]} and {name}"
            expected[symbol] = name
    assert sorted(websockets.__all__) == sorted(expected)
    for symbol, name in expected.items():
        assert getattr(websockets, symbol) is getattr(importlib.import_module(name), symbol)


def test_dir() -> None:
    assert set(websockets.__all__) <= set(dir(websockets))


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError):
        _ = websockets.nothing_here  # type: ignore[attr-defined]


def test_import_is_lazy() -> None:
    code = "import sys, websockets; print('websockets.protocol' in sys.modules)"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert output.stdout.strip() == "False"
