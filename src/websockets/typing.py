"""Type aliases used throughout the public API."""

from __future__ import annotations

import http
import logging
from typing import TYPE_CHECKING, Any, NewType, Union

__all__ = [
    "Data",
    "ExtensionName",
    "ExtensionParameter",
    "LoggerLike",
    "Origin",
    "StatusLike",
    "Subprotocol",
]

# Aliases use Union[...] rather than X | Y so that they stay valid at runtime on
# Python 3.10, where logging.LoggerAdapter cannot be subscripted.

Data = Union[str, bytes]  # noqa: UP007
"""Types supported in a WebSocket message: :class:`str` for text, :class:`bytes` for binary."""

if TYPE_CHECKING:
    LoggerLike = Union[logging.Logger, logging.LoggerAdapter[Any]]  # noqa: UP007
    """Types accepted where a logger is expected."""
else:
    LoggerLike = Union[logging.Logger, logging.LoggerAdapter]  # noqa: UP007

StatusLike = Union[http.HTTPStatus, int]  # noqa: UP007
"""Types accepted where an HTTP status code is expected."""

Origin = NewType("Origin", str)
"""Value of an Origin header."""

Subprotocol = NewType("Subprotocol", str)
"""Name of a WebSocket subprotocol."""

ExtensionName = NewType("ExtensionName", str)
"""Name of a WebSocket extension."""

ExtensionParameter = tuple[str, Union[str, None]]  # noqa: UP007
"""Parameter of a WebSocket extension: a name and an optional value."""
