"""A small WebSocket server for testing the asyncio client.

It runs the Sans-I/O :class:`~websockets.server.ServerProtocol` over
:func:`asyncio.start_server`, so the client tests don't depend on the asyncio server.
``respond`` decides the handshake response (accept, reject, redirect, or none at all) and
``handler`` talks to the client once the handshake succeeds.

"""

from __future__ import annotations

import asyncio
import contextlib
import http
import pathlib
import ssl
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType

from websockets.extensions.base import ServerExtensionFactory
from websockets.frames import OP_BINARY, OP_CONT, OP_PING, OP_PONG, OP_TEXT, Frame
from websockets.http11 import Request, Response
from websockets.protocol import SEND_EOF
from websockets.server import ServerProtocol
from websockets.typing import Data, Subprotocol

__all__ = [
    "CERT_PEM",
    "HelperConnection",
    "HelperServer",
    "accept",
    "close_with",
    "echo",
    "redirect_to",
    "reject",
    "silent",
    "ssl_contexts",
]

Respond = Callable[[ServerProtocol, Request], Response | None]
Responder = Callable[[ServerProtocol, Request], Response]
Handler = Callable[["HelperConnection"], Awaitable[None]]

# A self-signed EC certificate for localhost and 127.0.0.1, valid from 2000 to 2100,
# with its private key. Made with `openssl ca -selfsign`; it's only for these tests.
CERT_PEM = """\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5iwE2lfThLqp1v8j
eAmQhhsscXSGsLe1WhRRRaWku32hRANCAASUcgf5VIOHsIdmmRiJme78an99/B1Q
h/9fc0NuY+vmX5IRXqUXQOLOnjv4MbIJeK1WqUD2GnrbXjtvgWL2vBRb
-----END PRIVATE KEY-----
-----BEGIN CERTIFICATE-----
MIIBrDCCAVKgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlsb2NhbGhv
c3QwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJRyB/lUg4ewh2aZ
GImZ7vxqf338HVCH/19zQ25j6+ZfkhFepRdA4s6eO/gxsgl4rVapQPYaetteO2+B
Yva8FFujgZIwgY8wGgYDVR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMAwGA1UdEwEB
/wQCMAAwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMB0GA1Ud
DgQWBBTFUpx8UL5XAP5eld4qHXnaTtRQOTAfBgNVHSMEGDAWgBTFUpx8UL5XAP5e
ld4qHXnaTtRQOTAKBggqhkjOPQQDAgNIADBFAiAgJXuazBQmWKIWWuQpDOWp6BUI
N1UURLvgEbMGeVFNMwIhAObWR/CtCMFb4tryzuTOgRBcl5kveI8JPZylFMvhcA0E
-----END CERTIFICATE-----
"""


def ssl_contexts(directory: pathlib.Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Return a server and a client TLS context trusting :data:`CERT_PEM`."""
    path = directory / "cert.pem"
    path.write_text(CERT_PEM)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(path)
    client_context = ssl.create_default_context()
    client_context.load_verify_locations(path)
    return server_context, client_context


# -- Handshake responses ---------------------------------------------------------------


def accept(protocol: ServerProtocol, request: Request) -> Response:
    """Accept the handshake if the request is valid."""
    return protocol.accept(request)


def silent(protocol: ServerProtocol, request: Request) -> None:
    """Never answer the handshake request."""


def reject(status: int, text: str) -> Responder:
    """Refuse the handshake with ``status`` and ``text`` as the body."""

    def respond(protocol: ServerProtocol, request: Request) -> Response:
        return protocol.reject(status, text)

    return respond


def redirect_to(location: str, status: int = http.HTTPStatus.FOUND) -> Responder:
    """Redirect the handshake to ``location``."""

    def respond(protocol: ServerProtocol, request: Request) -> Response:
        response = protocol.reject(status, "")
        response.headers["Location"] = location
        return response

    return respond


# -- Connection handlers ---------------------------------------------------------------


async def echo(connection: HelperConnection) -> None:
    """Send every message back until the client closes the connection."""
    with contextlib.suppress(EOFError):
        while True:
            await connection.send(await connection.recv())


def close_with(code: int, reason: str = "") -> Handler:
    """Start the closing handshake with ``code`` and ``reason`` at once."""

    async def handler(connection: HelperConnection) -> None:
        await connection.close(code, reason)

    return handler


# -- Server ----------------------------------------------------------------------------


class HelperConnection:
    """The server side of one connection: a Sans-I/O protocol over asyncio streams."""

    def __init__(
        self,
        protocol: ServerProtocol,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        drop_pongs: bool,
    ) -> None:
        self.protocol = protocol
        self.reader = reader
        self.writer = writer
        self.drop_pongs = drop_pongs
        loop = asyncio.get_running_loop()
        self.request_rcvd: asyncio.Future[Request | None] = loop.create_future()
        self.messages: asyncio.Queue[Data | None] = asyncio.Queue()
        self.eof_rcvd = asyncio.Event()
        self.ping_rcvd = asyncio.Event()
        self._fragments: list[bytes] = []
        self._text = False

    async def read_loop(self) -> None:
        """Feed incoming bytes to the protocol until the client closes the connection."""
        try:
            while data := await self.reader.read(65536):
                self.protocol.receive_data(data)
                self._process()
        except OSError:
            pass
        finally:
            self.protocol.receive_eof()
            self._process()
            if not self.request_rcvd.done():
                self.request_rcvd.set_result(None)
            self.messages.put_nowait(None)
            self.eof_rcvd.set()

    def _process(self) -> None:
        for event in self.protocol.events_received():
            if isinstance(event, Request):
                self.request_rcvd.set_result(event)
            elif isinstance(event, Frame) and event.opcode is OP_PING:
                self.ping_rcvd.set()
            elif isinstance(event, Frame) and event.opcode in (OP_TEXT, OP_BINARY, OP_CONT):
                if event.opcode is not OP_CONT:
                    self._text = event.opcode is OP_TEXT
                self._fragments.append(bytes(event.data))
                if event.fin:
                    message = b"".join(self._fragments)
                    self._fragments.clear()
                    self.messages.put_nowait(message.decode() if self._text else message)
        self.flush()

    def flush(self) -> None:
        """Write what the protocol wants to send, leaving Pong frames out if asked to."""
        for data in self.protocol.data_to_send():
            if self.writer.is_closing():
                continue
            if data == SEND_EOF:
                if self.writer.can_write_eof():
                    self.writer.write_eof()
                else:
                    self.writer.close()
            elif self.drop_pongs and data[0] & 0x0F == OP_PONG:
                continue
            else:
                self.writer.write(data)

    async def recv(self) -> Data:
        """Return the next message; raise EOFError once the client closed the connection."""
        message = await self.messages.get()
        if message is None:
            self.messages.put_nowait(None)  # for later calls
            raise EOFError("connection closed")
        return message

    async def send(self, message: Data) -> None:
        """Send a text or binary message."""
        if isinstance(message, str):
            self.protocol.send_text(message.encode())
        else:
            self.protocol.send_binary(message)
        self.flush()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake and wait until the client closes the connection."""
        self.protocol.send_close(code, reason)
        self.flush()
        await self.eof_rcvd.wait()


class HelperServer:
    """A WebSocket server on loopback, for the duration of an ``async with`` block.

    Args:
        handler: Runs once the handshake succeeded.
        respond: Returns the handshake response; None means not answering.
        extensions: Extensions the server accepts.
        subprotocols: Subprotocols the server accepts.
        drop_pongs: Don't answer pings, so that the client's keepalive times out.
        ssl: TLS context, for ``wss://``.

    """

    def __init__(
        self,
        handler: Handler = echo,
        *,
        respond: Respond = accept,
        extensions: Sequence[ServerExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        drop_pongs: bool = False,
        ssl: ssl.SSLContext | None = None,
    ) -> None:
        self.handler = handler
        self.respond = respond
        self.extensions = extensions
        self.subprotocols = subprotocols
        self.drop_pongs = drop_pongs
        self.ssl = ssl
        self.requests: list[Request] = []
        self.connections: list[HelperConnection] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.server: asyncio.Server | None = None
        self.port = 0

    @property
    def uri(self) -> str:
        """URI of the server on 127.0.0.1."""
        scheme = "ws" if self.ssl is None else "wss"
        return f"{scheme}://127.0.0.1:{self.port}/"

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1, on ``port`` or on a free one."""
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port, ssl=self.ssl)
        self.port = self.server.sockets[0].getsockname()[1]

    async def start_unix(self, path: str) -> None:
        """Listen on the Unix socket at ``path``."""
        self.server = await asyncio.start_unix_server(self._serve, path, ssl=self.ssl)

    async def stop(self) -> None:
        """Stop listening and abort every connection."""
        if self.server is not None:
            self.server.close()
        for connection in self.connections:
            connection.writer.transport.abort()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=2)
        if self.server is not None:
            await self.server.wait_closed()
            self.server = None

    async def __aenter__(self) -> HelperServer:
        if self.server is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        protocol = ServerProtocol(extensions=self.extensions, subprotocols=self.subprotocols)
        connection = HelperConnection(protocol, reader, writer, self.drop_pongs)
        self.connections.append(connection)
        read_task = asyncio.create_task(connection.read_loop())
        try:
            request = await connection.request_rcvd
            if request is None:
                return
            self.requests.append(request)
            response = self.respond(protocol, request)
            if response is None:
                await connection.eof_rcvd.wait()
                return
            protocol.send_response(response)
            connection.flush()
            if response.status_code == 101:
                await self.handler(connection)
            await connection.eof_rcvd.wait()
        finally:
            writer.close()
            await read_task
            self.tasks.discard(task)
