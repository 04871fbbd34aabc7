"""The server side of the opening handshake (RFC 6455, section 4.2)."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence

import pytest

from websockets.datastructures import Headers
from websockets.exceptions import (
    InvalidHeader,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidOrigin,
    InvalidUpgrade,
    NegotiationError,
    PayloadTooBig,
)
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import OP_TEXT, Frame
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CONNECTING, OPEN, SEND_EOF
from websockets.server import ServerProtocol
from websockets.typing import Origin, Subprotocol
from websockets.utils import accept_key

KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def request(*extra: tuple[str, str], drop: Sequence[str] = ()) -> Request:
    headers = Headers(
        [
            ("Host", "example.com"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", KEY),
            ("Sec-WebSocket-Version", "13"),
        ]
    )
    for name in drop:
        del headers[name]
    for name, value in extra:
        headers[name] = value
    return Request("/chat", headers)


def test_accept() -> None:
    server = ServerProtocol()
    response = server.accept(request())
    assert response.status_code == 101
    assert response.reason_phrase == "Switching Protocols"
    assert response.headers["Upgrade"] == "websocket"
    assert response.headers["Connection"] == "Upgrade"
    # RFC 6455, section 1.3.
    assert response.headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert "Date" in response.headers
    assert "Sec-WebSocket-Extensions" not in response.headers
    assert "Sec-WebSocket-Protocol" not in response.headers
    assert server.handshake_exc is None


def test_full_handshake_with_frames_sent_early() -> None:
    server = ServerProtocol()
    raw = request().serialize()
    frame = Frame(OP_TEXT, b"early").serialize(mask=True)
    server.receive_data(raw + frame)
    [received] = server.events_received()
    assert isinstance(received, Request)
    assert received.path == "/chat"
    assert server.state is CONNECTING
    server.send_response(server.accept(received))
    assert server.state is OPEN
    [data] = server.data_to_send()
    assert data.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    # The frame that arrived before the response is delivered once the connection opens.
    assert server.events_received() == [Frame(OP_TEXT, b"early")]


def test_request_one_byte_at_a_time() -> None:
    server = ServerProtocol()
    raw = request().serialize()
    for index in range(len(raw)):
        server.receive_data(raw[index : index + 1])
    [received] = server.events_received()
    assert isinstance(received, Request)


def test_malformed_request() -> None:
    server = ServerProtocol()
    server.receive_data(b"POST / HTTP/1.1\r\n\r\n")
    assert isinstance(server.handshake_exc, InvalidMessage)
    assert str(server.handshake_exc) == "did not receive a valid HTTP request"
    assert server.data_to_send() == [SEND_EOF]
    assert server.events_received() == []
    server.receive_eof()
    assert server.state is CLOSED


def test_connection_lost_before_request() -> None:
    server = ServerProtocol()
    server.receive_data(b"GET / HTTP/1.1\r\n")
    server.receive_eof()
    assert isinstance(server.handshake_exc, InvalidMessage)
    assert isinstance(server.handshake_exc.__cause__, EOFError)
    assert server.state is CLOSED


def test_half_close_after_request_then_rejected() -> None:
    server = ServerProtocol()
    server.receive_data(request().serialize())
    server.receive_eof()
    assert server.data_to_send() == []
    assert server.state is CONNECTING
    server.send_response(server.reject(403, "no\n"))
    data, eof = server.data_to_send()
    assert data.startswith(b"HTTP/1.1 403 Forbidden")
    assert eof == SEND_EOF
    assert server.state is CLOSED


def test_half_close_after_request_then_accepted() -> None:
    server = ServerProtocol()
    server.receive_data(request().serialize() + Frame(OP_TEXT, b"last").serialize(mask=True))
    server.receive_eof()
    server.events_received()
    server.send_response(server.accept(request()))
    data, eof = server.data_to_send()
    assert data.startswith(b"HTTP/1.1 101 Switching Protocols")
    assert eof == SEND_EOF
    assert server.events_received() == [Frame(OP_TEXT, b"last")]
    assert server.state is CLOSED
    assert server.close_code == 1006


def test_too_much_data_before_the_response_is_refused() -> None:
    server = ServerProtocol(max_size=100)
    server.receive_data(request().serialize() + bytes(200))
    assert server.data_to_send() == [SEND_EOF]
    assert isinstance(server.handshake_exc, PayloadTooBig)
    # The server may still decide to accept: nothing can be sent after the EOF.
    [req] = server.events_received()
    assert isinstance(req, Request)
    server.send_response(server.accept(req))
    assert server.data_to_send() == []
    assert server.state is CONNECTING
    server.receive_eof()
    assert server.state is CLOSED


def rejected(server: ServerProtocol, req: Request, status: int) -> Response:
    response = server.accept(req)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(response.body))
    assert response.headers["Connection"] == "close"
    assert req._exception is server.handshake_exc  # pyright: ignore[reportPrivateUsage]
    return response


@pytest.mark.parametrize(
    ("req", "error", "text"),
    [
        (request(drop=["Upgrade"]), InvalidUpgrade, "missing Upgrade header"),
        (request(("Upgrade", "h2c")), InvalidUpgrade, "invalid Upgrade header: websocket, h2c"),
        (request(drop=["Connection"]), InvalidUpgrade, "missing Connection header"),
    ],
)
def test_not_an_upgrade_is_426(req: Request, error: type[Exception], text: str) -> None:
    server = ServerProtocol()
    response = rejected(server, req, 426)
    assert type(server.handshake_exc) is error
    assert str(server.handshake_exc) == text
    assert response.headers["Upgrade"] == "websocket"
    assert text in response.body.decode()


@pytest.mark.parametrize(
    ("req", "text"),
    [
        (request(drop=["Sec-WebSocket-Key"]), "missing Sec-WebSocket-Key header"),
        (request(("Sec-WebSocket-Key", KEY)), "invalid Sec-WebSocket-Key header: multiple values"),
        (
            Request(
                "/",
                Headers(
                    [
                        *request(drop=["Sec-WebSocket-Key"]).headers.raw_items(),
                        ("Sec-WebSocket-Key", "not base64!"),
                    ]
                ),
            ),
            "invalid Sec-WebSocket-Key header: not base64!",
        ),
        (
            Request(
                "/",
                Headers(
                    [
                        *request(drop=["Sec-WebSocket-Key"]).headers.raw_items(),
                        ("Sec-WebSocket-Key", "c2hvcnQ="),
                    ]
                ),
            ),
            "invalid Sec-WebSocket-Key header: c2hvcnQ=",
        ),
        (request(drop=["Sec-WebSocket-Version"]), "missing Sec-WebSocket-Version header"),
        (request(("Origin", "a"), ("Origin", "b")), "invalid Origin header: multiple values"),
    ],
)
def test_bad_request_is_400(req: Request, text: str) -> None:
    server = ServerProtocol()
    response = rejected(server, req, 400)
    assert isinstance(server.handshake_exc, InvalidHeader)
    assert str(server.handshake_exc) == text
    assert response.body.decode().startswith(f"The WebSocket handshake failed: {text}")


def test_bad_key_reason_includes_the_cause() -> None:
    headers = request(drop=["Sec-WebSocket-Key"]).headers
    headers["Sec-WebSocket-Key"] = "not base64!"
    server = ServerProtocol()
    response = rejected(server, Request("/", headers), 400)
    assert server.handshake_exc is not None
    assert server.handshake_exc.__cause__ is not None
    assert str(server.handshake_exc.__cause__) in response.body.decode()


def test_unsupported_version_is_426_with_the_supported_version() -> None:
    headers = request(drop=["Sec-WebSocket-Version"]).headers
    headers["Sec-WebSocket-Version"] = "8"
    server = ServerProtocol()
    response = rejected(server, Request("/", headers), 426)
    assert isinstance(server.handshake_exc, InvalidHeaderValue)
    assert response.headers["Sec-WebSocket-Version"] == "13"
    assert "Upgrade" not in response.headers


def test_origins() -> None:
    origins: list[Origin | re.Pattern[str] | None] = [
        Origin("https://example.com"),
        re.compile(r"https://[a-z]+\.example\.org"),
    ]
    server = ServerProtocol(origins=origins)
    assert server.accept(request(("Origin", "https://example.com"))).status_code == 101
    assert server.origin == "https://example.com"
    assert (
        ServerProtocol(origins=origins)
        .accept(request(("Origin", "https://a.example.org")))
        .status_code
        == 101
    )
    for req in (request(("Origin", "https://evil.com")), request()):
        server = ServerProtocol(origins=origins)
        rejected(server, req, 403)
        assert isinstance(server.handshake_exc, InvalidOrigin)


def test_none_in_origins_allows_requests_without_origin() -> None:
    server = ServerProtocol(origins=[None])
    assert server.accept(request()).status_code == 101
    assert server.origin is None


def test_extension_negotiation() -> None:
    server = ServerProtocol(extensions=[ServerPerMessageDeflateFactory()])
    response = server.accept(request(("Sec-WebSocket-Extensions", "permessage-deflate")))
    assert response.headers["Sec-WebSocket-Extensions"] == "permessage-deflate"
    [extension] = server.extensions
    assert isinstance(extension, PerMessageDeflate)


def test_unsupported_extension_is_declined() -> None:
    server = ServerProtocol(extensions=[ServerPerMessageDeflateFactory()])
    response = server.accept(request(("Sec-WebSocket-Extensions", "x-other")))
    assert response.status_code == 101
    assert "Sec-WebSocket-Extensions" not in response.headers
    assert server.extensions == []


def test_extensions_offered_to_a_server_without_any() -> None:
    server = ServerProtocol()
    response = server.accept(request(("Sec-WebSocket-Extensions", "permessage-deflate")))
    assert "Sec-WebSocket-Extensions" not in response.headers


def test_declined_extension_parameters() -> None:
    server = ServerProtocol(extensions=[ServerPerMessageDeflateFactory()])
    value = "permessage-deflate; server_max_window_bits=7, permessage-deflate"
    response = server.accept(request(("Sec-WebSocket-Extensions", value)))
    assert response.headers["Sec-WebSocket-Extensions"] == "permessage-deflate"


def test_malformed_extension_header_is_400() -> None:
    server = ServerProtocol(extensions=[ServerPerMessageDeflateFactory()])
    rejected(server, request(("Sec-WebSocket-Extensions", "permessage-deflate; =")), 400)


def test_subprotocol_selection_follows_client_preference() -> None:
    server = ServerProtocol(subprotocols=[Subprotocol("v1"), Subprotocol("v2")])
    response = server.accept(request(("Sec-WebSocket-Protocol", "v3, v2, v1")))
    assert response.headers["Sec-WebSocket-Protocol"] == "v2"
    assert server.subprotocol == "v2"


def test_subprotocol_not_offered() -> None:
    server = ServerProtocol(subprotocols=[Subprotocol("v1")])
    rejected(server, request(), 400)
    assert isinstance(server.handshake_exc, NegotiationError)
    assert str(server.handshake_exc) == "missing subprotocol"
    server = ServerProtocol(subprotocols=[Subprotocol("v1"), Subprotocol("v2")])
    rejected(server, request(("Sec-WebSocket-Protocol", "v3")), 400)
    assert str(server.handshake_exc) == "invalid subprotocol; expected one of v1, v2"


def test_subprotocols_offered_to_a_server_without_any() -> None:
    server = ServerProtocol()
    response = server.accept(request(("Sec-WebSocket-Protocol", "chat")))
    assert "Sec-WebSocket-Protocol" not in response.headers


def test_custom_select_subprotocol() -> None:
    def select(protocol: ServerProtocol, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        assert isinstance(protocol, ServerProtocol)
        return offered[-1] if offered else None

    server = ServerProtocol(select_subprotocol=select)
    response = server.accept(request(("Sec-WebSocket-Protocol", "a, b")))
    assert response.headers["Sec-WebSocket-Protocol"] == "b"


def test_error_in_select_subprotocol_is_500(caplog: pytest.LogCaptureFixture) -> None:
    def select(protocol: ServerProtocol, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        raise RuntimeError("bug")

    server = ServerProtocol(select_subprotocol=select)
    with caplog.at_level(logging.ERROR):
        response = rejected(server, request(), 500)
    assert "bug" not in response.body.decode()
    assert isinstance(server.handshake_exc, RuntimeError)
    assert "opening handshake failed" in caplog.text


def test_reject() -> None:
    server = ServerProtocol()
    response = server.reject(404, "Nothing here.\n")
    assert (response.status_code, response.reason_phrase) == (404, "Not Found")
    assert response.body == b"Nothing here.\n"
    assert response.headers["Content-Length"] == "14"


def test_send_rejection_closes(caplog: pytest.LogCaptureFixture) -> None:
    server = ServerProtocol()
    server.receive_data(request().serialize())
    server.events_received()
    with caplog.at_level(logging.INFO, logger="websockets.server"):
        server.send_response(server.reject(503, "Busy.\n"))
    data, eof = server.data_to_send()
    assert data.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert eof == SEND_EOF
    assert server.close_expected()
    assert "connection rejected (503 Service Unavailable)" in caplog.text
    server.receive_data(b"ignored")
    server.receive_eof()
    assert server.state is CLOSED


def test_send_101_logs_connection_open(caplog: pytest.LogCaptureFixture) -> None:
    server = ServerProtocol()
    with caplog.at_level(logging.INFO, logger="websockets.server"):
        server.send_response(server.accept(request()))
    assert "connection open" in caplog.text


def test_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.server")
    logger.setLevel(logging.DEBUG)
    with caplog.at_level(logging.DEBUG, logger="test.server"):
        server = ServerProtocol(logger=logger)
        server.receive_data(request().serialize())
        server.send_response(server.reject(400, "no\n"))
        ServerProtocol(logger=logger).accept(request(drop=["Upgrade"]))
    messages = [record.getMessage() for record in caplog.records]
    assert "< GET /chat HTTP/1.1" in messages
    assert "> HTTP/1.1 400 Bad Request" in messages
    assert "> [body] (3 bytes)" in messages
    assert "! invalid handshake request" in messages


def test_accept_key_example() -> None:
    assert accept_key(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_deprecated_server_connection_alias() -> None:
    import websockets.server

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert websockets.server.ServerConnection is ServerProtocol
    assert issubclass(caught[0].category, DeprecationWarning)
    with pytest.raises(AttributeError):
        _ = websockets.server.Nothing
