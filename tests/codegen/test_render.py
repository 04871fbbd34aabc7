"""The generated blocks are current, stable, and rendered as the formatter would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import codegen
from codegen.render import docstring, render_exceptions
from codegen.schema import ExceptionSpec, FieldSpec, StrSpec

SRC = Path(__file__).resolve().parents[2] / "src" / "websockets"
BLOCK = re.compile(
    r"^# \[\[\[cog import codegen; print\(codegen\.(\w+)\(\), end=\"\"\) \]\]\]\n(.*?)^# \[\[\[end\]\]\]\n",
    re.MULTILINE | re.DOTALL,
)


def blocks() -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found.extend((path.name, m.group(1), m.group(2)) for m in BLOCK.finditer(text))
    return found


def test_every_cog_block_is_found() -> None:
    count = sum(path.read_text(encoding="utf-8").count("[[[cog") for path in SRC.rglob("*.py"))
    assert count == len(blocks()) == 6


@pytest.mark.parametrize(("filename", "function", "content"), blocks())
def test_committed_block_equals_fresh_render(filename: str, function: str, content: str) -> None:
    render = getattr(codegen, function)
    assert render() == content, f"{filename}: stale block, run `make regen`"
    # Rendering twice gives the same text.
    assert render() == render()


def test_block_is_framed_for_the_formatter() -> None:
    for _, function, _ in blocks():
        text: str = getattr(codegen, function)()
        if function == "exception_names":
            continue
        assert text.startswith("# Generated from spec/")
        assert text.endswith("\n\n\n")


def test_docstring_wraps_long_text() -> None:
    lines = docstring("word " * 40, "    ")
    assert lines[0].startswith('    """word')
    assert lines[-1] == '    """'
    assert all(len(line) <= 100 for line in lines)


def test_render_exception_variants() -> None:
    spec = ExceptionSpec(
        name="Custom",
        parent="Exception",
        also=("RuntimeError",),
        doc="Custom.",
        details=None,
        ref="r",
        fields=(FieldSpec("code", "int"), FieldSpec("text", "str", True, '"x"')),
        str_spec=StrSpec(
            default="plain",
            when_none=("text", "code {code}"),
            when_empty=("text", "empty"),
        ),
        behaviour="_Helper",
        init="generated",
    )
    text = render_exceptions([spec])
    assert "@attrs.define(eq=False)\nclass Custom(_Helper, Exception, RuntimeError):" in text
    assert '    text: str = "x"' in text
    assert '        if self.text is None:\n            return f"code {self.code}"' in text
    assert '        if self.text == "":\n            return "empty"' in text
    assert '        return "plain"' in text
