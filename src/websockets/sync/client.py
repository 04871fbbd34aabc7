"""The threading WebSocket client: open a connection and perform the opening handshake."""

from __future__ import annotations

import logging
import socket
import ssl as ssl_module
import threading
import warnings
from collections.abc import Sequence
from typing import Any, Literal

from .._proxy import refuse_proxy
from ..client import ClientProtocol
from ..datastructures import HeadersLike
from ..exceptions import InvalidMessage
from ..extensions.base import ClientExtensionFactory
from ..extensions.permessage_deflate import enable_client_permessage_deflate
from ..headers import validate_subprotocols
from ..http11 import USER_AGENT, Request, Response
from ..protocol import CONNECTING, Event
from ..typing import LoggerLike, Origin, Subprotocol
from ..uri import parse_uri
from .connection import Connection
from .utils import Deadline

__all__ = ["ClientConnection", "connect", "unix_connect"]


class ClientConnection(Connection):
    """A threading WebSocket client connection, as returned by :func:`connect`.

    It adds the client side of the opening handshake to
    :class:`~websockets.sync.connection.Connection`; see there for sending and
    receiving messages and for the arguments.

    """

    # Narrower than the base class declares: a client connection runs a ClientProtocol.
    read_before_handshake = False

    protocol: ClientProtocol  # pyright: ignore[reportIncompatibleVariableOverride]
    # Declared again because handshake() and process_event() set them.
    request: Request | None
    response: Response | None

    def __init__(
        self,
        socket: socket.socket,
        protocol: ClientProtocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | tuple[int | None, int | None] | None = 16,
    ) -> None:
        # Before the base class starts the thread that sets it.
        self.response_rcvd: threading.Event = threading.Event()
        super().__init__(
            socket,
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
        )

    def handshake(
        self,
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
        timeout: float | None = None,
    ) -> None:
        """Perform the opening handshake: send the request and wait for the response.

        Args:
            additional_headers: Headers added to the request.
            user_agent_header: Value of the User-Agent header, unless
                ``additional_headers`` sets one; None omits it.
            timeout: Seconds to wait for the response; None waits forever.

        Raises:
            InvalidHandshake: If the handshake fails, e.g. :exc:`InvalidStatus` when the
                server refuses it or :exc:`InvalidMessage` when the connection closes
                before a valid response.
            TimeoutError: If the response doesn't arrive within ``timeout``.

        """
        with self.protocol_mutex:
            assert self.request is None, "the opening handshake already happened"
            if self.protocol.state is not CONNECTING:
                # The background thread saw the end of the connection first, e.g. a server
                # out of resources closed it at once: the handshake failed.
                exc = self.protocol.handshake_exc
                if exc is None:
                    exc = InvalidMessage("connection closed during opening handshake")
                    self.protocol.handshake_exc = exc
                raise exc
            self.request = request = self.protocol.connect()
            if additional_headers is not None:
                request.headers.update(additional_headers)
            # Not setdefault(): it raises MultipleValuesError if the header appears twice.
            if user_agent_header is not None and "User-Agent" not in request.headers:
                request.headers["User-Agent"] = user_agent_header
            self.protocol.send_request(request)
            self.send_data()
        # Now the background thread may read the response (see read_before_handshake).
        self.reading_allowed.set()
        if not self.response_rcvd.wait(timeout):
            raise TimeoutError("timed out while waiting for handshake response")
        # Losing the connection before a response makes the handshake fail too.
        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc

    def process_event(self, event: Event) -> None:
        """Handle an event from the protocol: the handshake response, then frames."""
        if self.response is None:
            assert isinstance(event, Response), "the first event must be the response"
            self.response = event
            self.response_rcvd.set()
        else:
            super().process_event(event)

    def handshake_data_received(self) -> None:
        """Stop waiting for a response once the protocol found the handshake failed."""
        if self.protocol.handshake_exc is not None:
            self.response_rcvd.set()

    def connection_lost(self) -> None:
        """Close the socket and release waiting threads, as the connection ended."""
        super().connection_lost()
        self.response_rcvd.set()


def connect(
    uri: str,
    *,
    # TCP/TLS
    sock: socket.socket | None = None,
    ssl: ssl_module.SSLContext | None = None,
    server_hostname: str | None = None,
    # WebSocket
    origin: Origin | None = None,
    extensions: Sequence[ClientExtensionFactory] | None = None,
    subprotocols: Sequence[Subprotocol] | None = None,
    compression: str | None = "deflate",
    # HTTP
    additional_headers: HeadersLike | None = None,
    user_agent_header: str | None = USER_AGENT,
    proxy: str | Literal[True] | None = True,
    proxy_ssl: ssl_module.SSLContext | None = None,
    proxy_server_hostname: str | None = None,
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
    create_connection: type[ClientConnection] | None = None,
    **kwargs: Any,  # for socket.create_connection, e.g. source_address
) -> ClientConnection:
    """Connect to the WebSocket server at ``uri`` and return the open connection.

    Close the connection when you're done, or use it as a context manager::

        with connect(uri) as connection:
            ...

    There's no automatic reconnection and HTTP redirects aren't followed.

    Args:
        uri: URI of the WebSocket server, ``ws://`` or ``wss://``. User information in
            it, as in ``ws://user:password@host/``, is sent as Basic authentication.
        sock: A connected socket to use instead of opening one.
        ssl: TLS settings for ``wss://``; by default, :func:`ssl.create_default_context`.
            The deprecated keyword ``ssl_context`` is accepted as an alias.
        server_hostname: Host name for TLS (SNI and certificate check); the host of
            ``uri`` by default.
        origin: Value of the Origin header, for servers that require it.
        extensions: Extensions to offer, in order of preference.
        subprotocols: Subprotocols to offer, in order of preference.
        compression: ``"deflate"`` to offer permessage-deflate, None to disable it.
        additional_headers: Headers added to the handshake request.
        user_agent_header: Value of the User-Agent header; None omits it.
        proxy: True uses the proxy configured in the environment, if any; None connects
            directly. Proxies aren't supported yet: when one would be used,
            :exc:`~websockets.exceptions.InvalidProxy` is raised. They're ignored for
            Unix sockets and with ``sock``.
        proxy_ssl: TLS settings for the connection to an HTTPS proxy (reserved).
        proxy_server_hostname: Host name for TLS with an HTTPS proxy (reserved).
        open_timeout: Seconds allowed for the TCP connection, the TLS handshake and the
            opening handshake; None for no limit.
        ping_interval: Seconds between keepalive pings; None disables them.
        ping_timeout: Seconds to wait for a keepalive pong; None waits forever.
        close_timeout: Seconds to wait for the closing handshake; None waits forever.
        max_size: Largest incoming message accepted, in bytes; None for no limit.
        max_queue: Incoming frames buffered before reading pauses; see
            :class:`~websockets.sync.connection.Connection`.
        logger: Logger for the connection; ``websockets.client`` by default.
        create_connection: A :class:`ClientConnection` subclass to use instead.
        kwargs: Passed to :func:`socket.create_connection`, e.g. ``source_address``;
            ``timeout`` defaults to what's left of ``open_timeout``.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI.
        InvalidProxy: If a proxy would be used.
        ValueError: If arguments are inconsistent, e.g. ``ssl`` with a ``ws://`` URI.
        OSError: If the TCP connection fails.
        InvalidHandshake: If the opening handshake fails.
        TimeoutError: If opening the connection takes more than ``open_timeout``.

    """
    if "ssl_context" in kwargs:
        warnings.warn("ssl_context was renamed to ssl", DeprecationWarning, stacklevel=2)
        ssl = kwargs.pop("ssl_context")

    ws_uri = parse_uri(uri)
    if not ws_uri.secure and ssl is not None:
        raise ValueError("ssl argument is incompatible with a ws:// URI")

    unix: bool = kwargs.pop("unix", False)
    path: str | None = kwargs.pop("path", None)
    if unix:
        if path is None and sock is None:
            raise ValueError("missing path argument")
        if path is not None and sock is not None:
            raise ValueError("path and sock arguments are incompatible")

    if subprotocols is not None:
        validate_subprotocols(subprotocols)
    if compression == "deflate":
        extensions = enable_client_permessage_deflate(extensions)
    elif compression is not None:
        raise ValueError(f"unsupported compression: {compression}")

    # Proxies don't apply to Unix sockets nor to sockets the caller connected.
    if not unix and sock is None:
        refuse_proxy(ws_uri, proxy)

    if create_connection is None:
        create_connection = ClientConnection

    deadline = Deadline(open_timeout)
    try:
        if sock is None:
            if unix:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(deadline.timeout())
                assert path is not None  # checked above
                sock.connect(path)
            else:
                kwargs.setdefault("timeout", deadline.timeout())
                sock = socket.create_connection((ws_uri.host, ws_uri.port), **kwargs)
            sock.settimeout(None)
        # Small frames, such as pings and control frames, go out at once.
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        if ws_uri.secure:
            if ssl is None:
                ssl = ssl_module.create_default_context()
            if server_hostname is None:
                server_hostname = ws_uri.host
            sock.settimeout(deadline.timeout())
            sock = ssl.wrap_socket(sock, server_hostname=server_hostname)
            sock.settimeout(None)

        protocol = ClientProtocol(
            ws_uri,
            origin=origin,
            extensions=extensions,
            subprotocols=subprotocols,
            max_size=max_size,
            logger=logger if logger is not None else logging.getLogger("websockets.client"),
        )
        connection = create_connection(
            sock,
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
        )
    except TimeoutError as exc:
        if sock is not None:
            sock.close()
        raise TimeoutError("timed out during opening handshake") from exc
    except BaseException:
        if sock is not None:
            sock.close()
        raise

    try:
        connection.handshake(additional_headers, user_agent_header, deadline.timeout())
    except BaseException as exc:
        # The socket can't be reused for another handshake: close it at once.
        connection.close_socket()
        if isinstance(exc, TimeoutError):
            raise TimeoutError("timed out during opening handshake") from exc
        raise
    connection.start_keepalive()
    return connection


def unix_connect(
    path: str | None = None,
    uri: str | None = None,
    **kwargs: Any,  # the arguments of connect, forwarded as is
) -> ClientConnection:
    """Connect to the WebSocket server listening on the Unix socket at ``path``.

    Like :func:`connect`, with the same arguments. ``uri`` only fills the Host header
    and the request target: it defaults to ``ws://localhost/``, or ``wss://localhost/``
    when ``ssl`` is given.

    """
    if uri is None:
        secure = kwargs.get("ssl") is not None or kwargs.get("ssl_context") is not None
        uri = "wss://localhost/" if secure else "ws://localhost/"
    return connect(uri=uri, unix=True, path=path, **kwargs)
