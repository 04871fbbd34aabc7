"""The interactive client, ``python -m websockets``.

Sessions run the CLI in a subprocess against :class:`EchoServer`; they synchronise on
the lines that the CLI prints, never on sleeps.

"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import IO

import pytest

from websockets.cli import Console, LineReader, main
from websockets.frames import Close

from .cli_echo_server import EchoServer

TIMEOUT = 5.0
"""Seconds that any step of a test may take."""

# The CLI connects through proxies from the environment; the tests' server is local.
PROXY_VARIABLES = frozenset(
    ["all_proxy", "http_proxy", "https_proxy", "no_proxy", "socks_proxy", "ws_proxy", "wss_proxy"]
)


class CLI:
    """``python -m websockets`` running in a subprocess."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        """Lines of standard output read so far."""

    @classmethod
    @contextlib.asynccontextmanager
    async def run(
        cls, *args: str, stdin: int | IO[bytes] = asyncio.subprocess.PIPE
    ) -> AsyncGenerator[CLI]:
        """Start the CLI; kill it on the way out if it's still running."""
        environment = {
            name: value for name, value in os.environ.items() if name.lower() not in PROXY_VARIABLES
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "websockets",
            *args,
            stdin=stdin,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
        )
        try:
            yield cls(process)
        finally:
            if process.returncode is None:
                process.kill()
                await cls(process).finish()

    async def expect(self, expected: str) -> None:
        """Read standard output until the line ``expected``."""
        assert self.process.stdout is not None
        while True:
            data = await asyncio.wait_for(self.process.stdout.readline(), TIMEOUT)
            assert data, f"output ended before {expected!r}: {self.lines}"
            self.lines.append(data.decode().removesuffix("\n"))
            if self.lines[-1] == expected:
                return

    async def write(self, data: bytes) -> None:
        """Write to standard input."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        await asyncio.wait_for(self.process.stdin.drain(), TIMEOUT)

    async def finish(self) -> tuple[int, str, str]:
        """Close standard input; wait for the exit status, standard output and error."""
        if self.process.stdin is not None:
            self.process.stdin.close()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                await self.process.stdin.wait_closed()
        stdout, stderr = await asyncio.wait_for(self.process.communicate(), TIMEOUT)
        self.lines.extend(stdout.decode().splitlines())
        assert self.process.returncode is not None
        return self.process.returncode, "\n".join(self.lines), stderr.decode()


async def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI with empty input; return its exit status, output and errors."""
    async with CLI.run(*args, stdin=asyncio.subprocess.DEVNULL) as cli:
        return await cli.finish()


def closed_port() -> int:
    """Return a port of 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- Arguments ---------------------------------------------------------------------------


async def test_version() -> None:
    assert await run_cli("--version") == (0, "websockets 15.0.1", "")


async def test_no_argument() -> None:
    status, output, errors = await run_cli()
    assert status == 2
    assert output == ""
    assert errors.startswith("usage: websockets [--version | <uri>]")


async def test_version_and_uri() -> None:
    status, output, errors = await run_cli("--version", "ws://localhost/")
    assert status == 2
    assert output == ""
    assert "not allowed with argument --version" in errors


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--version"])
    assert capsys.readouterr() == ("websockets 15.0.1\n", "")


def test_no_argument_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main([])
    assert raised.value.code == 2
    output, errors = capsys.readouterr()
    assert output == ""
    assert errors.startswith("usage: websockets")


# -- Sessions ----------------------------------------------------------------------------


async def test_unreachable_server() -> None:
    uri = f"ws://127.0.0.1:{closed_port()}/"
    status, output, errors = await run_cli(uri)
    assert status == 1
    assert output == ""
    assert errors.startswith(f"Failed to connect to {uri}: ")
    assert errors.endswith(".\n")
    assert "Traceback" not in errors


async def test_session() -> None:
    async with EchoServer() as server, CLI.run(server.uri) as cli:
        await cli.expect(f"Connected to {server.uri}.")
        await cli.write(b"hello\n")
        await cli.expect("< hello")
        await cli.write(b"world\n")
        await cli.expect("< world")
        status, output, errors = await cli.finish()
    assert (status, errors) == (0, "")
    assert output.splitlines() == [
        f"Connected to {server.uri}.",
        "> hello",
        "< hello",
        "> world",
        "< world",
        "Connection closed: 1000 (OK).",
    ]
    assert server.received == ["hello", "world"]


async def test_session_with_all_input_at_once() -> None:
    async with EchoServer() as server, CLI.run(server.uri) as cli:
        await cli.write(b"hello\nworld\n")
        status, output, errors = await cli.finish()
    assert (status, errors) == (0, "")
    assert f"Connected to {server.uri}." in output
    # The echoes race with the Close frame that the end of input sends.
    assert output.endswith("Connection closed: 1000 (OK).")
    assert server.received == ["hello", "world"]


async def test_input_from_regular_file(tmp_path: Path) -> None:
    # A file can't be read by a pipe transport: this exercises the reader thread.
    path = tmp_path / "input.txt"
    path.write_bytes(b"hello\r\n\nworld")
    with path.open("rb") as stdin:
        async with EchoServer() as server, CLI.run(server.uri, stdin=stdin) as cli:
            status, output, errors = await cli.finish()
    assert (status, errors) == (0, "")
    # Echoes may interleave with the lines sent.
    assert [line for line in output.splitlines() if line.startswith(">")] == [
        "> hello",
        "> ",
        "> world",
    ]
    assert output.endswith("Connection closed: 1000 (OK).")
    assert server.received == ["hello", "", "world"]


async def test_input_from_dev_null() -> None:
    # /dev/null is a character device, like a terminal, but it can't be polled.
    async with EchoServer() as server:
        status, output, errors = await run_cli(server.uri)
    assert (status, errors) == (0, "")
    assert output.splitlines() == [
        f"Connected to {server.uri}.",
        "Connection closed: 1000 (OK).",
    ]
    assert server.received == []


async def test_binary_message() -> None:
    async with EchoServer(greeting=b"\x01\x02") as server, CLI.run(server.uri) as cli:
        await cli.expect("< (binary) 0102")
        status, output, errors = await cli.finish()
    assert (status, errors) == (0, "")
    assert output.endswith("Connection closed: 1000 (OK).")


async def test_text_message() -> None:
    async with EchoServer(greeting="hi\nthere") as server, CLI.run(server.uri) as cli:
        await cli.expect("< hi")
        await cli.expect("there")
        status, _, _ = await cli.finish()
    assert status == 0


async def test_server_closes_connection() -> None:
    close = Close(1001, "bye")
    async with EchoServer(close=close) as server, CLI.run(server.uri) as cli:
        # The CLI exits while its input is still open.
        await asyncio.wait_for(cli.process.wait(), TIMEOUT)
        status, output, errors = await cli.finish()
    assert (status, errors) == (0, "")
    assert output.splitlines() == [
        f"Connected to {server.uri}.",
        "Connection closed: 1001 (going away) bye.",
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
async def test_interrupt() -> None:
    async with EchoServer() as server, CLI.run(server.uri) as cli:
        await cli.expect(f"Connected to {server.uri}.")
        cli.process.send_signal(signal.SIGINT)
        await cli.expect("Connection closed: 1000 (OK).")
        status, _, errors = await cli.finish()
    assert (status, errors) == (0, "")


# -- Helpers -----------------------------------------------------------------------------


async def test_line_reader() -> None:
    chunks = [b"he", b"llo\r\nwor", b"ld\n\n", b"caf\xc3", b"\xa9 \xff", b""]

    async def read() -> bytes:
        return chunks.pop(0)

    reader = LineReader(read, "utf-8")
    lines = [await reader.readline() for _ in range(5)]
    assert lines == ["hello", "world", "", "café \N{REPLACEMENT CHARACTER}", None]
    assert await reader.readline() is None


def test_console_plain() -> None:
    stream = io.StringIO()
    console = Console(stream, typing=False)
    console.line("Connected.")
    console.message("< \x1b[2J")
    console.finish("Closed.")
    assert stream.getvalue() == "Connected.\n< \x1b[2J\nClosed.\n"


def test_console_typing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "10")
    monkeypatch.setenv("LINES", "5")
    stream = io.StringIO()
    console = Console(stream, typing=True)

    console.message("< hi")
    assert stream.getvalue() == "\x1b7\n\x1b[1A\x1b[1L\r< hi\x1b8\x1b[1B"

    def rows(text: str) -> int:
        """Return how many rows the console makes room for."""
        stream.seek(0)
        stream.truncate()
        console.message(text)
        match = re.search(r"\x1b\[(\d+)L", stream.getvalue())
        assert match is not None
        return int(match[1])

    assert rows("< 45678901") == 1  # exactly fills a row
    assert rows("< 456789012") == 2  # wraps
    assert rows("< a\nb") == 2
    assert rows("< \N{CJK UNIFIED IDEOGRAPH-4E00}\N{COMBINING ACUTE ACCENT}" * 3) == 2
    assert rows("< \n\n\n\n\n\n") == 4  # no more than the screen holds, minus the typed line

    stream.seek(0)
    stream.truncate()
    console.message("< \x1b[2J\tx")
    assert "\r< \\x1b[2J       x\x1b8" in stream.getvalue()

    stream.seek(0)
    stream.truncate()
    console.finish("Closed.")
    assert stream.getvalue() == "\r\x1b[KClosed.\n"
