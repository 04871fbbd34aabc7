"""Tests for websockets.streams."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets.streams import StreamReader

T = TypeVar("T")


def run(generator: Generator[None, None, T]) -> T:
    """Resume ``generator`` once; return its result, or fail if it's still waiting."""
    try:
        next(generator)
    except StopIteration as exc:
        result: T = exc.value
        return result
    raise AssertionError("the generator is waiting for data")


def assert_waiting(generator: Generator[None, None, object]) -> None:
    """Check that resuming ``generator`` suspends it again."""
    next(generator)


def drive(
    chunks: Sequence[bytes],
    parser: Callable[[StreamReader], Generator[None, None, T]],
    *,
    eof: bool = True,
) -> T:
    """Feed ``chunks`` one by one, then EOF, resuming ``parser`` after each; return its result."""
    reader = StreamReader()
    generator = parser(reader)
    try:
        next(generator)
        for chunk in chunks:
            reader.feed_data(chunk)
            next(generator)
        if eof:
            reader.feed_eof()
            next(generator)
    except StopIteration as exc:
        result: T = exc.value
        return result
    raise AssertionError("the parser is waiting for data")


class TestReadLine:
    def test_available(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spam\neggs\n")
        assert run(reader.read_line(32)) == b"spam\n"
        assert run(reader.read_line(32)) == b"eggs\n"

    def test_waits_for_end_of_line(self) -> None:
        reader = StreamReader()
        generator = reader.read_line(32)
        assert_waiting(generator)
        reader.feed_data(b"sp")
        assert_waiting(generator)
        reader.feed_data(b"am")
        assert_waiting(generator)
        reader.feed_data(b"\neggs")
        assert run(generator) == b"spam\n"
        reader.feed_data(b"\n")
        assert run(reader.read_line(32)) == b"eggs\n"

    def test_line_of_maximum_length(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spam\n")
        assert run(reader.read_line(5)) == b"spam\n"

    def test_too_long(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spam\n")
        with pytest.raises(RuntimeError, match="read 5 bytes, expected no more than 4 bytes"):
            run(reader.read_line(4))

    def test_too_long_without_end_of_line(self) -> None:
        reader = StreamReader()
        generator = reader.read_line(4)
        assert_waiting(generator)
        reader.feed_data(b"spa")
        assert_waiting(generator)
        # Four bytes without LF cannot become a line of four bytes at most.
        reader.feed_data(b"m")
        with pytest.raises(RuntimeError, match="read 4 bytes, expected no more than 4 bytes"):
            run(generator)

    def test_eof_before_end_of_line(self) -> None:
        reader = StreamReader()
        generator = reader.read_line(32)
        reader.feed_data(b"spam")
        assert_waiting(generator)
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ends after 4 bytes, before end of line"):
            run(generator)

    def test_eof_without_data(self) -> None:
        reader = StreamReader()
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ends after 0 bytes"):
            run(reader.read_line(32))

    def test_after_discard_while_waiting(self) -> None:
        reader = StreamReader()
        generator = reader.read_line(32)
        reader.feed_data(b"spam")
        assert_waiting(generator)
        reader.discard()
        reader.feed_data(b"eggs\n")
        assert run(generator) == b"eggs\n"

    def test_after_read_exact_while_scanned(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spam")
        reader.feed_eof()
        # Scans the buffer, then fails at EOF: the next read must not skip bytes.
        with pytest.raises(EOFError):
            run(reader.read_line(32))
        assert run(reader.read_exact(2)) == b"sp"


class TestReadExact:
    def test_available(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spameggs")
        assert run(reader.read_exact(4)) == b"spam"
        assert run(reader.read_exact(4)) == b"eggs"

    def test_waits_for_data(self) -> None:
        reader = StreamReader()
        generator = reader.read_exact(4)
        assert_waiting(generator)
        reader.feed_data(b"sp")
        assert_waiting(generator)
        reader.feed_data(b"am")
        assert run(generator) == b"spam"

    def test_zero(self) -> None:
        reader = StreamReader()
        assert run(reader.read_exact(0)) == b""

    def test_eof(self) -> None:
        reader = StreamReader()
        generator = reader.read_exact(4)
        reader.feed_data(b"sp")
        assert_waiting(generator)
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ends after 2 bytes, expected 4 bytes"):
            run(generator)

    def test_negative(self) -> None:
        reader = StreamReader()
        with pytest.raises(AssertionError):
            run(reader.read_exact(-1))

    def test_returns_bytes(self) -> None:
        reader = StreamReader()
        reader.feed_data(bytearray(b"spameggs"))
        data = run(reader.read_exact(4))
        assert type(data) is bytes
        data = run(reader.read_exact(4))
        assert type(data) is bytes

    def test_many_small_reads_from_a_large_buffer(self) -> None:
        # Enough data to cross the threshold where consumed bytes are dropped.
        data = bytes(range(256)) * 1024
        reader = StreamReader()
        reader.feed_data(data)
        pieces = [run(reader.read_exact(1000)) for _ in range(len(data) // 1000)]
        pieces.append(run(reader.read_exact(len(data) % 1000)))
        assert b"".join(pieces) == data
        reader.feed_data(b"more")
        assert run(reader.read_exact(4)) == b"more"

    def test_large_reads_from_the_middle(self) -> None:
        data = bytes(range(256)) * 200
        reader = StreamReader()
        reader.feed_data(data)
        assert run(reader.read_exact(1)) == data[:1]
        assert run(reader.read_exact(20000)) == data[1:20001]
        assert run(reader.read_exact(len(data) - 20001)) == data[20001:]

    def test_memoryview_input(self) -> None:
        reader = StreamReader()
        reader.feed_data(memoryview(b"spam"))
        assert run(reader.read_exact(4)) == b"spam"


class TestReadToEOF:
    def test_waits_for_eof(self) -> None:
        reader = StreamReader()
        generator = reader.read_to_eof(32)
        reader.feed_data(b"spam")
        assert_waiting(generator)
        reader.feed_data(b"eggs")
        assert_waiting(generator)
        reader.feed_eof()
        assert run(generator) == b"spameggs"

    def test_empty(self) -> None:
        reader = StreamReader()
        reader.feed_eof()
        assert run(reader.read_to_eof(32)) == b""

    def test_maximum_size(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spam")
        reader.feed_eof()
        assert run(reader.read_to_eof(4)) == b"spam"

    def test_too_long_before_eof(self) -> None:
        reader = StreamReader()
        generator = reader.read_to_eof(4)
        reader.feed_data(b"spam")
        assert_waiting(generator)
        reader.feed_data(b"e")
        with pytest.raises(RuntimeError, match="read 5 bytes, expected no more than 4 bytes"):
            run(generator)

    def test_too_long_at_eof(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spameggs")
        reader.feed_eof()
        with pytest.raises(RuntimeError, match="read 8 bytes, expected no more than 4 bytes"):
            run(reader.read_to_eof(4))

    def test_after_partial_reads(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spam\neggs")
        reader.feed_eof()
        assert run(reader.read_line(32)) == b"spam\n"
        assert run(reader.read_to_eof(32)) == b"eggs"


class TestAtEOF:
    def test_data_first(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spam")
        reader.feed_eof()
        assert run(reader.at_eof()) is False

    def test_eof(self) -> None:
        reader = StreamReader()
        reader.feed_eof()
        assert run(reader.at_eof()) is True

    def test_waits_for_data(self) -> None:
        reader = StreamReader()
        generator = reader.at_eof()
        assert_waiting(generator)
        reader.feed_data(b"spam")
        assert run(generator) is False

    def test_waits_for_eof(self) -> None:
        reader = StreamReader()
        generator = reader.at_eof()
        assert_waiting(generator)
        reader.feed_eof()
        assert run(generator) is True

    def test_after_reading_everything(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spam")
        reader.feed_eof()
        run(reader.read_exact(4))
        assert run(reader.at_eof()) is True


class TestFeeding:
    def test_eof_attribute(self) -> None:
        reader = StreamReader()
        assert reader.eof is False
        reader.feed_eof()
        assert reader.eof is True

    def test_feed_data_after_eof(self) -> None:
        reader = StreamReader()
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ended"):
            reader.feed_data(b"spam")

    def test_feed_eof_after_eof(self) -> None:
        reader = StreamReader()
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ended"):
            reader.feed_eof()

    def test_discard(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"spam\neggs")
        assert run(reader.read_line(32)) == b"spam\n"
        reader.discard()
        reader.feed_eof()
        assert run(reader.at_eof()) is True

    def test_read_buffered(self) -> None:
        reader = StreamReader()
        assert reader.read_buffered() == b""
        reader.feed_data(b"spam\neggs")
        assert run(reader.read_line(32)) == b"spam\n"
        assert reader.read_buffered() == b"eggs"
        assert reader.read_buffered() == b""


# Outcome of a parse: the values read, then the type of the error that stopped it, if any.
# Error messages may differ: they count the bytes buffered when the error was detected.
Outcome = tuple[list[bytes], str | None]


def read_all(reader: StreamReader) -> Generator[None, None, Outcome]:
    """Alternate lines and 3-byte reads until the stream ends or an error occurs."""
    values: list[bytes] = []
    try:
        while not (yield from reader.at_eof()):
            values.append((yield from reader.read_line(16)))
            values.append((yield from reader.read_exact(3)))
    except (EOFError, RuntimeError) as exc:
        return values, type(exc).__name__
    return values, None


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    """Split ``data`` at the given positions."""
    positions = sorted({min(cut, len(data)) for cut in cuts})
    return [
        data[start:end] for start, end in zip([0, *positions], [*positions, len(data)], strict=True)
    ]


class TestProperties:
    @given(st.binary(max_size=200), st.lists(st.integers(min_value=0, max_value=200)))
    def test_chunking_does_not_change_results(self, data: bytes, cuts: list[int]) -> None:
        expected = drive([data], read_all)
        assert drive(split(data, cuts), read_all) == expected

    @given(st.binary(max_size=200))
    def test_byte_by_byte(self, data: bytes) -> None:
        expected = drive([data], read_all)
        chunks = [data[i : i + 1] for i in range(len(data))]
        assert drive(chunks, read_all) == expected

    @given(st.lists(st.binary(max_size=50), max_size=10))
    def test_read_to_eof_returns_everything(self, chunks: list[bytes]) -> None:
        def parser(reader: StreamReader) -> Generator[None, None, bytes]:
            return (yield from reader.read_to_eof(1000))

        assert drive(chunks, parser) == b"".join(chunks)

    @given(
        st.lists(st.binary(max_size=50), max_size=10),
        st.lists(st.integers(min_value=0, max_value=20), max_size=20),
    )
    def test_read_exact_concatenates(self, chunks: list[bytes], sizes: list[int]) -> None:
        data = b"".join(chunks)

        def parser(reader: StreamReader) -> Generator[None, None, list[bytes]]:
            pieces: list[bytes] = []
            for size in sizes:
                if (yield from reader.at_eof()):
                    break
                try:
                    pieces.append((yield from reader.read_exact(size)))
                except EOFError:
                    pieces.append(reader.read_buffered())
                    break
            pieces.append((yield from reader.read_to_eof(1000)))
            return pieces

        assert b"".join(drive(chunks, parser)) == data
