"""A buffer of received bytes, read by generator-based parsers (the sans-I/O pattern)."""

from __future__ import annotations

from collections.abc import Generator

__all__ = ["StreamReader"]

# Consumed bytes stay at the front of the buffer until they're worth dropping: one large
# move now and then is cheaper than moving the remaining data after every read.
_COMPACT_THRESHOLD = 65536

# Slicing a bytearray copies the bytes twice, into the slice and then into bytes; a
# memoryview copies them once but costs more to set up. Measured, slicing wins below 8 KiB.
_VIEW_THRESHOLD = 8192


class StreamReader:
    """Bytes received from the network, waiting to be parsed.

    The I/O layer pushes data with :meth:`feed_data` and :meth:`feed_eof`. Parsers pull it
    with the ``read_*`` methods, which are generator-coroutines: a parser runs them with
    ``yield from``; they ``yield`` when they need more data than is buffered, and the
    parser is resumed with ``next()`` after the next :meth:`feed_data` or :meth:`feed_eof`.

    """

    __slots__ = ("_buffer", "_offset", "_scanned", "eof")

    def __init__(self) -> None:
        self._buffer = bytearray()
        # Bytes before _offset were consumed already.
        self._offset = 0
        # Bytes after _offset known to contain no LF, so read_line doesn't scan them again.
        self._scanned = 0
        self.eof: bool = False
        """Whether the end of the stream was received."""

    def _available(self) -> int:
        return len(self._buffer) - self._offset

    def _consume(self, size: int) -> bytes:
        buffer = self._buffer
        start = self._offset
        end = start + size
        if start == 0 and end == len(buffer):
            data = bytes(buffer)
            buffer.clear()
            end = 0
        else:
            if size < _VIEW_THRESHOLD:
                data = bytes(buffer[start:end])
            else:
                with memoryview(buffer) as view:
                    data = view[start:end].tobytes()
            if end == len(buffer):
                buffer.clear()
                end = 0
            elif end >= _COMPACT_THRESHOLD and 2 * end >= len(buffer):
                del buffer[:end]
                end = 0
        self._offset = end
        self._scanned = 0
        return data

    def read_line(self, m: int) -> Generator[None, None, bytes]:
        """Read and return a line, up to and including the LF that ends it.

        Args:
            m: Maximum length of the line, LF included.

        Raises:
            EOFError: If the stream ends before the end of the line.
            RuntimeError: If the line is longer than ``m`` bytes.

        """
        while True:
            start = self._offset + self._scanned
            end = self._buffer.find(b"\n", start)
            if end >= 0:
                size = end + 1 - self._offset
                if size > m:
                    raise RuntimeError(f"read {size} bytes, expected no more than {m} bytes")
                return self._consume(size)
            available = self._available()
            self._scanned = available
            # Without an LF in m bytes, the line can only be longer than m.
            if available >= m:
                raise RuntimeError(f"read {available} bytes, expected no more than {m} bytes")
            if self.eof:
                raise EOFError(f"stream ends after {available} bytes, before end of line")
            yield

    def read_exact(self, n: int) -> Generator[None, None, bytes]:
        """Read and return exactly ``n`` bytes.

        Raises:
            EOFError: If the stream ends before ``n`` bytes are read.

        """
        assert n >= 0, "cannot read a negative number of bytes"
        while self._available() < n:
            if self.eof:
                available = self._available()
                raise EOFError(f"stream ends after {available} bytes, expected {n} bytes")
            yield
        return self._consume(n)

    def read_to_eof(self, m: int) -> Generator[None, None, bytes]:
        """Read and return all bytes until the end of the stream.

        Args:
            m: Maximum number of bytes to read.

        Raises:
            RuntimeError: If the stream holds more than ``m`` bytes.

        """
        while True:
            available = self._available()
            if available > m:
                raise RuntimeError(f"read {available} bytes, expected no more than {m} bytes")
            if self.eof:
                return self._consume(available)
            yield

    def at_eof(self) -> Generator[None, None, bool]:
        """Wait until data is buffered or the stream ends; return whether it ended.

        Buffered data comes first: this returns :obj:`False` while any is left.

        """
        while True:
            if self._available():
                return False
            if self.eof:
                return True
            yield

    def read_buffered(self) -> bytes:
        """Read and return the bytes buffered now, possibly none, without waiting.

        This hands the rest of the stream over to another parser, for example when the
        opening handshake completes and frames follow in the same data.

        """
        return self._consume(self._available())

    def feed_data(self, data: bytes | bytearray | memoryview) -> None:
        """Append ``data`` to the buffer.

        Raises:
            EOFError: If the end of the stream was already received.

        """
        if self.eof:
            raise EOFError("stream ended")
        self._buffer += data

    def feed_eof(self) -> None:
        """Mark the end of the stream.

        Raises:
            EOFError: If the end of the stream was already received.

        """
        if self.eof:
            raise EOFError("stream ended")
        self.eof = True

    def discard(self) -> None:
        """Drop all buffered data."""
        self._buffer.clear()
        self._offset = 0
        self._scanned = 0
