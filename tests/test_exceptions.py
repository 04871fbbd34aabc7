"""The exception hierarchy, constructors and messages of the 15.0.1 API."""

from __future__ import annotations

import pickle

import pytest

from websockets.datastructures import Headers
from websockets.exceptions import (
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
from websockets.frames import Close, CloseCode
from websockets.http11 import Response

HIERARCHY: dict[type[BaseException], tuple[type[BaseException], ...]] = {
    WebSocketException: (Exception,),
    ConnectionClosed: (WebSocketException,),
    ConnectionClosedOK: (ConnectionClosed,),
    ConnectionClosedError: (ConnectionClosed,),
    InvalidURI: (WebSocketException,),
    InvalidProxy: (WebSocketException,),
    InvalidHandshake: (WebSocketException,),
    SecurityError: (InvalidHandshake,),
    ProxyError: (InvalidHandshake,),
    InvalidProxyMessage: (ProxyError,),
    InvalidProxyStatus: (ProxyError,),
    InvalidMessage: (InvalidHandshake,),
    InvalidStatus: (InvalidHandshake,),
    InvalidHeader: (InvalidHandshake,),
    InvalidHeaderFormat: (InvalidHeader,),
    InvalidHeaderValue: (InvalidHeader,),
    InvalidOrigin: (InvalidHeader,),
    InvalidUpgrade: (InvalidHeader,),
    NegotiationError: (InvalidHandshake,),
    DuplicateParameter: (NegotiationError,),
    InvalidParameterName: (NegotiationError,),
    InvalidParameterValue: (NegotiationError,),
    ProtocolError: (WebSocketException,),
    PayloadTooBig: (WebSocketException,),
    InvalidState: (WebSocketException, AssertionError),
    ConcurrencyError: (WebSocketException, RuntimeError),
}


@pytest.mark.parametrize(("cls", "parents"), HIERARCHY.items())
def test_hierarchy(cls: type[BaseException], parents: tuple[type[BaseException], ...]) -> None:
    for parent in parents:
        assert issubclass(cls, parent)


def response(status: int) -> Response:
    return Response(status, "Reason", Headers())


EXAMPLES: list[tuple[BaseException, str]] = [
    (WebSocketException("something went wrong"), "something went wrong"),
    (ConnectionClosed(None, None), "no close frame received or sent"),
    (
        ConnectionClosedError(None, Close(1011, "keepalive ping timeout")),
        "sent 1011 (internal error) keepalive ping timeout; no close frame received",
    ),
    (
        ConnectionClosedError(Close(1002, ""), None),
        "received 1002 (protocol error); no close frame sent",
    ),
    (
        ConnectionClosedOK(Close(1000, ""), Close(1000, ""), True),
        "received 1000 (OK); then sent 1000 (OK)",
    ),
    (
        ConnectionClosedOK(Close(1001, "bye"), Close(1000, ""), False),
        "sent 1000 (OK); then received 1001 (going away) bye",
    ),
    (
        InvalidURI("http://x/", "scheme isn't ws or wss"),
        "http://x/ isn't a valid URI: scheme isn't ws or wss",
    ),
    (InvalidProxy("ftp://p", "bad scheme"), "ftp://p isn't a valid proxy: bad scheme"),
    (InvalidProxyStatus(response(407)), "proxy rejected connection: HTTP 407"),
    (InvalidStatus(response(403)), "server rejected WebSocket connection: HTTP 403"),
    (InvalidHeader("Upgrade"), "missing Upgrade header"),
    (InvalidHeader("Upgrade", ""), "empty Upgrade header"),
    (InvalidHeader("Upgrade", "h2c"), "invalid Upgrade header: h2c"),
    (
        InvalidHeaderFormat("Connection", "expected token", "a b", 2),
        "invalid Connection header: expected token at 2 in a b",
    ),
    (InvalidHeaderValue("Sec-WebSocket-Version", "8"), "invalid Sec-WebSocket-Version header: 8"),
    (InvalidOrigin(None), "missing Origin header"),
    (InvalidOrigin("https://evil"), "invalid Origin header: https://evil"),
    (InvalidUpgrade("Connection", "close"), "invalid Connection header: close"),
    (DuplicateParameter("client_max_window_bits"), "duplicate parameter: client_max_window_bits"),
    (InvalidParameterName("x"), "invalid parameter name: x"),
    (InvalidParameterValue("bits", None), "missing value for parameter bits"),
    (InvalidParameterValue("bits", ""), "empty value for parameter bits"),
    (InvalidParameterValue("bits", "99"), "invalid value for parameter bits: 99"),
    (ProtocolError("invalid opcode"), "invalid opcode"),
    (PayloadTooBig(2000, 1000), "frame with 2000 bytes exceeds limit of 1000 bytes"),
    (PayloadTooBig(None, 1000), "frame exceeds limit of 1000 bytes"),
    (
        PayloadTooBig(2000, 1000, 500),
        "frame with 2000 bytes after reading 500 bytes exceeds limit of 1500 bytes",
    ),
    (InvalidState("connection is closed"), "connection is closed"),
    (ConcurrencyError("cannot call recv concurrently"), "cannot call recv concurrently"),
    (
        InvalidMessage("did not receive a valid HTTP response"),
        "did not receive a valid HTTP response",
    ),
    (SecurityError("line too long"), "line too long"),
    (InvalidProxyMessage("bad"), "bad"),
    (NegotiationError("no extensions supported"), "no extensions supported"),
]


@pytest.mark.parametrize(("exc", "text"), EXAMPLES)
def test_str(exc: BaseException, text: str) -> None:
    assert str(exc) == text


@pytest.mark.parametrize(("exc", "text"), EXAMPLES)
def test_pickle_round_trip(exc: BaseException, text: str) -> None:
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is type(exc)
    assert str(copy) == text


def test_attributes() -> None:
    exc = InvalidHeaderFormat("Connection", "expected token", "a b", 2)
    assert (exc.name, exc.value) == ("Connection", "expected token at 2 in a b")
    origin = InvalidOrigin("https://evil")
    assert (origin.name, origin.value) == ("Origin", "https://evil")
    closed = ConnectionClosedError(Close(1002, "x"), Close(1002, "x"), True)
    assert (closed.rcvd, closed.sent, closed.rcvd_then_sent) == (
        Close(1002, "x"),
        Close(1002, "x"),
        True,
    )
    assert InvalidStatus(response(500)).response.status_code == 500


def test_connection_closed_checks_the_order_flag() -> None:
    with pytest.raises(AssertionError):
        ConnectionClosed(Close(1000, ""), Close(1000, ""))
    with pytest.raises(AssertionError):
        ConnectionClosed(Close(1000, ""), None, True)


def test_connection_closed_deprecated_code_and_reason() -> None:
    closed = ConnectionClosedOK(Close(1001, "bye"), Close(1001, "bye"), True)
    with pytest.warns(DeprecationWarning, match="ConnectionClosed.code is deprecated"):
        assert closed.code == 1001
    with pytest.warns(DeprecationWarning, match="ConnectionClosed.reason is deprecated"):
        assert closed.reason == "bye"
    lost = ConnectionClosedError(None, None)
    with pytest.warns(DeprecationWarning, match="code is deprecated"):
        assert lost.code == CloseCode.ABNORMAL_CLOSURE
    with pytest.warns(DeprecationWarning, match="reason is deprecated"):
        assert lost.reason == ""


def test_payload_too_big() -> None:
    exc = PayloadTooBig(2000, 1000)
    assert (exc.size, exc.max_size, exc.cur_size, exc.message) == (2000, 1000, None, None)
    exc.set_current_size(300)
    assert (exc.max_size, exc.cur_size) == (1300, 300)
    assert str(exc) == "frame with 2000 bytes after reading 300 bytes exceeds limit of 1300 bytes"
    with pytest.raises(AssertionError):
        exc.set_current_size(1)
    unchanged = PayloadTooBig(2000, 1000)
    unchanged.set_current_size(None)
    assert unchanged.max_size == 1000


def test_payload_too_big_with_a_message_is_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match=r"PayloadTooBig\(message\) is deprecated"):
        exc = PayloadTooBig("too big")
    assert str(exc) == "too big"
    assert exc.message == "too big"


def test_exceptions_compare_by_identity() -> None:
    first, second = InvalidURI("u", "m"), InvalidURI("u", "m")
    assert first != second
    assert first == first
    assert len({first, second}) == 2


def test_repr_shows_fields() -> None:
    assert repr(InvalidURI("u", "m")) == "InvalidURI(uri='u', msg='m')"
