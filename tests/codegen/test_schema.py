"""A malformed spec fails with an error naming the file, the entry and the key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from codegen.schema import (
    SpecError,
    load_close_codes,
    load_exceptions,
    load_headers,
    load_limits,
    load_opcodes,
)

OPCODE = "  - {name: TEXT, value: 1, kind: data, doc: Text., ref: RFC 6455}\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error(tmp_path: Path, loader: Callable[[Path], object], text: str) -> SpecError:
    with pytest.raises(SpecError) as excinfo:
        loader(write(tmp_path, text))
    return excinfo.value


def test_committed_spec_loads() -> None:
    assert len(load_opcodes()) == 6
    codes, ranges = load_close_codes()
    assert len(codes) == 15
    assert len(ranges) == 2
    assert len(load_exceptions()) == 26
    assert len(load_limits()) == 3
    assert load_headers()


def test_unknown_key(tmp_path: Path) -> None:
    exc = error(tmp_path, load_opcodes, "opcodes:\n" + OPCODE.replace("ref:", "color: red, ref:"))
    assert str(exc) == "spec.yaml: opcode TEXT, key 'color': unknown key"
    assert (exc.entry, exc.key) == ("opcode TEXT", "color")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    exc = error(tmp_path, load_opcodes, "opcodes:\n" + OPCODE + "extra: 1\n")
    assert str(exc) == "spec.yaml: document, key 'extra': unknown key"


def test_missing_key(tmp_path: Path) -> None:
    exc = error(tmp_path, load_opcodes, "opcodes:\n  - {name: TEXT, value: 1, kind: data}\n")
    assert str(exc) == "spec.yaml: opcode TEXT, key 'doc': missing"


def test_duplicate_value(tmp_path: Path) -> None:
    text = "opcodes:\n" + OPCODE + OPCODE.replace("TEXT", "TEXT2")
    exc = error(tmp_path, load_opcodes, text)
    assert (
        str(exc) == "spec.yaml: opcode TEXT2, key 'value': duplicate value 1, also in opcode TEXT"
    )


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    exc = error(tmp_path, load_opcodes, "opcodes: []\nopcodes: []\n")
    assert "invalid YAML" in str(exc)
    assert "duplicate key 'opcodes'" in str(exc)


def test_bad_type(tmp_path: Path) -> None:
    exc = error(tmp_path, load_opcodes, "opcodes:\n" + OPCODE.replace("value: 1", "value: one"))
    assert str(exc) == "spec.yaml: opcode TEXT, key 'value': expected int, got str"


def test_bool_is_not_an_int(tmp_path: Path) -> None:
    exc = error(tmp_path, load_opcodes, "opcodes:\n" + OPCODE.replace("value: 1", "value: true"))
    assert str(exc) == "spec.yaml: opcode TEXT, key 'value': expected int, got bool"


def test_control_opcode_range(tmp_path: Path) -> None:
    exc = error(
        tmp_path, load_opcodes, "opcodes:\n" + OPCODE.replace("kind: data", "kind: control")
    )
    assert str(exc) == "spec.yaml: opcode TEXT, key 'kind': opcode 0x1 cannot be a control opcode"


def test_not_a_mapping(tmp_path: Path) -> None:
    exc = error(tmp_path, load_opcodes, "- 1\n")
    assert str(exc) == "spec.yaml: document: expected a mapping at the top level"
    exc = error(tmp_path, load_opcodes, "opcodes: [1]\n")
    assert str(exc) == "spec.yaml: opcode #1: expected a mapping"
    exc = error(tmp_path, load_opcodes, "opcodes: []\n")
    assert str(exc) == "spec.yaml: document, key 'opcodes': expected a non-empty list"


def test_invalid_yaml(tmp_path: Path) -> None:
    exc = error(tmp_path, load_opcodes, "opcodes: [\n")
    assert str(exc).startswith("spec.yaml: document: invalid YAML")


CODE = (
    "codes:\n  - {name: NORMAL_CLOSURE, value: 1000, explanation: OK, doc: Done.,"
    " on_wire: true, ok: true, ref: RFC 6455}\n"
)
RANGE = "  - {name: PRIVATE_USE, first: 4000, last: 4999, explanation: p, doc: d, ref: r}\n"


def test_close_code_range_checks(tmp_path: Path) -> None:
    exc = error(tmp_path, load_close_codes, CODE.replace("1000", "999") + "ranges:\n" + RANGE)
    assert str(exc) == (
        "spec.yaml: code NORMAL_CLOSURE, key 'value': 999 is outside the protocol range 1000-2999"
    )
    overlapping = RANGE + RANGE.replace("PRIVATE_USE", "OTHER").replace("4000", "4500")
    exc = error(tmp_path, load_close_codes, CODE + "ranges:\n" + overlapping)
    assert str(exc) == "spec.yaml: range OTHER, key 'first': overlaps PRIVATE_USE"
    exc = error(tmp_path, load_close_codes, CODE + "ranges:\n" + RANGE.replace("4999", "5000"))
    assert (
        str(exc)
        == "spec.yaml: range PRIVATE_USE, key 'last': 4000-5000 is not an application range"
    )


def test_header_and_limit_checks(tmp_path: Path) -> None:
    headers = "headers:\n  - {name: Host, ref: r}\n  - {name: host, ref: r}\nlimits: []\n"
    exc = error(tmp_path, load_headers, headers)
    assert (
        str(exc)
        == "spec.yaml: header host, key 'name': duplicate value 'host', also in header Host"
    )
    limits = "limits:\n  - {name: MAX, default: 0, env: WEBSOCKETS_MAX, doc: d, ref: r}\n"
    exc = error(tmp_path, load_limits, limits)
    assert str(exc) == "spec.yaml: limit MAX, key 'default': must be positive"
    exc = error(tmp_path, load_limits, limits.replace("0", "1").replace("WEBSOCKETS_MAX", "MAX"))
    assert str(exc) == "spec.yaml: limit MAX, key 'env': invalid value 'MAX'"


BASE = "exceptions:\n  - {name: Base, parent: Exception, doc: Base., ref: r}\n"


def test_unknown_parent(tmp_path: Path) -> None:
    text = BASE + "  - {name: Child, parent: Missing, doc: Child., ref: r}\n"
    exc = error(tmp_path, load_exceptions, text)
    assert str(exc) == (
        "spec.yaml: exception Child, key 'parent': unknown parent 'Missing' (parents come first)"
    )


def test_duplicate_exception(tmp_path: Path) -> None:
    exc = error(tmp_path, load_exceptions, BASE + BASE.split("\n", 1)[1])
    assert str(exc) == "spec.yaml: exception Base, key 'name': duplicate value, defined twice"


def test_unknown_placeholder(tmp_path: Path) -> None:
    text = BASE + (
        "  - {name: Child, parent: Base, doc: Child., ref: r,"
        " fields: [{name: uri, type: str}], str: 'bad {url}'}\n"
    )
    exc = error(tmp_path, load_exceptions, text)
    assert (
        str(exc) == "spec.yaml: exception Child, key 'str': placeholder names unknown field 'url'"
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("fields: [{name: class, type: str}]", "key 'fields[0].name': 'class' is a Python keyword"),
        ("fields: [{name: a, type: 'x; y'}]", "key 'fields[0].type': bad type 'x; y'"),
        (
            "fields: [{name: a, type: str, default: null}, {name: b, type: str}]",
            "key 'fields[1]': a field without default follows one with",
        ),
        ("fields: [{name: a, type: str}, {name: a, type: str}]", "duplicate value 'a'"),
        ("fields: []", "key 'fields': must not be empty when present"),
        ("behaviour: Public", "key 'behaviour': expected a private class name like _Name"),
        ("init: magic", "key 'init': expected 'generated' or 'behaviour', got 'magic'"),
        ("init: behaviour", "key 'init': init: behaviour needs a behaviour class"),
        ("also: [ValueError]", "key 'also': unknown builtin base 'ValueError'"),
        ("str: '{a!r}', fields: [{name: a, type: str}]", "conversion !r is not supported"),
        ("str: '{a', fields: [{name: a, type: str}]", "invalid template '{a'"),
        ("str: '{0}', fields: [{name: a, type: str}]", "placeholder {0} is not a name"),
        ('str: a "b"', "quotes and backslashes are not supported"),
        (
            "str: {default: x, when_none: {field: b, template: y}}, fields: [{name: a, type: str}]",
            "key 'str.when_none.field': unknown field 'b'",
        ),
        (
            "init: behaviour, behaviour: _B, fields: [{name: a, type: str}], str: x",
            "key 'str': with init: behaviour, str() belongs to the behaviour",
        ),
    ],
)
def test_exception_checks(tmp_path: Path, entry: str, message: str) -> None:
    text = BASE + f"  - {{name: Child, parent: Base, doc: Child., ref: r, {entry}}}\n"
    exc = error(tmp_path, load_exceptions, text)
    assert message in str(exc)
    assert str(exc).startswith("spec.yaml: exception Child")
