"""Generate the protocol's constants and exception classes from the YAML in ``spec/``.

cog runs the one-line blocks inside ``src/websockets/*.py``; each calls one function
below, which loads its spec file, validates it and returns the source to insert::

    # [[[cog import codegen; print(codegen.opcodes(), end="") ]]]
    ...generated code...
    # [[[end]]]

Run ``make regen`` after changing the spec; ``make check`` fails while any block is stale.
"""

from __future__ import annotations

from . import render, schema
from .schema import SpecError

__all__ = [
    "SpecError",
    "close_codes",
    "exception_names",
    "exceptions",
    "header_names",
    "limits",
    "opcodes",
]


def opcodes() -> str:
    """Source of the Opcode enum and its aliases, for websockets.frames."""
    return render.render_opcodes(schema.load_opcodes())


def close_codes() -> str:
    """Source of the CloseCode enum and its tables, for websockets.frames."""
    return render.render_close_codes(*schema.load_close_codes())


def exceptions() -> str:
    """Source of the exception hierarchy, for websockets.exceptions."""
    return render.render_exceptions(schema.load_exceptions())


def exception_names() -> str:
    """Source of ``__all__`` for websockets.exceptions."""
    return render.render_exception_names(schema.load_exceptions())


def header_names() -> str:
    """Source of the header name constants, for websockets.http11."""
    return render.render_header_names(schema.load_headers())


def limits() -> str:
    """Source of the handshake limits, for websockets.http11."""
    return render.render_limits(schema.load_limits())
