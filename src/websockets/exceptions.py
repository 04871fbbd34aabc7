"""Exceptions raised by websockets.

The hierarchy, every constructor and how each exception reads come from
``spec/exceptions.yaml``; the classes are generated below. Behaviour the spec cannot
state, such as a constructor with logic of its own, lives in the ``_...Behaviour``
classes of this module, which the generated classes inherit from.

* :exc:`WebSocketException`

  * :exc:`ConnectionClosed` (:exc:`ConnectionClosedOK`, :exc:`ConnectionClosedError`)
  * :exc:`InvalidURI`, :exc:`InvalidProxy`
  * :exc:`InvalidHandshake`: :exc:`SecurityError`, :exc:`ProxyError`
    (:exc:`InvalidProxyMessage`, :exc:`InvalidProxyStatus`), :exc:`InvalidMessage`,
    :exc:`InvalidStatus`, :exc:`InvalidHeader` (:exc:`InvalidHeaderFormat`,
    :exc:`InvalidHeaderValue`, :exc:`InvalidOrigin`, :exc:`InvalidUpgrade`),
    :exc:`NegotiationError` (:exc:`DuplicateParameter`, :exc:`InvalidParameterName`,
    :exc:`InvalidParameterValue`)
  * :exc:`ProtocolError`, :exc:`PayloadTooBig`, :exc:`InvalidState`,
    :exc:`ConcurrencyError`

"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .frames import Close
    from .http11 import Response

# [[[cog import codegen; print(codegen.exception_names(), end="") ]]]
__all__ = [
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
]
# [[[end]]]


class _ConnectionClosedBehaviour(Exception):
    """Checks and describes the Close frames of :exc:`ConnectionClosed`."""

    __slots__ = ()

    rcvd: Close | None
    sent: Close | None
    rcvd_then_sent: bool | None

    def __attrs_post_init__(self) -> None:
        # The order of the Close frames is meaningful only when both exist.
        both = self.rcvd is not None and self.sent is not None
        assert both == (self.rcvd_then_sent is not None), "rcvd_then_sent needs both frames"

    def __str__(self) -> str:
        if self.rcvd is None:
            if self.sent is None:
                return "no close frame received or sent"
            return f"sent {self.sent}; no close frame received"
        if self.sent is None:
            return f"received {self.rcvd}; no close frame sent"
        if self.rcvd_then_sent:
            return f"received {self.rcvd}; then sent {self.sent}"
        return f"sent {self.sent}; then received {self.rcvd}"

    @property
    def code(self) -> int:
        """Deprecated: the code of the received Close frame, 1006 if none was received."""
        warnings.warn(
            "ConnectionClosed.code is deprecated; "
            "use Protocol.close_code or ConnectionClosed.rcvd.code",
            DeprecationWarning,
            stacklevel=2,
        )
        from .frames import CloseCode  # frames imports this module

        return CloseCode.ABNORMAL_CLOSURE if self.rcvd is None else self.rcvd.code

    @property
    def reason(self) -> str:
        """Deprecated: the reason of the received Close frame, "" if none was received."""
        warnings.warn(
            "ConnectionClosed.reason is deprecated; "
            "use Protocol.close_reason or ConnectionClosed.rcvd.reason",
            DeprecationWarning,
            stacklevel=2,
        )
        return "" if self.rcvd is None else self.rcvd.reason


class _InvalidHeaderFormatBehaviour(Exception):
    """Builds the value of :exc:`InvalidHeaderFormat` from the parse error."""

    __slots__ = ()

    def __init__(self, name: str, error: str, header: str, pos: int) -> None:
        super().__init__(name, f"{error} at {pos} in {header}")
        self._arguments = (name, error, header, pos)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self._arguments


class _InvalidOriginBehaviour(Exception):
    """Names the Origin header for :exc:`InvalidOrigin`."""

    __slots__ = ()

    def __init__(self, origin: str | None) -> None:
        super().__init__("Origin", origin)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self.args[1:]


class _PayloadTooBigBehaviour(Exception):
    """Holds the sizes of :exc:`PayloadTooBig` and describes them."""

    __slots__ = ()

    def __init__(
        self,
        size_or_message: int | str | None,
        max_size: int | None = None,
        cur_size: int | None = None,
    ) -> None:
        super().__init__(size_or_message, max_size, cur_size)
        self.size: int | None = None
        self.max_size: int | None = max_size
        self.cur_size: int | None = None
        self.message: str | None = None
        if isinstance(size_or_message, str):
            assert max_size is None, "a message excludes sizes"
            assert cur_size is None, "a message excludes sizes"
            warnings.warn(
                "PayloadTooBig(message) is deprecated; change to PayloadTooBig(size, max_size)",
                DeprecationWarning,
                stacklevel=2,
            )
            self.message = size_or_message
        else:
            assert max_size is not None, "max_size is required with a size"
            self.size = size_or_message
            self.set_current_size(cur_size)

    def __str__(self) -> str:
        if self.message is not None:
            return self.message
        text = "frame "
        if self.size is not None:
            text += f"with {self.size} bytes "
        if self.cur_size is not None:
            text += f"after reading {self.cur_size} bytes "
        return text + f"exceeds limit of {self.max_size} bytes"

    def set_current_size(self, cur_size: int | None) -> None:
        """Record how much of the message was read before this frame.

        The limit applies to the whole message, so it grows by the same amount.

        """
        assert self.cur_size is None, "the current size is already set"
        if cur_size is not None:
            assert self.max_size is not None
            self.max_size += cur_size
            self.cur_size = cur_size


# [[[cog import codegen; print(codegen.exceptions(), end="") ]]]
# Generated from spec/exceptions.yaml by codegen: do not edit, run `make regen`.


class WebSocketException(Exception):
    """Base class for all exceptions defined by websockets."""


@attrs.define(eq=False)
class ConnectionClosed(_ConnectionClosedBehaviour, WebSocketException):
    """Raised when trying to interact with a closed connection.

    rcvd and sent are the Close frames received and sent, if any; rcvd_then_sent tells which came
    first when both exist.
    """

    rcvd: Close | None
    sent: Close | None
    rcvd_then_sent: bool | None = None


class ConnectionClosedOK(ConnectionClosed):
    """Like ConnectionClosed, when the connection terminated properly.

    Both sides used code 1000 or 1001, or sent a Close frame without a code.
    """


class ConnectionClosedError(ConnectionClosed):
    """Like ConnectionClosed, when the connection terminated with an error.

    A side used a code other than 1000 or 1001, or the closing handshake did not complete.
    """


@attrs.define(eq=False)
class InvalidURI(WebSocketException):
    """Raised when connecting to a URI that isn't a valid WebSocket URI."""

    uri: str
    msg: str

    def __str__(self) -> str:
        return f"{self.uri} isn't a valid URI: {self.msg}"


@attrs.define(eq=False)
class InvalidProxy(WebSocketException):
    """Raised when connecting via a proxy that isn't valid."""

    proxy: str
    msg: str

    def __str__(self) -> str:
        return f"{self.proxy} isn't a valid proxy: {self.msg}"


class InvalidHandshake(WebSocketException):
    """Base class for exceptions raised when the opening handshake fails."""


class SecurityError(InvalidHandshake):
    """Raised when a handshake request or response breaks a security rule.

    Limits on line length, header count or body size are enforced this way.
    """


class ProxyError(InvalidHandshake):
    """Raised when failing to connect to a proxy."""


class InvalidProxyMessage(ProxyError):
    """Raised when an HTTP proxy response is malformed."""


@attrs.define(eq=False)
class InvalidProxyStatus(ProxyError):
    """Raised when an HTTP proxy rejects the connection."""

    response: Response

    def __str__(self) -> str:
        return f"proxy rejected connection: HTTP {self.response.status_code:d}"


class InvalidMessage(InvalidHandshake):
    """Raised when a handshake request or response is malformed.

    The underlying error, if any, is chained as __cause__.
    """


@attrs.define(eq=False)
class InvalidStatus(InvalidHandshake):
    """Raised when a handshake response rejects the WebSocket upgrade."""

    response: Response

    def __str__(self) -> str:
        return f"server rejected WebSocket connection: HTTP {self.response.status_code:d}"


@attrs.define(eq=False)
class InvalidHeader(InvalidHandshake):
    """Raised when an HTTP header doesn't have a valid format or value."""

    name: str
    value: str | None = None

    def __str__(self) -> str:
        if self.value is None:
            return f"missing {self.name} header"
        if self.value == "":
            return f"empty {self.name} header"
        return f"invalid {self.name} header: {self.value}"


class InvalidHeaderFormat(_InvalidHeaderFormatBehaviour, InvalidHeader):
    """Raised when an HTTP header cannot be parsed.

    The value names the error and its position in the header.
    """


class InvalidHeaderValue(InvalidHeader):
    """Raised when an HTTP header has a wrong value.

    The format of the header is correct but the value isn't acceptable.
    """


class InvalidOrigin(_InvalidOriginBehaviour, InvalidHeader):
    """Raised when the Origin header in a request isn't allowed."""


class InvalidUpgrade(InvalidHeader):
    """Raised when the Upgrade or Connection header isn't correct."""


class NegotiationError(InvalidHandshake):
    """Raised when negotiating an extension or a subprotocol fails."""


@attrs.define(eq=False)
class DuplicateParameter(NegotiationError):
    """Raised when a parameter name is repeated in an extension header."""

    name: str

    def __str__(self) -> str:
        return f"duplicate parameter: {self.name}"


@attrs.define(eq=False)
class InvalidParameterName(NegotiationError):
    """Raised when a parameter name in an extension header is invalid."""

    name: str

    def __str__(self) -> str:
        return f"invalid parameter name: {self.name}"


@attrs.define(eq=False)
class InvalidParameterValue(NegotiationError):
    """Raised when a parameter value in an extension header is invalid."""

    name: str
    value: str | None

    def __str__(self) -> str:
        if self.value is None:
            return f"missing value for parameter {self.name}"
        if self.value == "":
            return f"empty value for parameter {self.name}"
        return f"invalid value for parameter {self.name}: {self.value}"


class ProtocolError(WebSocketException):
    """Raised when receiving or sending a frame that breaks the protocol.

    The Sans-I/O layer raises it; the I/O layers turn it into a Close frame with code 1002 and then
    ConnectionClosedError.
    """


class PayloadTooBig(_PayloadTooBigBehaviour, WebSocketException):
    """Raised when parsing a frame with a payload that exceeds the maximum size.

    The Sans-I/O layer raises it; the I/O layers turn it into a Close frame with code 1009 and then
    ConnectionClosedError.
    """


class InvalidState(WebSocketException, AssertionError):
    """Raised when sending a frame is forbidden in the current state.

    It signals a bug in the calling code, hence AssertionError.
    """


class ConcurrencyError(WebSocketException, RuntimeError):
    """Raised when receiving or sending messages concurrently.

    WebSocket is a connection-oriented protocol: reads must be serialized, and so must the frames of
    a fragmented message.
    """


# [[[end]]]
