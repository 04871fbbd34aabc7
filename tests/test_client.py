"""The client side of the opening handshake (RFC 6455, section 4.1)."""

from __future__ import annotations

import itertools
import logging
import warnings

import pytest

from websockets.client import ClientProtocol, backoff
from websockets.datastructures import Headers
from websockets.exceptions import (
    InvalidHandshake,
    InvalidHeader,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidStatus,
    InvalidUpgrade,
    NegotiationError,
)
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
)
from websockets.frames import OP_TEXT, Frame
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CONNECTING, OPEN, SEND_EOF
from websockets.typing import Origin, Subprotocol
from websockets.uri import parse_uri
from websockets.utils import accept_key

URI = parse_uri("ws://example.com/chat?room=1")


def response_bytes(
    client: ClientProtocol, *extra: tuple[str, str], status: str = "101 Switching Protocols"
) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Upgrade: websocket", "Connection: Upgrade"]
    lines.append(f"Sec-WebSocket-Accept: {accept_key(client.key)}")
    lines.extend(f"{name}: {value}" for name, value in extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_connect_builds_the_request() -> None:
    client = ClientProtocol(URI)
    request = client.connect()
    assert request.path == "/chat?room=1"
    assert list(request.headers.raw_items()) == [
        ("Host", "example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", client.key),
        ("Sec-WebSocket-Version", "13"),
    ]


def test_connect_with_every_option() -> None:
    client = ClientProtocol(
        parse_uri("wss://user:pass@example.com:8443/"),
        origin=Origin("https://example.com"),
        extensions=[ClientPerMessageDeflateFactory()],
        subprotocols=[Subprotocol("chat"), Subprotocol("superchat")],
    )
    headers = client.connect().headers
    assert headers["Host"] == "example.com:8443"
    assert headers["Authorization"] == "Basic dXNlcjpwYXNz"
    assert headers["Origin"] == "https://example.com"
    assert headers["Sec-WebSocket-Extensions"] == "permessage-deflate; client_max_window_bits"
    assert headers["Sec-WebSocket-Protocol"] == "chat, superchat"
    assert [name for name, _ in headers.raw_items()] == [
        "Host",
        "Authorization",
        "Origin",
        "Upgrade",
        "Connection",
        "Sec-WebSocket-Key",
        "Sec-WebSocket-Version",
        "Sec-WebSocket-Extensions",
        "Sec-WebSocket-Protocol",
    ]


def test_key_is_random() -> None:
    assert ClientProtocol(URI).key != ClientProtocol(URI).key


def test_send_request() -> None:
    client = ClientProtocol(URI)
    client.send_request(client.connect())
    [data] = client.data_to_send()
    assert data.startswith(b"GET /chat?room=1 HTTP/1.1\r\nHost: example.com\r\n")
    assert client.state is CONNECTING


def test_successful_handshake_with_frames_in_the_same_packet() -> None:
    client = ClientProtocol(URI)
    client.receive_data(response_bytes(client) + b"\x81\x02hi")
    response, frame = client.events_received()
    assert isinstance(response, Response)
    assert response.status_code == 101
    assert frame == Frame(OP_TEXT, b"hi")
    assert client.state is OPEN
    assert client.handshake_exc is None


def test_handshake_one_byte_at_a_time() -> None:
    client = ClientProtocol(URI)
    data = response_bytes(client) + b"\x81\x02hi"
    for index in range(len(data)):
        client.receive_data(data[index : index + 1])
    assert len(client.events_received()) == 2
    assert client.state is OPEN


def fail(client: ClientProtocol, data: bytes) -> Exception:
    client.receive_data(data)
    assert client.data_to_send() == [SEND_EOF]
    assert client.close_expected()
    assert client.handshake_exc is not None
    client.receive_eof()
    assert client.state is CLOSED
    return client.handshake_exc


def test_rejected_handshake() -> None:
    client = ClientProtocol(URI)
    body = b"go away\n"
    data = f"HTTP/1.1 403 Forbidden\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    exc = fail(client, data)
    assert isinstance(exc, InvalidStatus)
    assert str(exc) == "server rejected WebSocket connection: HTTP 403"
    [response] = client.events_received()
    assert isinstance(response, Response)
    assert response.body == body


def test_malformed_response() -> None:
    client = ClientProtocol(URI)
    exc = fail(client, b"HTTP/1.1 101 Switching Protocols\r\nBad header\r\n\r\n")
    assert isinstance(exc, InvalidMessage)
    assert str(exc) == "did not receive a valid HTTP response"
    assert exc.__cause__ is not None


def test_connection_lost_during_handshake() -> None:
    client = ClientProtocol(URI)
    client.receive_data(b"HTTP/1.1 101 Switching")
    client.receive_eof()
    assert isinstance(client.handshake_exc, InvalidMessage)
    assert isinstance(client.handshake_exc.__cause__, EOFError)
    assert client.data_to_send() == [SEND_EOF]
    assert client.state is CLOSED


@pytest.mark.parametrize(
    ("replace", "error", "message"),
    [
        (("Upgrade: websocket", "Upgrade: h2c"), InvalidUpgrade, "invalid Upgrade header: h2c"),
        (("Upgrade: websocket\r\n", ""), InvalidUpgrade, "missing Upgrade header"),
        (
            ("Connection: Upgrade", "Connection: close"),
            InvalidUpgrade,
            "invalid Connection header: close",
        ),
        (("Connection: Upgrade\r\n", ""), InvalidUpgrade, "missing Connection header"),
        (
            ("Sec-WebSocket-Accept: ", "X-Nothing: "),
            InvalidHeader,
            "missing Sec-WebSocket-Accept header",
        ),
    ],
)
def test_invalid_response_headers(
    replace: tuple[str, str], error: type[InvalidHandshake], message: str
) -> None:
    client = ClientProtocol(URI)
    data = response_bytes(client).decode().replace(*replace).encode()
    exc = fail(client, data)
    assert type(exc) is error
    assert str(exc) == message


def test_upgrade_tokens_are_case_insensitive() -> None:
    client = ClientProtocol(URI)
    data = response_bytes(client).decode()
    data = data.replace("Upgrade: websocket", "Upgrade: WebSocket")
    data = data.replace("Connection: Upgrade", "Connection: keep-alive, UPGRADE")
    client.receive_data(data.encode())
    assert client.state is OPEN


def test_wrong_accept_value() -> None:
    client = ClientProtocol(URI)
    data = response_bytes(client).replace(accept_key(client.key).encode(), b"wrong")
    exc = fail(client, data)
    assert isinstance(exc, InvalidHeaderValue)
    assert str(exc) == "invalid Sec-WebSocket-Accept header: wrong"


def test_multiple_accept_values() -> None:
    client = ClientProtocol(URI)
    exc = fail(client, response_bytes(client, ("Sec-WebSocket-Accept", "again")))
    assert str(exc) == "invalid Sec-WebSocket-Accept header: multiple values"


def test_extension_negotiation() -> None:
    client = ClientProtocol(URI, extensions=[ClientPerMessageDeflateFactory()])
    extension = "permessage-deflate; server_max_window_bits=12; client_max_window_bits=10"
    client.receive_data(response_bytes(client, ("Sec-WebSocket-Extensions", extension)))
    assert client.state is OPEN
    [negotiated] = client.extensions
    assert isinstance(negotiated, PerMessageDeflate)


def test_unexpected_extension() -> None:
    client = ClientProtocol(URI)
    exc = fail(client, response_bytes(client, ("Sec-WebSocket-Extensions", "permessage-deflate")))
    assert isinstance(exc, NegotiationError)
    assert str(exc) == "no extensions supported"


def test_unsupported_extension() -> None:
    client = ClientProtocol(URI, extensions=[ClientPerMessageDeflateFactory()])
    exc = fail(client, response_bytes(client, ("Sec-WebSocket-Extensions", "x-other")))
    assert str(exc) == "unsupported extension: name = x-other, params = []"


def test_declined_extension_parameters() -> None:
    client = ClientProtocol(URI, extensions=[ClientPerMessageDeflateFactory()])
    extension = "permessage-deflate; server_max_window_bits=16"
    exc = fail(client, response_bytes(client, ("Sec-WebSocket-Extensions", extension)))
    assert isinstance(exc, NegotiationError)


def test_subprotocol_negotiation() -> None:
    client = ClientProtocol(URI, subprotocols=[Subprotocol("chat"), Subprotocol("v2")])
    client.receive_data(response_bytes(client, ("Sec-WebSocket-Protocol", "v2")))
    assert client.subprotocol == "v2"


def test_no_subprotocol_chosen() -> None:
    client = ClientProtocol(URI, subprotocols=[Subprotocol("chat")])
    client.receive_data(response_bytes(client))
    assert client.state is OPEN
    assert client.subprotocol is None


@pytest.mark.parametrize(
    ("subprotocols", "header", "message"),
    [
        (None, "chat", "no subprotocols supported"),
        (["chat"], "other", "unsupported subprotocol: other"),
        (
            ["chat", "v2"],
            "chat, v2",
            "invalid Sec-WebSocket-Protocol header: multiple values: chat, v2",
        ),
    ],
)
def test_invalid_subprotocol(subprotocols: list[str] | None, header: str, message: str) -> None:
    offered = None if subprotocols is None else [Subprotocol(s) for s in subprotocols]
    client = ClientProtocol(URI, subprotocols=offered)
    exc = fail(client, response_bytes(client, ("Sec-WebSocket-Protocol", header)))
    assert str(exc) == message


def test_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.client")
    logger.setLevel(logging.DEBUG)
    with caplog.at_level(logging.DEBUG, logger="test.client"):
        client = ClientProtocol(URI, logger=logger)
        client.send_request(client.connect())
        client.receive_data(response_bytes(client) + b"\x81\x00")
    messages = [record.getMessage() for record in caplog.records]
    assert "> GET /chat?room=1 HTTP/1.1" in messages
    assert "< HTTP/1.1 101 Switching Protocols" in messages
    assert "= connection is OPEN" in messages


def test_debug_logs_response_body(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.client.body")
    logger.setLevel(logging.DEBUG)
    with caplog.at_level(logging.DEBUG, logger="test.client.body"):
        client = ClientProtocol(URI, logger=logger)
        client.receive_data(b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnot")
    assert "< [body] (3 bytes)" in [record.getMessage() for record in caplog.records]


def test_request_type() -> None:
    assert isinstance(ClientProtocol(URI).connect(), Request)
    assert ClientProtocol(URI).connect().headers != Headers()


def test_backoff() -> None:
    delays = list(itertools.islice(backoff(5, 3, 20, 2), 6))
    assert 0 <= delays[0] < 5
    assert delays[1:] == [3, 6, 12, 20, 20]


def test_deprecated_client_connection_alias() -> None:
    import websockets.client

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert websockets.client.ClientConnection is ClientProtocol
    assert issubclass(caught[0].category, DeprecationWarning)
    with pytest.raises(AttributeError):
        _ = websockets.client.Nothing
