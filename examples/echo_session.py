"""The main job of `make run`: an echo server on localhost and the interactive client.

The server runs in a child process on a free port; the interactive client
(``python -m websockets``) runs in the foreground and talks to it. Type messages: the
server echoes them. End with Ctrl-D (or Ctrl-C); the server stops with the client.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "echo_server.py"), "--host", "localhost", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        uri = server.stdout.readline().strip()
        if not uri:
            print("The echo server failed to start.", file=sys.stderr)
            return 1
        print(f"Echo server listening on {uri}; type messages, Ctrl-D to quit.", flush=True)
        return subprocess.call([sys.executable, "-m", "websockets", uri])
    except KeyboardInterrupt:
        return 130
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
