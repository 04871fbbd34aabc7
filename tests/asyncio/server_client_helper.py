"""A minimal WebSocket client for the server tests, on the Sans-I/O ClientProtocol.

It stands in for websockets.asyncio.client while that's being written: it relies only on
asyncio streams and :class:`~websockets.client.ClientProtocol`, so that server tests don't
depend on the client under development.

"""

from __future__ import annotations

import asyncio
import contextlib
import ssl as ssl_module
from collections import deque
from collections.abc import Sequence
from types import TracebackType

from websockets.client import ClientProtocol
from websockets.datastructures import HeadersLike
from websockets.exceptions import InvalidStatus
from websockets.extensions.base import ClientExtensionFactory
from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import CLOSED, Event, State
from websockets.typing import Data, Origin, Subprotocol
from websockets.uri import parse_uri

__all__ = ["Client", "connect", "rejection"]


class Client:
    """One client connection: the opening handshake, messages, and the closing handshake."""

    def __init__(
        self,
        protocol: ClientProtocol,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.protocol = protocol
        self.reader = reader
        self.writer = writer
        self.events: deque[Event] = deque()
        self.response: Response | None = None
        self.eof = False

    @property
    def state(self) -> State:
        return self.protocol.state

    @property
    def close_code(self) -> int | None:
        return self.protocol.close_code

    @property
    def close_reason(self) -> str | None:
        return self.protocol.close_reason

    def send_request(self, additional_headers: HeadersLike | None = None) -> None:
        """Send the handshake request."""
        request = self.protocol.connect()
        if additional_headers is not None:
            request.headers.update(additional_headers)
        self.protocol.send_request(request)
        self._flush()

    async def handshake(self, additional_headers: HeadersLike | None = None) -> Response:
        """Send the request and read the response; raise the handshake error, if any."""
        self.send_request(additional_headers)
        event = await self._next_event()
        assert isinstance(event, Response), event
        self.response = event
        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc
        return event

    async def send(self, message: Data) -> None:
        if isinstance(message, str):
            self.protocol.send_text(message.encode())
        else:
            self.protocol.send_binary(message)
        self._flush()
        await self.writer.drain()

    async def recv(self) -> Data:
        """Return the next message; raise ConnectionClosed once the connection closes."""
        chunks: list[bytes] = []
        opcode: Opcode | None = None
        while True:
            try:
                event = await self._next_event()
            except EOFError:
                raise self.protocol.close_exc from None
            assert isinstance(event, Frame), event
            if event.opcode is Opcode.TEXT or event.opcode is Opcode.BINARY:
                opcode = event.opcode
            elif event.opcode is not Opcode.CONT:
                continue  # control frames: the protocol answers pings and Close frames
            chunks.append(bytes(event.data))
            if event.fin:
                data = b"".join(chunks)
                return data.decode() if opcode is Opcode.TEXT else data

    async def close(self, code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        """Run the closing handshake, if the connection is open, and wait for the end."""
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(code, reason)
            self._flush()
        await self.wait_closed()

    async def wait_closed(self) -> None:
        """Read and drop everything until the server closes the connection."""
        try:
            while True:
                await self._next_event()
        except EOFError:
            pass
        await self._close_transport()

    async def _close_transport(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()
        with contextlib.suppress(ConnectionError, ssl_module.SSLError):
            await self.writer.wait_closed()

    async def _next_event(self) -> Event:
        while not self.events:
            if self.eof:
                raise EOFError("connection closed")
            try:
                data = await self.reader.read(65536)
            except ConnectionError:
                data = b""
            if data:
                self.protocol.receive_data(data)
            else:
                self.eof = True
                self.protocol.receive_eof()
            self.events.extend(self.protocol.events_received())
            self._flush()
        return self.events.popleft()

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if self.writer.is_closing():
                continue
            if data:
                self.writer.write(data)
            elif self.writer.can_write_eof():
                # The server may have reset the connection already.
                with contextlib.suppress(OSError):
                    self.writer.write_eof()
            else:
                self.writer.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self.protocol.state is not CLOSED:
                await asyncio.wait_for(self.close(), 2)
        finally:
            self.writer.transport.abort()
            await self._close_transport()


async def connect(
    port: int | None = None,
    *,
    path: str = "/",
    host: str = "127.0.0.1",
    unix_path: str | None = None,
    ssl: ssl_module.SSLContext | None = None,
    server_hostname: str | None = None,
    origin: Origin | None = None,
    subprotocols: Sequence[Subprotocol] | None = None,
    extensions: Sequence[ClientExtensionFactory] | None = None,
    compression: bool = False,
    additional_headers: HeadersLike | None = None,
    handshake: bool = True,
) -> Client:
    """Open a connection and, unless ``handshake=False``, run the opening handshake.

    Raises:
        InvalidHandshake: If the server rejects the handshake; :class:`InvalidStatus`
            carries the response.

    """
    scheme = "wss" if ssl is not None else "ws"
    uri = parse_uri(f"{scheme}://localhost:{port or 80}{path}")
    if compression:
        extensions = enable_client_permessage_deflate(extensions)
    protocol = ClientProtocol(uri, origin=origin, extensions=extensions, subprotocols=subprotocols)
    if unix_path is not None:
        reader, writer = await asyncio.open_unix_connection(unix_path, ssl=ssl)
    else:
        reader, writer = await asyncio.open_connection(
            host, port, ssl=ssl, server_hostname=server_hostname
        )
    client = Client(protocol, reader, writer)
    if handshake:
        try:
            await client.handshake(additional_headers)
        except BaseException:
            await client.__aexit__(None, None, None)
            raise
    return client


async def rejection(
    port: int,
    *,
    path: str = "/",
    origin: Origin | None = None,
    additional_headers: HeadersLike | None = None,
) -> Response:
    """Connect, expect the server to reject the handshake, and return its response."""
    try:
        await connect(port, path=path, origin=origin, additional_headers=additional_headers)
    except InvalidStatus as exc:
        return exc.response
    raise AssertionError("the handshake succeeded")
