"""WebSocket servers on asyncio: :func:`serve` runs a handler for each connection."""

from __future__ import annotations

import asyncio
import http
import logging
import re
import socket
import sys
import warnings
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, cast

from .._basic_auth import check_arguments, read_credentials, static_checker, unauthorized
from ..datastructures import Headers, HeadersLike
from ..exceptions import InvalidMessage
from ..extensions.base import ServerExtensionFactory
from ..extensions.permessage_deflate import enable_server_permessage_deflate
from ..frames import CloseCode
from ..headers import validate_subprotocols
from ..http11 import SERVER, Request, Response
from ..protocol import CONNECTING, OPEN, Event
from ..server import ServerProtocol
from ..typing import LoggerLike, Origin, StatusLike, Subprotocol
from .connection import Connection, broadcast

__all__ = ["Server", "ServerConnection", "basic_auth", "broadcast", "serve", "unix_serve"]

# Body of the 500 response when a process_request or process_response hook fails; the
# same words as the Sans-I/O layer uses for its own unexpected errors.
_SERVER_ERROR_TEXT = "The WebSocket handshake failed because of an error on the server.\n"


class ServerConnection(Connection):
    """The server side of a WebSocket connection, on asyncio.

    :func:`serve` creates one per incoming TCP connection and passes it to the handler
    once the opening handshake succeeds. Besides the methods of
    :class:`~websockets.asyncio.connection.Connection`, it offers :meth:`respond`, for
    hooks that answer the handshake request with a plain HTTP response.

    Args:
        protocol: The Sans-I/O protocol of the connection.
        server: The server that accepted the connection.
        ping_interval: Seconds between keepalive pings; None disables them.
        ping_timeout: Seconds to wait for a keepalive pong; None waits forever.
        close_timeout: Seconds to wait for the closing handshake and the end of the TCP
            connection before aborting it.
        max_queue: Incoming frames buffered before reading pauses; a ``(high, low)`` pair
            sets when it pauses and resumes; None means no limit.
        write_limit: Bytes buffered before :meth:`send` waits; a ``(high, low)`` pair
            sets when it waits and resumes.

    """

    __slots__ = (
        "request_rcvd",
        "server",
        "username",
    )

    handler: Callable[..., Awaitable[None]]
    """Handler of the connection, when a router picks one per request."""

    handler_kwargs: Mapping[str, Any]  # URL parameters, of any type the router converts to
    """Keyword arguments for :attr:`handler`, set by the router alongside it."""

    username: str
    """Name of the authenticated user, once :func:`basic_auth` accepted the credentials."""

    request: Request | None
    response: Response | None

    def __init__(
        self,
        protocol: ServerProtocol,
        server: Server,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | tuple[int | None, int | None] | None = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
    ) -> None:
        super().__init__(
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
            write_limit=write_limit,
        )
        # Narrower than the base class declares: a server connection runs a ServerProtocol.
        self.protocol: ServerProtocol  # pyright: ignore[reportIncompatibleVariableOverride]
        self.server: Server = server
        """The :class:`Server` that accepted this connection."""
        # Resolved when the handshake request arrives, or when it can no longer arrive.
        self.request_rcvd: asyncio.Future[None] = self.loop.create_future()

    def respond(self, status: StatusLike, text: str) -> Response:
        """Build a plain text HTTP response, e.g. for ``process_request`` to return.

        Add headers to it before returning it if needed.

        """
        return self.protocol.reject(status, text)

    async def handshake(
        self,
        process_request: ProcessRequest | None = None,
        process_response: ProcessResponse | None = None,
        server_header: str | None = SERVER,
    ) -> None:
        """Receive the handshake request and send the response.

        Raises:
            InvalidHandshake: If the handshake fails; the Sans-I/O protocol's
                ``handshake_exc`` holds the error.
            Exception: What ``process_request`` or ``process_response`` raised, after
                answering 500.

        """
        await asyncio.shield(self.request_rcvd)
        protocol = self.protocol
        request = self.request
        if request is None:
            # The connection closed, or sent something other than a request.
            assert protocol.handshake_exc is not None, "no request and no error"
            raise protocol.handshake_exc

        response: Response | None = None
        if process_request is not None:
            response = await self._call_hook(lambda: process_request(self, request))
        if response is None:
            if self.server.is_serving():
                response = protocol.accept(request)
            else:
                response = self.respond(
                    http.HTTPStatus.SERVICE_UNAVAILABLE, "Server is shutting down.\n"
                )
        if server_header and "Server" not in response.headers:
            response.headers["Server"] = server_header
        if process_response is not None:
            current = response
            replacement = await self._call_hook(lambda: process_response(self, request, current))
            if replacement is not None:
                response = replacement

        if protocol.state is not CONNECTING:
            # The client went away while the hooks ran: nothing can be sent.
            exc = InvalidMessage("connection closed during opening handshake")
            exc.__cause__ = EOFError("connection closed")
            protocol.handshake_exc = exc
            raise exc
        self.response = response
        protocol.send_response(response)
        self.send_data()
        if protocol.handshake_exc is not None:
            raise protocol.handshake_exc

    async def _call_hook(
        self, hook: Callable[[], Awaitable[Response | None] | Response | None]
    ) -> Response | None:
        """Run a process_request or process_response hook; answer 500 if it fails."""
        try:
            result = hook()
            if isinstance(result, Awaitable):
                result = await result
            # Catch, e.g., the (status, headers, body) tuples of the legacy API.
            if result is not None and not isinstance(cast(object, result), Response):
                raise TypeError(f"expected a Response or None, got {type(result).__name__}")
        except Exception as exc:
            self.protocol.handshake_exc = exc
            self.logger.error("opening handshake failed", exc_info=True)
            return self.respond(http.HTTPStatus.INTERNAL_SERVER_ERROR, _SERVER_ERROR_TEXT)
        return result

    # -- asyncio.Protocol callbacks and events -----------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Called by asyncio when a client connects: start the connection handler."""
        super().connection_made(transport)
        self.server.start_connection_handler(self)

    def handshake_data_received(self) -> None:
        """Called after data arrives while the opening handshake is in progress."""
        if self.request is None:
            self._check_request_failed()

    def eof_received(self) -> None:
        """Called by asyncio when the client half-closes the TCP connection."""
        super().eof_received()
        if self.request is None:
            self._check_request_failed()

    def connection_lost(self, exc: Exception | None) -> None:
        """Called by asyncio when the TCP connection is closed."""
        super().connection_lost(exc)
        if not self.request_rcvd.done():
            self.request_rcvd.set_result(None)

    def _check_request_failed(self) -> None:
        # A malformed request won't be followed by a valid one: stop waiting for it.
        if self.protocol.handshake_exc is not None and not self.request_rcvd.done():
            self.request_rcvd.set_result(None)

    def process_event(self, event: Event) -> None:
        """Handle an event from the protocol: the request first, then frames."""
        if self.request is None:
            assert isinstance(event, Request), "expected the handshake request"
            self.request = event
            self.request_rcvd.set_result(None)
        else:
            super().process_event(event)


Handler = Callable[[ServerConnection], Awaitable[None]]
"""A connection handler: a coroutine function receiving the connection."""

ProcessRequest = Callable[[ServerConnection, Request], Awaitable[Response | None] | Response | None]
"""A hook run on the handshake request; returning a response rejects the handshake."""

ProcessResponse = Callable[
    [ServerConnection, Request, Response], Awaitable[Response | None] | Response | None
]
"""A hook run on the handshake response; it may modify it, or return a replacement."""

SelectSubprotocol = Callable[[ServerConnection, Sequence[Subprotocol]], Subprotocol | None]
"""A function picking a subprotocol among those that the client offered."""


class Server:
    """A WebSocket server, as returned by :func:`serve`.

    It mirrors :class:`asyncio.Server` and adds :attr:`connections`. Closing it closes
    open connections with code 1001 (going away) and waits for their handlers.

    Args:
        handler: Coroutine function run for each connection, once it's open.
        process_request: Hook run on each handshake request; see :func:`serve`.
        process_response: Hook run on each handshake response; see :func:`serve`.
        server_header: Value of the Server header of responses; None or "" omits it.
        open_timeout: Seconds a client has to complete the opening handshake; None
            means no limit.
        logger: Logger for the server; ``websockets.server`` by default.

    """

    def __init__(
        self,
        handler: Handler,
        *,
        process_request: ProcessRequest | None = None,
        process_response: ProcessResponse | None = None,
        server_header: str | None = SERVER,
        open_timeout: float | None = 10,
        logger: LoggerLike | None = None,
    ) -> None:
        self.loop: asyncio.AbstractEventLoop = asyncio.get_running_loop()
        self.handler = handler
        self.process_request = process_request
        self.process_response = process_response
        self.server_header = server_header
        self.open_timeout = open_timeout
        if logger is None:
            logger = logging.getLogger("websockets.server")
        self.logger: LoggerLike = logger
        """Logger for the server."""
        self.server: asyncio.Server
        """The underlying :class:`asyncio.Server`, once :meth:`wrap` set it."""
        # Running connection handlers, whatever the state of their connection.
        self.handlers: dict[ServerConnection, asyncio.Task[None]] = {}
        self.close_task: asyncio.Task[None] | None = None
        self.closing_connections: bool = False
        self.closed_waiter: asyncio.Future[None] = self.loop.create_future()

    def wrap(self, server: asyncio.Server) -> None:
        """Attach the :class:`asyncio.Server` that accepts connections for this server."""
        self.server = server
        for sock in server.sockets:
            self.logger.info("server listening on %s", _socket_name(sock))

    @property
    def connections(self) -> set[ServerConnection]:
        """The connections in the OPEN state: past the opening handshake, not yet closing."""
        return {connection for connection in self.handlers if connection.state is OPEN}

    # -- Connections -------------------------------------------------------------------

    def start_connection_handler(self, connection: ServerConnection) -> None:
        """Start the task that runs the handshake and the handler of a connection."""
        self.handlers[connection] = self.loop.create_task(self._handle(connection))

    async def _handle(self, connection: ServerConnection) -> None:
        try:
            if not await self._open(connection):
                return
            if self.closing_connections:
                # The server started closing during the handshake: say goodbye at once.
                await connection.close(CloseCode.GOING_AWAY)
                return
            try:
                connection.start_keepalive()
                await self.handler(connection)
            except asyncio.CancelledError:
                connection.transport.abort()
                raise
            except Exception:
                connection.logger.error("connection handler failed", exc_info=True)
                await connection.close(CloseCode.INTERNAL_ERROR)
            else:
                await connection.close()
        except Exception:
            # A bug here would otherwise vanish with the task.
            connection.logger.error("unexpected internal error", exc_info=True)
            connection.transport.abort()
        finally:
            del self.handlers[connection]

    async def _open(self, connection: ServerConnection) -> bool:
        """Run the opening handshake; return whether the connection is open."""
        try:
            handshake = connection.handshake(
                self.process_request, self.process_response, self.server_header
            )
            await asyncio.wait_for(handshake, self.open_timeout)
        except asyncio.TimeoutError:
            if connection.debug:
                connection.logger.debug("- timed out during opening handshake")
            connection.transport.abort()
            return False
        except asyncio.CancelledError:
            connection.transport.abort()
            raise
        except Exception as exc:
            if exc is not connection.protocol.handshake_exc:
                connection.logger.error("opening handshake failed", exc_info=True)
                connection.transport.abort()
                return False
            # Already reported where it happened: send_response logs rejections and the
            # hooks log their errors. A client that sent garbage or left early, such as
            # a port scanner or a health check, isn't worth more than a debug message.
            if connection.debug:
                connection.logger.debug("! opening handshake failed", exc_info=True)
        if connection.state is OPEN:
            return True
        # The handshake failed or was rejected, and the server half-closed the connection:
        # the client has close_timeout to close its side before the server aborts it.
        if not connection.connection_lost_waiter.done():
            try:
                await asyncio.wait_for(connection.wait_closed(), connection.close_timeout)
            except asyncio.TimeoutError:
                connection.transport.abort()
        return False

    # -- Lifecycle ---------------------------------------------------------------------

    def close(self, close_connections: bool = True) -> None:
        """Stop accepting connections, and close the server in a background task.

        New handshakes are refused with HTTP 503. With ``close_connections``, open
        connections are closed with code 1001 (going away) and connections that haven't
        sent their handshake request yet are aborted; otherwise connections go on until
        their handlers return. Calling it again does nothing. Wait for the end with
        :meth:`wait_closed`.

        """
        if self.close_task is not None:
            return
        self.logger.info("server closing")
        # Stop listening now, so that handshakes from now on get 503.
        self.server.close()
        self.closing_connections = close_connections
        self.close_task = self.loop.create_task(self._close(close_connections))

    async def _close(self, close_connections: bool) -> None:
        try:
            # Sockets accepted just before closing reach connection_made() on the next
            # turn of the loop; their handshakes get 503.
            await asyncio.sleep(0)
            if close_connections:
                closing: list[Awaitable[None]] = []
                for connection in list(self.handlers):
                    if connection.state is OPEN:
                        closing.append(connection.close(CloseCode.GOING_AWAY))
                    elif connection.request is None and connection.state is CONNECTING:
                        # No request yet: don't wait up to open_timeout for it.
                        connection.transport.abort()
                # Errors concern single connections; their handlers log them.
                await asyncio.gather(*closing, return_exceptions=True)
            while self.handlers:
                await asyncio.wait(list(self.handlers.values()))
            await self.server.wait_closed()
        finally:
            self.closed_waiter.set_result(None)
            self.logger.info("server closed")

    async def wait_closed(self) -> None:
        """Wait until the server is closed and every connection handler has returned."""
        await asyncio.shield(self.closed_waiter)

    def get_loop(self) -> asyncio.AbstractEventLoop:
        """Return the event loop that the server runs on."""
        return self.loop

    def is_serving(self) -> bool:
        """Tell whether the server accepts new connections."""
        return self.server.is_serving()

    async def start_serving(self) -> None:
        """Start accepting connections, if ``start_serving=False`` delayed it."""
        await self.server.start_serving()

    async def serve_forever(self) -> None:
        """Accept connections until this is cancelled, then close the server.

        It returns when the server is closed by other means.

        Raises:
            RuntimeError: If the server is closed already.

        """
        if self.close_task is not None:
            raise RuntimeError("server is closed")
        await self.start_serving()
        try:
            await asyncio.shield(self.closed_waiter)
        except asyncio.CancelledError:
            self.close()
            await self.wait_closed()
            raise

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        """The sockets that the server listens on."""
        return self.server.sockets

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
        await self.wait_closed()


def _socket_name(sock: socket.socket) -> str:
    """Describe the address of a listening socket for logs, e.g. ``127.0.0.1:8765``."""
    name: Any = sock.getsockname()  # its type depends on the address family
    if sock.family == socket.AF_INET:
        return f"{name[0]}:{name[1]}"
    if sock.family == socket.AF_INET6:
        return f"[{name[0]}]:{name[1]}"
    return str(name)


class serve:  # a class used as a function, as in the API it follows
    """Start a WebSocket server; ``await`` it or use it as an async context manager.

    ``await serve(...)`` returns the :class:`Server`, already listening.
    ``async with serve(...) as server:`` closes it, and waits until it's closed, on exit.

    Args:
        handler: Coroutine function run for each connection, once it's open; the
            connection closes when it returns (with code 1011 if it raises).
        host: Network interfaces to listen on; all of them if None.
        port: TCP port to listen on.
        origins: Acceptable values of the Origin header: strings, compiled regular
            expressions matched in full, or None to accept requests without Origin.
        extensions: Extensions to accept, in order of preference.
        subprotocols: Subprotocols to accept, in order of preference.
        select_subprotocol: Picks a subprotocol given the connection and the
            subprotocols that the client offered, instead of the default policy.
        compression: "deflate" enables permessage-deflate; None disables compression.
        process_request: Hook called with the connection and the request, sync or
            async; returning a :class:`~websockets.http11.Response` sends it instead of
            accepting the handshake.
        process_response: Hook called with the connection, the request and the response,
            sync or async; it may modify the response, or return another one.
        server_header: Value of the Server header; None or "" omits it.
        open_timeout: Seconds a client has to complete the opening handshake; None
            means no limit.
        ping_interval: Seconds between keepalive pings; None disables them.
        ping_timeout: Seconds to wait for a keepalive pong; None waits forever.
        close_timeout: Seconds to wait for the closing handshake; None waits forever.
        max_size: Largest incoming message, in bytes; None means no limit.
        max_queue: Incoming frames buffered before reading pauses; see
            :class:`~websockets.asyncio.connection.Connection`.
        write_limit: Bytes buffered before sending waits; see
            :class:`~websockets.asyncio.connection.Connection`.
        logger: Logger for the server and its connections; ``websockets.server`` by
            default.
        create_connection: A :class:`ServerConnection` subclass to use instead.
        kwargs: Passed to :meth:`~asyncio.loop.create_server`, or to
            :meth:`~asyncio.loop.create_unix_server` with ``unix=True``: ``ssl``,
            ``sock``, ``reuse_port``, ``backlog``... With ``ssl``,
            ``ssl_handshake_timeout`` defaults to ``open_timeout`` and
            ``ssl_shutdown_timeout`` to ``close_timeout``. The deprecated
            ``extra_headers``, headers or a function of the path and the request
            headers returning them, sets headers on every handshake response.

    Raises:
        ValueError: If ``compression`` isn't supported or a subprotocol is invalid.
        TypeError: If ``subprotocols`` isn't a sequence of str.

    """

    def __init__(
        self,
        handler: Handler,
        host: str | None = None,
        port: int | None = None,
        *,
        origins: Sequence[Origin | re.Pattern[str] | None] | None = None,
        extensions: Sequence[ServerExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        select_subprotocol: SelectSubprotocol | None = None,
        compression: str | None = "deflate",
        process_request: ProcessRequest | None = None,
        process_response: ProcessResponse | None = None,
        server_header: str | None = SERVER,
        open_timeout: float | None = 10,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_size: int | None = 2**20,
        max_queue: int | tuple[int | None, int | None] | None = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
        logger: LoggerLike | None = None,
        create_connection: type[ServerConnection] | None = None,
        **kwargs: Any,  # forwarded to create_server, typed there
    ) -> None:
        if subprotocols is not None:
            validate_subprotocols(subprotocols)
        if compression == "deflate":
            extensions = enable_server_permessage_deflate(extensions)
        elif compression is not None:
            raise ValueError(f"unsupported compression: {compression}")
        if "extra_headers" in kwargs:
            process_response = _add_extra_headers(kwargs.pop("extra_headers"), process_response)
        if kwargs.get("ssl") is not None:
            kwargs.setdefault("ssl_handshake_timeout", open_timeout)
            if sys.version_info >= (3, 11):
                kwargs.setdefault("ssl_shutdown_timeout", close_timeout)
        if create_connection is None:
            create_connection = ServerConnection
        connection_class = create_connection

        self.server: Server = Server(
            handler,
            process_request=process_request,
            process_response=process_response,
            server_header=server_header,
            open_timeout=open_timeout,
            logger=logger,
        )
        server = self.server

        def factory() -> ServerConnection:
            connection: ServerConnection | None = None

            def adapt_select_subprotocol(
                protocol: ServerProtocol, offered: Sequence[Subprotocol]
            ) -> Subprotocol | None:
                # ServerProtocol passes itself; the user's function wants the connection.
                assert select_subprotocol is not None
                assert connection is not None
                return select_subprotocol(connection, offered)

            protocol = ServerProtocol(
                origins=origins,
                extensions=extensions,
                subprotocols=subprotocols,
                select_subprotocol=(
                    None if select_subprotocol is None else adapt_select_subprotocol
                ),
                max_size=max_size,
                logger=logger,
            )
            connection = connection_class(
                protocol,
                server,
                ping_interval=ping_interval,
                ping_timeout=ping_timeout,
                close_timeout=close_timeout,
                max_queue=max_queue,
                write_limit=write_limit,
            )
            return connection

        self.factory: Callable[[], ServerConnection] = factory
        self.unix: bool = bool(kwargs.pop("unix", False))
        self.host = host
        self.port = port
        self.kwargs = kwargs

    async def create_server(self) -> Server:
        """Start listening and return the :class:`Server`."""
        loop = asyncio.get_running_loop()
        if self.unix:
            asyncio_server = await loop.create_unix_server(self.factory, **self.kwargs)
        else:
            # The stubs require a port, but None is valid, e.g. with sock=.
            port = cast(int, self.port)
            asyncio_server = await loop.create_server(self.factory, self.host, port, **self.kwargs)
        self.server.wrap(asyncio_server)
        return self.server

    def __await__(self) -> Generator[Any, None, Server]:
        return self.create_server().__await__()

    __iter__ = __await__

    async def __aenter__(self) -> Server:
        return await self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.server.close()
        await self.server.wait_closed()


def unix_serve(
    handler: Handler,
    path: str | None = None,
    **kwargs: Any,  # forwarded to serve, typed there
) -> serve:
    """Start a WebSocket server listening on the Unix socket ``path``.

    It takes the arguments of :func:`serve`, except ``host`` and ``port``.

    """
    return serve(handler, unix=True, path=path, **kwargs)


def _add_extra_headers(
    extra_headers: HeadersLike | Callable[[str, Headers], HeadersLike],
    process_response: ProcessResponse | None,
) -> ProcessResponse:
    """Support the deprecated ``extra_headers`` argument with a process_response hook.

    The headers, or the result of calling ``extra_headers(path, request_headers)``, are
    set on every handshake response, replacing headers of the same names; then
    ``process_response``, if any, runs.

    """
    warnings.warn(
        "extra_headers is deprecated; add headers in process_response instead",
        DeprecationWarning,
        stacklevel=3,
    )

    async def process_response_with_extra_headers(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        if callable(extra_headers):
            headers = Headers(extra_headers(request.path, request.headers))
        else:
            headers = Headers(extra_headers)
        for name in headers:
            if name in response.headers:
                del response.headers[name]
        response.headers.update(headers)
        if process_response is None:
            return None
        result = process_response(connection, request, response)
        if isinstance(result, Awaitable):
            result = await result
        return result

    return process_response_with_extra_headers


# -- Authentication ----------------------------------------------------------------------


def basic_auth(
    realm: str = "",
    credentials: tuple[str, str] | Iterable[tuple[str, str]] | None = None,
    check_credentials: Callable[[str, str], Awaitable[bool] | bool] | None = None,
) -> Callable[[ServerConnection, Request], Awaitable[Response | None]]:
    """Build a ``process_request`` hook enforcing HTTP Basic Authentication (RFC 7617).

    Requests without valid credentials get a 401 response. On success, the hook sets
    :attr:`ServerConnection.username` and lets the handshake go on.

    Args:
        realm: Scope of protection, shown to users by some clients.
        credentials: A ``(username, password)`` pair, or an iterable of them.
        check_credentials: A function, sync or async, telling whether a username and a
            password are valid. Give it or ``credentials``, not both.

    Raises:
        ValueError: Unless exactly one of ``credentials`` and ``check_credentials`` is
            given, or if ``realm`` contains control characters.
        TypeError: If ``credentials`` isn't a pair of str or an iterable of them.

    """
    www_authenticate = check_arguments(realm, credentials, check_credentials)
    if credentials is not None:
        check: Callable[[str, str], Awaitable[bool] | bool] = static_checker(credentials)
    else:
        assert check_credentials is not None
        check = check_credentials

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        credentials_or_error = read_credentials(request)
        if isinstance(credentials_or_error, str):
            return unauthorized(connection.respond, credentials_or_error, www_authenticate)
        username, password = credentials_or_error
        valid = check(username, password)
        if isinstance(valid, Awaitable):
            valid = await valid
        if not valid:
            return unauthorized(connection.respond, "Invalid credentials\n", www_authenticate)
        connection.username = username
        return None

    return process_request
