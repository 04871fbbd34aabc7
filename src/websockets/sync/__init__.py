"""The threading layer: a WebSocket client and server that block, one thread each."""

from __future__ import annotations

from .client import ClientConnection, connect, unix_connect
from .server import Server, ServerConnection, basic_auth, serve, unix_serve

__all__ = [
    "ClientConnection",
    "Server",
    "ServerConnection",
    "basic_auth",
    "connect",
    "serve",
    "unix_connect",
    "unix_serve",
]
