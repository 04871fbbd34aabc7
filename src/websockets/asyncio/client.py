"""The asyncio WebSocket client: open a connection, perform the opening handshake, reconnect."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
import urllib.parse
import warnings
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from types import TracebackType
from typing import Any, Literal

from .._proxy import refuse_proxy
from ..client import ClientProtocol, backoff
from ..datastructures import Headers, HeadersLike
from ..exceptions import InvalidMessage, InvalidStatus, InvalidURI, SecurityError
from ..extensions.base import ClientExtensionFactory
from ..extensions.permessage_deflate import enable_client_permessage_deflate
from ..headers import validate_subprotocols
from ..http11 import USER_AGENT, Request, Response
from ..protocol import CONNECTING, Event
from ..typing import LoggerLike, Origin, Subprotocol
from ..uri import WebSocketURI, parse_uri
from .connection import Connection

__all__ = ["ClientConnection", "connect", "unix_connect"]

MAX_REDIRECTS = int(os.environ.get("WEBSOCKETS_MAX_REDIRECTS", "10"))
"""How many HTTP redirects :class:`connect` follows before giving up."""

# RFC 9110 section 15.4: the redirect statuses that carry a Location to follow.
# 304 Not Modified and 305 Use Proxy are 3xx statuses too, but they aren't redirects.
_REDIRECT_STATUSES = frozenset({300, 301, 302, 303, 307, 308})

# Servers answer these when they're overloaded, restarting or behind a failing gateway:
# trying again later may succeed.
_RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


class ClientConnection(Connection):
    """An asyncio WebSocket client connection, as returned by :class:`connect`.

    It adds the client side of the opening handshake to
    :class:`~websockets.asyncio.connection.Connection`; see there for sending and
    receiving messages and for the arguments.

    """

    __slots__ = ("response_rcvd",)

    # Narrower than the base class declares: a client connection runs a ClientProtocol.
    protocol: ClientProtocol  # pyright: ignore[reportIncompatibleVariableOverride]
    # Declared again because handshake() and process_event() set them.
    request: Request | None
    response: Response | None

    def __init__(
        self,
        protocol: ClientProtocol,
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
        # Resolved when the handshake response arrives or the connection is lost.
        self.response_rcvd: asyncio.Future[None] = self.loop.create_future()

    async def __aenter__(self) -> ClientConnection:
        return self

    async def handshake(
        self,
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
    ) -> None:
        """Perform the opening handshake: send the request and wait for the response.

        Args:
            additional_headers: Headers added to the request.
            user_agent_header: Value of the User-Agent header, unless
                ``additional_headers`` sets one; None omits it.

        Raises:
            InvalidHandshake: If the handshake fails, e.g. :exc:`InvalidStatus` when the
                server refuses it or :exc:`InvalidMessage` when the connection closes
                before a valid response.

        """
        assert self.protocol.state is CONNECTING, "the opening handshake already happened"
        self.request = request = self.protocol.connect()
        if additional_headers is not None:
            request.headers.update(additional_headers)
        # Not setdefault(): it raises MultipleValuesError if the header appears twice.
        if user_agent_header is not None and "User-Agent" not in request.headers:
            request.headers["User-Agent"] = user_agent_header
        self.protocol.send_request(request)
        self.send_data()
        await asyncio.wait(
            [self.response_rcvd, self.connection_lost_waiter],
            return_when=asyncio.FIRST_COMPLETED,
        )
        # Losing the connection before a response makes the handshake fail too.
        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc

    def process_event(self, event: Event) -> None:
        """Handle an event from the protocol: the handshake response, then frames."""
        if self.response is None:
            assert isinstance(event, Response), "the first event must be the response"
            self.response = event
            self.response_rcvd.set_result(None)
        else:
            super().process_event(event)

    def connection_lost(self, exc: Exception | None) -> None:
        """Called by asyncio when the TCP connection is closed."""
        super().connection_lost(exc)
        if not self.response_rcvd.done():
            self.response_rcvd.set_result(None)


def process_exception(exc: Exception) -> Exception | None:
    """Decide whether :class:`connect` should retry after a failed connection attempt.

    Return None to retry, or an exception to raise. Errors that may go away by themselves
    are retried: network errors, timeouts, a connection closed before the handshake
    response, and HTTP 500, 502, 503 and 504. Anything else is returned, so it's raised.

    """
    # TimeoutError is an OSError; asyncio.TimeoutError is a distinct class before 3.11.
    if isinstance(exc, (OSError, asyncio.TimeoutError)):
        return None
    if isinstance(exc, InvalidMessage) and isinstance(exc.__cause__, EOFError):
        return None
    if isinstance(exc, InvalidStatus) and exc.response.status_code in _RETRYABLE_STATUSES:
        return None
    return exc


class connect:  # lower case: a class used like a function, as in the API it follows
    """Connect to the WebSocket server at ``uri``.

    There are three ways to use it::

        connection = await connect(uri)  # then close it when you're done

        async with connect(uri) as connection:  # closed on exit
            ...

        async for connection in connect(uri):  # reconnects after transient errors
            ...

    In the third form, a new connection is yielded each time the previous iteration
    ends; when connecting fails, ``process_exception`` decides whether to try again
    (after a delay growing exponentially, see :func:`~websockets.client.backoff`) or to
    raise. The connection is closed when the loop moves on to the next one.

    HTTP redirects are followed, up to ``MAX_REDIRECTS``.

    Args:
        uri: URI of the WebSocket server, ``ws://`` or ``wss://``. User information in
            it, as in ``ws://user:password@host/``, is sent as Basic authentication.
        origin: Value of the Origin header, for servers that require it.
        extensions: Extensions to offer, in order of preference.
        subprotocols: Subprotocols to offer, in order of preference.
        compression: ``"deflate"`` to offer permessage-deflate, None to disable it.
        additional_headers: Headers added to the handshake request. The deprecated
            keyword ``extra_headers`` is accepted as an alias.
        user_agent_header: Value of the User-Agent header; None omits it.
        proxy: True uses the proxy configured in the environment, if any; None connects
            directly. Proxies aren't supported yet: when one would be used,
            :exc:`~websockets.exceptions.InvalidProxy` is raised. They're ignored for
            Unix sockets and with ``sock``.
        process_exception: Decides whether to retry after an error in the reconnection
            loop: it returns None to retry, or an exception to raise.
        open_timeout: Seconds allowed for connecting, including redirects and the
            opening handshake; None for no limit.
        ping_interval: Seconds between keepalive pings; None disables them.
        ping_timeout: Seconds to wait for a keepalive pong; None waits forever.
        close_timeout: Seconds to wait for the closing handshake; None waits forever.
        max_size: Largest incoming message accepted, in bytes; None for no limit.
        max_queue: Incoming frames buffered before reading pauses; see
            :class:`~websockets.asyncio.connection.Connection`.
        write_limit: Outgoing bytes buffered before sending waits; see
            :class:`~websockets.asyncio.connection.Connection`.
        logger: Logger for the connection; ``websockets.client`` by default.
        create_connection: A :class:`ClientConnection` subclass to use instead.
        kwargs: Passed to :meth:`~asyncio.loop.create_connection`, e.g. ``ssl``,
            ``sock``, ``local_addr``; ``host`` and ``port`` change where the TCP
            connection goes, not the Host header nor the TLS server name.

    Attributes:
        uri: The URI connected to; redirects update it.
        connection: The last connection opened.

    Raises:
        InvalidURI: If ``uri`` or a redirect isn't a valid WebSocket URI.
        InvalidProxy: If a proxy would be used.
        OSError: If the TCP connection fails.
        InvalidHandshake: If the opening handshake fails.
        TimeoutError: If opening the connection takes more than ``open_timeout``.

    """

    def __init__(
        self,
        uri: str,
        *,
        origin: Origin | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        compression: str | None = "deflate",
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
        proxy: str | Literal[True] | None = True,
        process_exception: Callable[[Exception], Exception | None] = process_exception,
        open_timeout: float | None = 10,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_size: int | None = 2**20,
        max_queue: int | tuple[int | None, int | None] | None = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
        logger: LoggerLike | None = None,
        create_connection: type[ClientConnection] | None = None,
        **kwargs: Any,  # for loop.create_connection, whose options are many and loosely typed
    ) -> None:
        if "extra_headers" in kwargs:
            warnings.warn(
                "extra_headers is deprecated; use additional_headers",
                DeprecationWarning,
                stacklevel=2,
            )
            extra_headers: HeadersLike | None = kwargs.pop("extra_headers")
            if additional_headers is None:
                additional_headers = extra_headers
            elif extra_headers is not None:
                merged = Headers(extra_headers)
                merged.update(additional_headers)
                additional_headers = merged

        if subprotocols is not None:
            validate_subprotocols(subprotocols)
        if compression == "deflate":
            extensions = enable_client_permessage_deflate(extensions)
        elif compression is not None:
            raise ValueError(f"unsupported compression: {compression}")

        if logger is None:
            logger = logging.getLogger("websockets.client")

        self.uri: str = uri
        self.origin = origin
        self.extensions = extensions
        self.subprotocols = subprotocols
        self.additional_headers = additional_headers
        self.user_agent_header = user_agent_header
        self.proxy: str | Literal[True] | None = proxy
        self.process_exception = process_exception
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.max_size = max_size
        self.max_queue = max_queue
        self.write_limit = write_limit
        self.logger: LoggerLike = logger
        self.connection_class: type[ClientConnection] = (
            ClientConnection if create_connection is None else create_connection
        )
        self.connection_kwargs: dict[str, Any] = kwargs  # see **kwargs
        self.connection: ClientConnection

    # -- Opening a connection ----------------------------------------------------------

    def _build_connection(self, ws_uri: WebSocketURI) -> ClientConnection:
        """Create the protocol and the connection for a new transport."""
        protocol = ClientProtocol(
            ws_uri,
            origin=self.origin,
            extensions=self.extensions,
            subprotocols=self.subprotocols,
            max_size=self.max_size,
            logger=self.logger,
        )
        return self.connection_class(
            protocol,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            close_timeout=self.close_timeout,
            max_queue=self.max_queue,
            write_limit=self.write_limit,
        )

    async def create_connection(self) -> ClientConnection:
        """Open the TCP or Unix connection to :attr:`uri`, with TLS for ``wss://``.

        Override it to connect differently; the opening handshake isn't done yet.

        Raises:
            ValueError: If the ``ssl`` argument doesn't fit the scheme of the URI.
            InvalidProxy: If a proxy would be used.

        """
        ws_uri = parse_uri(self.uri)
        kwargs = dict(self.connection_kwargs)
        unix: bool = kwargs.pop("unix", False)
        path: str | None = kwargs.pop("path", None)

        if ws_uri.secure:
            kwargs.setdefault("ssl", True)
            kwargs.setdefault("server_hostname", ws_uri.host)
            if kwargs["ssl"] is None:
                raise ValueError("ssl=None is incompatible with a wss:// URI")
        elif kwargs.get("ssl") is not None:
            raise ValueError("ssl argument is incompatible with a ws:// URI")

        # Proxies don't apply to Unix sockets nor to sockets the caller connected.
        if not unix and kwargs.get("sock") is None:
            refuse_proxy(ws_uri, self.proxy)

        def factory() -> ClientConnection:
            return self._build_connection(ws_uri)

        loop = asyncio.get_running_loop()
        if unix:
            _, connection = await loop.create_unix_connection(factory, path, **kwargs)
        else:
            if kwargs.get("sock") is None:
                kwargs.setdefault("host", ws_uri.host)
                kwargs.setdefault("port", ws_uri.port)
            _, connection = await loop.create_connection(factory, **kwargs)
        return connection

    def process_redirect(self, exc: Exception) -> Exception | str:
        """Return the URI to follow if ``exc`` is a redirect, else an exception to raise.

        A redirect is an :exc:`InvalidStatus` with status 300, 301, 302, 303, 307 or 308
        and a Location header, which may be relative to :attr:`uri`. Other exceptions are
        returned as is.

        A redirect from ``wss://`` to ``ws://`` gives :exc:`SecurityError`. A redirect to
        another host, port or scheme gives :exc:`ValueError` when the connection doesn't
        go where :attr:`uri` points: with ``unix``, ``sock``, ``host`` or ``port``.

        """
        if not (
            isinstance(exc, InvalidStatus)
            and exc.response.status_code in _REDIRECT_STATUSES
            and "Location" in exc.response.headers
        ):
            return exc
        old_ws_uri = parse_uri(self.uri)
        new_uri = urllib.parse.urljoin(self.uri, exc.response.headers["Location"])
        try:
            new_ws_uri = parse_uri(new_uri)
        except InvalidURI as invalid:
            return invalid
        if old_ws_uri.secure and not new_ws_uri.secure:
            return SecurityError(f"cannot follow redirect to non-secure URI {new_uri}")
        same_origin = (old_ws_uri.secure, old_ws_uri.host, old_ws_uri.port) == (
            new_ws_uri.secure,
            new_ws_uri.host,
            new_ws_uri.port,
        )
        if not same_origin:
            kwargs = self.connection_kwargs
            if kwargs.get("unix", False) or kwargs.get("sock") is not None:
                return ValueError(
                    f"cannot follow cross-origin redirect to {new_uri} with a Unix socket "
                    "or a connected socket"
                )
            if "host" in kwargs or "port" in kwargs:
                return ValueError(
                    f"cannot follow cross-origin redirect to {new_uri} with an explicit "
                    "host or port"
                )
        return new_uri

    async def _open(self) -> ClientConnection:
        """Connect and perform the opening handshake, following redirects."""
        # The first attempt, then one per redirect followed.
        for _ in range(MAX_REDIRECTS + 1):
            self.connection = connection = await self.create_connection()
            try:
                await connection.handshake(self.additional_headers, self.user_agent_header)
            except BaseException as exc:
                # The transport can't be reused for another handshake: close it at once.
                connection.transport.abort()
                if not isinstance(exc, Exception):
                    raise  # e.g. CancelledError when open_timeout expires
                uri_or_exc = self.process_redirect(exc)
                if isinstance(uri_or_exc, str):
                    self.uri = uri_or_exc
                    continue
                if uri_or_exc is exc:
                    raise
                raise uri_or_exc from exc
            connection.start_keepalive()
            return connection
        raise SecurityError(f"more than {MAX_REDIRECTS} redirects")

    async def _open_with_timeout(self) -> ClientConnection:
        try:
            if sys.version_info >= (3, 11):
                async with asyncio.timeout(self.open_timeout):
                    return await self._open()
            else:  # pragma: no cover
                return await asyncio.wait_for(self._open(), self.open_timeout)
        except asyncio.TimeoutError as exc:
            raise TimeoutError("timed out during opening handshake") from exc

    # -- The three ways to use it ------------------------------------------------------

    # The generator yields whatever the awaited futures yield, which asyncio leaves untyped.
    def __await__(self) -> Generator[Any, None, ClientConnection]:
        return self._open_with_timeout().__await__()

    __iter__ = __await__

    async def __aenter__(self) -> ClientConnection:
        return await self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Like the connection itself: 1000 normally, 1011 if an exception escaped.
        await self.connection.__aexit__(exc_type, exc_value, traceback)

    async def __aiter__(self) -> AsyncIterator[ClientConnection]:
        delays: Generator[float] | None = None
        while True:
            try:
                connection = await self
            except Exception as exc:
                # Returning the exception is the API; raising it is tolerated.
                try:
                    new_exc = self.process_exception(exc)
                except Exception as raised_exc:
                    new_exc = raised_exc
                if new_exc is exc:
                    raise
                if new_exc is not None:
                    raise new_exc from exc
                if delays is None:
                    delays = backoff()
                delay = next(delays)
                self.logger.info(
                    "connect failed; reconnecting in %.1f seconds: %s",
                    delay,
                    traceback.format_exception_only(exc)[-1].strip(),
                )
                await asyncio.sleep(delay)
                continue
            try:
                yield connection
            finally:
                # Also when the caller leaves the loop: the generator is then closed.
                await connection.close()
            delays = None


def unix_connect(
    path: str | None = None,
    uri: str | None = None,
    **kwargs: Any,  # the arguments of connect, forwarded as is
) -> connect:
    """Connect to the WebSocket server listening on the Unix socket at ``path``.

    Like :class:`connect`, with the same arguments. ``uri`` only fills the Host header
    and the request target: it defaults to ``ws://localhost/``, or ``wss://localhost/``
    when ``ssl`` is given.

    """
    if uri is None:
        uri = "ws://localhost/" if kwargs.get("ssl") is None else "wss://localhost/"
    return connect(uri=uri, unix=True, path=path, **kwargs)
