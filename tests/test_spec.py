"""Every spec entry exists at runtime, and nothing exists at runtime that the spec lacks."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import websockets.exceptions
from codegen.schema import (
    load_close_codes,
    load_exceptions,
    load_headers,
    load_limits,
    load_opcodes,
)
from websockets import frames, headers, http11
from websockets.frames import CloseCode, Opcode


def test_opcodes() -> None:
    specs = load_opcodes()
    assert {(o.name, o.value) for o in specs} == {(o.name, o.value) for o in Opcode}
    assert tuple(Opcode[o.name] for o in specs if o.kind == "data") == frames.DATA_OPCODES
    assert tuple(Opcode[o.name] for o in specs if o.kind == "control") == frames.CTRL_OPCODES
    for spec in specs:
        assert getattr(frames, f"OP_{spec.name}") is Opcode[spec.name]


def test_close_codes() -> None:
    codes, ranges = load_close_codes()
    assert {(c.name, c.value) for c in codes} == {(c.name, c.value) for c in CloseCode}
    assert {c.value for c in codes if c.on_wire} == frames.EXTERNAL_CLOSE_CODES
    assert {c.value for c in codes if c.ok} == frames.OK_CLOSE_CODES
    assert {c.value: c.explanation for c in codes} == frames.CLOSE_CODE_EXPLANATIONS
    assert {
        range(r.first, r.last + 1): r.explanation for r in ranges
    } == frames.APPLICATION_CLOSE_CODE_RANGES


def test_exceptions() -> None:
    specs = load_exceptions()
    module = websockets.exceptions
    defined = {
        name
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, module.WebSocketException)
        and value.__module__ == module.__name__
    }
    assert defined == {spec.name for spec in specs}
    assert sorted(module.__all__) == sorted(defined)
    builtins = {
        "Exception": Exception,
        "AssertionError": AssertionError,
        "RuntimeError": RuntimeError,
    }
    for spec in specs:
        cls = getattr(module, spec.name)
        parent = builtins.get(spec.parent) or getattr(module, spec.parent)
        assert parent in cls.__bases__, spec.name
        for extra in spec.also:
            assert builtins[extra] in cls.__bases__, spec.name
        assert cls.__doc__ is not None
        assert cls.__doc__.startswith(spec.doc)
        if spec.fields:
            params = list(inspect.signature(cls).parameters)
            assert params == [f.name for f in spec.fields], spec.name


def test_headers() -> None:
    for spec in load_headers():
        assert getattr(headers, spec.constant) == spec.name


def test_limits_and_their_environment_overrides() -> None:
    limits = load_limits()
    for spec in limits:
        assert getattr(http11, spec.name) == spec.default
    env = {**os.environ, **{spec.env: str(spec.default + 1) for spec in limits}}
    names = ", ".join(f"h.{spec.name}" for spec in limits)
    output = subprocess.run(
        [sys.executable, "-c", f"import websockets.http11 as h; print({names})"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.split()
    assert output == [str(spec.default + 1) for spec in limits]
