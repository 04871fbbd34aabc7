"""WebSocket servers with threads: :func:`serve` runs a handler for each connection."""

from __future__ import annotations

import contextlib
import http
import logging
import os
import re
import selectors
import socket
import ssl as ssl_module
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, TypeAlias, cast

from .._basic_auth import check_arguments, read_credentials, static_checker, unauthorized
from ..exceptions import InvalidMessage
from ..extensions.base import ServerExtensionFactory
from ..extensions.permessage_deflate import enable_server_permessage_deflate
from ..frames import CloseCode
from ..headers import validate_subprotocols
from ..http11 import SERVER, Request, Response
from ..protocol import CONNECTING, Event
from ..server import ServerProtocol
from ..typing import LoggerLike, Origin, StatusLike, Subprotocol
from .connection import Connection
from .utils import Deadline

__all__ = ["Server", "ServerConnection", "basic_auth", "serve", "unix_serve"]

# In methods, the name socket is the parameter, not the module.
_Socket: TypeAlias = socket.socket

# Body of the 500 response when a process_request or process_response hook fails; the
# same words as the Sans-I/O layer uses for its own unexpected errors.
_SERVER_ERROR_TEXT = "The WebSocket handshake failed because of an error on the server.\n"

# Seconds serve_forever() waits after failing to accept a connection, e.g. when out of
# file descriptors, before it tries again.
_ACCEPT_BACKOFF = 0.1


class ServerConnection(Connection):
    """The server side of a WebSocket connection, with threads.

    :func:`serve` creates one per incoming connection and passes it to the handler
    once the opening handshake succeeds. Besides the methods of
    :class:`~websockets.sync.connection.Connection`, it offers :meth:`respond`, for
    hooks that answer the handshake request with a plain HTTP response.

    Args:
        socket: The accepted socket, with TLS already set up if any.
        protocol: The Sans-I/O protocol of the connection.
        ping_interval: Seconds between keepalive pings; None disables them.
        ping_timeout: Seconds to wait for a keepalive pong; None waits forever.
        close_timeout: Seconds to wait for the closing handshake and the end of the TCP
            connection before closing the socket.
        max_queue: Incoming frames buffered before reading pauses; a ``(high, low)`` pair
            sets when it pauses and resumes; None means no limit.

    """

    # Narrower than the base class declares: a server connection runs a ServerProtocol.
    protocol: ServerProtocol  # pyright: ignore[reportIncompatibleVariableOverride]
    # Declared again because handshake() and process_event() set them.
    request: Request | None
    response: Response | None

    username: str
    """Name of the authenticated user, once :func:`basic_auth` accepted the credentials."""

    def __init__(
        self,
        socket: socket.socket,
        protocol: ServerProtocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | tuple[int | None, int | None] | None = 16,
    ) -> None:
        # Before the base class starts the thread that sets it.
        self.request_rcvd: threading.Event = threading.Event()
        super().__init__(
            socket,
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
        )

    def respond(self, status: StatusLike, text: str) -> Response:
        """Build a plain text HTTP response, e.g. for ``process_request`` to return.

        Add headers to it before returning it if needed.

        """
        return self.protocol.reject(status, text)

    def handshake(
        self,
        process_request: ProcessRequest | None = None,
        process_response: ProcessResponse | None = None,
        server_header: str | None = SERVER,
        timeout: float | None = None,
    ) -> None:
        """Receive the handshake request and send the response.

        Args:
            process_request: Hook run on the request; see :func:`serve`.
            process_response: Hook run on the response; see :func:`serve`.
            server_header: Value of the Server header; None or "" omits it.
            timeout: Seconds to wait for the request; None waits forever.

        Raises:
            InvalidHandshake: If the handshake fails; the Sans-I/O protocol's
                ``handshake_exc`` holds the error.
            TimeoutError: If the request doesn't arrive within ``timeout``.
            Exception: What ``process_request`` or ``process_response`` raised, after
                answering 500.

        """
        if not self.request_rcvd.wait(timeout):
            raise TimeoutError("timed out while waiting for handshake request")
        protocol = self.protocol
        request = self.request
        if request is None:
            # The connection closed, or sent something other than a request.
            assert protocol.handshake_exc is not None, "no request and no error"
            raise protocol.handshake_exc
        if protocol.handshake_exc is not None:
            # The protocol failed the connection while holding data that came with the
            # request, e.g. more than max_size: there's nothing to respond to. Reading
            # resumes so that the client's EOF can be seen.
            self.reading_allowed.set()
            raise protocol.handshake_exc

        response: Response | None = None
        if process_request is not None:
            response = self._call_hook(lambda: process_request(self, request))
        if response is None:
            with self.protocol_mutex:
                response = protocol.accept(request)
        if server_header and "Server" not in response.headers:
            response.headers["Server"] = server_header
        if process_response is not None:
            current = response
            replacement = self._call_hook(lambda: process_response(self, request, current))
            if replacement is not None:
                response = replacement

        with self.protocol_mutex:
            if protocol.state is not CONNECTING:
                # The client went away while the hooks ran: nothing can be sent.
                exc = InvalidMessage("connection closed during opening handshake")
                exc.__cause__ = EOFError("connection closed")
                protocol.handshake_exc = exc
                raise exc
            if protocol.eof_sent:
                # The connection failed while the hooks ran: a 101 after the EOF would
                # open nothing. Reading resumes so that the client's EOF can be seen.
                self.reading_allowed.set()
                failure = protocol.handshake_exc
                if failure is None:
                    failure = InvalidMessage("connection failed during opening handshake")
                    failure.__cause__ = protocol.parser_exc
                    protocol.handshake_exc = failure
                raise failure
            self.response = response
            protocol.send_response(response)
            # Frames that the client sent ahead of the response were held; a 101 parses
            # them now. Queue them, then resume reading, paused since the request came.
            events = protocol.events_received()
            self.send_data()
            for event in events:
                self.process_event(event)
            self.reading_allowed.set()
        if protocol.handshake_exc is not None:
            raise protocol.handshake_exc

    def _call_hook(self, hook: Callable[[], Response | None]) -> Response | None:
        """Run a process_request or process_response hook; answer 500 if it fails."""
        try:
            result = hook()
            # Catch, e.g., the (status, headers, body) tuples of the legacy API.
            if result is not None and not isinstance(cast(object, result), Response):
                raise TypeError(f"expected a Response or None, got {type(result).__name__}")
        except Exception as exc:
            self.protocol.handshake_exc = exc
            self.logger.error("opening handshake failed", exc_info=True)
            return self.respond(http.HTTPStatus.INTERNAL_SERVER_ERROR, _SERVER_ERROR_TEXT)
        return result

    def handshake_data_received(self) -> None:
        """Stop waiting for a request once the protocol found it malformed."""
        if self.request is None and self.protocol.handshake_exc is not None:
            self.request_rcvd.set()

    def connection_lost(self) -> None:
        """Close the socket and release waiting threads, as the connection ended."""
        super().connection_lost()
        self.request_rcvd.set()

    def process_event(self, event: Event) -> None:
        """Handle an event from the protocol: the request first, then frames."""
        if self.request is None:
            assert isinstance(event, Request), "expected the handshake request"
            self.request = event
            # Until handshake() responds, whatever comes next is held: stop reading, to
            # bound memory and to let handshake() take the mutex.
            self._pause_reading()
            self.request_rcvd.set()
        else:
            super().process_event(event)


ProcessRequest = Callable[[ServerConnection, Request], Response | None]
"""A hook run on the handshake request; returning a response rejects the handshake."""

ProcessResponse = Callable[[ServerConnection, Request, Response], Response | None]
"""A hook run on the handshake response; it may modify it, or return a replacement."""

SelectSubprotocol = Callable[[ServerConnection, Sequence[Subprotocol]], Subprotocol | None]
"""A function picking a subprotocol among those that the client offered."""


class Server:
    """A WebSocket server, as returned by :func:`serve`.

    It accepts connections on ``socket`` and runs ``handler`` in a new thread for each
    one, with the accepted socket and the client address.

    Args:
        socket: The listening socket.
        handler: Function run in a thread for each accepted connection.
        logger: Logger for the server; ``websockets.server`` by default.

    """

    def __init__(
        self,
        socket: socket.socket,
        handler: Callable[[socket.socket, Any], None],  # the address type depends on the family
        logger: LoggerLike | None = None,
    ) -> None:
        self.socket: _Socket = socket
        """The listening socket."""
        self.handler: Callable[[_Socket, Any], None] = handler
        if logger is None:
            logger = logging.getLogger("websockets.server")
        self.logger: LoggerLike = logger
        """Logger for the server."""
        if sys.platform != "win32":
            # shutdown() writes to this pipe to wake up serve_forever().
            watcher, notifier = os.pipe()
            self.shutdown_watcher: int = watcher
            self.shutdown_notifier: int = notifier
        self.shutting_down: threading.Event = threading.Event()
        # Orders serve_forever() and shutdown(): only one of them closes the socket.
        self.lifecycle_mutex: threading.Lock = threading.Lock()
        self.serving: bool = False
        self.logger.info("server listening on %s", _socket_name(socket))

    def serve_forever(self) -> None:
        """Accept connections until :meth:`shutdown` is called.

        Each connection is handled in a new thread. The listening socket is closed
        when this returns.

        """
        with self.lifecycle_mutex:
            if self.shutting_down.is_set():
                return
            self.serving = True
        poller = selectors.DefaultSelector()
        try:
            # Non-blocking: accept() mustn't block if the client left after select().
            self.socket.setblocking(False)
            poller.register(self.socket, selectors.EVENT_READ)
            if sys.platform != "win32":
                poller.register(self.shutdown_watcher, selectors.EVENT_READ)
            while not self.shutting_down.is_set():
                # Without the pipe, wake up regularly to check for a shutdown.
                events = poller.select(None if sys.platform != "win32" else 0.1)
                if self.shutting_down.is_set() or not events:
                    continue
                try:
                    sock, addr = self.socket.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as exc:
                    # E.g. EMFILE, out of file descriptors, or ECONNABORTED: the server
                    # must go on. The connection waits in the backlog meanwhile; back
                    # off rather than spin, but stay prompt to shut down.
                    self.logger.error("failed to accept connection: %s", exc)
                    self.shutting_down.wait(_ACCEPT_BACKOFF)
                    continue
                sock.setblocking(True)
                thread = threading.Thread(
                    target=self.handler, args=(sock, addr), name="websockets-handler", daemon=True
                )
                try:
                    thread.start()
                except Exception as exc:  # e.g. RuntimeError: can't start new thread
                    self.logger.error("failed to start a thread for a connection: %s", exc)
                    sock.close()
                    self.shutting_down.wait(_ACCEPT_BACKOFF)
        finally:
            poller.close()
            with self.lifecycle_mutex:
                self.serving = False
                self.socket.close()

    def shutdown(self) -> None:
        """Stop accepting connections and close the listening socket.

        Open connections carry on until their handlers return.

        """
        with self.lifecycle_mutex:
            if self.shutting_down.is_set():
                return
            self.shutting_down.set()
            self.logger.info("server closing")
            if self.serving:
                # serve_forever() closes the socket when it notices.
                if sys.platform != "win32":
                    os.write(self.shutdown_notifier, b"x")
            else:
                self.socket.close()
        self.logger.info("server closed")

    def fileno(self) -> int:
        """Return the file descriptor of the listening socket, e.g. for :mod:`selectors`."""
        return self.socket.fileno()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.shutdown()

    def __del__(self) -> None:
        if sys.platform != "win32":
            for fd in (self.shutdown_watcher, self.shutdown_notifier):
                with contextlib.suppress(OSError):
                    os.close(fd)


def _socket_name(sock: socket.socket) -> str:
    """Describe the address of a listening socket for logs, e.g. ``127.0.0.1:8765``."""
    name: Any = sock.getsockname()  # its type depends on the address family
    if sock.family == socket.AF_INET:
        return f"{name[0]}:{name[1]}"
    if sock.family == socket.AF_INET6:
        return f"[{name[0]}]:{name[1]}"
    return str(name)


def serve(
    handler: Callable[[ServerConnection], None],
    host: str | None = None,
    port: int | None = None,
    *,
    # TCP/TLS
    sock: socket.socket | None = None,
    ssl: ssl_module.SSLContext | None = None,
    # WebSocket
    origins: Sequence[Origin | re.Pattern[str] | None] | None = None,
    extensions: Sequence[ServerExtensionFactory] | None = None,
    subprotocols: Sequence[Subprotocol] | None = None,
    select_subprotocol: SelectSubprotocol | None = None,
    compression: str | None = "deflate",
    # HTTP
    process_request: ProcessRequest | None = None,
    process_response: ProcessResponse | None = None,
    server_header: str | None = SERVER,
    # Timeouts
    open_timeout: float | None = 10,
    ping_interval: float | None = 20,
    ping_timeout: float | None = 20,
    close_timeout: float | None = 10,
    # Limits
    max_size: int | None = 2**20,
    max_queue: int | tuple[int | None, int | None] | None = 16,
    # Logging
    logger: LoggerLike | None = None,
    # Escape hatch for advanced customization
    create_connection: type[ServerConnection] | None = None,
    **kwargs: Any,  # forwarded to socket.create_server, typed there
) -> Server:
    """Create a WebSocket server listening on ``host`` and ``port``.

    Call :meth:`~Server.serve_forever` to run it, and :meth:`~Server.shutdown` from
    another thread to stop it; or use it as a context manager, which shuts it down on
    exit::

        with serve(handler, "localhost", 8765) as server:
            server.serve_forever()

    Each connection runs in its own thread: the TLS handshake and the opening
    handshake, within ``open_timeout``, then ``handler``.

    Args:
        handler: Function run for each connection, once it's open; the connection
            closes when it returns (with code 1011 if it raises).
        host: Network interfaces to listen on; all of them if None.
        port: TCP port to listen on.
        sock: A listening socket to use instead of creating one.
        ssl: TLS settings, to accept ``wss://`` connections. The deprecated keyword
            ``ssl_context`` is accepted as an alias.
        origins: Acceptable values of the Origin header: strings, compiled regular
            expressions matched in full, or None to accept requests without Origin.
        extensions: Extensions to accept, in order of preference.
        subprotocols: Subprotocols to accept, in order of preference.
        select_subprotocol: Picks a subprotocol given the connection and the
            subprotocols that the client offered, instead of the default policy.
        compression: "deflate" enables permessage-deflate; None disables compression.
        process_request: Hook called with the connection and the request; returning a
            :class:`~websockets.http11.Response` sends it instead of accepting the
            handshake.
        process_response: Hook called with the connection, the request and the
            response; it may modify the response, or return another one.
        server_header: Value of the Server header; None or "" omits it.
        open_timeout: Seconds a client has for the TLS and opening handshakes; None
            means no limit.
        ping_interval: Seconds between keepalive pings; None disables them.
        ping_timeout: Seconds to wait for a keepalive pong; None waits forever.
        close_timeout: Seconds to wait for the closing handshake; None waits forever.
        max_size: Largest incoming message, in bytes; None means no limit.
        max_queue: Incoming frames buffered before reading pauses; see
            :class:`~websockets.sync.connection.Connection`.
        logger: Logger for the server and its connections; ``websockets.server`` by
            default.
        create_connection: A :class:`ServerConnection` subclass to use instead.
        kwargs: Passed to :func:`socket.create_server`: ``family``, ``backlog``,
            ``reuse_port``, ``dualstack_ipv6``; or ``unix=True`` and ``path`` for a
            Unix socket.

    Raises:
        ValueError: If ``compression`` isn't supported or a subprotocol is invalid.
        TypeError: If ``subprotocols`` isn't a sequence of str.
        OSError: If the server can't listen, e.g. the port is in use.

    """
    if "ssl_context" in kwargs:
        warnings.warn("ssl_context was renamed to ssl", DeprecationWarning, stacklevel=2)
        ssl = kwargs.pop("ssl_context")

    if subprotocols is not None:
        validate_subprotocols(subprotocols)
    if compression == "deflate":
        extensions = enable_server_permessage_deflate(extensions)
    elif compression is not None:
        raise ValueError(f"unsupported compression: {compression}")
    if create_connection is None:
        create_connection = ServerConnection
    connection_class = create_connection
    if logger is None:
        logger = logging.getLogger("websockets.server")
    server_logger = logger

    unix: bool = kwargs.pop("unix", False)
    path: str | None = kwargs.pop("path", None)
    if sock is None:
        if unix:
            if path is None:
                raise ValueError("missing path argument")
            sock = socket.create_server(path, family=socket.AF_UNIX, **kwargs)
        else:
            sock = socket.create_server((host or "", port or 0), **kwargs)
    elif unix and path is not None:
        raise ValueError("path and sock arguments are incompatible")
    tls = ssl

    def handle(sock: socket.socket, addr: Any) -> None:
        deadline = Deadline(open_timeout)
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
            if tls is not None:
                sock.settimeout(deadline.timeout())
                sock = tls.wrap_socket(sock, server_side=True)
                sock.settimeout(None)
        except Exception:
            # A client that left early or doesn't speak TLS, e.g. a port scanner.
            server_logger.debug("! TLS handshake failed", exc_info=True)
            sock.close()
            return

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
            select_subprotocol=None if select_subprotocol is None else adapt_select_subprotocol,
            max_size=max_size,
            logger=server_logger,
        )
        try:
            connection = connection_class(
                sock,
                protocol,
                ping_interval=ping_interval,
                ping_timeout=ping_timeout,
                close_timeout=close_timeout,
                max_queue=max_queue,
            )
        except Exception:
            server_logger.error("unexpected internal error", exc_info=True)
            sock.close()
            return
        try:
            if not _open(connection, deadline):
                return
            try:
                connection.start_keepalive()
                handler(connection)
            except Exception:
                connection.logger.error("connection handler failed", exc_info=True)
                connection.close(CloseCode.INTERNAL_ERROR)
            else:
                connection.close()
        except Exception:
            # A bug here would otherwise vanish with the thread.
            connection.logger.error("unexpected internal error", exc_info=True)
            connection.close_socket()

    def _open(connection: ServerConnection, deadline: Deadline) -> bool:
        """Run the opening handshake; return whether the connection is open."""
        try:
            connection.handshake(
                process_request, process_response, server_header, deadline.timeout()
            )
        except TimeoutError:
            if connection.debug:
                connection.logger.debug("- timed out during opening handshake")
            connection.close_socket()
            return False
        except Exception as exc:
            if exc is not connection.protocol.handshake_exc:
                connection.logger.error("opening handshake failed", exc_info=True)
                connection.close_socket()
                return False
            # Already reported where it happened: send_response logs rejections and the
            # hooks log their errors. A client that sent garbage or left early, such as
            # a port scanner or a health check, isn't worth more than a debug message.
            if connection.debug:
                connection.logger.debug("! opening handshake failed", exc_info=True)
        else:
            response = connection.response
            if response is not None and response.status_code == 101:
                # Even if the client already started closing: the state can't tell, as
                # the background thread may have processed its Close frame by now.
                return True
        # The handshake failed or was rejected, and the server half-closed the connection:
        # the client has close_timeout to close its side before the server closes it.
        connection.wait_for_close()
        return False

    return Server(sock, handle, server_logger)


def unix_serve(
    handler: Callable[[ServerConnection], None],
    path: str | None = None,
    **kwargs: Any,  # forwarded to serve, typed there
) -> Server:
    """Create a WebSocket server listening on the Unix socket ``path``.

    It takes the arguments of :func:`serve`, except ``host`` and ``port``.

    """
    return serve(handler, unix=True, path=path, **kwargs)


# -- Authentication ----------------------------------------------------------------------


def basic_auth(
    realm: str = "",
    credentials: tuple[str, str] | Iterable[tuple[str, str]] | None = None,
    check_credentials: Callable[[str, str], bool] | None = None,
) -> Callable[[ServerConnection, Request], Response | None]:
    """Build a ``process_request`` hook enforcing HTTP Basic Authentication (RFC 7617).

    Requests without valid credentials get a 401 response. On success, the hook sets
    :attr:`ServerConnection.username` and lets the handshake go on.

    Args:
        realm: Scope of protection, shown to users by some clients.
        credentials: A ``(username, password)`` pair, or an iterable of them.
        check_credentials: A function telling whether a username and a password are
            valid. Give it or ``credentials``, not both.

    Raises:
        ValueError: Unless exactly one of ``credentials`` and ``check_credentials`` is
            given, or if ``realm`` contains control characters.
        TypeError: If ``credentials`` isn't a pair of str or an iterable of them.

    """
    www_authenticate = check_arguments(realm, credentials, check_credentials)
    if credentials is not None:
        check = static_checker(credentials)
    else:
        assert check_credentials is not None
        check = check_credentials

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        credentials_or_error = read_credentials(request)
        if isinstance(credentials_or_error, str):
            return unauthorized(connection.respond, credentials_or_error, www_authenticate)
        username, password = credentials_or_error
        if not check(username, password):
            return unauthorized(connection.respond, "Invalid credentials\n", www_authenticate)
        connection.username = username
        return None

    return process_request


def __getattr__(name: str) -> Any:
    if name == "WebSocketServer":
        warnings.warn(
            "websockets.sync.server.WebSocketServer is deprecated; use Server",
            DeprecationWarning,
            stacklevel=2,
        )
        return Server
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
