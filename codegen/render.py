"""Render validated spec records as Python source, already in the formatter's style.

Each function is pure: records in, source text out. The text is what cog writes between
the markers of a cog block; it starts and ends with the blank lines that ruff expects
around top-level definitions, so formatting the file afterwards changes nothing.
"""

from __future__ import annotations

import re
import string
import textwrap
from collections.abc import Iterable, Sequence

from .schema import (
    CloseCodeRange,
    CloseCodeSpec,
    ExceptionSpec,
    HeaderSpec,
    LimitSpec,
    OpcodeSpec,
    StrSpec,
)

__all__ = [
    "LINE_LENGTH",
    "render_close_codes",
    "render_exception_names",
    "render_exceptions",
    "render_header_names",
    "render_limits",
    "render_opcodes",
]

LINE_LENGTH = 100
INDENT = "    "


def docstring(text: str, indent: str = "", details: str | None = None) -> list[str]:
    """Return the lines of a docstring, wrapped to the line length."""
    width = LINE_LENGTH - len(indent)
    one_line = f'{indent}"""{text}"""'
    if details is None and len(one_line) <= LINE_LENGTH:
        return [one_line]
    lines = textwrap.wrap(f'"""{text}', width=width)
    if details is not None:
        lines.append("")
        lines.extend(textwrap.wrap(details, width=width))
    lines.append('"""')
    return [f"{indent}{line}" if line else "" for line in lines]


def _sequence(prefix: str, items: Sequence[str], suffix: str, indent: str = "") -> list[str]:
    """Render a bracketed sequence on one line if it fits, else one item per line."""
    one_line = f"{indent}{prefix}{', '.join(items)}{suffix}"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    return [
        f"{indent}{prefix}",
        *(f"{indent}{INDENT}{item}," for item in items),
        f"{indent}{suffix}",
    ]


def _frozenset(prefix: str, items: Sequence[str]) -> list[str]:
    """Render ``prefix`` followed by a frozenset literal, as ruff lays it out."""
    one_line = f"{prefix}frozenset({{{', '.join(items)}}})"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    return [
        f"{prefix}frozenset(",
        f"{INDENT}{{",
        *(f"{INDENT}{INDENT}{item}," for item in items),
        f"{INDENT}}}",
        ")",
    ]


def _join(source: str, blocks: Iterable[list[str]]) -> str:
    """Join top-level blocks with two blank lines, and frame them the same way.

    The framing keeps the cog marker comments two lines away from the code, which is
    where ruff puts comments around top-level definitions.
    """
    gap = ["", ""]
    lines: list[str] = [
        f"# Generated from spec/{source} by codegen: do not edit, run `make regen`."
    ]
    for block in blocks:
        lines.extend(gap)
        lines.extend(block)
    lines.extend(gap)
    return "\n".join(lines) + "\n"


# -- frames.py ------------------------------------------------------------------------


def render_opcodes(opcodes: Sequence[OpcodeSpec]) -> str:
    """Render the Opcode enum, its module-level aliases and the opcode groups."""
    enum_lines = [
        "class Opcode(enum.IntEnum):",
        *docstring("Opcode values of WebSocket frames (RFC 6455, section 11.8).", INDENT),
    ]
    for opcode in opcodes:
        enum_lines.append("")
        enum_lines.append(f"{INDENT}{opcode.name} = 0x{opcode.value:X}")
        enum_lines.extend(docstring(f"{opcode.doc} ({opcode.ref}.)", INDENT))
    aliases = [f"OP_{opcode.name} = Opcode.{opcode.name}" for opcode in opcodes]
    groups: list[str] = []
    for kind, name in (("data", "DATA_OPCODES"), ("control", "CTRL_OPCODES")):
        members = [f"OP_{o.name}" for o in opcodes if o.kind == kind]
        groups.extend(_sequence(f"{name} = (", members, ")"))
    return _join("opcodes.yaml", [enum_lines, [*aliases, "", *groups]])


def render_close_codes(codes: Sequence[CloseCodeSpec], ranges: Sequence[CloseCodeRange]) -> str:
    """Render the CloseCode enum and the tables derived from the close codes."""
    enum_lines = [
        "class CloseCode(enum.IntEnum):",
        *docstring("Status codes of Close frames (RFC 6455, section 7.4.1).", INDENT),
    ]
    for code in codes:
        enum_lines.append("")
        enum_lines.append(f"{INDENT}{code.name} = {code.value}")
        wire = "" if code.on_wire else " Never sent in a Close frame."
        enum_lines.extend(docstring(f"{code.doc}{wire} ({code.ref}.)", INDENT))

    explanations = [
        "CLOSE_CODE_EXPLANATIONS: dict[int, str] = {",
        *(f'{INDENT}CloseCode.{code.name}: "{code.explanation}",' for code in codes),
        "}",
        *docstring("Short phrases describing each close code, as shown in logs."),
    ]
    external = _frozenset(
        "EXTERNAL_CLOSE_CODES: frozenset[int] = ",
        [f"CloseCode.{code.name}" for code in codes if code.on_wire],
    )
    external += docstring("Close codes with a name that may appear in a Close frame.")
    ok = _frozenset(
        "OK_CLOSE_CODES: frozenset[int] = ",
        [f"CloseCode.{code.name}" for code in codes if code.ok],
    )
    ok += docstring("Close codes meaning that the connection terminated normally.")
    application = [
        "APPLICATION_CLOSE_CODE_RANGES: dict[range, str] = {",
        *(
            f'{INDENT}range({item.first}, {item.last + 1}): "{item.explanation}",'
            for item in ranges
        ),
        "}",
        *docstring("Ranges of close codes left to applications, with their explanation."),
    ]
    tables = [*explanations, "", *external, "", *ok, "", *application]
    return _join("close_codes.yaml", [enum_lines, tables])


# -- http11.py ------------------------------------------------------------------------


def render_header_names(headers: Sequence[HeaderSpec]) -> str:
    """Render one constant per header name used by the handshake."""
    lines: list[str] = []
    for header in headers:
        lines.append(f'{header.constant}: Final = "{header.name}"')
        lines.extend(docstring(f"The {header.name} header ({header.ref})."))
    return _join("http.yaml", [lines])


def render_limits(limits: Sequence[LimitSpec]) -> str:
    """Render the handshake limits, each read once from its environment variable."""
    lines: list[str] = []
    for limit in limits:
        if lines:
            lines.append("")
        lines.append(f'{limit.name} = int(os.environ.get("{limit.env}", "{limit.default}"))')
        text = f"{limit.doc} Default {limit.default}; set {limit.env} to override. ({limit.ref}.)"
        lines.extend(docstring(text))
    return _join("http.yaml", [lines])


# -- exceptions.py --------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(:[^{}]*)?\}")


def _f_string(template: str) -> str:
    """Turn a spec template into an f-string reading fields from self."""
    has_fields = any(field is not None for _, field, _, _ in string.Formatter().parse(template))
    if not has_fields:
        return f'"{template}"'
    return 'f"' + _PLACEHOLDER.sub(r"{self.\1\2}", template) + '"'


def _str_method(spec: StrSpec) -> list[str]:
    body = 2 * INDENT
    lines = ["", f"{INDENT}def __str__(self) -> str:"]
    for condition, test in ((spec.when_none, "is None"), (spec.when_empty, '== ""')):
        if condition is not None:
            field, template = condition
            lines.append(f"{body}if self.{field} {test}:")
            lines.append(f"{body}{INDENT}return {_f_string(template)}")
    lines.append(f"{body}return {_f_string(spec.default)}")
    return lines


def _exception_class(spec: ExceptionSpec) -> list[str]:
    bases = [spec.parent, *spec.also]
    if spec.behaviour is not None:
        bases.insert(0, spec.behaviour)
    own_fields = spec.fields if spec.init == "generated" else ()
    # eq=False: exceptions compare and hash by identity, which type checkers then know.
    lines = ["@attrs.define(eq=False)"] if own_fields else []
    lines.append(f"class {spec.name}({', '.join(bases)}):")
    lines.extend(docstring(spec.doc, INDENT, spec.details))
    if own_fields:
        lines.append("")
    for field in own_fields:
        default = f" = {field.default}" if field.has_default else ""
        lines.append(f"{INDENT}{field.name}: {field.type}{default}")
    if spec.str_spec is not None:
        lines.extend(_str_method(spec.str_spec))
    return lines


def render_exceptions(exceptions: Sequence[ExceptionSpec]) -> str:
    """Render the exception hierarchy, parents before children."""
    return _join("exceptions.yaml", (_exception_class(spec) for spec in exceptions))


def render_exception_names(exceptions: Sequence[ExceptionSpec]) -> str:
    """Render the ``__all__`` list of the exceptions module."""
    names = [f'"{spec.name}"' for spec in sorted(exceptions, key=lambda spec: spec.name)]
    return "\n".join(_sequence("__all__ = [", names, "]")) + "\n"
