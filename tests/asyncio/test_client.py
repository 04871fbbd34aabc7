"""The asyncio client: connect, unix_connect, ClientConnection and process_exception."""

from __future__ import annotations

import asyncio
import http
import inspect
import logging
import pathlib
import socket
import types
from collections.abc import AsyncIterator, Generator
from typing import Any

import pytest

import websockets.asyncio.client as client_module
from websockets.asyncio.client import ClientConnection, connect, process_exception, unix_connect
from websockets.client import ClientProtocol, backoff
from websockets.datastructures import Headers
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosedError,
    InvalidHandshake,
    InvalidMessage,
    InvalidProxy,
    InvalidStatus,
    InvalidURI,
    SecurityError,
)
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    enable_server_permessage_deflate,
)
from websockets.frames import CloseCode
from websockets.http11 import USER_AGENT, Request, Response
from websockets.protocol import CLOSED, OPEN
from websockets.server import ServerProtocol
from websockets.typing import Data, Origin, Subprotocol

from .client_server_helper import (
    HelperConnection,
    HelperServer,
    close_with,
    redirect_to,
    reject,
    silent,
    ssl_contexts,
)

# No test should take more than this; a hanging test fails instead of blocking the run.
TEST_TIMEOUT = 5

PROXY_VARIABLES = [
    *("ws_proxy", "wss_proxy", "http_proxy", "https_proxy", "socks_proxy", "all_proxy"),
    "no_proxy",
]


@pytest.fixture(autouse=True)
async def watchdog() -> AsyncIterator[None]:
    """Cancel the test if it runs for more than TEST_TIMEOUT seconds."""
    loop = asyncio.get_running_loop()

    def cancel_everything() -> None:
        for task in asyncio.all_tasks(loop):
            task.cancel(f"test took more than {TEST_TIMEOUT} seconds")

    handle = loop.call_later(TEST_TIMEOUT, cancel_everything)
    yield
    handle.cancel()


@pytest.fixture(autouse=True)
def no_proxy_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connect directly whatever the environment of the test run says."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reconnect after a few milliseconds rather than seconds."""
    monkeypatch.setattr(backoff, "__defaults__", (0.0, 0.01, 0.05, 2.0))


@pytest.fixture
async def server() -> AsyncIterator[HelperServer]:
    """An echo server."""
    async with HelperServer() as server:
        yield server


def only(server: HelperServer) -> HelperConnection:
    """The single connection that the server received."""
    assert len(server.connections) == 1
    return server.connections[0]


# -- Signatures ------------------------------------------------------------------------


def test_connect_signature() -> None:
    parameters = inspect.signature(connect).parameters
    defaults = {
        name: parameter.default
        for name, parameter in parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }
    assert list(parameters) == [
        "uri",
        *defaults,
        "kwargs",
    ]
    assert defaults == {
        "origin": None,
        "extensions": None,
        "subprotocols": None,
        "compression": "deflate",
        "additional_headers": None,
        "user_agent_header": USER_AGENT,
        "proxy": True,
        "process_exception": process_exception,
        "open_timeout": 10,
        "ping_interval": 20,
        "ping_timeout": 20,
        "close_timeout": 10,
        "max_size": 2**20,
        "max_queue": 16,
        "write_limit": 2**15,
        "logger": None,
        "create_connection": None,
    }
    assert all(
        parameter.kind is inspect.Parameter.KEYWORD_ONLY
        for name, parameter in parameters.items()
        if name in defaults
    )


def test_client_connection_signature() -> None:
    parameters = inspect.signature(ClientConnection).parameters
    assert {name: p.default for name, p in parameters.items() if name != "protocol"} == {
        "ping_interval": 20,
        "ping_timeout": 20,
        "close_timeout": 10,
        "max_queue": 16,
        "write_limit": 2**15,
    }


def test_module_exports() -> None:
    assert client_module.__all__ == ["ClientConnection", "connect", "unix_connect"]
    assert client_module.MAX_REDIRECTS == 10


# -- Exchanging messages ---------------------------------------------------------------


async def test_echo_text_and_binary(server: HelperServer) -> None:
    async with connect(server.uri) as connection:
        await connection.send("café")
        assert await connection.recv() == "café"
        await connection.send(b"\x00\xff")
        assert await connection.recv() == b"\x00\xff"


async def test_recv_decode(server: HelperServer) -> None:
    async with connect(server.uri) as connection:
        await connection.send("café")
        assert await connection.recv(decode=False) == "café".encode()
        await connection.send(b"abc")
        assert await connection.recv(decode=True) == "abc"


async def test_send_fragments(server: HelperServer) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"ab"
        yield b"cd"

    async with connect(server.uri) as connection:
        await connection.send(["he", "llo"])
        assert await connection.recv() == "hello"
        await connection.send(chunks())
        assert await connection.recv() == b"abcd"


async def test_send_dict_is_a_type_error(server: HelperServer) -> None:
    async with connect(server.uri) as connection:
        message: Any = {"type": "subscribe"}  # a mistake that type checkers catch
        with pytest.raises(TypeError, match="data is a dict-like object"):
            await connection.send(message)
        # The connection is still usable.
        await connection.send("ok")
        assert await connection.recv() == "ok"


async def test_concurrent_recv(server: HelperServer) -> None:
    async with connect(server.uri) as connection:
        first = asyncio.create_task(connection.recv())
        await asyncio.sleep(0)  # let it start waiting
        with pytest.raises(ConcurrencyError, match="already running recv"):
            await connection.recv()
        await connection.send("x")
        assert await first == "x"


async def test_async_for_ends_on_normal_closure() -> None:
    async def handler(connection: HelperConnection) -> None:
        await connection.send("one")
        await connection.send("two")
        await connection.close(CloseCode.NORMAL_CLOSURE)

    async with HelperServer(handler) as server, connect(server.uri) as connection:
        assert [message async for message in connection] == ["one", "two"]
        assert connection.close_code == CloseCode.NORMAL_CLOSURE


async def test_async_for_raises_on_error_closure() -> None:
    async def handler(connection: HelperConnection) -> None:
        await connection.send("one")
        await connection.close(CloseCode.INTERNAL_ERROR, "boom")

    async with HelperServer(handler) as server, connect(server.uri) as connection:
        received: list[Data] = []

        async def receive_all() -> None:
            async for message in connection:
                received.append(message)

        with pytest.raises(ConnectionClosedError) as raised:
            await receive_all()
        assert received == ["one"]
        assert raised.value.rcvd is not None
        assert raised.value.rcvd.code == CloseCode.INTERNAL_ERROR
        assert raised.value.rcvd.reason == "boom"


async def test_server_closes_the_connection() -> None:
    async with HelperServer(close_with(CloseCode.GOING_AWAY)) as server:
        connection = await connect(server.uri)
        await connection.wait_closed()
        assert connection.close_code == CloseCode.GOING_AWAY


# -- Ping, pong, keepalive -------------------------------------------------------------


async def test_ping_resolves_to_latency(server: HelperServer) -> None:
    async with connect(server.uri, ping_interval=None) as connection:
        assert connection.latency == 0
        pong_waiter = await connection.ping()
        latency = await pong_waiter
        assert latency >= 0
        assert connection.latency == latency


async def test_ping_with_the_same_data_twice() -> None:
    async with (
        HelperServer(drop_pongs=True) as server,
        connect(server.uri, ping_interval=None) as connection,
    ):
        await connection.ping(b"same")
        with pytest.raises(ConcurrencyError, match="already waiting for a pong with the same"):
            await connection.ping(b"same")


async def test_keepalive_measures_latency(server: HelperServer) -> None:
    async with connect(server.uri, ping_interval=0.01, ping_timeout=1) as connection:
        await only(server).ping_rcvd.wait()
        # The server answers the ping before echoing: the pong arrives first.
        await connection.send("x")
        assert await connection.recv() == "x"
        assert connection.latency > 0
        assert connection.state is OPEN


async def test_keepalive_timeout_closes_with_1011() -> None:
    async with (
        HelperServer(drop_pongs=True) as server,
        connect(server.uri, ping_interval=0.01, ping_timeout=0.05) as connection,
    ):
        with pytest.raises(ConnectionClosedError) as raised:
            await connection.recv()
        assert raised.value.sent is not None
        assert raised.value.sent.code == CloseCode.INTERNAL_ERROR
        assert raised.value.sent.reason == "keepalive ping timeout"


async def test_keepalive_disabled(server: HelperServer) -> None:
    async with connect(server.uri, ping_interval=None) as connection:
        assert connection.keepalive_task is None


# -- The three ways to connect ---------------------------------------------------------


async def test_await_connect(server: HelperServer) -> None:
    client = connect(server.uri)
    connection = await client
    try:
        assert isinstance(connection, ClientConnection)
        assert client.connection is connection
        assert connection.state is OPEN
        assert isinstance(connection.request, Request)
        assert isinstance(connection.response, Response)
        assert connection.response.status_code == 101
        assert connection.remote_address[1] == server.port
        assert connection.local_address[0] == "127.0.0.1"
    finally:
        await connection.close()
    assert connection.state is CLOSED


async def test_yield_from_connect(server: HelperServer) -> None:
    @types.coroutine
    # Any: what the awaited futures yield, which asyncio leaves untyped.
    def generator_based() -> Generator[Any, None, ClientConnection]:
        return (yield from connect(server.uri))

    connection = await generator_based()
    await connection.close()
    assert connection.close_code == CloseCode.NORMAL_CLOSURE


async def test_await_then_context_manager(server: HelperServer) -> None:
    async with await connect(server.uri) as connection:
        assert isinstance(connection, ClientConnection)
    assert connection.close_code == CloseCode.NORMAL_CLOSURE


async def test_context_manager_closes_with_1000(server: HelperServer) -> None:
    async with connect(server.uri) as connection:
        assert connection.state is OPEN
    assert connection.state is CLOSED
    close_rcvd = only(server).protocol.close_rcvd
    assert close_rcvd is not None
    assert close_rcvd.code == CloseCode.NORMAL_CLOSURE


async def test_context_manager_closes_with_1011_on_error(server: HelperServer) -> None:
    async def fail_in_block() -> None:
        async with connect(server.uri):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_in_block()
    close_rcvd = only(server).protocol.close_rcvd
    assert close_rcvd is not None
    assert close_rcvd.code == CloseCode.INTERNAL_ERROR


async def test_async_for_yields_a_connection_per_iteration(server: HelperServer) -> None:
    connections: list[ClientConnection] = []
    async for connection in connect(server.uri):
        connections.append(connection)
        if len(connections) == 2:
            break
    # Moving on to the next iteration closed the first connection.
    assert connections[0].state is CLOSED
    assert connections[0].close_code == CloseCode.NORMAL_CLOSURE
    # Leaving the loop closes the last one, when the loop finalizes the iterator.
    await connections[1].wait_closed()
    assert connections[1].close_code == CloseCode.NORMAL_CLOSURE


async def test_reconnect_across_server_restart(fast_backoff: None) -> None:
    server = HelperServer()
    await server.start()
    port = server.port
    retried = asyncio.Event()

    def retry_and_tell(exc: Exception) -> Exception | None:
        result = process_exception(exc)
        if result is None:
            retried.set()
        return result

    async def restart() -> None:
        await retried.wait()
        await server.start(port)

    restarter: asyncio.Task[None] | None = None
    messages: list[Data] = []
    try:
        async for connection in connect(server.uri, process_exception=retry_and_tell):
            await connection.send(f"message {len(messages)}")
            messages.append(await connection.recv())
            if restarter is not None:
                break
            await server.stop()
            with pytest.raises(ConnectionClosedError):
                await connection.recv()
            restarter = asyncio.create_task(restart())
    finally:
        await server.stop()
    assert restarter is not None
    await restarter
    assert messages == ["message 0", "message 1"]
    assert server.port == port


async def test_reconnect_logs(
    fast_backoff: None, server: HelperServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="websockets.client")

    class refused_twice(connect):  # named like the class it extends
        attempts = 0

        async def create_connection(self) -> ClientConnection:
            self.attempts += 1
            if self.attempts <= 2:
                raise ConnectionRefusedError("nobody's listening")
            return await super().create_connection()

    client = refused_twice(server.uri)
    async for connection in client:
        assert connection.state is OPEN
        break
    assert client.attempts == 3
    messages = [r.getMessage() for r in caplog.records if r.name == "websockets.client"]
    assert messages == [
        "connect failed; reconnecting in 0.0 seconds: ConnectionRefusedError: nobody's listening",
        "connect failed; reconnecting in 0.0 seconds: ConnectionRefusedError: nobody's listening",
    ]


async def first_connection(client: connect) -> None:
    """Iterate over ``client``, which is expected to fail before yielding a connection."""
    async for _ in client:
        pytest.fail("the connection can't succeed")


async def test_async_for_raises_fatal_errors() -> None:
    async with HelperServer(respond=reject(http.HTTPStatus.FORBIDDEN, "no")) as server:
        with pytest.raises(InvalidStatus):
            await first_connection(connect(server.uri))
        assert len(server.requests) == 1


async def test_async_for_raises_what_process_exception_returns() -> None:
    def to_runtime_error(exc: Exception) -> Exception | None:
        return RuntimeError("giving up")

    async with HelperServer(respond=reject(http.HTTPStatus.SERVICE_UNAVAILABLE, "")) as server:
        with pytest.raises(RuntimeError, match="giving up") as raised:
            await first_connection(connect(server.uri, process_exception=to_runtime_error))
        assert isinstance(raised.value.__cause__, InvalidStatus)


async def test_async_for_raises_what_process_exception_raises() -> None:
    def raise_it(exc: Exception) -> Exception | None:
        raise RuntimeError("raised")

    async with HelperServer(respond=reject(http.HTTPStatus.SERVICE_UNAVAILABLE, "")) as server:
        with pytest.raises(RuntimeError, match="raised") as raised:
            await first_connection(connect(server.uri, process_exception=raise_it))
        assert isinstance(raised.value.__cause__, InvalidStatus)


async def test_async_for_retries_503(fast_backoff: None) -> None:
    attempts = 0

    def unavailable_once(protocol: ServerProtocol, request: Request) -> Response:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            return protocol.reject(http.HTTPStatus.SERVICE_UNAVAILABLE, "later")
        return protocol.accept(request)

    async with HelperServer(respond=unavailable_once) as server:
        async for connection in connect(server.uri):
            assert connection.state is OPEN
            break
        assert attempts == 2


# -- process_exception -----------------------------------------------------------------


def invalid_message(cause: BaseException | None) -> InvalidMessage:
    exc = InvalidMessage("did not receive a valid HTTP response")
    exc.__cause__ = cause
    return exc


def invalid_status(status: int) -> InvalidStatus:
    return InvalidStatus(Response(status, http.HTTPStatus(status).phrase, Headers()))


@pytest.mark.parametrize(
    ("exc", "retry"),
    [
        (OSError("network unreachable"), True),
        (ConnectionRefusedError(), True),
        (ConnectionResetError(), True),
        (TimeoutError(), True),
        (asyncio.TimeoutError(), True),
        (invalid_message(EOFError("connection closed")), True),
        (invalid_message(ValueError("invalid status line")), False),
        (invalid_message(None), False),
        (invalid_status(500), True),
        (invalid_status(502), True),
        (invalid_status(503), True),
        (invalid_status(504), True),
        (invalid_status(400), False),
        (invalid_status(403), False),
        (invalid_status(404), False),
        (invalid_status(501), False),
        (SecurityError("too many HTTP headers"), False),
        (InvalidHandshake("bad"), False),
        (InvalidURI("http://x/", "scheme isn't ws or wss"), False),
        (ValueError("bad argument"), False),
    ],
)
def test_process_exception(exc: Exception, retry: bool) -> None:
    if retry:
        assert process_exception(exc) is None
    else:
        assert process_exception(exc) is exc


# -- Handshake options -----------------------------------------------------------------


async def test_subprotocols() -> None:
    chat = Subprotocol("chat")
    async with (
        HelperServer(subprotocols=[chat]) as server,
        connect(server.uri, subprotocols=[Subprotocol("superchat"), chat]) as connection,
    ):
        assert connection.subprotocol == "chat"
        assert server.requests[0].headers["Sec-WebSocket-Protocol"] == "superchat, chat"


async def test_no_subprotocol(server: HelperServer) -> None:
    async with connect(server.uri) as connection:
        assert connection.subprotocol is None


def test_invalid_subprotocols() -> None:
    subprotocols: Any = "chat"  # a str instead of a list: a mistake type checkers catch
    with pytest.raises(TypeError, match="subprotocols must be a list, not a str"):
        connect("ws://localhost/", subprotocols=subprotocols)
    with pytest.raises(ValueError, match="invalid subprotocol: not valid"):
        connect("ws://localhost/", subprotocols=[Subprotocol("not valid")])


async def test_compression_is_enabled_by_default() -> None:
    async with (
        HelperServer(extensions=enable_server_permessage_deflate(None)) as server,
        connect(server.uri) as connection,
    ):
        assert [type(e) for e in connection.protocol.extensions] == [PerMessageDeflate]
        assert "permessage-deflate" in server.requests[0].headers["Sec-WebSocket-Extensions"]
        await connection.send("compressible " * 100)
        assert await connection.recv() == "compressible " * 100


async def test_compression_disabled() -> None:
    async with (
        HelperServer(extensions=enable_server_permessage_deflate(None)) as server,
        connect(server.uri, compression=None) as connection,
    ):
        assert connection.protocol.extensions == []
        assert "Sec-WebSocket-Extensions" not in server.requests[0].headers
        await connection.send("plain")
        assert await connection.recv() == "plain"


def test_unsupported_compression() -> None:
    with pytest.raises(ValueError, match="unsupported compression: gzip"):
        connect("ws://localhost/", compression="gzip")


async def test_additional_headers_and_default_user_agent(server: HelperServer) -> None:
    async with connect(server.uri, additional_headers={"X-Token": "abc"}):
        pass
    headers = server.requests[0].headers
    assert headers["X-Token"] == "abc"
    assert headers["User-Agent"] == USER_AGENT


async def test_additional_headers_as_headers_and_pairs(server: HelperServer) -> None:
    async with connect(server.uri, additional_headers=Headers([("X-A", "1"), ("X-A", "2")])):
        pass
    async with connect(server.uri, additional_headers=[("X-B", "3")]):
        pass
    assert server.requests[0].headers.get_all("X-A") == ["1", "2"]
    assert server.requests[1].headers["X-B"] == "3"


async def test_user_agent_header(server: HelperServer) -> None:
    async with connect(server.uri, user_agent_header="my-client/1.0"):
        pass
    async with connect(server.uri, user_agent_header=None):
        pass
    async with connect(server.uri, additional_headers={"User-Agent": "from-headers"}):
        pass
    assert server.requests[0].headers["User-Agent"] == "my-client/1.0"
    assert "User-Agent" not in server.requests[1].headers
    assert server.requests[2].headers.get_all("User-Agent") == ["from-headers"]


async def test_extra_headers_is_a_deprecated_alias(server: HelperServer) -> None:
    with pytest.warns(DeprecationWarning, match="extra_headers is deprecated"):
        client = connect(server.uri, extra_headers={"X-Old": "1"})
    async with client:
        pass
    with pytest.warns(DeprecationWarning, match="use additional_headers"):
        client = connect(
            server.uri, extra_headers={"X-Old": "2"}, additional_headers={"X-New": "3"}
        )
    async with client:
        pass
    with pytest.warns(DeprecationWarning, match="extra_headers is deprecated"):
        client = connect(server.uri, extra_headers=None, additional_headers={"X-New": "4"})
    async with client:
        pass
    assert server.requests[0].headers["X-Old"] == "1"
    assert server.requests[1].headers["X-Old"] == "2"
    assert server.requests[1].headers["X-New"] == "3"
    assert "X-Old" not in server.requests[2].headers
    assert server.requests[2].headers["X-New"] == "4"


async def test_origin(server: HelperServer) -> None:
    async with connect(server.uri, origin=Origin("https://example.com")):
        pass
    async with connect(server.uri):
        pass
    assert server.requests[0].headers["Origin"] == "https://example.com"
    assert "Origin" not in server.requests[1].headers


async def test_user_info_becomes_basic_authorization(server: HelperServer) -> None:
    async with connect(f"ws://user:pass@127.0.0.1:{server.port}/"):
        pass
    # base64("user:pass")
    assert server.requests[0].headers["Authorization"] == "Basic dXNlcjpwYXNz"
    assert server.requests[0].headers["Host"] == f"127.0.0.1:{server.port}"


async def test_path_and_query(server: HelperServer) -> None:
    async with connect(f"{server.uri}chat?room=1") as connection:
        assert connection.request is not None
        assert connection.request.path == "/chat?room=1"
    assert server.requests[0].path == "/chat?room=1"


async def test_connection_options_are_passed_on(server: HelperServer) -> None:
    logger = logging.getLogger("test.client")
    async with connect(
        server.uri,
        ping_interval=None,
        ping_timeout=3,
        close_timeout=4,
        max_size=5000,
        max_queue=(8, 2),
        write_limit=1024,
        logger=logger,
    ) as connection:
        assert connection.ping_interval is None
        assert connection.ping_timeout == 3
        assert connection.close_timeout == 4
        assert connection.protocol.max_size == 5000
        assert connection.max_queue == (8, 2)
        assert connection.write_limit == (1024, None)
        assert connection.protocol.logger is logger


async def test_create_connection_class(server: HelperServer) -> None:
    class MyConnection(ClientConnection):
        pass

    async with connect(server.uri, create_connection=MyConnection) as connection:
        assert type(connection) is MyConnection
        assert isinstance(connection.protocol, ClientProtocol)


async def test_create_connection_method_can_be_overridden(server: HelperServer) -> None:
    calls: list[str] = []

    class counting_connect(connect):  # named like the class it extends
        async def create_connection(self) -> ClientConnection:
            calls.append(self.uri)
            return await super().create_connection()

    async with counting_connect(server.uri):
        pass
    assert calls == [server.uri]


async def test_sock_argument(monkeypatch: pytest.MonkeyPatch, server: HelperServer) -> None:
    # A proxy in the environment doesn't apply to a socket connected by the caller.
    monkeypatch.setenv("ws_proxy", "http://proxy.invalid:8080")
    sock = socket.create_connection(("127.0.0.1", server.port))
    async with connect("ws://example.com/", sock=sock) as connection:
        await connection.send("hi")
        assert await connection.recv() == "hi"
    assert server.requests[0].headers["Host"] == "example.com"


# -- Handshake failures ----------------------------------------------------------------


async def test_invalid_status_keeps_the_response() -> None:
    async with HelperServer(respond=reject(http.HTTPStatus.FORBIDDEN, "go away")) as server:
        client = connect(server.uri)
        with pytest.raises(InvalidStatus) as raised:
            await client
        # The failed connection doesn't leak: it's closed at once.
        assert client.connection.transport.is_closing()
    response = raised.value.response
    assert response.status_code == 403
    assert response.body == b"go away"
    assert str(raised.value) == "server rejected WebSocket connection: HTTP 403"
    assert client.connection.response is response


async def test_failed_handshake_closes_the_connection() -> None:
    async def reject_and_linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        await reader.read()  # until the client closes the connection
        writer.close()

    server = await asyncio.start_server(reject_and_linger, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        client = connect(f"ws://127.0.0.1:{port}/")
        with pytest.raises(InvalidStatus):
            await client
        # The server keeps the connection open; the client doesn't wait for it.
        assert client.connection.transport.is_closing()


async def test_connection_closed_before_the_response() -> None:
    async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(close_at_once, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(InvalidMessage) as raised:
            await connect(f"ws://127.0.0.1:{port}/")
    assert isinstance(raised.value.__cause__, EOFError)
    assert process_exception(raised.value) is None


async def test_invalid_uri() -> None:
    with pytest.raises(InvalidURI):
        await connect("http://localhost/")


async def test_connection_refused() -> None:
    # Find a port where nobody listens.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectionRefusedError):
        await connect(f"ws://127.0.0.1:{port}/")


async def test_open_timeout() -> None:
    async with HelperServer(respond=silent) as server:
        client = connect(server.uri, open_timeout=0.05)
        with pytest.raises(TimeoutError, match="timed out during opening handshake") as raised:
            await client
        assert isinstance(raised.value.__cause__, asyncio.CancelledError | TimeoutError)
        assert client.connection.transport.is_closing()


async def test_open_timeout_with_async_for(fast_backoff: None) -> None:
    async with HelperServer(respond=silent) as server:
        errors: list[Exception] = []

        def give_up_after_two(exc: Exception) -> Exception | None:
            errors.append(exc)
            return exc if len(errors) == 2 else process_exception(exc)

        with pytest.raises(TimeoutError, match="timed out during opening handshake"):
            await first_connection(
                connect(server.uri, open_timeout=0.05, process_exception=give_up_after_two)
            )
        assert len(errors) == 2


# -- Redirects -------------------------------------------------------------------------


def redirect_paths(protocol: ServerProtocol, request: Request) -> Response:
    """Redirect /redirect/N to /redirect/N-1, and accept /redirect/0."""
    count = int(request.path.rsplit("/", 1)[1])
    if count == 0:
        return protocol.accept(request)
    response = protocol.reject(http.HTTPStatus.FOUND, "")
    response.headers["Location"] = f"/redirect/{count - 1}"
    return response


@pytest.mark.parametrize("status", [300, 301, 302, 303, 307, 308])
async def test_relative_redirect(status: int) -> None:
    def respond(protocol: ServerProtocol, request: Request) -> Response:
        if request.path == "/old/path":
            return redirect_to("new", status)(protocol, request)
        return protocol.accept(request)

    async with HelperServer(respond=respond) as server:
        client = connect(f"{server.uri}old/path")
        async with client as connection:
            assert connection.request is not None
            assert connection.request.path == "/old/new"
        assert client.uri == f"{server.uri}old/new"
        assert [r.path for r in server.requests] == ["/old/path", "/old/new"]


async def test_absolute_redirect_to_another_server(server: HelperServer) -> None:
    async with HelperServer(respond=redirect_to(f"{server.uri}target")) as redirector:
        client = connect(redirector.uri)
        async with client as connection:
            assert connection.remote_address[1] == server.port
            await connection.send("hi")
            assert await connection.recv() == "hi"
        assert client.uri == f"{server.uri}target"
        assert server.requests[0].headers["Host"] == f"127.0.0.1:{server.port}"


async def test_redirects_up_to_max_redirects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_REDIRECTS", 3)
    async with HelperServer(respond=redirect_paths) as server:
        async with connect(f"{server.uri}redirect/3") as connection:
            assert connection.request is not None
            assert connection.request.path == "/redirect/0"
        with pytest.raises(SecurityError, match=r"^more than 3 redirects$"):
            await connect(f"{server.uri}redirect/4")


async def test_redirect_loop() -> None:
    async with HelperServer(respond=redirect_to("/")) as server:
        with pytest.raises(SecurityError, match=r"^more than 10 redirects$"):
            await connect(server.uri)
        # The first request, then one per redirect followed.
        assert len(server.requests) == 11


async def test_redirect_without_location_is_an_error() -> None:
    async with HelperServer(respond=reject(http.HTTPStatus.FOUND, "")) as server:
        with pytest.raises(InvalidStatus):
            await connect(server.uri)


async def test_not_modified_isnt_a_redirect() -> None:
    async with HelperServer(respond=redirect_to("/", http.HTTPStatus.NOT_MODIFIED)) as server:
        with pytest.raises(InvalidStatus):
            await connect(server.uri)
        assert len(server.requests) == 1


async def test_redirect_to_invalid_uri() -> None:
    async with HelperServer(respond=redirect_to("http://example.com/")) as server:
        with pytest.raises(InvalidURI) as raised:
            await connect(server.uri)
    assert isinstance(raised.value.__cause__, InvalidStatus)


async def test_redirect_from_wss_to_ws_is_refused(tmp_path: pathlib.Path) -> None:
    server_context, client_context = ssl_contexts(tmp_path)
    async with HelperServer(respond=redirect_to("ws://127.0.0.1/"), ssl=server_context) as server:
        with pytest.raises(SecurityError, match="non-secure") as raised:
            await connect(server.uri, ssl=client_context)
    assert isinstance(raised.value.__cause__, InvalidStatus)


async def test_cross_origin_redirect_with_explicit_host(server: HelperServer) -> None:
    async with HelperServer(respond=redirect_to(server.uri)) as redirector:
        with pytest.raises(ValueError, match="cross-origin redirect"):
            await connect("ws://example.com/", host="127.0.0.1", port=redirector.port)
        assert server.requests == []


async def test_same_origin_redirect_with_explicit_host() -> None:
    def respond(protocol: ServerProtocol, request: Request) -> Response:
        if request.path == "/":
            return redirect_to("/elsewhere")(protocol, request)
        return protocol.accept(request)

    async with HelperServer(respond=respond) as server:
        client = connect("ws://example.com/", host="127.0.0.1", port=server.port)
        async with client:
            pass
        assert client.uri == "ws://example.com/elsewhere"


def test_process_redirect() -> None:
    def redirect(location: str, status: int = 302) -> InvalidStatus:
        return InvalidStatus(Response(status, "", Headers({"Location": location})))

    client = connect("wss://example.com/a/b")
    assert client.process_redirect(redirect("c")) == "wss://example.com/a/c"
    assert client.process_redirect(redirect("//other.com/")) == "wss://other.com/"
    assert isinstance(client.process_redirect(redirect("ws+x://nope")), InvalidURI)
    assert isinstance(client.process_redirect(redirect("ws://example.com/")), SecurityError)
    not_a_redirect = redirect("/c", 404)
    assert client.process_redirect(not_a_redirect) is not_a_redirect
    other = ValueError()
    assert client.process_redirect(other) is other

    unix_client = unix_connect("/tmp/sock", "ws://localhost/a")
    assert unix_client.process_redirect(redirect("/b")) == "ws://localhost/b"
    assert isinstance(unix_client.process_redirect(redirect("ws://other/")), ValueError)


# -- TLS and Unix sockets --------------------------------------------------------------


async def test_wss(tmp_path: pathlib.Path) -> None:
    server_context, client_context = ssl_contexts(tmp_path)
    async with (
        HelperServer(ssl=server_context) as server,
        connect(server.uri, ssl=client_context) as connection,
    ):
        assert server.uri.startswith("wss://")
        assert connection.transport.get_extra_info("ssl_object") is not None
        await connection.send("secret")
        assert await connection.recv() == "secret"


async def test_wss_host_override_keeps_the_server_name(tmp_path: pathlib.Path) -> None:
    server_context, client_context = ssl_contexts(tmp_path)
    async with (
        HelperServer(ssl=server_context) as server,
        connect(
            f"wss://localhost:{server.port}/", ssl=client_context, host="127.0.0.1"
        ) as connection,
    ):
        ssl_object = connection.transport.get_extra_info("ssl_object")
        assert ssl_object.server_hostname == "localhost"
    assert server.requests[0].headers["Host"] == f"localhost:{server.port}"


async def test_ssl_arguments_must_fit_the_scheme() -> None:
    with pytest.raises(ValueError, match="ssl=None is incompatible with a wss:// URI"):
        await connect("wss://localhost/", ssl=None)
    for ssl in [True, False, object()]:
        with pytest.raises(ValueError, match="ssl argument is incompatible with a ws:// URI"):
            await connect("ws://localhost/", ssl=ssl)


async def test_unix_connect(tmp_path: pathlib.Path) -> None:
    path = str(tmp_path / "ws.sock")
    server = HelperServer()
    await server.start_unix(path)
    try:
        async with unix_connect(path) as connection:
            await connection.send("unix")
            assert await connection.recv() == "unix"
        assert server.requests[0].headers["Host"] == "localhost"
        async with unix_connect(path, "ws://example.com/chat"):
            pass
        assert server.requests[1].headers["Host"] == "example.com"
        assert server.requests[1].path == "/chat"
    finally:
        await server.stop()


async def test_unix_connect_with_tls(tmp_path: pathlib.Path) -> None:
    server_context, client_context = ssl_contexts(tmp_path)
    path = str(tmp_path / "wss.sock")
    server = HelperServer(ssl=server_context)
    await server.start_unix(path)
    try:
        client = unix_connect(path, ssl=client_context)
        assert client.uri == "wss://localhost/"
        async with client as connection:
            assert connection.transport.get_extra_info("ssl_object") is not None
    finally:
        await server.stop()


async def test_unix_connect_ignores_proxies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv("ws_proxy", "http://proxy.invalid:8080")
    path = str(tmp_path / "ws.sock")
    server = HelperServer()
    await server.start_unix(path)
    try:
        async with unix_connect(path):
            pass
        async with unix_connect(path, proxy="http://proxy.invalid:8080"):
            pass
    finally:
        await server.stop()


# -- Proxies (not supported yet) -------------------------------------------------------


@pytest.mark.parametrize("variable", ["ws_proxy", "http_proxy", "WS_PROXY", "socks_proxy"])
async def test_proxy_from_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch, server: HelperServer, variable: str
) -> None:
    monkeypatch.setenv(variable, "http://proxy.invalid:8080")
    with pytest.raises(InvalidProxy, match="proxies aren't supported yet") as raised:
        await connect(server.uri)
    assert raised.value.proxy == "http://proxy.invalid:8080"
    assert server.requests == []


async def test_wss_proxy_from_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("wss_proxy", "socks5h://proxy.invalid")
    with pytest.raises(InvalidProxy, match="proxies aren't supported yet"):
        await connect("wss://example.com/")


async def test_proxy_argument_is_refused(server: HelperServer) -> None:
    with pytest.raises(InvalidProxy, match="proxies aren't supported yet"):
        await connect(server.uri, proxy="socks5h://proxy.invalid:1080")
    with pytest.raises(InvalidProxy, match="scheme ftp isn't supported"):
        await connect(server.uri, proxy="ftp://proxy.invalid")
    assert server.requests == []


async def test_proxy_none_connects_directly(
    monkeypatch: pytest.MonkeyPatch, server: HelperServer
) -> None:
    monkeypatch.setenv("ws_proxy", "http://proxy.invalid:8080")
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:8080")
    async with connect(server.uri, proxy=None) as connection:
        await connection.send("direct")
        assert await connection.recv() == "direct"


async def test_no_proxy_bypasses_the_proxy(
    monkeypatch: pytest.MonkeyPatch, server: HelperServer
) -> None:
    monkeypatch.setenv("ws_proxy", "http://proxy.invalid:8080")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    async with connect(server.uri):
        pass
