"""Run a threading server in the background for the tests."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Generator
from typing import Any

from websockets.frames import Frame
from websockets.protocol import SERVER, Protocol
from websockets.sync.server import Server, ServerConnection, serve, unix_serve

__all__ = ["RawPeer", "echo", "running", "running_unix"]


def echo(connection: ServerConnection) -> None:
    for message in connection:
        connection.send(message)


@contextlib.contextmanager
def _serving(server: Server) -> Generator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join(5)
        assert not thread.is_alive()


@contextlib.contextmanager
def running(
    handler: Callable[[ServerConnection], None] = echo,
    **kwargs: Any,  # forwarded to serve
) -> Generator[tuple[Server, str]]:
    """Run a server on a free port of 127.0.0.1; yield it with its ws:// URI."""
    server = serve(handler, "127.0.0.1", 0, **kwargs)
    port = server.socket.getsockname()[1]
    scheme = "ws" if kwargs.get("ssl") is None else "wss"
    with _serving(server):
        yield server, f"{scheme}://127.0.0.1:{port}/"


@contextlib.contextmanager
def running_unix(
    path: str,
    handler: Callable[[ServerConnection], None] = echo,
    **kwargs: Any,  # forwarded to unix_serve
) -> Generator[Server]:
    """Run a server on the Unix socket at ``path``."""
    server = unix_serve(handler, path, **kwargs)
    with _serving(server):
        yield server


class RawPeer:
    """The other end of a socket, speaking WebSocket frames by hand.

    It encodes and decodes frames with a Sans-I/O protocol, but answers nothing by
    itself: tests decide what it sends.

    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.protocol = Protocol(SERVER)

    def send_frames(self) -> None:
        """Write what the protocol queued."""
        self.sock.sendall(b"".join(self.protocol.data_to_send()))

    def read_frame(self, timeout: float = 2) -> Frame | None:
        """Read until a frame arrives; None at EOF."""
        self.sock.settimeout(timeout)
        while True:
            events = self.protocol.events_received()
            if events:
                event = events[0]
                assert isinstance(event, Frame)
                # Keep the others for the next call.
                self.protocol.events[:0] = events[1:]
                return event
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                return None
            self.protocol.receive_data(data)
            self.protocol.data_to_send()  # it doesn't answer: drop its automatic replies

    def read_until_eof(self, timeout: float = 2) -> list[Frame]:
        """Read frames until the other side closes the connection."""
        frames: list[Frame] = []
        while (frame := self.read_frame(timeout)) is not None:
            frames.append(frame)
        return frames
