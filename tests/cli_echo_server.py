"""A WebSocket echo server for the CLI tests, built directly on the Sans-I/O layer.

It doesn't depend on :mod:`websockets.asyncio.server`, so the CLI tests only need the
asyncio client.

"""

from __future__ import annotations

import asyncio
from types import TracebackType

from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import CLOSED, OPEN, SEND_EOF
from websockets.server import ServerProtocol
from websockets.typing import Data

__all__ = ["EchoServer"]


class EchoServer:
    """Serve WebSocket connections on 127.0.0.1, on a free port.

    Once a connection is open, the server sends ``greeting``, if any, then starts the
    closing handshake with ``close``, if any; it echoes the messages it receives while
    the connection is open, and records them in :attr:`received`.

    Use it as an async context manager.

    """

    def __init__(self, *, greeting: Data | None = None, close: Close | None = None) -> None:
        self.greeting = greeting
        self.close = close
        self.received: list[Data] = []
        self.connections: set[_ServerConnection] = set()
        self.uri = ""
        """URI of the server, once started."""
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> EchoServer:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _ServerConnection(self), "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        self.uri = f"ws://127.0.0.1:{port}/"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for connection in list(self.connections):
            connection.transport.abort()
        await self._server.wait_closed()


class _ServerConnection(asyncio.Protocol):
    """Drive a :class:`ServerProtocol` with the bytes of one TCP connection."""

    transport: asyncio.Transport

    def __init__(self, server: EchoServer) -> None:
        self.server = server
        self.protocol = ServerProtocol()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        self.process()

    def eof_received(self) -> None:
        self.protocol.receive_eof()
        self.process()
        # Returning None lets asyncio close the transport.

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)

    def process(self) -> None:
        """Handle the events that the protocol parsed, then send what it queued."""
        protocol = self.protocol
        for event in protocol.events_received():
            if isinstance(event, Request):
                protocol.send_response(protocol.accept(event))
                if protocol.state is OPEN:
                    self.opened()
            elif isinstance(event, Frame):
                self.frame_received(event)
        for data in protocol.data_to_send():
            if data == SEND_EOF:
                self.transport.write_eof()
            else:
                self.transport.write(data)
        if protocol.state is CLOSED:
            self.transport.close()

    def opened(self) -> None:
        greeting, close = self.server.greeting, self.server.close
        if isinstance(greeting, str):
            self.protocol.send_text(greeting.encode())
        elif greeting is not None:
            self.protocol.send_binary(greeting)
        if close is not None:
            self.protocol.send_close(close.code, close.reason)

    def frame_received(self, frame: Frame) -> None:
        # The CLI sends every message in a single frame.
        data = bytes(frame.data)
        if frame.opcode is Opcode.TEXT:
            self.server.received.append(data.decode())
            if self.protocol.state is OPEN:
                self.protocol.send_text(data)
        elif frame.opcode is Opcode.BINARY:
            self.server.received.append(data)
            if self.protocol.state is OPEN:
                self.protocol.send_binary(data)
