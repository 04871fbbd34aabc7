"""The threading server: serve, unix_serve, Server, ServerConnection, basic_auth."""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from websockets.client import ClientProtocol
from websockets.exceptions import (
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidHandshake,
    InvalidStatus,
    PayloadTooBig,
)
from websockets.frames import OP_TEXT, CloseCode, Frame
from websockets.headers import build_authorization_basic
from websockets.http11 import SERVER, Request, Response
from websockets.server import ServerProtocol
from websockets.sync import Server, ServerConnection, basic_auth, connect, serve, unix_serve
from websockets.sync import server as server_module
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from ..asyncio.client_server_helper import ssl_contexts
from .server_helper import running, running_unix


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="websockets")
    return caplog


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_echo() -> None:
    with running() as (_, uri), connect(uri) as connection:
        connection.send("hello")
        assert connection.recv() == "hello"
        connection.send([b"frag", b"ments"])
        assert connection.recv() == b"fragments"


def test_handler_return_closes_normally() -> None:
    with running(lambda connection: None) as (_, uri), connect(uri) as connection:
        with pytest.raises(ConnectionClosedOK):
            connection.recv(timeout=2)
        assert connection.close_code == CloseCode.NORMAL_CLOSURE


def test_handler_exception_closes_with_1011_and_logs(logs: pytest.LogCaptureFixture) -> None:
    def handler(connection: ServerConnection) -> None:
        raise RuntimeError("handler bug")

    with running(handler) as (_, uri), connect(uri) as connection:
        with pytest.raises(ConnectionClosedError):
            connection.recv(timeout=2)
        assert connection.close_code == CloseCode.INTERNAL_ERROR
    assert [record.getMessage() for record in errors(logs)] == ["connection handler failed"]
    assert errors(logs)[0].exc_info is not None


def test_handler_receives_an_open_connection() -> None:
    seen: list[ServerConnection] = []

    def handler(connection: ServerConnection) -> None:
        seen.append(connection)
        connection.send(str(connection.remote_address[0]))

    with running(handler) as (_, uri), connect(uri) as connection:
        assert connection.recv(timeout=2) == "127.0.0.1"
    assert isinstance(seen[0], ServerConnection)
    assert seen[0].request is not None
    assert seen[0].response is not None


def test_create_connection_subclass() -> None:
    class MyConnection(ServerConnection):
        pass

    def handler(connection: ServerConnection) -> None:
        connection.send(type(connection).__name__)

    with (
        running(handler, create_connection=MyConnection) as (_, uri),
        connect(uri) as connection,
    ):
        assert connection.recv(timeout=2) == "MyConnection"


def test_max_size() -> None:
    with running(max_size=10) as (_, uri), connect(uri) as connection:
        connection.send("x" * 11)
        with pytest.raises(ConnectionClosedError):
            connection.recv(timeout=2)
        assert connection.close_code == CloseCode.MESSAGE_TOO_BIG


# -- Handshake hooks ---------------------------------------------------------------------


def test_process_request_returns_a_response() -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/health":
            return connection.respond(200, "OK\n")
        return None

    with running(process_request=process_request) as (_, uri):
        with pytest.raises(InvalidStatus) as raised:
            connect(uri + "health")
        assert raised.value.response.status_code == 200
        assert raised.value.response.body == b"OK\n"
        with connect(uri) as connection:
            connection.send("accepted")
            assert connection.recv() == "accepted"


def test_process_request_exception_answers_500(logs: pytest.LogCaptureFixture) -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        raise RuntimeError("hook bug")

    with running(process_request=process_request) as (_, uri):
        with pytest.raises(InvalidStatus) as raised:
            connect(uri)
        assert raised.value.response.status_code == 500
    assert [record.getMessage() for record in errors(logs)] == ["opening handshake failed"]


def test_process_response_modifies_and_replaces() -> None:
    def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        if request.path == "/replace":
            return connection.respond(418, "I'm a teapot\n")
        response.headers["X-Hook"] = "yes"
        return None

    with running(process_response=process_response) as (_, uri):
        with connect(uri) as connection:
            assert connection.response is not None
            assert connection.response.headers["X-Hook"] == "yes"
            assert connection.response.headers["Server"] == SERVER
        with pytest.raises(InvalidStatus) as raised:
            connect(uri + "replace")
        assert raised.value.response.status_code == 418


def test_server_header() -> None:
    with running(server_header=None) as (_, uri), connect(uri) as connection:
        assert connection.response is not None
        assert "Server" not in connection.response.headers


def test_subprotocol_selection() -> None:
    def select_subprotocol(
        connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        assert isinstance(connection, ServerConnection)
        return Subprotocol("second") if "second" in offered else None

    with (
        running(select_subprotocol=select_subprotocol) as (_, uri),
        connect(uri, subprotocols=[Subprotocol("first"), Subprotocol("second")]) as connection,
    ):
        assert connection.subprotocol == "second"


def test_subprotocols() -> None:
    def handler(connection: ServerConnection) -> None:
        connection.send(connection.subprotocol or "none")

    with (
        running(handler, subprotocols=[Subprotocol("chat"), Subprotocol("superchat")]) as (_, uri),
        connect(uri, subprotocols=[Subprotocol("superchat")]) as connection,
    ):
        assert connection.recv(timeout=2) == "superchat"


# -- Basic authentication ----------------------------------------------------------------


def test_basic_auth_static_credentials() -> None:
    usernames: list[str] = []
    handled = threading.Event()  # the client may finish closing before the handler runs

    def handler(connection: ServerConnection) -> None:
        usernames.append(connection.username)
        handled.set()

    process_request = basic_auth(realm="test", credentials=("hello", "iloveyou"))
    with running(handler, process_request=process_request) as (_, uri):
        with pytest.raises(InvalidStatus) as raised:
            connect(uri)
        response = raised.value.response
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Basic realm="test", charset="UTF-8"'
        assert response.body == b"Missing credentials\n"

        with pytest.raises(InvalidStatus) as raised:
            connect(uri.replace("//", "//hello:wrong@"))
        assert raised.value.response.body == b"Invalid credentials\n"

        with pytest.raises(InvalidStatus) as raised:
            connect(uri, additional_headers={"Authorization": "Bearer token"})
        assert raised.value.response.body == b"Unsupported credentials\n"

        with connect(uri.replace("//", "//hello:iloveyou@")):
            pass
        assert handled.wait(2)
    assert usernames == ["hello"]


def test_basic_auth_several_credentials() -> None:
    process_request = basic_auth(credentials=[("alice", "a"), ("bob", "b")])
    with running(process_request=process_request) as (_, uri):
        header = build_authorization_basic("bob", "b")
        with connect(uri, additional_headers={"Authorization": header}):
            pass


def test_basic_auth_check_credentials_function() -> None:
    def check_credentials(username: str, password: str) -> bool:
        return password == username[::-1]

    process_request = basic_auth(check_credentials=check_credentials)
    with running(process_request=process_request) as (_, uri):
        with connect(uri.replace("//", "//abc:cba@")):
            pass
        with pytest.raises(InvalidStatus) as raised:
            connect(uri.replace("//", "//abc:abc@"))
        assert raised.value.response.status_code == 401


def test_basic_auth_argument_errors() -> None:
    with pytest.raises(ValueError, match="either"):
        basic_auth()
    with pytest.raises(ValueError, match="either"):
        basic_auth(credentials=("a", "b"), check_credentials=lambda username, password: True)
    with pytest.raises(TypeError, match="invalid credentials"):
        basic_auth(credentials=("a", "b", "c"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="invalid credentials"):
        basic_auth(credentials=42)  # type: ignore[arg-type]


# -- Lifecycle ---------------------------------------------------------------------------


def test_shutdown_stops_serve_forever() -> None:
    server = serve(lambda connection: None, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    port = server.socket.getsockname()[1]
    assert server.fileno() == server.socket.fileno()
    server.shutdown()
    thread.join(5)
    assert not thread.is_alive()
    server.shutdown()  # idempotent
    with pytest.raises(ConnectionRefusedError):
        connect(f"ws://127.0.0.1:{port}/", open_timeout=1)


def test_shutdown_keeps_open_connections() -> None:
    with running() as (server, uri), connect(uri) as connection:
        server.shutdown()
        connection.send("still there")
        assert connection.recv(timeout=2) == "still there"


def test_context_manager_shuts_down() -> None:
    with serve(lambda connection: None, "127.0.0.1", 0) as server:
        assert isinstance(server, Server)
    assert server.socket.fileno() == -1


def test_logs_listening_and_closing(logs: pytest.LogCaptureFixture) -> None:
    with running():
        pass
    messages = [record.getMessage() for record in logs.records if record.levelno == logging.INFO]
    assert messages[0].startswith("server listening on 127.0.0.1:")
    assert messages[-2:] == ["server closing", "server closed"]


def test_web_socket_server_is_a_deprecated_alias() -> None:
    with pytest.warns(DeprecationWarning, match="WebSocketServer"):
        alias = server_module.WebSocketServer
    assert alias is Server
    with pytest.raises(AttributeError):
        server_module.NoSuchName  # noqa: B018


def test_ssl_context_is_a_deprecated_alias(tmp_path: Path) -> None:
    server_context, _ = ssl_contexts(tmp_path)
    with pytest.warns(DeprecationWarning, match="ssl_context"):
        server = serve(lambda connection: None, "127.0.0.1", 0, ssl_context=server_context)
    server.shutdown()


def test_serve_argument_errors() -> None:
    with pytest.raises(ValueError, match="unsupported compression"):
        serve(lambda connection: None, "127.0.0.1", 0, compression="zstd")
    with pytest.raises(ValueError, match="missing path"):
        unix_serve(lambda connection: None)


# -- Unfriendly clients ------------------------------------------------------------------


def test_port_scanner_is_logged_quietly(logs: pytest.LogCaptureFixture) -> None:
    with running() as (server, _):
        address = server.socket.getsockname()
        with socket.create_connection(address) as sock:
            sock.sendall(b"garbage\r\n\r\n")
            sock.settimeout(2)
            response = b""
            while chunk := sock.recv(4096):
                response += chunk
        assert not response.startswith(b"HTTP/1.1 101")  # refused, and closed
        with socket.create_connection(address):
            pass  # connect and leave at once
        # The server still works afterwards.
        with connect(f"ws://127.0.0.1:{address[1]}/") as connection:
            connection.send("ok")
            assert connection.recv(timeout=2) == "ok"
    assert errors(logs) == []


def test_open_timeout_against_a_silent_client(logs: pytest.LogCaptureFixture) -> None:
    with (
        running(open_timeout=0.05) as (server, _),
        socket.create_connection(server.socket.getsockname()) as sock,
    ):
        sock.settimeout(2)
        assert sock.recv(4096) == b""  # the server gives up and closes
    assert errors(logs) == []


def test_tls_handshake_failure_is_logged_quietly(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    server_context, _ = ssl_contexts(tmp_path)
    with (
        running(ssl=server_context) as (server, _),
        socket.create_connection(server.socket.getsockname()) as sock,
    ):
        sock.sendall(b"GET / HTTP/1.1\r\n\r\n")  # not TLS
        sock.settimeout(2)
        # The server closes the connection, cleanly or not.
        with contextlib.suppress(ConnectionResetError):
            while sock.recv(4096):
                pass
    assert errors(logs) == []


# -- TLS and Unix sockets ----------------------------------------------------------------


def test_tls(tmp_path: Path) -> None:
    server_context, client_context = ssl_contexts(tmp_path)
    with running(ssl=server_context) as (_, uri), connect(uri, ssl=client_context) as c:
        c.send("over TLS")
        assert c.recv(timeout=2) == "over TLS"


def test_unix_serve(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.sock")
    with running_unix(path) as server:
        assert server.socket.family == socket.AF_UNIX
        with connect("ws://localhost/", unix=True, path=path) as connection:
            connection.send("unix")
            assert connection.recv(timeout=2) == "unix"


# -- Resource exhaustion -----------------------------------------------------------------


def test_serve_forever_survives_accept_errors(logs: pytest.LogCaptureFixture) -> None:
    failures = [
        OSError(errno.EMFILE, "Too many open files"),
        ConnectionAbortedError(errno.ECONNABORTED, "Software caused connection abort"),
    ]

    class FailingSocket(socket.socket):
        def accept(self) -> tuple[socket.socket, Any]:
            if failures:
                raise failures.pop(0)
            return super().accept()

    sock = FailingSocket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    with running(sock=sock) as (_, uri), connect(uri) as connection:
        connection.send("still serving")
        assert connection.recv(timeout=2) == "still serving"
    assert [record.getMessage() for record in errors(logs)] == [
        "failed to accept connection: [Errno 24] Too many open files",
        "failed to accept connection: [Errno 103] Software caused connection abort",
    ]
    assert all(record.exc_info is None for record in errors(logs))


def test_serve_forever_survives_thread_start_failure(
    logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = threading.Thread.start

    def failing_start(thread: threading.Thread) -> None:
        if thread.name == "websockets-handler":
            raise RuntimeError("can't start new thread")
        start(thread)

    with running() as (_, uri):
        monkeypatch.setattr(threading.Thread, "start", failing_start)
        # The server closes the accepted socket rather than leak it.
        with pytest.raises((InvalidHandshake, OSError)):
            connect(uri, open_timeout=2)
        monkeypatch.undo()
        with connect(uri) as connection:
            connection.send("still serving")
            assert connection.recv(timeout=2) == "still serving"
    assert [record.getMessage() for record in errors(logs)] == [
        "failed to start a thread for a connection: can't start new thread"
    ]


# -- Data ahead of the handshake response ------------------------------------------------


def client_handshake_bytes() -> bytes:
    """A handshake request, as a client sends it."""
    client = ClientProtocol(parse_uri("ws://localhost/"))
    client.send_request(client.connect())
    return b"".join(client.data_to_send())


def test_no_response_once_data_ahead_of_it_failed_the_connection() -> None:
    client_sock, server_sock = socket.socketpair()
    with client_sock:
        # More than max_size + 14 bytes held with the request, all read at once.
        early = Frame(OP_TEXT, b"x" * 80).serialize(mask=True) * 3
        client_sock.sendall(client_handshake_bytes() + early)
        connection = ServerConnection(server_sock, ServerProtocol(max_size=100))
        try:
            with pytest.raises(PayloadTooBig) as raised:
                connection.handshake(timeout=2)
            assert raised.value is connection.protocol.handshake_exc
            assert connection.response is None
            client_sock.settimeout(2)
            assert client_sock.recv(4096) == b""  # no 101: the server only half-closed
        finally:
            connection.close_socket()


def test_handler_not_called_once_data_ahead_of_the_response_failed_the_connection(
    logs: pytest.LogCaptureFixture,
) -> None:
    called = threading.Event()
    with (
        running(lambda connection: called.set(), max_size=100, close_timeout=0.5) as (
            server,
            _,
        ),
        socket.create_connection(server.socket.getsockname()) as sock,
    ):
        early = Frame(OP_TEXT, b"x" * 80).serialize(mask=True) * 3
        sock.sendall(client_handshake_bytes() + early)
        sock.settimeout(2)
        assert sock.recv(4096) == b""
    assert not called.is_set()
    assert errors(logs) == []
    assert "connection open" not in [record.getMessage() for record in logs.records]


def test_reading_pauses_from_request_to_response_and_early_frames_arrive() -> None:
    client_sock, server_sock = socket.socketpair()
    with client_sock:
        early = Frame(OP_TEXT, b"early").serialize(mask=True)
        client_sock.sendall(client_handshake_bytes() + early)
        connection = ServerConnection(server_sock, ServerProtocol())
        try:
            assert connection.request_rcvd.wait(2)
            # Nothing is read until the response is sent.
            assert not connection.reading_allowed.is_set()
            client_sock.sendall(Frame(OP_TEXT, b"later").serialize(mask=True))
            connection.handshake(timeout=2)
            assert connection.reading_allowed.is_set()
            # Frames held with the request come first, without waiting for more data.
            assert connection.recv(timeout=2) == "early"
            assert connection.recv(timeout=2) == "later"
        finally:
            connection.close_socket()
