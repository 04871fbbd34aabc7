"""The threading client: connect, unix_connect, ClientConnection."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from websockets.client import ClientProtocol
from websockets.exceptions import (
    InvalidHandshake,
    InvalidMessage,
    InvalidProxy,
    InvalidStatus,
    InvalidURI,
)
from websockets.http11 import USER_AGENT, Request, Response
from websockets.protocol import OPEN
from websockets.sync import ClientConnection, ServerConnection, connect, unix_connect
from websockets.typing import Origin, Subprotocol
from websockets.uri import parse_uri

from ..asyncio.client_server_helper import ssl_contexts
from .server_helper import running, running_unix

# -- The example from the documentation ------------------------------------------------

EXAMPLE = """\
from websockets.sync.client import connect

def hello():
    with connect("ws://localhost:8765") as websocket:
        websocket.send("Hello world!")
        message = websocket.recv()
        print(f"Received: {message}")

hello()
"""


def test_documentation_example(capsys: pytest.CaptureFixture[str]) -> None:
    # Against a server on another port: the URI is the only change.
    with running(lambda connection: connection.send(connection.recv())) as (_, uri):
        code = EXAMPLE.replace("ws://localhost:8765", uri)
        exec(compile(code, "example", "exec"), {"__name__": "example"})
    assert capsys.readouterr().out == "Received: Hello world!\n"


def test_documentation_example_on_port_8765(capsys: pytest.CaptureFixture[str]) -> None:
    from websockets.sync.server import serve

    def handler(connection: ServerConnection) -> None:
        connection.send(connection.recv())

    try:
        server = serve(handler, "localhost", 8765)
    except OSError:
        pytest.skip("port 8765 is busy")
    with server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        try:
            exec(compile(EXAMPLE, "example", "exec"), {"__name__": "example"})
        finally:
            server.shutdown()
            thread.join(5)
    assert capsys.readouterr().out == "Received: Hello world!\n"


# -- Connecting --------------------------------------------------------------------------


def test_connect_returns_an_open_connection() -> None:
    with running() as (_, uri), connect(uri) as connection:
        assert isinstance(connection, ClientConnection)
        assert connection.state is OPEN
        assert connection.request is not None
        assert connection.response is not None
        assert connection.response.status_code == 101
        connection.send("echo")
        assert connection.recv() == "echo"
        assert connection.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_headers_and_user_agent() -> None:
    requests: list[Request] = []
    # The client may finish closing before the server's handler runs.
    handled = threading.Semaphore(0)

    def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        requests.append(connection.request)
        handled.release()

    with running(handler) as (_, uri):
        with connect(
            uri, additional_headers={"X-Test": "yes"}, origin=Origin("http://example.com")
        ):
            pass
        assert handled.acquire(timeout=2)
        with connect(uri, user_agent_header=None):
            pass
        assert handled.acquire(timeout=2)
    assert requests[0].headers["X-Test"] == "yes"
    assert requests[0].headers["User-Agent"] == USER_AGENT
    assert requests[0].headers["Origin"] == "http://example.com"
    assert "User-Agent" not in requests[1].headers


def test_user_info_sends_basic_credentials() -> None:
    authorizations: list[str] = []
    handled = threading.Event()  # the client may finish closing before the handler runs

    def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        authorizations.append(connection.request.headers["Authorization"])
        handled.set()

    with running(handler) as (_, uri), connect(uri.replace("//", "//user:pass@")):
        pass
    assert handled.wait(2)
    assert authorizations == ["Basic dXNlcjpwYXNz"]


CHAT = [Subprotocol("chat")]


def test_subprotocols() -> None:
    with running(subprotocols=CHAT) as (_, uri), connect(uri, subprotocols=CHAT) as c:
        assert c.subprotocol == "chat"


def test_sock_argument() -> None:
    with running() as (server, _):
        sock = socket.create_connection(server.socket.getsockname()[:2])
        with connect("ws://127.0.0.1/", sock=sock) as connection:
            connection.send("via sock")
            assert connection.recv() == "via sock"


def test_create_connection_subclass() -> None:
    class MyConnection(ClientConnection):
        pass

    with running() as (_, uri), connect(uri, create_connection=MyConnection) as connection:
        assert isinstance(connection, MyConnection)


# -- Failures ----------------------------------------------------------------------------


def test_rejected_handshake_raises_invalid_status() -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(403, "Forbidden\n")

    with running(process_request=process_request) as (_, uri):
        with pytest.raises(InvalidStatus) as raised:
            connect(uri)
        assert raised.value.response.status_code == 403


def test_invalid_uri() -> None:
    with pytest.raises(InvalidURI):
        connect("http://localhost/")


def test_connection_refused() -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    with pytest.raises(ConnectionRefusedError):
        connect(f"ws://127.0.0.1:{port}/")


def test_open_timeout_against_a_silent_server() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with pytest.raises(TimeoutError, match="opening handshake"):
            connect(f"ws://127.0.0.1:{port}/", open_timeout=0.05)


def test_server_that_closes_without_answering() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def accept_and_close() -> None:
            sock, _ = listener.accept()
            sock.recv(4096)
            sock.close()

        thread = threading.Thread(target=accept_and_close)
        thread.start()
        with pytest.raises(InvalidHandshake):
            connect(f"ws://127.0.0.1:{port}/", open_timeout=2)
        thread.join(2)


def test_argument_errors(tmp_path: Path) -> None:
    _, client_context = ssl_contexts(tmp_path)
    with pytest.raises(ValueError, match="ws://"):
        connect("ws://localhost/", ssl=client_context)
    with pytest.raises(ValueError, match="missing path"):
        unix_connect()
    with (
        socket.socket(socket.AF_UNIX) as sock,
        pytest.raises(ValueError, match="incompatible"),
    ):
        unix_connect(str(tmp_path / "ws.sock"), sock=sock)
    with pytest.raises(ValueError, match="unsupported compression"):
        connect("ws://localhost/", compression="zstd")
    with pytest.raises(TypeError):
        connect("ws://localhost/", subprotocols="chat")  # type: ignore[arg-type]


def test_ssl_context_is_a_deprecated_alias(tmp_path: Path) -> None:
    server_context, client_context = ssl_contexts(tmp_path)
    with running(ssl=server_context) as (_, uri):
        with pytest.warns(DeprecationWarning, match="ssl_context"):
            connection = connect(uri, ssl_context=client_context)
        with connection:
            assert connection.socket.version() is not None  # type: ignore[attr-defined]


# -- Proxies -----------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["ws_proxy", "http_proxy", "WS_PROXY", "socks_proxy"])
def test_proxy_from_environment_is_refused(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, "http://proxy.invalid:8080")
    with pytest.raises(InvalidProxy, match="proxies aren't supported yet") as raised:
        connect("ws://example.invalid/")
    assert raised.value.proxy == "http://proxy.invalid:8080"


def test_proxy_argument_is_refused() -> None:
    with pytest.raises(InvalidProxy):
        connect("ws://example.invalid/", proxy="socks5h://proxy.invalid:1080")
    with pytest.raises(InvalidProxy):
        connect("ws://example.invalid/", proxy="ftp://proxy.invalid")


def test_proxy_none_connects_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ws_proxy", "http://proxy.invalid:8080")
    with running() as (_, uri), connect(uri, proxy=None) as connection:
        connection.send("direct")
        assert connection.recv() == "direct"


def test_proxy_is_ignored_for_unix_sockets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ws_proxy", "http://proxy.invalid:8080")
    path = str(tmp_path / "ws.sock")
    with running_unix(path), unix_connect(path) as connection:
        connection.send("unix")
        assert connection.recv() == "unix"


# -- TLS and Unix sockets ----------------------------------------------------------------


def test_tls(tmp_path: Path) -> None:
    server_context, client_context = ssl_contexts(tmp_path)
    with running(ssl=server_context) as (_, uri), connect(uri, ssl=client_context) as c:
        c.send("secure")
        assert c.recv() == "secure"
        c.send(b"x" * 100_000)
        assert c.recv() == b"x" * 100_000
    assert c.close_code == 1000


def test_tls_handshakes_in_a_row(tmp_path: Path) -> None:
    # Reading the server's TLS 1.3 session tickets in the background thread while the
    # request was written hung about one handshake in a hundred.
    server_context, client_context = ssl_contexts(tmp_path)
    with running(ssl=server_context) as (_, uri):
        for _ in range(30):
            with connect(uri, ssl=client_context, open_timeout=5) as connection:
                connection.send("x")
                assert connection.recv() == "x"


def test_tls_with_server_hostname(tmp_path: Path) -> None:
    server_context, client_context = ssl_contexts(tmp_path)
    with (
        running(ssl=server_context) as (_, uri),
        connect(uri, ssl=client_context, server_hostname="localhost") as connection,
    ):
        assert connection.recv_events_thread.is_alive()


def test_unix_connect(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.sock")
    with running_unix(path), unix_connect(path) as connection:
        assert connection.request is not None
        assert connection.request.headers["Host"] == "localhost"
        connection.send("over unix")
        assert connection.recv() == "over unix"


def test_unix_connect_with_tls(tmp_path: Path) -> None:
    server_context, client_context = ssl_contexts(tmp_path)
    path = str(tmp_path / "wss.sock")
    with (
        running_unix(path, ssl=server_context),
        unix_connect(path, ssl=client_context, server_hostname="localhost") as connection,
    ):
        connection.send("secure unix")
        assert connection.recv() == "secure unix"


def test_output_is_not_polluted(capsys: pytest.CaptureFixture[str]) -> None:
    with running() as (_, uri), connect(uri) as connection:
        connection.send("quiet")
        connection.recv()
    assert capsys.readouterr().out == ""


def test_connection_lost_before_the_request_fails_the_handshake() -> None:
    client_sock, server_sock = socket.socketpair()
    server_sock.close()  # e.g. a server out of resources closing at once
    connection = ClientConnection(client_sock, ClientProtocol(parse_uri("ws://localhost/")))
    try:
        with pytest.raises(InvalidMessage) as raised:
            connection.handshake(timeout=2)
        assert raised.value is connection.protocol.handshake_exc
    finally:
        connection.close_socket()
