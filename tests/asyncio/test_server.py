"""WebSocket servers on asyncio: serve, Server, ServerConnection, basic_auth, broadcast."""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from websockets.asyncio import server as server_module
from websockets.asyncio.connection import Connection
from websockets.asyncio.server import (
    Server,
    ServerConnection,
    basic_auth,
    broadcast,
    serve,
    unix_serve,
)
from websockets.datastructures import Headers
from websockets.exceptions import ConcurrencyError, ConnectionClosed, InvalidStatus
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import CloseCode
from websockets.headers import build_authorization_basic
from websockets.http11 import SERVER, Request, Response
from websockets.protocol import CLOSED, OPEN
from websockets.typing import Origin, Subprotocol

from .server_client_helper import connect, rejection

HOST = "127.0.0.1"


# -- Fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def time_limit() -> Iterator[None]:
    """Fail a test that runs for more than a few seconds rather than hang the suite."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("test took too long")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 10)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="websockets")
    return caplog


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == level]


def port_of(server: Server) -> int:
    port = server.sockets[0].getsockname()[1]
    assert isinstance(port, int)
    return port


async def echo(connection: ServerConnection) -> None:
    async for message in connection:
        await connection.send(message)


@contextlib.asynccontextmanager
async def running(
    handler: Callable[[ServerConnection], Awaitable[None]] = echo,
    **kwargs: Any,  # forwarded to serve
) -> AsyncGenerator[tuple[Server, int]]:
    async with serve(handler, HOST, 0, **kwargs) as server:
        yield server, port_of(server)


async def read_until_closed(reader: asyncio.StreamReader) -> bytes:
    """Read what the server sends until it closes the connection (or resets it)."""
    try:
        return await reader.read()
    except ConnectionResetError:
        return b""


async def close_writer(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


# -- Basics ------------------------------------------------------------------------------


async def test_echo() -> None:
    async with running() as (_, port), await connect(port) as client:
        await client.send("hello")
        assert await client.recv() == "hello"
        await client.send(b"\x00\xff")
        assert await client.recv() == b"\x00\xff"
        await client.close()
        assert client.close_code == CloseCode.NORMAL_CLOSURE


async def test_await_serve_returns_a_listening_server() -> None:
    server = await serve(echo, HOST, 0)
    try:
        assert isinstance(server, Server)
        assert server.is_serving()
        assert server.get_loop() is asyncio.get_running_loop()
        assert len(server.sockets) == 1
        assert server.sockets[0].family == socket.AF_INET
    finally:
        server.close()
        await server.wait_closed()
    assert not server.is_serving()


def test_serve_supports_yield_from() -> None:
    assert serve.__iter__ is serve.__await__


async def test_server_is_an_async_context_manager() -> None:
    server = await serve(echo, HOST, 0)
    async with server as entered:
        assert entered is server
        assert server.is_serving()
    assert not server.is_serving()
    await asyncio.wait_for(server.wait_closed(), 1)


async def test_handler_receives_the_connection() -> None:
    seen: list[ServerConnection] = []

    async def handler(connection: ServerConnection) -> None:
        seen.append(connection)
        assert connection.state is OPEN
        assert connection.request is not None
        assert connection.request.path == "/path?query"
        assert connection.response is not None
        assert connection.response.status_code == 101
        assert connection.server is server
        assert connection.local_address[1] == port
        assert connection.keepalive_task is not None  # keepalive started
        await connection.send("ready")

    async with (
        running(handler) as (server, port),
        await connect(port, path="/path?query") as client,
    ):
        assert await client.recv() == "ready"
        await client.wait_closed()
        assert client.close_code == CloseCode.NORMAL_CLOSURE
    assert len(seen) == 1


async def test_handler_return_closes_the_connection_normally() -> None:
    async def handler(connection: ServerConnection) -> None:
        pass

    async with running(handler) as (_, port), await connect(port) as client:
        await client.wait_closed()
        assert client.close_code == CloseCode.NORMAL_CLOSURE


async def test_handler_exception_closes_with_1011_and_logs(logs: pytest.LogCaptureFixture) -> None:
    async def handler(connection: ServerConnection) -> None:
        raise RuntimeError("boom")

    async with running(handler) as (_, port), await connect(port) as client:
        await client.wait_closed()
        assert client.close_code == CloseCode.INTERNAL_ERROR
    [record] = errors(logs)
    assert record.getMessage() == "connection handler failed"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


async def test_server_logs_listening_closing_and_closed(logs: pytest.LogCaptureFixture) -> None:
    async with running() as (_, port):
        pass
    info = messages(logs, logging.INFO)
    assert f"server listening on {HOST}:{port}" in info
    assert info.index("server closing") < info.index("server closed")


async def test_server_logs_ipv6_address(logs: pytest.LogCaptureFixture) -> None:
    if not socket.has_ipv6:  # pragma: no cover
        pytest.skip("IPv6 isn't available")
    try:
        server = await serve(echo, "::1", 0)
    except OSError:  # pragma: no cover
        pytest.skip("IPv6 loopback isn't available")
    async with server:
        port = port_of(server)
    assert f"server listening on [::1]:{port}" in messages(logs, logging.INFO)


async def test_custom_logger(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.custom")
    caplog.set_level(logging.INFO, logger="test.custom")
    async with running(logger=logger) as (_, port), await connect(port):
        pass
    names = {record.name for record in caplog.records}
    assert names == {"test.custom"}
    assert "connection open" in messages(caplog, logging.INFO)


async def test_create_connection_subclass() -> None:
    class MyConnection(ServerConnection):
        pass

    classes: list[type[ServerConnection]] = []

    async def handler(connection: ServerConnection) -> None:
        classes.append(type(connection))

    async with (
        running(handler, create_connection=MyConnection) as (_, port),
        await connect(port) as client,
    ):
        await client.wait_closed()
    assert classes == [MyConnection]


async def test_max_size() -> None:
    async with running(max_size=10) as (_, port), await connect(port) as client:
        await client.send("x" * 11)
        await client.wait_closed()
        assert client.close_code == CloseCode.MESSAGE_TOO_BIG


async def test_kwargs_go_to_create_server() -> None:
    with socket.create_server((HOST, 0)) as sock:
        port = sock.getsockname()[1]
        async with serve(echo, sock=sock) as server, await connect(port) as client:
            assert port_of(server) == port
            await client.send("via sock")
            assert await client.recv() == "via sock"


async def test_unknown_kwargs_are_refused() -> None:
    with pytest.raises(TypeError):
        await serve(echo, HOST, 0, no_such_argument=True)


# -- Handshake hooks ---------------------------------------------------------------------


async def test_process_request_sync_response() -> None:
    handled: list[ServerConnection] = []

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/missing":
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Not here.\n")
        return None

    async def handler(connection: ServerConnection) -> None:
        handled.append(connection)

    async with running(handler, process_request=process_request) as (_, port):
        response = await rejection(port, path="/missing")
        assert response.status_code == 404
        assert response.reason_phrase == "Not Found"
        assert response.body == b"Not here.\n"
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert handled == []
        async with await connect(port, path="/found") as client:
            await client.wait_closed()
        assert len(handled) == 1


async def test_process_request_async_health_check(logs: pytest.LogCaptureFixture) -> None:
    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        await asyncio.sleep(0)
        if request.path == "/healthz":
            return connection.respond(http.HTTPStatus.OK, "OK\n")
        return None

    async with running(process_request=process_request) as (_, port):
        # A plain HTTP client, as a load balancer's health check would be.
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = await read_until_closed(reader)
        await close_writer(writer)
        assert data.startswith(b"HTTP/1.1 200 OK\r\n")
        assert data.endswith(b"\r\n\r\nOK\n")
        async with await connect(port) as client:
            await client.send("still a WebSocket server")
            assert await client.recv() == "still a WebSocket server"
    assert "connection rejected (200 OK)" in messages(logs, logging.INFO)
    assert errors(logs) == []


async def test_process_request_exception_answers_500(logs: pytest.LogCaptureFixture) -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        raise ValueError("bug in process_request")

    async with running(process_request=process_request) as (_, port):
        response = await rejection(port)
    assert response.status_code == 500
    assert b"error on the server" in response.body
    [record] = errors(logs)
    assert record.getMessage() == "opening handshake failed"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ValueError)


async def test_process_response_modifies_headers() -> None:
    def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        response.headers["X-Added"] = "yes"
        del response.headers["Server"]
        return None

    async with (
        running(process_response=process_response) as (_, port),
        await connect(port) as client,
    ):
        assert client.response is not None
        assert client.response.headers["X-Added"] == "yes"
        assert "Server" not in client.response.headers


async def test_process_response_async_replaces_response() -> None:
    async def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        assert response.status_code == 101
        assert connection.request is request
        return connection.respond(http.HTTPStatus.FORBIDDEN, "Go away.\n")

    async with running(process_response=process_response) as (_, port):
        response = await rejection(port)
    assert response.status_code == 403
    assert response.body == b"Go away.\n"


async def test_process_response_exception_answers_500(logs: pytest.LogCaptureFixture) -> None:
    async def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        raise ValueError("bug in process_response")

    async with running(process_response=process_response) as (_, port):
        response = await rejection(port)
    assert response.status_code == 500
    [record] = errors(logs)
    assert record.getMessage() == "opening handshake failed"


async def test_server_header_default() -> None:
    async with running() as (_, port), await connect(port) as client:
        assert client.response is not None
        assert client.response.headers["Server"] == SERVER


@pytest.mark.parametrize("server_header", [None, ""])
async def test_server_header_omitted(server_header: str | None) -> None:
    async with running(server_header=server_header) as (_, port), await connect(port) as client:
        assert client.response is not None
        assert "Server" not in client.response.headers


async def test_server_header_custom_also_on_rejections() -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        return connection.respond(http.HTTPStatus.NOT_FOUND, "Nope.\n")

    async with running(server_header="Mine/1.0", process_request=process_request) as (_, port):
        response = await rejection(port)
    assert response.headers.get_all("Server") == ["Mine/1.0"]


async def test_server_header_not_duplicated() -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        response = connection.respond(http.HTTPStatus.NOT_FOUND, "Nope.\n")
        response.headers["Server"] = "Custom"
        return response

    async with running(process_request=process_request) as (_, port):
        response = await rejection(port)
    assert response.headers.get_all("Server") == ["Custom"]


# -- Negotiation -------------------------------------------------------------------------


async def test_subprotocols() -> None:
    chosen: list[Subprotocol | None] = []

    async def handler(connection: ServerConnection) -> None:
        chosen.append(connection.subprotocol)

    subprotocols = [Subprotocol("chat"), Subprotocol("superchat")]
    async with running(handler, subprotocols=subprotocols) as (_, port):
        async with await connect(port, subprotocols=[Subprotocol("superchat")]) as client:
            assert client.protocol.subprotocol == "superchat"
            await client.wait_closed()
        response = await rejection(port)  # no subprotocol offered
        assert response.status_code == 400
    assert chosen == ["superchat"]


async def test_select_subprotocol_receives_the_connection() -> None:
    calls: list[tuple[ServerConnection, list[Subprotocol]]] = []

    def select_subprotocol(
        connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        calls.append((connection, list(subprotocols)))
        return Subprotocol("b") if "b" in subprotocols else None

    connections: list[ServerConnection] = []

    async def handler(connection: ServerConnection) -> None:
        connections.append(connection)
        await connection.send(connection.subprotocol or "none")

    async with running(handler, select_subprotocol=select_subprotocol) as (_, port):
        offered = [Subprotocol("a"), Subprotocol("b")]
        async with await connect(port, subprotocols=offered) as client:
            assert await client.recv() == "b"
        async with await connect(port) as client:
            assert await client.recv() == "none"
    assert [offered for _, offered in calls] == [["a", "b"], []]
    assert [connection for connection, _ in calls] == connections


async def test_select_subprotocol_exception(logs: pytest.LogCaptureFixture) -> None:
    def select_subprotocol(
        connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        raise RuntimeError("bug in select_subprotocol")

    async with running(select_subprotocol=select_subprotocol) as (_, port):
        response = await rejection(port)
    assert response.status_code == 500
    assert [record.getMessage() for record in errors(logs)] == ["opening handshake failed"]


@pytest.mark.parametrize(
    "subprotocols",
    [[Subprotocol("not a token")], Subprotocol("chat")],
)
async def test_invalid_subprotocols(subprotocols: Any) -> None:  # invalid on purpose
    with pytest.raises((TypeError, ValueError)):
        serve(echo, HOST, 0, subprotocols=subprotocols)


async def test_origins() -> None:
    origins = [Origin("https://good.example"), re.compile(r"https://[a-z]+\.allowed\.example")]
    async with running(origins=origins) as (_, port):
        async with await connect(port, origin=Origin("https://good.example")):
            pass
        async with await connect(port, origin=Origin("https://sub.allowed.example")):
            pass
        response = await rejection(port, origin=Origin("https://evil.example"))
        assert response.status_code == 403
        response = await rejection(port)  # no Origin header
        assert response.status_code == 403


async def test_origins_none_allows_missing_origin() -> None:
    async with running(origins=[None]) as (_, port):
        async with await connect(port):
            pass
        response = await rejection(port, origin=Origin("https://any.example"))
        assert response.status_code == 403


async def test_compression_enabled_by_default() -> None:
    extensions: list[object] = []

    async def handler(connection: ServerConnection) -> None:
        extensions.extend(connection.protocol.extensions)
        await echo(connection)

    async with running(handler) as (_, port), await connect(port, compression=True) as client:
        assert client.response is not None
        assert client.response.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
        await client.send("compressible " * 100)
        assert await client.recv() == "compressible " * 100
    [extension] = extensions
    assert isinstance(extension, PerMessageDeflate)


async def test_compression_keeps_a_configured_factory() -> None:
    factory = ServerPerMessageDeflateFactory(server_max_window_bits=10)
    async with (
        running(extensions=[factory]) as (_, port),
        await connect(port, compression=True) as client,
    ):
        assert client.response is not None
        assert "server_max_window_bits=10" in client.response.headers["Sec-WebSocket-Extensions"]


async def test_compression_disabled() -> None:
    async with (
        running(compression=None) as (_, port),
        await connect(port, compression=True) as client,
    ):
        assert client.response is not None
        assert "Sec-WebSocket-Extensions" not in client.response.headers
        await client.send("plain")
        assert await client.recv() == "plain"


async def test_invalid_compression() -> None:
    with pytest.raises(ValueError, match="unsupported compression: zstd"):
        serve(echo, HOST, 0, compression="zstd")


# -- Handshake failures ------------------------------------------------------------------


async def test_port_scanner_produces_no_error(logs: pytest.LogCaptureFixture) -> None:
    async with running() as (_, port):
        # Connect, then disconnect without a word.
        _, writer = await asyncio.open_connection(HOST, port)
        await close_writer(writer)
        # Connect, send a few bytes that aren't a request, then disconnect.
        _, writer = await asyncio.open_connection(HOST, port)
        writer.write(b"\x16\x03\x01\x00")
        await close_writer(writer)
        # Send garbage and wait for the server to give up on it.
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        assert await read_until_closed(reader) == b""
        await close_writer(writer)
    assert errors(logs) == []
    assert "! opening handshake failed" in messages(logs, logging.DEBUG)


async def test_plain_http_request_is_rejected_quietly(logs: pytest.LogCaptureFixture) -> None:
    async with running() as (_, port):
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = await read_until_closed(reader)
        await close_writer(writer)
    assert data.startswith(b"HTTP/1.1 426 Upgrade Required\r\n")
    assert errors(logs) == []
    assert "connection rejected (426 Upgrade Required)" in messages(logs, logging.INFO)


async def test_client_leaving_during_process_request(logs: pytest.LogCaptureFixture) -> None:
    entered: asyncio.Queue[ServerConnection] = asyncio.Queue()
    release = asyncio.Event()

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        await entered.put(connection)
        await release.wait()
        return None

    handled: list[ServerConnection] = []

    async def handler(connection: ServerConnection) -> None:
        handled.append(connection)

    async with running(handler, process_request=process_request) as (_, port):
        client = await connect(port, handshake=False)
        client.send_request()
        connection = await entered.get()
        client.writer.transport.abort()
        await client.wait_closed()
        await connection.wait_closed()  # the server noticed; now resume the hook
        release.set()
    assert handled == []
    assert errors(logs) == []
    assert "! opening handshake failed" in messages(logs, logging.DEBUG)


async def test_client_sending_too_much_during_process_request(
    logs: pytest.LogCaptureFixture,
) -> None:
    entered: asyncio.Queue[ServerConnection] = asyncio.Queue()
    release = asyncio.Event()

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        await entered.put(connection)
        await release.wait()
        return None

    handled: list[ServerConnection] = []

    async def handler(connection: ServerConnection) -> None:
        handled.append(connection)

    async with running(handler, process_request=process_request, max_size=100) as (_, port):
        client = await connect(port, handshake=False)
        client.send_request()
        connection = await entered.get()
        # More than a frame of max_size before the response: the server gives up.
        client.writer.write(bytes(1000))
        assert await read_until_closed(client.reader) == b""
        await close_writer(client.writer)
        release.set()
        await connection.wait_closed()
    assert handled == []
    assert errors(logs) == []
    assert "! opening handshake failed" in messages(logs, logging.DEBUG)


async def test_open_timeout_aborts_silent_client(logs: pytest.LogCaptureFixture) -> None:
    async with running(open_timeout=0.1) as (_, port):
        reader, writer = await asyncio.open_connection(HOST, port)
        assert await read_until_closed(reader) == b""
        await close_writer(writer)
    assert "- timed out during opening handshake" in messages(logs, logging.DEBUG)
    assert errors(logs) == []


async def test_open_timeout_bounds_process_request() -> None:
    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        await asyncio.sleep(10)
        return None

    async with running(open_timeout=0.1, process_request=process_request) as (_, port):
        with pytest.raises(EOFError):
            await connect(port)


async def test_rejected_client_that_stays_is_aborted() -> None:
    rejected: list[ServerConnection] = []

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        rejected.append(connection)
        return connection.respond(http.HTTPStatus.FORBIDDEN, "No.\n")

    async with running(process_request=process_request, close_timeout=0.1) as (_, port):
        client = await connect(port, handshake=False)
        client.send_request()
        # The server half-closes after the response; the client doesn't close its side.
        data = await client.reader.read()
        assert data.startswith(b"HTTP/1.1 403 Forbidden\r\n")
        assert not client.writer.is_closing()
        # The server aborts the connection after close_timeout.
        await asyncio.wait_for(rejected[0].wait_closed(), 2)
        await close_writer(client.writer)


# -- Authentication ----------------------------------------------------------------------


def authorization(username: str, password: str) -> dict[str, str]:
    return {"Authorization": build_authorization_basic(username, password)}


async def test_basic_auth() -> None:
    users: list[str] = []

    async def handler(connection: ServerConnection) -> None:
        users.append(connection.username)

    process_request = basic_auth(realm="test", credentials=("hello", "iloveyou"))
    async with running(handler, process_request=process_request) as (_, port):
        response = await rejection(port)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Basic realm="test", charset="UTF-8"'
        assert response.body == b"Missing credentials\n"

        response = await rejection(port, additional_headers={"Authorization": "Bearer token"})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Basic realm="test", charset="UTF-8"'
        assert response.body == b"Unsupported credentials\n"

        response = await rejection(port, additional_headers=authorization("hello", "wrong"))
        assert response.status_code == 401
        assert response.body == b"Invalid credentials\n"

        response = await rejection(port, additional_headers=authorization("nobody", "iloveyou"))
        assert response.body == b"Invalid credentials\n"

        headers = authorization("hello", "iloveyou")
        async with await connect(port, additional_headers=headers) as client:
            await client.wait_closed()
    assert users == ["hello"]


async def test_basic_auth_several_credentials_and_unicode() -> None:
    users: list[str] = []

    async def handler(connection: ServerConnection) -> None:
        users.append(connection.username)

    credentials = [("alice", "pässwörd"), ("bob", "secret")]
    process_request = basic_auth(credentials=credentials)
    async with running(handler, process_request=process_request) as (_, port):
        for username, password in credentials:
            headers = authorization(username, password)
            async with await connect(port, additional_headers=headers) as client:
                await client.wait_closed()
        response = await rejection(port, additional_headers=authorization("alice", "secret"))
        assert response.headers["WWW-Authenticate"] == 'Basic realm="", charset="UTF-8"'
        assert response.body == b"Invalid credentials\n"
    assert users == ["alice", "bob"]


async def test_basic_auth_duplicate_authorization_headers() -> None:
    process_request = basic_auth(credentials=("hello", "iloveyou"))
    async with running(process_request=process_request) as (_, port):
        headers = [
            ("Authorization", build_authorization_basic("hello", "iloveyou")),
            ("Authorization", build_authorization_basic("hello", "iloveyou")),
        ]
        response = await rejection(port, additional_headers=headers)
    assert response.body == b"Unsupported credentials\n"


async def test_basic_auth_check_credentials_sync() -> None:
    checked: list[tuple[str, str]] = []

    def check_credentials(username: str, password: str) -> bool:
        checked.append((username, password))
        return password == f"{username}!"

    process_request = basic_auth(check_credentials=check_credentials)
    async with running(process_request=process_request) as (_, port):
        async with await connect(port, additional_headers=authorization("me", "me!")):
            pass
        response = await rejection(port, additional_headers=authorization("me", "you!"))
        assert response.body == b"Invalid credentials\n"
    assert checked == [("me", "me!"), ("me", "you!")]


async def test_basic_auth_check_credentials_async() -> None:
    async def check_credentials(username: str, password: str) -> bool:
        await asyncio.sleep(0)
        return (username, password) == ("me", "pw")

    users: list[str] = []

    async def handler(connection: ServerConnection) -> None:
        users.append(connection.username)

    process_request = basic_auth(check_credentials=check_credentials)
    async with running(handler, process_request=process_request) as (_, port):
        async with await connect(port, additional_headers=authorization("me", "pw")) as client:
            await client.wait_closed()
        response = await rejection(port, additional_headers=authorization("me", "no"))
        assert response.body == b"Invalid credentials\n"
    assert users == ["me"]


def test_basic_auth_requires_credentials_or_check_credentials() -> None:
    with pytest.raises(ValueError, match="provide either credentials or check_credentials"):
        basic_auth()
    with pytest.raises(ValueError, match="provide either credentials or check_credentials"):
        basic_auth(credentials=("a", "b"), check_credentials=lambda username, password: True)


@pytest.mark.parametrize(
    "credentials",
    [
        "hello:iloveyou",
        ("hello",),
        ("hello", "iloveyou", "extra"),
        [("hello", "iloveyou"), ("bad",)],
        [("hello", 42)],
        42,
    ],
)
def test_basic_auth_invalid_credentials_argument(credentials: Any) -> None:  # invalid on purpose
    with pytest.raises(TypeError, match="invalid credentials argument"):
        basic_auth(credentials=credentials)


def test_basic_auth_invalid_realm() -> None:
    with pytest.raises(ValueError, match="invalid character"):
        basic_auth(realm="bad\nrealm", credentials=("a", "b"))


# -- Server lifecycle --------------------------------------------------------------------


async def test_close_sends_1001_and_waits_for_handlers(logs: pytest.LogCaptureFixture) -> None:
    started = asyncio.Event()
    finished: list[int | None] = []

    async def handler(connection: ServerConnection) -> None:
        started.set()
        with contextlib.suppress(ConnectionClosed):
            await connection.recv()
        await asyncio.sleep(0.01)  # cleanup that takes a moment
        finished.append(connection.close_code)

    async with running(handler) as (server, port), await connect(port) as client:
        await started.wait()
        server.close()
        server.close()  # idempotent
        await client.wait_closed()
        assert client.close_code == CloseCode.GOING_AWAY
        await server.wait_closed()
        assert finished == [CloseCode.GOING_AWAY]
        assert not server.is_serving()
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection(HOST, port)
    assert messages(logs, logging.INFO).count("server closing") == 1
    assert messages(logs, logging.INFO).count("server closed") == 1


async def test_close_without_closing_connections() -> None:
    started = asyncio.Event()

    async def handler(connection: ServerConnection) -> None:
        started.set()
        await echo(connection)

    async with running(handler) as (server, port), await connect(port) as client:
        await started.wait()
        server.close(close_connections=False)
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection(HOST, port)
        # The open connection goes on.
        await client.send("still there")
        assert await client.recv() == "still there"
        wait_closed = asyncio.create_task(server.wait_closed())
        await asyncio.sleep(0)
        assert not wait_closed.done()
        await client.close()
        await asyncio.wait_for(wait_closed, 2)
        assert client.close_code == CloseCode.NORMAL_CLOSURE


async def test_close_aborts_connections_without_request() -> None:
    accepted = asyncio.Event()

    class SignallingConnection(ServerConnection):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            accepted.set()

    # open_timeout is 10 seconds: closing mustn't wait for it.
    async with running(create_connection=SignallingConnection) as (server, port):
        reader, writer = await asyncio.open_connection(HOST, port)
        await accepted.wait()
        server.close()
        await asyncio.wait_for(server.wait_closed(), 2)
        assert await read_until_closed(reader) == b""
        await close_writer(writer)


async def test_handshake_during_shutdown_gets_503(logs: pytest.LogCaptureFixture) -> None:
    entered = asyncio.Event()
    release = asyncio.Event()

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        entered.set()
        await release.wait()
        return None

    async with running(process_request=process_request) as (server, port):
        task = asyncio.create_task(rejection(port))
        await entered.wait()
        server.close()
        release.set()
        response = await task
        assert response.status_code == 503
        assert response.body == b"Server is shutting down.\n"
        await server.wait_closed()
    assert "connection rejected (503 Service Unavailable)" in messages(logs, logging.INFO)
    assert errors(logs) == []


async def test_connection_opened_while_closing_is_closed_with_1001() -> None:
    entered = asyncio.Event()
    release = asyncio.Event()
    handled: list[str] = []

    async def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        if request.path == "/slow":
            # The 101 response is built: the server was still serving.
            entered.set()
            await release.wait()
        return None

    async def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        handled.append(connection.request.path)
        await connection.wait_closed()

    async with running(handler, process_response=process_response) as (server, port):
        async with await connect(port, path="/fast") as fast:
            slow_task = asyncio.create_task(connect(port, path="/slow"))
            await entered.wait()
            server.close()
            # Once the fast connection gets its Close frame, the server has closed all
            # the connections that were open; the slow one opens only afterwards.
            await fast.wait_closed()
            assert fast.close_code == CloseCode.GOING_AWAY
            release.set()
            async with await slow_task as slow:
                await slow.wait_closed()
                assert slow.close_code == CloseCode.GOING_AWAY
        await asyncio.wait_for(server.wait_closed(), 2)
    assert handled == ["/fast"]


async def test_cancelled_handshake_aborts_the_connection() -> None:
    entered: asyncio.Queue[ServerConnection] = asyncio.Queue()

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        await entered.put(connection)
        await asyncio.sleep(10)
        return None  # pragma: no cover

    async with running(process_request=process_request) as (server, port):
        task = asyncio.create_task(connect(port))
        connection = await entered.get()
        server.handlers[connection].cancel()
        with pytest.raises(EOFError):
            await task
        await connection.wait_closed()


async def test_handler_may_close_the_server() -> None:
    async def handler(connection: ServerConnection) -> None:
        connection.server.close()

    async with running(handler) as (server, port), await connect(port) as client:
        await client.wait_closed()
        assert client.close_code in (CloseCode.NORMAL_CLOSURE, CloseCode.GOING_AWAY)
        await asyncio.wait_for(server.wait_closed(), 2)


async def test_connections_property() -> None:
    opened: asyncio.Queue[ServerConnection] = asyncio.Queue()
    closed: asyncio.Queue[ServerConnection] = asyncio.Queue()

    async def handler(connection: ServerConnection) -> None:
        await opened.put(connection)
        await connection.wait_closed()
        await closed.put(connection)

    async with running(handler) as (server, port):
        assert server.connections == set()
        async with await connect(port) as first, await connect(port):
            one = await opened.get()
            two = await opened.get()
            assert server.connections == {one, two}
            assert all(
                isinstance(connection, ServerConnection) for connection in server.connections
            )
            await first.close()
            gone = await closed.get()
            assert server.connections == {one, two} - {gone}


async def test_wait_closed_waits_for_close() -> None:
    async with running() as (server, _):
        task = asyncio.create_task(server.wait_closed())
        await asyncio.sleep(0)
        assert not task.done()
    await asyncio.wait_for(task, 1)


async def test_serve_forever_cancellation_closes_the_server() -> None:
    started = asyncio.Event()

    async def handler(connection: ServerConnection) -> None:
        started.set()
        await echo(connection)

    server = await serve(handler, HOST, 0)
    port = port_of(server)
    task = asyncio.create_task(server.serve_forever())
    async with await connect(port) as client:
        await started.wait()
        task.cancel()
        # serve_forever closes the server, which waits for the client's Close frame.
        await client.wait_closed()
        assert client.close_code == CloseCode.GOING_AWAY
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not server.is_serving()
    await asyncio.wait_for(server.wait_closed(), 1)


async def test_serve_forever_returns_when_closed() -> None:
    server = await serve(echo, HOST, 0)
    task = asyncio.create_task(server.serve_forever())
    await asyncio.sleep(0)
    server.close()
    await asyncio.wait_for(task, 2)


async def test_start_serving() -> None:
    async with serve(echo, HOST, 0, start_serving=False) as server:
        assert not server.is_serving()
        await server.start_serving()
        assert server.is_serving()
        async with await connect(port_of(server)) as client:
            await client.send("served")
            assert await client.recv() == "served"


async def test_unix_serve(tmp_path: Path) -> None:
    path = str(tmp_path / "websocket.sock")
    async with unix_serve(echo, path) as server:
        assert server.sockets[0].family == socket.AF_UNIX
        async with await connect(unix_path=path) as client:
            await client.send("over a unix socket")
            assert await client.recv() == "over a unix socket"


async def test_unix_serve_logs_path(tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    path = str(tmp_path / "websocket.sock")
    async with unix_serve(echo, path):
        pass
    assert f"server listening on {path}" in messages(logs, logging.INFO)


# -- TLS ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, and its key."""
    openssl = shutil.which("openssl")
    if openssl is None:  # pragma: no cover
        pytest.skip("the openssl command is needed to generate a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


async def test_tls(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_context.load_verify_locations(cert)
    secure: list[bool] = []

    async def handler(connection: ServerConnection) -> None:
        secure.append(connection.transport.get_extra_info("ssl_object") is not None)
        await echo(connection)

    async with running(handler, ssl=server_context) as (_, port):
        client = await connect(port, ssl=client_context, server_hostname="localhost")
        async with client:
            await client.send("secret")
            assert await client.recv() == "secret"
            await client.close()
            assert client.close_code == CloseCode.NORMAL_CLOSURE
    assert secure == [True]


async def test_tls_timeouts_default_to_open_and_close_timeouts() -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    started = serve(echo, HOST, 0, ssl=context, open_timeout=3, close_timeout=4)
    assert started.kwargs["ssl_handshake_timeout"] == 3
    if sys.version_info >= (3, 11):
        assert started.kwargs["ssl_shutdown_timeout"] == 4
    explicit = serve(echo, HOST, 0, ssl=context, ssl_handshake_timeout=1)
    assert explicit.kwargs["ssl_handshake_timeout"] == 1
    plain = serve(echo, HOST, 0)
    assert "ssl_handshake_timeout" not in plain.kwargs


# -- broadcast ---------------------------------------------------------------------------


def test_broadcast_is_documented_here() -> None:
    assert broadcast.__module__ == "websockets.asyncio.server"
    assert server_module.broadcast is broadcast
    assert set(server_module.__all__) == {
        "broadcast",
        "serve",
        "unix_serve",
        "ServerConnection",
        "Server",
        "basic_auth",
    }


async def test_broadcast() -> None:
    opened: asyncio.Queue[ServerConnection] = asyncio.Queue()
    closed: asyncio.Queue[ServerConnection] = asyncio.Queue()

    async def handler(connection: ServerConnection) -> None:
        await opened.put(connection)
        await connection.wait_closed()
        await closed.put(connection)

    async with running(handler) as (server, port):
        clients = [await connect(port) for _ in range(3)]
        try:
            everyone = [await opened.get() for _ in clients]
            broadcast(server.connections, "hello")
            broadcast(server.connections, b"\x01\x02")
            for client in clients:
                assert await client.recv() == "hello"
                assert await client.recv() == b"\x01\x02"
            # Closed connections are skipped.
            await clients[0].close()
            await closed.get()
            broadcast(everyone, "again", raise_exceptions=sys.version_info >= (3, 11))
            for client in clients[1:]:
                assert await client.recv() == "again"
            with pytest.raises(TypeError, match="data must be str or bytes"):
                broadcast(everyone, 42)  # type: ignore[arg-type]  # checked at runtime
        finally:
            for client in clients:
                await client.__aexit__(None, None, None)


async def test_broadcast_skips_fragmented_sends(logs: pytest.LogCaptureFixture) -> None:
    sending = asyncio.Event()
    release = asyncio.Event()
    opened: asyncio.Queue[ServerConnection] = asyncio.Queue()

    async def fragments() -> AsyncIterator[str]:
        yield "frag"
        sending.set()
        await release.wait()
        yield "mented"

    async def handler(connection: ServerConnection) -> None:
        await opened.put(connection)
        await connection.send(fragments())
        await connection.wait_closed()

    async with running(handler) as (_, port), await connect(port) as client:
        connection = await opened.get()
        await sending.wait()
        broadcast([connection], "skipped")
        assert "skipped broadcast: sending a fragmented message" in messages(logs, logging.WARNING)
        if sys.version_info >= (3, 11):
            with pytest.raises(ExceptionGroup) as raised:  # noqa: F821  # a builtin on 3.11+
                broadcast([connection], "skipped", raise_exceptions=True)
            [exc] = raised.value.exceptions
            assert isinstance(exc, ConcurrencyError)
        release.set()
        assert await client.recv() == "fragmented"


# -- Deprecated arguments ----------------------------------------------------------------


async def test_extra_headers_is_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match="extra_headers is deprecated"):
        started = serve(echo, HOST, 0, extra_headers={"X-Extra": "1", "Server": "Replaced"})
    async with started as server, await connect(port_of(server)) as client:
        assert client.response is not None
        assert client.response.headers["X-Extra"] == "1"
        assert client.response.headers.get_all("Server") == ["Replaced"]


async def test_extra_headers_callable_and_process_response() -> None:
    def extra_headers(path: str, headers: Headers) -> list[tuple[str, str]]:
        return [("X-Path", path)]

    def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        response.headers["X-Seen"] = response.headers["X-Path"]
        return None

    with pytest.warns(DeprecationWarning, match="extra_headers is deprecated"):
        started = serve(
            echo,
            HOST,
            0,
            extra_headers=extra_headers,
            process_response=process_response,
        )
    async with started as server, await connect(port_of(server), path="/some/path") as client:
        assert client.response is not None
        assert client.response.headers["X-Path"] == "/some/path"
        assert client.response.headers["X-Seen"] == "/some/path"


# -- Typing ------------------------------------------------------------------------------


def test_server_connection_is_a_connection() -> None:
    assert issubclass(ServerConnection, Connection)


async def test_respond_builds_plain_text_response() -> None:
    responses: list[Response] = []

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        response = connection.respond(418, "I'm a teapot.\n")
        responses.append(response)
        return response

    async with running(process_request=process_request) as (_, port):
        response = await rejection(port)
    assert response.status_code == 418
    assert responses[0].headers["Content-Length"] == str(len(b"I'm a teapot.\n"))
    assert responses[0].headers["Connection"] == "close"


async def test_closed_connection_state_after_handler() -> None:
    seen: list[ServerConnection] = []

    async def handler(connection: ServerConnection) -> None:
        seen.append(connection)

    async with running(handler) as (_, port), await connect(port) as client:
        await client.wait_closed()
    assert seen[0].state is CLOSED


async def test_invalid_status_carries_response() -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        return connection.respond(http.HTTPStatus.NOT_FOUND, "Nope.\n")

    async with running(process_request=process_request) as (_, port):
        with pytest.raises(InvalidStatus) as raised:
            await connect(port)
    assert raised.value.response.status_code == 404


# -- Robustness --------------------------------------------------------------------------


async def test_process_request_returning_legacy_tuple(logs: pytest.LogCaptureFixture) -> None:
    def process_request(connection: ServerConnection, request: Request) -> Any:  # a wrong type
        return http.HTTPStatus.OK, [], b"OK\n"

    async with running(process_request=process_request) as (_, port):
        response = await rejection(port)
    assert response.status_code == 500
    [record] = errors(logs)
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "expected a Response or None, got tuple"


async def test_cancelled_handler_aborts_the_connection() -> None:
    started = asyncio.Event()
    opened: list[ServerConnection] = []

    async def handler(connection: ServerConnection) -> None:
        opened.append(connection)
        started.set()
        await asyncio.sleep(10)

    async with running(handler) as (server, port), await connect(port) as client:
        await started.wait()
        server.handlers[opened[0]].cancel()
        await client.wait_closed()
        assert client.close_code == CloseCode.ABNORMAL_CLOSURE
        await opened[0].wait_closed()


async def test_unexpected_handshake_error_is_logged(logs: pytest.LogCaptureFixture) -> None:
    class BrokenConnection(ServerConnection):
        async def handshake(self, *args: Any, **kwargs: Any) -> None:  # fails whatever they are
            raise RuntimeError("bug in handshake")

    async with running(create_connection=BrokenConnection) as (_, port):
        reader, writer = await asyncio.open_connection(HOST, port)
        assert await read_until_closed(reader) == b""
        await close_writer(writer)
    [record] = errors(logs)
    assert record.getMessage() == "opening handshake failed"


async def test_unexpected_internal_error_is_logged(logs: pytest.LogCaptureFixture) -> None:
    class BrokenConnection(ServerConnection):
        async def close(self, code: int = 1000, reason: str = "") -> None:
            raise RuntimeError("bug in close")

    async def handler(connection: ServerConnection) -> None:
        pass

    async with (
        running(handler, create_connection=BrokenConnection) as (_, port),
        await connect(port) as client,
    ):
        await client.wait_closed()
        assert client.close_code == CloseCode.ABNORMAL_CLOSURE
    [record] = errors(logs)
    assert record.getMessage() == "unexpected internal error"


async def test_serve_forever_on_closed_server() -> None:
    server = await serve(echo, HOST, 0)
    server.close()
    await server.wait_closed()
    with pytest.raises(RuntimeError, match="server is closed"):
        await server.serve_forever()


async def test_extra_headers_with_async_process_response() -> None:
    async def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        return connection.respond(http.HTTPStatus.IM_A_TEAPOT, "Short and stout.\n")

    with pytest.warns(DeprecationWarning, match="extra_headers is deprecated"):
        started = serve(
            echo, HOST, 0, extra_headers=[("X-Extra", "1")], process_response=process_response
        )
    async with started as server:
        response = await rejection(port_of(server))
    assert response.status_code == 418
    assert "X-Extra" not in response.headers  # the replacement response doesn't have it
