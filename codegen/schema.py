"""Load the YAML files in ``spec/`` into small typed records, validating as it goes.

Every error names the file, the entry and the key at fault, so a typo in the spec is a
one-line fix rather than a hunt through a traceback.
"""

from __future__ import annotations

import itertools
import keyword
import re
import string
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, TypeVar, cast

import attrs
import yaml

__all__ = [
    "SPEC_DIR",
    "CloseCodeRange",
    "CloseCodeSpec",
    "ExceptionSpec",
    "FieldSpec",
    "HeaderSpec",
    "LimitSpec",
    "OpcodeSpec",
    "SpecError",
    "StrSpec",
    "load_close_codes",
    "load_exceptions",
    "load_headers",
    "load_limits",
    "load_opcodes",
]

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")
CLASS_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
PRIVATE_CLASS_NAME = re.compile(r"_[A-Z][A-Za-z0-9]*")
HEADER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
ENV_NAME = re.compile(r"WEBSOCKETS_[A-Z0-9_]+")
# A type annotation as the spec may write it: names, dots, unions, None and brackets.
ANNOTATION = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\], |]*")
# Builtin exceptions the hierarchy may extend.
BUILTIN_BASES = frozenset({"Exception", "AssertionError", "RuntimeError", "LookupError"})


class SpecError(Exception):
    """A spec file is malformed; the message names the file, the entry and the key."""

    def __init__(self, path: Path, entry: str, key: str | None, message: str) -> None:
        self.path = path
        self.entry = entry
        self.key = key
        self.message = message
        where = f"{path.name}: {entry}" + (f", key {key!r}" if key else "")
        super().__init__(f"{where}: {message}")


@attrs.frozen
class OpcodeSpec:
    """One frame opcode."""

    name: str
    value: int
    kind: Literal["data", "control"]
    doc: str
    ref: str


@attrs.frozen
class CloseCodeSpec:
    """One close code with a name of its own."""

    name: str
    value: int
    explanation: str
    doc: str
    on_wire: bool
    ok: bool
    ref: str


@attrs.frozen
class CloseCodeRange:
    """A range of close codes left to applications."""

    name: str
    first: int
    last: int
    explanation: str
    doc: str
    ref: str


@attrs.frozen
class HeaderSpec:
    """One HTTP header name used by the handshake."""

    name: str
    ref: str

    @property
    def constant(self) -> str:
        """The Python constant naming this header, e.g. SEC_WEBSOCKET_KEY."""
        return self.name.upper().replace("-", "_")


@attrs.frozen
class LimitSpec:
    """A handshake limit, with its default and its environment override."""

    name: str
    default: int
    env: str
    doc: str
    ref: str


@attrs.frozen
class FieldSpec:
    """A constructor parameter of an exception."""

    name: str
    type: str
    has_default: bool = False
    default: str | None = None


@attrs.frozen
class StrSpec:
    """How str() reads: a default template and optional templates for None or ""."""

    default: str
    when_none: tuple[str, str] | None = None  # (field, template)
    when_empty: tuple[str, str] | None = None  # (field, template)


@attrs.frozen
class ExceptionSpec:
    """One exception class."""

    name: str
    parent: str
    also: tuple[str, ...]
    doc: str
    details: str | None
    ref: str
    fields: tuple[FieldSpec, ...]
    str_spec: StrSpec | None
    behaviour: str | None
    init: Literal["generated", "behaviour"]


# -- YAML loading -------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys, which PyYAML would merge."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[object, object]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load(path: Path) -> dict[str, object]:
    try:
        with path.open(encoding="utf-8") as stream:
            document = yaml.load(stream, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise SpecError(path, "document", None, f"invalid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise SpecError(path, "document", None, "expected a mapping at the top level")
    return cast("dict[str, object]", document)


# -- Validation helpers ---------------------------------------------------------------

T = TypeVar("T")


class _Entry:
    """One mapping from a spec list, read key by key with errors that locate it."""

    def __init__(self, path: Path, label: str, raw: object, allowed: set[str]) -> None:
        self.path = path
        self.label = label
        if not isinstance(raw, dict):
            raise SpecError(path, label, None, "expected a mapping")
        self.raw = cast("dict[str, object]", raw)
        # "opcode #2" reads better as "opcode TEXT" once the name is known.
        name = self.raw.get("name")
        if " #" in label and isinstance(name, str):
            self.label = f"{label.split(' #')[0]} {name}"
        for key in self.raw:
            if key not in allowed:
                raise SpecError(path, self.label, str(key), "unknown key")

    def error(self, key: str | None, message: str) -> SpecError:
        return SpecError(self.path, self.label, key, message)

    def get(self, key: str, kind: type[T], *, default: T | None = None) -> T:
        if key not in self.raw:
            if default is not None:
                return default
            raise self.error(key, "missing")
        value = self.raw[key]
        # bool is a subclass of int: refuse it where a number is expected.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(key, f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    def text(self, key: str, pattern: re.Pattern[str] | None = None) -> str:
        value = self.get(key, str)
        if not value.strip():
            raise self.error(key, "must not be empty")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.error(key, f"invalid value {value!r}")
        return value

    def optional_text(self, key: str) -> str | None:
        if key not in self.raw:
            return None
        return self.text(key)


def _entries(path: Path, document: dict[str, object], key: str) -> list[object]:
    value = document.get(key)
    if not isinstance(value, list) or not value:
        raise SpecError(path, "document", key, "expected a non-empty list")
    return cast("list[object]", value)


def _check_top_level(path: Path, document: dict[str, object], allowed: set[str]) -> None:
    for key in document:
        if key not in allowed:
            raise SpecError(path, "document", str(key), "unknown key")


def _unique(
    path: Path,
    items: Sequence[T],
    label: Callable[[T], str],
    attribute: str,
    value: Callable[[T], object],
) -> None:
    seen: dict[object, str] = {}
    for item in items:
        key = value(item)
        if key in seen:
            raise SpecError(
                path, label(item), attribute, f"duplicate value {key!r}, also in {seen[key]}"
            )
        seen[key] = label(item)


# -- Loaders --------------------------------------------------------------------------


def load_opcodes(path: Path = SPEC_DIR / "opcodes.yaml") -> list[OpcodeSpec]:
    """Load and validate the opcode table."""
    document = _load(path)
    _check_top_level(path, document, {"opcodes"})
    result: list[OpcodeSpec] = []
    for index, raw in enumerate(_entries(path, document, "opcodes")):
        entry = _Entry(path, f"opcode #{index + 1}", raw, {"name", "value", "kind", "doc", "ref"})
        name = entry.text("name", CONSTANT)
        value = entry.get("value", int)
        if not 0 <= value <= 0xF:
            raise entry.error("value", f"{value} is not a 4-bit opcode")
        kind = entry.text("kind")
        if kind not in ("data", "control"):
            raise entry.error("kind", f"expected 'data' or 'control', got {kind!r}")
        # RFC 6455 section 5.5: control opcodes have the most significant bit set.
        if (kind == "control") != (value >= 0x8):
            raise entry.error("kind", f"opcode {value:#x} cannot be a {kind} opcode")
        result.append(
            OpcodeSpec(
                name=name,
                value=value,
                kind="data" if kind == "data" else "control",
                doc=entry.text("doc"),
                ref=entry.text("ref"),
            )
        )
    _unique(path, result, lambda o: f"opcode {o.name}", "name", lambda o: o.name)
    _unique(path, result, lambda o: f"opcode {o.name}", "value", lambda o: o.value)
    return result


def load_close_codes(
    path: Path = SPEC_DIR / "close_codes.yaml",
) -> tuple[list[CloseCodeSpec], list[CloseCodeRange]]:
    """Load and validate the close codes and the application ranges."""
    document = _load(path)
    _check_top_level(path, document, {"codes", "ranges"})
    codes: list[CloseCodeSpec] = []
    keys = {"name", "value", "explanation", "doc", "on_wire", "ok", "ref"}
    for index, raw in enumerate(_entries(path, document, "codes")):
        entry = _Entry(path, f"code #{index + 1}", raw, keys)
        name = entry.text("name", CONSTANT)
        value = entry.get("value", int)
        if not 1000 <= value <= 2999:
            raise entry.error("value", f"{value} is outside the protocol range 1000-2999")
        codes.append(
            CloseCodeSpec(
                name=name,
                value=value,
                explanation=entry.text("explanation"),
                doc=entry.text("doc"),
                on_wire=entry.get("on_wire", bool),
                ok=entry.get("ok", bool),
                ref=entry.text("ref"),
            )
        )
    _unique(path, codes, lambda c: f"code {c.name}", "name", lambda c: c.name)
    _unique(path, codes, lambda c: f"code {c.name}", "value", lambda c: c.value)

    ranges: list[CloseCodeRange] = []
    keys = {"name", "first", "last", "explanation", "doc", "ref"}
    for index, raw in enumerate(_entries(path, document, "ranges")):
        entry = _Entry(path, f"range #{index + 1}", raw, keys)
        name = entry.text("name", CONSTANT)
        first, last = entry.get("first", int), entry.get("last", int)
        if not 3000 <= first <= last <= 4999:
            raise entry.error("last", f"{first}-{last} is not an application range")
        ranges.append(
            CloseCodeRange(
                name=name,
                first=first,
                last=last,
                explanation=entry.text("explanation"),
                doc=entry.text("doc"),
                ref=entry.text("ref"),
            )
        )
    _unique(path, ranges, lambda r: f"range {r.name}", "name", lambda r: r.name)
    ordered = sorted(ranges, key=lambda r: r.first)
    for before, after in itertools.pairwise(ordered):
        if after.first <= before.last:
            raise SpecError(path, f"range {after.name}", "first", f"overlaps {before.name}")
    return codes, ranges


def load_headers(path: Path = SPEC_DIR / "http.yaml") -> list[HeaderSpec]:
    """Load and validate the header names."""
    document = _load(path)
    _check_top_level(path, document, {"headers", "limits"})
    result: list[HeaderSpec] = []
    for index, raw in enumerate(_entries(path, document, "headers")):
        entry = _Entry(path, f"header #{index + 1}", raw, {"name", "ref"})
        name = entry.text("name", HEADER_NAME)
        result.append(HeaderSpec(name=name, ref=entry.text("ref")))
    _unique(path, result, lambda h: f"header {h.name}", "name", lambda h: h.name.lower())
    return result


def load_limits(path: Path = SPEC_DIR / "http.yaml") -> list[LimitSpec]:
    """Load and validate the handshake limits."""
    document = _load(path)
    _check_top_level(path, document, {"headers", "limits"})
    result: list[LimitSpec] = []
    keys = {"name", "default", "env", "doc", "ref"}
    for index, raw in enumerate(_entries(path, document, "limits")):
        entry = _Entry(path, f"limit #{index + 1}", raw, keys)
        name = entry.text("name", CONSTANT)
        default = entry.get("default", int)
        if default <= 0:
            raise entry.error("default", "must be positive")
        result.append(
            LimitSpec(
                name=name,
                default=default,
                env=entry.text("env", ENV_NAME),
                doc=entry.text("doc"),
                ref=entry.text("ref"),
            )
        )
    _unique(path, result, lambda lim: f"limit {lim.name}", "name", lambda lim: lim.name)
    _unique(path, result, lambda lim: f"limit {lim.name}", "env", lambda lim: lim.env)
    return result


def _template_fields(entry: _Entry, key: str, template: str) -> set[str]:
    """Return the root names of a template's placeholders, refusing anything else."""
    roots: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise entry.error(key, f"invalid template {template!r}: {exc}") from exc
    for _, field, _, conversion in parsed:
        if field is None:
            continue
        if conversion is not None:
            raise entry.error(key, f"conversion !{conversion} is not supported")
        parts = field.split(".")
        if not all(IDENTIFIER.fullmatch(part) for part in parts):
            raise entry.error(key, f"placeholder {{{field}}} is not a name")
        roots.add(parts[0])
    return roots


def _load_str_spec(entry: _Entry, field_names: set[str]) -> StrSpec | None:
    if "str" not in entry.raw:
        return None
    raw = entry.raw["str"]

    def check(key: str, template: str) -> str:
        # Templates become f-strings between double quotes.
        if '"' in template or "\\" in template:
            raise entry.error(key, "quotes and backslashes are not supported")
        unknown = _template_fields(entry, key, template) - field_names
        if unknown:
            raise entry.error(key, f"placeholder names unknown field {sorted(unknown)[0]!r}")
        return template

    if isinstance(raw, str):
        return StrSpec(default=check("str", raw))
    variants = _Entry(entry.path, entry.label, raw, {"default", "when_none", "when_empty"})
    default = check("str.default", variants.text("default"))
    conditions: dict[str, tuple[str, str] | None] = {}
    for key in ("when_none", "when_empty"):
        if key not in variants.raw:
            conditions[key] = None
            continue
        condition = _Entry(entry.path, entry.label, variants.raw[key], {"field", "template"})
        field = condition.text("field")
        if field not in field_names:
            raise entry.error(f"str.{key}.field", f"unknown field {field!r}")
        conditions[key] = (field, check(f"str.{key}.template", condition.text("template")))
    return StrSpec(
        default=default, when_none=conditions["when_none"], when_empty=conditions["when_empty"]
    )


def _load_fields(entry: _Entry) -> tuple[FieldSpec, ...]:
    if "fields" not in entry.raw:
        return ()
    raw_fields = cast("list[object]", entry.get("fields", list))
    if not raw_fields:
        raise entry.error("fields", "must not be empty when present")
    fields: list[FieldSpec] = []
    for index, raw in enumerate(raw_fields):
        field = _Entry(entry.path, entry.label, raw, {"name", "type", "default"})
        name = field.text("name", IDENTIFIER)
        if keyword.iskeyword(name):
            raise entry.error(f"fields[{index}].name", f"{name!r} is a Python keyword")
        annotation = field.text("type")
        if not ANNOTATION.fullmatch(annotation):
            raise entry.error(f"fields[{index}].type", f"bad type {annotation!r}")
        has_default = "default" in field.raw
        default = field.raw.get("default")
        if default is not None and not isinstance(default, (int, str)):
            raise entry.error(f"fields[{index}].default", "expected null, int or str")
        if fields and fields[-1].has_default and not has_default:
            raise entry.error(f"fields[{index}]", "a field without default follows one with")
        fields.append(
            FieldSpec(
                name=name,
                type=annotation,
                has_default=has_default,
                default=None if default is None else _literal(default),
            )
        )
    _unique(entry.path, fields, lambda _: entry.label, "fields", lambda f: f.name)
    return tuple(fields)


def _literal(value: int | str) -> str:
    """Render a default value as a Python literal in the formatter's quoting style."""
    if isinstance(value, int):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_exceptions(path: Path = SPEC_DIR / "exceptions.yaml") -> list[ExceptionSpec]:
    """Load and validate the exception hierarchy, parents before children."""
    document = _load(path)
    _check_top_level(path, document, {"exceptions"})
    keys = {"name", "parent", "also", "doc", "details", "ref", "fields", "str", "behaviour"}
    keys.add("init")
    result: list[ExceptionSpec] = []
    known: dict[str, ExceptionSpec] = {}
    for index, raw in enumerate(_entries(path, document, "exceptions")):
        entry = _Entry(path, f"exception #{index + 1}", raw, keys)
        name = entry.text("name", CLASS_NAME)
        if name in known:
            raise entry.error("name", "duplicate value, defined twice")
        parent = entry.text("parent", CLASS_NAME)
        if parent not in known and parent not in BUILTIN_BASES:
            raise entry.error("parent", f"unknown parent {parent!r} (parents come first)")
        also: list[str] = []
        for base in cast("list[object]", entry.get("also", list, default=[])):
            if not isinstance(base, str) or base not in BUILTIN_BASES:
                raise entry.error("also", f"unknown builtin base {base!r}")
            also.append(base)
        fields = _load_fields(entry)
        if not fields and parent in known:
            inherited = known[parent].fields
            field_names = {f.name for f in inherited}
        else:
            field_names = {f.name for f in fields}
        behaviour = entry.raw.get("behaviour")
        if behaviour is not None and (
            not isinstance(behaviour, str) or not PRIVATE_CLASS_NAME.fullmatch(behaviour)
        ):
            raise entry.error("behaviour", "expected a private class name like _Name")
        init = entry.get("init", str, default="generated")
        if init not in ("generated", "behaviour"):
            raise entry.error("init", f"expected 'generated' or 'behaviour', got {init!r}")
        if init == "behaviour" and behaviour is None:
            raise entry.error("init", "init: behaviour needs a behaviour class")
        if init == "behaviour" and not fields:
            raise entry.error("fields", "init: behaviour needs fields documenting the constructor")
        str_spec = _load_str_spec(entry, field_names)
        if str_spec is not None and init == "behaviour":
            raise entry.error("str", "with init: behaviour, str() belongs to the behaviour")
        spec = ExceptionSpec(
            name=name,
            parent=parent,
            also=tuple(also),
            doc=entry.text("doc"),
            details=entry.optional_text("details"),
            ref=entry.text("ref"),
            fields=fields,
            str_spec=str_spec,
            behaviour=behaviour,
            init="generated" if init == "generated" else "behaviour",
        )
        known[name] = spec
        result.append(spec)
    return result
