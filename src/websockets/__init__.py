"""An implementation of the WebSocket protocol (RFC 6455 and RFC 7692).

The names below are imported lazily, on first access, so that ``import websockets``
stays cheap and optional dependencies are only needed by the features that use them.

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .imports import lazy_import
from .version import version as __version__  # noqa: F401  (public, outside __all__)

__all__ = [
    "Close",
    "CloseCode",
    "ConcurrencyError",
    "ConnectionClosed",
    "ConnectionClosedError",
    "ConnectionClosedOK",
    "Data",
    "DuplicateParameter",
    "ExtensionName",
    "ExtensionParameter",
    "InvalidHandshake",
    "InvalidHeader",
    "InvalidHeaderFormat",
    "InvalidHeaderValue",
    "InvalidMessage",
    "InvalidOrigin",
    "InvalidParameterName",
    "InvalidParameterValue",
    "InvalidProxy",
    "InvalidProxyMessage",
    "InvalidProxyStatus",
    "InvalidState",
    "InvalidStatus",
    "InvalidURI",
    "InvalidUpgrade",
    "LoggerLike",
    "NegotiationError",
    "Opcode",
    "Origin",
    "PayloadTooBig",
    "ProtocolError",
    "ProxyError",
    "SecurityError",
    "StatusLike",
    "Subprotocol",
    "WebSocketException",
]

# Type checkers and IDEs see plain imports; at runtime the same names resolve lazily.
if TYPE_CHECKING:
    from .exceptions import (
        ConcurrencyError,
        ConnectionClosed,
        ConnectionClosedError,
        ConnectionClosedOK,
        DuplicateParameter,
        InvalidHandshake,
        InvalidHeader,
        InvalidHeaderFormat,
        InvalidHeaderValue,
        InvalidMessage,
        InvalidOrigin,
        InvalidParameterName,
        InvalidParameterValue,
        InvalidProxy,
        InvalidProxyMessage,
        InvalidProxyStatus,
        InvalidState,
        InvalidStatus,
        InvalidUpgrade,
        InvalidURI,
        NegotiationError,
        PayloadTooBig,
        ProtocolError,
        ProxyError,
        SecurityError,
        WebSocketException,
    )
    from .frames import Close, CloseCode, Opcode
    from .typing import (
        Data,
        ExtensionName,
        ExtensionParameter,
        LoggerLike,
        Origin,
        StatusLike,
        Subprotocol,
    )
else:
    lazy_import(
        globals(),
        aliases={
            **dict.fromkeys(
                [
                    "ConcurrencyError",
                    "ConnectionClosed",
                    "ConnectionClosedError",
                    "ConnectionClosedOK",
                    "DuplicateParameter",
                    "InvalidHandshake",
                    "InvalidHeader",
                    "InvalidHeaderFormat",
                    "InvalidHeaderValue",
                    "InvalidMessage",
                    "InvalidOrigin",
                    "InvalidParameterName",
                    "InvalidParameterValue",
                    "InvalidProxy",
                    "InvalidProxyMessage",
                    "InvalidProxyStatus",
                    "InvalidState",
                    "InvalidStatus",
                    "InvalidURI",
                    "InvalidUpgrade",
                    "NegotiationError",
                    "PayloadTooBig",
                    "ProtocolError",
                    "ProxyError",
                    "SecurityError",
                    "WebSocketException",
                ],
                ".exceptions",
            ),
            **dict.fromkeys(["Close", "CloseCode", "Opcode"], ".frames"),
            **dict.fromkeys(
                [
                    "Data",
                    "ExtensionName",
                    "ExtensionParameter",
                    "LoggerLike",
                    "Origin",
                    "StatusLike",
                    "Subprotocol",
                ],
                ".typing",
            ),
        },
    )
