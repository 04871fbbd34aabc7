"""An echo server: every message received is sent back.

    python examples/echo_server.py [--host localhost] [--port 8765]

With ``--port 0`` it picks a free port. Its first line of output is the URI to connect to.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosedOK


async def echo(websocket: ServerConnection) -> None:
    """Send every message back to the client that sent it."""
    # A client may close right after its last message, before the echo goes out:
    # that's the normal end of the session, not an error.
    with contextlib.suppress(ConnectionClosedOK):
        async for message in websocket:
            await websocket.send(message)


async def main(host: str, port: int) -> None:
    async with serve(echo, host, port) as server:
        bound = server.sockets[0].getsockname()
        print(f"ws://{host}:{bound[1]}/", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A WebSocket echo server.")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    # Ctrl-C stops the server quietly.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args.host, args.port))
