"""The interactive WebSocket client: ``python -m websockets <uri>``.

Each line of standard input is sent as a text message; incoming messages are printed
as ``< message``, or ``< (binary) <hex>``. The end of input closes the connection.

"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import io
import math
import os
import re
import selectors
import shutil
import signal
import stat
import sys
import threading
import unicodedata
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import TYPE_CHECKING, TextIO

from .exceptions import ConnectionClosed
from .frames import Close, CloseCode
from .version import version

if TYPE_CHECKING:
    from .asyncio.client import ClientConnection

__all__ = ["main"]

CHUNK_SIZE = 2**16
"""Largest read from standard input."""


def main(argv: list[str] | None = None) -> None:
    """Run the command line client; ``argv`` defaults to ``sys.argv[1:]``.

    Exits with status 1 when the connection fails, 2 on a usage error, and 130 on
    Ctrl-C while connecting or on a second Ctrl-C while closing.

    """
    parser = argparse.ArgumentParser(
        prog="websockets",
        description="Interactive WebSocket client.",
        add_help=False,
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--version", action="store_true", help="show the version and exit")
    group.add_argument("uri", metavar="<uri>", nargs="?", help="ws:// or wss:// URI")
    args = parser.parse_args(argv)
    show_version: bool = args.version
    uri: str | None = args.uri

    if show_version:
        print(f"websockets {version}")
        return
    if uri is None:
        parser.print_usage(sys.stderr)
        sys.exit(2)

    stdin_tty = _isatty(sys.stdin)
    stdout_tty = _isatty(sys.stdout)
    if sys.platform == "win32" and stdout_tty:
        # Running a command turns on the console's support for ANSI sequences.
        os.system("")
    if stdin_tty:
        # Enabled when available, as in upstream websockets. Input is read through a
        # pipe transport rather than input(), so line editing is the terminal's own.
        with contextlib.suppress(ImportError):
            importlib.import_module("readline")
    # Inserting messages above the line being typed only makes sense when someone types.
    console = Console(sys.stdout, typing=stdin_tty and stdout_tty)
    try:
        status = asyncio.run(_session(uri, console, echo=not stdin_tty))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Ctrl-C while connecting, or a second Ctrl-C while closing.
        status = 130
    if status:
        sys.exit(status)


async def _session(uri: str, console: Console, *, echo: bool) -> int:
    """Connect, relay messages until either side closes, and return an exit status."""
    # Imported here: --version and usage errors don't need the asyncio client.
    from .asyncio.client import connect

    try:
        websocket = await connect(uri)
    except Exception as exc:
        reason = str(exc) or type(exc).__name__
        console.error(f"Failed to connect to {uri}: {reason}.")
        return 1

    async with _open_stdin() as lines:
        incoming = asyncio.create_task(_print_incoming(websocket, console))
        outgoing = asyncio.create_task(_send_outgoing(websocket, lines, console if echo else None))
        with _stop_on_interrupt(outgoing):
            console.line(f"Connected to {uri}.")
            # Where signal handlers aren't available, asyncio.run() cancels this task
            # on Ctrl-C: close the connection just the same.
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({incoming, outgoing}, return_when=asyncio.FIRST_COMPLETED)
            outgoing.cancel()
            await asyncio.wait({outgoing})
            if not outgoing.cancelled():
                outgoing.result()  # only raises on a bug
            await websocket.close()
            closed = await incoming

    close = closed.rcvd
    if close is None:  # the server didn't send a Close frame
        close = Close(CloseCode.ABNORMAL_CLOSURE, "")
    console.finish(f"Connection closed: {close}.")
    return 0


async def _print_incoming(websocket: ClientConnection, console: Console) -> ConnectionClosed:
    """Print messages until the connection closes; return how it closed."""
    while True:
        try:
            message = await websocket.recv()
        except ConnectionClosed as exc:
            return exc
        if isinstance(message, str):
            console.message(f"< {message}")
        else:
            console.message(f"< (binary) {message.hex()}")


async def _send_outgoing(
    websocket: ClientConnection, lines: LineReader, echo: Console | None
) -> None:
    """Send each line of input as a text message, until the input or connection ends."""
    while (line := await lines.readline()) is not None:
        if echo is not None:
            echo.line(f"> {line}")
        try:
            await websocket.send(line)
        except ConnectionClosed:
            return  # _print_incoming reports it


@contextlib.contextmanager
def _stop_on_interrupt(outgoing: asyncio.Task[None]) -> Generator[None]:
    """Make Ctrl-C stop sending, which closes the connection; a second Ctrl-C aborts."""
    loop = asyncio.get_running_loop()
    session = asyncio.current_task()
    interrupts = 0

    def interrupted() -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts == 1:
            outgoing.cancel()
        elif session is not None:
            session.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, interrupted)
        installed = True
    except (NotImplementedError, RuntimeError):
        # Windows, or not the main thread: asyncio.run() handles Ctrl-C, see _session.
        installed = False
    try:
        yield
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)


# -- Standard input ---------------------------------------------------------------------


class LineReader:
    """Splits chunks of standard input into lines, without their line terminators."""

    def __init__(self, read: Callable[[], Awaitable[bytes]], encoding: str) -> None:
        self._read = read  # returns b"" at the end of input
        self._encoding = encoding
        self._pending = bytearray()
        self._scanned = 0  # bytes of _pending known not to contain b"\n"
        self._eof = False

    async def readline(self) -> str | None:
        """Return the next line, or None at the end of input. Cancelling loses nothing."""
        while True:
            end = self._pending.find(b"\n", self._scanned)
            if end >= 0:
                line = bytes(self._pending[:end])
                del self._pending[: end + 1]
                self._scanned = 0
                return self._decode(line)
            self._scanned = len(self._pending)
            if self._eof:
                if not self._pending:
                    return None
                line = bytes(self._pending)
                self._pending.clear()
                self._scanned = 0
                return self._decode(line)
            data = await self._read()
            if data:
                self._pending += data
            else:
                self._eof = True

    def _decode(self, line: bytes) -> str:
        return line.removesuffix(b"\r").decode(self._encoding, "replace")


@contextlib.asynccontextmanager
async def _open_stdin() -> AsyncGenerator[LineReader]:
    """Read standard input without blocking the event loop.

    Pipes, sockets and terminals that the event loop can poll are read by a pipe
    transport; anything else (a regular file, /dev/null, the Windows console) by a
    thread.

    """
    stdin = sys.stdin
    if stdin is None:  # e.g. pythonw
        yield LineReader(_no_input, "utf-8")
        return
    encoding = stdin.encoding or "utf-8"
    try:
        fd: int | None = stdin.fileno()
    except (OSError, ValueError):  # e.g. replaced by a StringIO
        fd = None

    if fd is not None and _pollable(fd):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=CHUNK_SIZE)
        was_blocking = os.get_blocking(fd)
        # The transport closes the file it reads: give it a duplicate of stdin.
        pipe = os.fdopen(os.dup(fd), "rb", buffering=0)
        try:
            transport, _ = await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), pipe
            )
        except BaseException:
            pipe.close()
            raise
        try:
            yield LineReader(lambda: reader.read(CHUNK_SIZE), encoding)
        finally:
            transport.close()
            # The transport made the file description non-blocking; it's shared with
            # the parent process, e.g. the shell, which expects it as it was.
            with contextlib.suppress(OSError):
                os.set_blocking(fd, was_blocking)
        return

    raw = getattr(getattr(stdin, "buffer", None), "raw", None)
    if isinstance(raw, io.RawIOBase):
        # Reading the raw file takes no lock that could stall interpreter shutdown
        # while the thread is blocked in it.

        def read() -> bytes | None:
            return raw.read(CHUNK_SIZE)

    else:

        def read() -> bytes | None:
            return stdin.readline().encode(encoding)

    yield LineReader(_ThreadReader(read).read, encoding)


async def _no_input() -> bytes:
    return b""


def _pollable(fd: int) -> bool:
    """Tell whether the event loop can watch ``fd`` as a pipe."""
    if sys.platform == "win32":
        return False
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)):
        return False
    # Character devices such as /dev/null can't be polled; the pipe transport would
    # only find out later, in a callback, and then never read.
    with selectors.DefaultSelector() as selector:
        try:
            selector.register(fd, selectors.EVENT_READ)
        except (OSError, ValueError):
            return False
    return True


class _ThreadReader:
    """Reads standard input in a daemon thread, a chunk at a time, when asked.

    The thread may stay blocked in a read when the session ends: being a daemon, it
    doesn't delay the exit.

    """

    def __init__(self, read: Callable[[], bytes | None]) -> None:
        self._read = read
        self._loop = asyncio.get_running_loop()
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self._wanted = threading.Semaphore(0)
        self._requested = False  # whether the thread is reading a chunk for us
        thread = threading.Thread(target=self._run, name="websockets-stdin", daemon=True)
        thread.start()

    async def read(self) -> bytes:
        """Return the next chunk of input, or b"" at the end. Cancelling loses nothing."""
        if self._chunks.empty() and not self._requested:
            self._requested = True
            self._wanted.release()
        return await self._chunks.get()

    def _deliver(self, data: bytes) -> None:
        self._requested = False
        self._chunks.put_nowait(data)

    def _run(self) -> None:
        while True:
            self._wanted.acquire()
            try:
                data = self._read() or b""
            except OSError:
                data = b""  # e.g. the terminal went away: that's the end of input
            try:
                self._loop.call_soon_threadsafe(self._deliver, data)
            except RuntimeError:  # the event loop is closed
                return
            if not data:
                return


def _isatty(stream: TextIO | None) -> bool:
    if stream is None:
        return False
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False


# -- Standard output ---------------------------------------------------------------------

# Control characters, except tabs and line feeds: a message mustn't drive the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Console:
    """Writes the session to standard output.

    While the user types, the terminal shows the line being typed at the cursor;
    incoming messages are inserted above that line, so it stays intact. Otherwise, the
    output is plain lines, easy to pipe.

    """

    def __init__(self, stream: TextIO, *, typing: bool) -> None:
        self._stream = stream
        self._typing = typing
        # None for streams of str, such as StringIO.
        self._encoding: str | None = getattr(stream, "encoding", None)

    def line(self, text: str) -> None:
        """Print a line where the cursor is."""
        self._write(f"{text}\n")

    def message(self, text: str) -> None:
        """Print a line above the line being typed, if any."""
        if not self._typing:
            self.line(text)
            return
        text = _CONTROL.sub(_escape, text).expandtabs()
        rows = self._rows(text)
        self._write(
            "\x1b7"  # save the cursor (DECSC)
            + "\n" * rows  # make room below the typed line, scrolling if needed
            + f"\x1b[{rows}A"  # back up to the typed line, wherever it now is
            + f"\x1b[{rows}L"  # push it down by inserting blank lines
            + f"\r{text}"
            + "\x1b8"  # restore the cursor (DECRC)
            + f"\x1b[{rows}B"  # and follow the typed line down
        )

    def finish(self, text: str) -> None:
        """Print the last line, over whatever was typed: it won't be sent."""
        if self._typing:
            text = f"\r\x1b[K{text}"  # erase the line first (EL)
        self.line(text)

    def error(self, text: str) -> None:
        """Print an error message to standard error."""
        sys.stderr.write(f"{text}\n")
        sys.stderr.flush()

    def _rows(self, text: str) -> int:
        """Count the rows of the terminal that ``text`` fills."""
        columns, lines = shutil.get_terminal_size()
        columns = max(columns, 1)
        rows = sum(max(1, math.ceil(_width(line) / columns)) for line in text.split("\n"))
        # Taller than the screen, a message can't keep clear of the typed line anyway.
        return max(1, min(rows, lines - 1))

    def _write(self, text: str) -> None:
        if self._encoding is not None:
            # Messages may hold characters that the output's encoding lacks.
            text = text.encode(self._encoding, "backslashreplace").decode(self._encoding)
        self._stream.write(text)
        self._stream.flush()


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def _width(line: str) -> int:
    """Approximate how many columns a terminal needs to display ``line``."""
    if line.isascii():
        return len(line)
    return sum(_char_width(char) for char in line)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
