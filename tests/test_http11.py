"""Tests for websockets.http11."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Generator, Sequence
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets import http11
from websockets.datastructures import Headers
from websockets.exceptions import SecurityError
from websockets.http11 import Request, Response
from websockets.streams import StreamReader

T = TypeVar("T")

# Every error the parsers may raise, as documented.
PARSE_ERRORS = (EOFError, SecurityError, ValueError, NotImplementedError)


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


def request_parser(reader: StreamReader) -> Generator[None, None, Request]:
    return Request.parse(reader.read_line)


def response_parser(reader: StreamReader) -> Generator[None, None, Response]:
    return Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof)


def parse_request(data: bytes) -> Request:
    return drive([data], request_parser)


def parse_response(data: bytes, *, include_body: bool = True) -> Response:
    def parser(reader: StreamReader) -> Generator[None, None, Response]:
        return Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof, include_body)

    return drive([data], parser)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    """Split ``data`` at the given positions."""
    positions = sorted({min(cut, len(data)) for cut in cuts})
    return [
        data[start:end] for start, end in zip([0, *positions], [*positions, len(data)], strict=True)
    ]


REQUEST = (
    b"GET /chat?room=1 HTTP/1.1\r\n"
    b"Host: server.example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)

RESPONSE = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    b"\r\n"
)


class TestConstants:
    def test_default_header_values(self) -> None:
        python = "Python/{}.{}".format(*sys.version_info)
        assert http11.USER_AGENT.split() == [python, "websockets/15.0.1"]
        assert http11.SERVER.split() == [python, "websockets/15.0.1"]

    def test_all(self) -> None:
        assert http11.__all__ == ["SERVER", "USER_AGENT", "Request", "Response"]


class TestRequestParse:
    def test_valid(self) -> None:
        request = parse_request(REQUEST)
        assert request.path == "/chat?room=1"
        assert request.headers["Upgrade"] == "websocket"
        assert request.headers["sec-websocket-version"] == "13"
        assert len(list(request.headers.raw_items())) == 5

    def test_followed_by_data(self) -> None:
        reader = StreamReader()
        reader.feed_data(REQUEST + b"\x81\x00")
        generator = Request.parse(reader.read_line)
        with pytest.raises(StopIteration) as raised:
            next(generator)
        assert isinstance(raised.value.value, Request)
        assert reader.read_buffered() == b"\x81\x00"

    def test_path_is_not_validated(self) -> None:
        request = parse_request(b"GET /caf\xc3\xa9\x00 HTTP/1.1\r\n\r\n")
        assert request.path == "/caf\udcc3\udca9\x00"

    def test_header_values_keep_raw_bytes(self) -> None:
        request = parse_request(b"GET / HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n")
        assert request.headers["X-Name"] == "caf\udcc3\udca9"
        assert request.serialize() == b"GET / HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n"

    def test_header_whitespace_is_stripped(self) -> None:
        request = parse_request(b"GET / HTTP/1.1\r\nA: \t spam  eggs \t\r\nB:\r\nC:  \r\n\r\n")
        assert request.headers["A"] == "spam  eggs"
        assert request.headers["B"] == ""
        assert request.headers["C"] == ""

    def test_header_value_with_colon(self) -> None:
        request = parse_request(b"GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n")
        assert request.headers["Host"] == "localhost:8080"

    def test_repeated_headers(self) -> None:
        request = parse_request(b"GET / HTTP/1.1\r\nA: 1\r\na: 2\r\n\r\n")
        assert request.headers.get_all("A") == ["1", "2"]

    def test_empty_content_length_is_accepted(self) -> None:
        request = parse_request(b"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        assert request.headers["Content-Length"] == "0"

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"", "connection closed while reading HTTP request line"),
            (b"GET / HTTP/1.1", "connection closed while reading HTTP request line"),
            (b"GET / HTTP/1.1\r\n", "connection closed while reading HTTP headers"),
            (b"GET / HTTP/1.1\r\nHost: a\r\n", "connection closed while reading HTTP headers"),
        ],
    )
    def test_eof(self, data: bytes, message: str) -> None:
        with pytest.raises(EOFError, match=message) as raised:
            parse_request(data)
        assert isinstance(raised.value.__cause__, EOFError)

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"GET /\r\n\r\n", "invalid HTTP request line: GET /"),
            (b"GET\r\n\r\n", "invalid HTTP request line: GET"),
            (b"\r\n\r\n", "invalid HTTP request line: "),
            (b"GET / HTTP/1.0\r\n\r\n", "unsupported protocol; expected HTTP/1.1"),
            (b"GET / HTTP/1.1 \r\n\r\n", "unsupported protocol; expected HTTP/1.1"),
            (b"GET / HTTP/2\r\n\r\n", "unsupported protocol; expected HTTP/1.1"),
            (b"POST / HTTP/1.1\r\n\r\n", "unsupported HTTP method; expected GET; got POST"),
            (b"get / HTTP/1.1\r\n\r\n", "unsupported HTTP method; expected GET; got get"),
            (b"GET / HTTP/1.1\n\r\n", "line without CRLF"),
            (b"GET / HTTP/1.1\r\nA: 1\n\r\n", "line without CRLF"),
            (b"GET / HTTP/1.1\r\nspam\r\n\r\n", "invalid HTTP header line: spam"),
            (b"GET / HTTP/1.1\r\nA : 1\r\n\r\n", "invalid HTTP header name: A "),
            (b"GET / HTTP/1.1\r\n: 1\r\n\r\n", "invalid HTTP header name: "),
            (b"GET / HTTP/1.1\r\nA\xff: 1\r\n\r\n", r"invalid HTTP header name: A\\xff"),
            (b"GET / HTTP/1.1\r\nA: 1\x002\r\n\r\n", "invalid HTTP header value"),
            (b"GET / HTTP/1.1\r\nA: 1\r2\r\n\r\n", "invalid HTTP header value"),
            (b"GET / HTTP/1.1\r\nA: 1\x7f\r\n\r\n", "invalid HTTP header value"),
            (b"GET / HTTP/1.1\r\nA: 1\r\n 2\r\n\r\n", "obsolete line folding"),
            (b"GET / HTTP/1.1\r\nA: 1\r\n\t2\r\n\r\n", "obsolete line folding"),
            (b"GET / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx", "unsupported request body"),
            (b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "unsupported request body"),
            (
                b"GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
                "unsupported request body",
            ),
        ],
    )
    def test_invalid(self, data: bytes, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            parse_request(data)

    def test_transfer_encoding(self) -> None:
        with pytest.raises(NotImplementedError, match="transfer codings aren't supported"):
            parse_request(b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")

    def test_request_line_too_long(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(http11, "MAX_LINE_LENGTH", 18)  # CRLF included
        assert parse_request(b"GET /12 HTTP/1.1\r\n\r\n").path == "/12"
        with pytest.raises(SecurityError, match="line too long") as raised:
            parse_request(b"GET /123 HTTP/1.1\r\n\r\n")
        assert isinstance(raised.value.__cause__, RuntimeError)

    def test_header_line_too_long(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(http11, "MAX_LINE_LENGTH", 16)
        with pytest.raises(SecurityError, match="line too long"):
            parse_request(b"GET / HTTP/1.1\r\nX: 0123456789abcdef\r\n\r\n")

    def test_default_line_length(self) -> None:
        assert http11.MAX_LINE_LENGTH == 8192
        value = b"x" * (8192 - len(b"X: \r\n"))
        request = parse_request(b"GET / HTTP/1.1\r\nX: " + value + b"\r\n\r\n")
        assert request.headers["X"] == value.decode()
        with pytest.raises(SecurityError, match="line too long"):
            parse_request(b"GET / HTTP/1.1\r\nX: x" + value + b"\r\n\r\n")

    def test_too_many_headers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(http11, "MAX_NUM_HEADERS", 2)
        assert len(parse_request(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n").headers) == 2
        with pytest.raises(SecurityError, match="too many HTTP headers"):
            parse_request(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")

    def test_default_number_of_headers(self) -> None:
        assert http11.MAX_NUM_HEADERS == 128
        lines = b"".join(b"H%d: x\r\n" % i for i in range(129))
        with pytest.raises(SecurityError, match="too many HTTP headers"):
            parse_request(b"GET / HTTP/1.1\r\n" + lines + b"\r\n")
        request = parse_request(b"GET / HTTP/1.1\r\n" + lines[: lines.rindex(b"H128")] + b"\r\n")
        assert len(request.headers) == 128


class TestRequestSerialize:
    def test_serialize(self) -> None:
        request = Request("/chat", Headers([("Host", "example.com"), ("Upgrade", "websocket")]))
        assert request.serialize() == (
            b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\r\n"
        )

    def test_round_trip(self) -> None:
        assert parse_request(REQUEST).serialize() == REQUEST

    def test_exception_is_deprecated(self) -> None:
        error = ValueError("spam")
        request = Request("/", Headers(), error)
        with pytest.deprecated_call(match="Request.exception is deprecated"):
            assert request.exception is error

    def test_exception_defaults_to_none(self) -> None:
        request = Request("/", Headers())
        with pytest.deprecated_call():
            assert request.exception is None

    def test_equality(self) -> None:
        assert Request("/", Headers(A="1")) == Request("/", Headers(a="1"))


class TestResponseParse:
    def test_switching_protocols(self) -> None:
        response = parse_response(RESPONSE)
        assert response.status_code == 101
        assert response.reason_phrase == "Switching Protocols"
        assert response.headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        assert response.body == b""

    def test_frames_after_switching_protocols_are_left(self) -> None:
        reader = StreamReader()
        reader.feed_data(RESPONSE + b"\x81\x00")
        generator = Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof)
        with pytest.raises(StopIteration):
            next(generator)
        assert reader.read_buffered() == b"\x81\x00"

    def test_empty_reason_phrase(self) -> None:
        response = parse_response(b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n")
        assert response.reason_phrase == ""

    def test_reason_phrase_with_spaces_and_raw_bytes(self) -> None:
        response = parse_response(b"HTTP/1.1 200 Tr\xe8s  bien\r\nContent-Length: 0\r\n\r\n")
        assert response.reason_phrase == "Tr\udce8s  bien"

    @pytest.mark.parametrize("status", [100, 101, 199, 204, 304])
    def test_no_body(self, status: int) -> None:
        data = b"HTTP/1.1 %d Status\r\nContent-Length: 5\r\n\r\nhello" % status
        reader = StreamReader()
        reader.feed_data(data)
        generator = Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof)
        with pytest.raises(StopIteration) as raised:
            next(generator)
        response: Response = raised.value.value
        assert response.status_code == status
        assert response.body == b""
        assert reader.read_buffered() == b"hello"

    def test_content_length(self) -> None:
        response = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        assert response.body == b"hello"

    def test_content_length_leaves_following_data(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhello")
        generator = Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof)
        with pytest.raises(StopIteration) as raised:
            next(generator)
        assert raised.value.value.body == b"he"
        assert reader.read_buffered() == b"llo"

    @pytest.mark.parametrize(
        "value", [b"5, 5", b"5,5", b"005", b" 5 , 5 "], ids=["list", "tight", "zeros", "spaces"]
    )
    def test_content_length_variants(self, value: bytes) -> None:
        data = b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\nhello"
        assert parse_response(data).body == b"hello"

    def test_repeated_content_length(self) -> None:
        data = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
        assert parse_response(data).body == b"hello"

    def test_read_to_eof(self) -> None:
        response = parse_response(b"HTTP/1.1 200 OK\r\n\r\nhello")
        assert response.body == b"hello"

    def test_chunked(self) -> None:
        data = (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n"
            b"1;name=value\r\n \r\n"
            b"A ; ext\r\n0123456789\r\n"
            b"000\r\n"
            b"Trailer: ignored\r\n"
            b"\r\n"
        )
        response = parse_response(data)
        assert response.body == b"hello 0123456789"
        assert "Trailer" not in response.headers

    def test_chunked_empty(self) -> None:
        data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        assert parse_response(data).body == b""

    def test_chunked_leaves_following_data(self) -> None:
        reader = StreamReader()
        reader.feed_data(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nrest"
        )
        generator = Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof)
        with pytest.raises(StopIteration) as raised:
            next(generator)
        assert raised.value.value.body == b"x"
        assert reader.read_buffered() == b"rest"

    @pytest.mark.parametrize("coding", [b"Chunked", b"chunked ", b", chunked", b"CHUNKED"])
    def test_chunked_spelling(self, coding: bytes) -> None:
        data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: " + coding + b"\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
        # Transfer-coding names are case-insensitive; empty list items are ignored.
        assert parse_response(data).body == b"hi"

    def test_chunked_overrides_content_length(self) -> None:
        data = (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"2\r\nhi\r\n0\r\n\r\n"
        )
        assert parse_response(data).body == b"hi"

    @pytest.mark.parametrize(
        "headers",
        [
            b"Transfer-Encoding: gzip\r\n",
            b"Transfer-Encoding: gzip, chunked\r\n",
            b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            b"Transfer-Encoding: \r\n",
        ],
    )
    def test_unsupported_transfer_coding(self, headers: bytes) -> None:
        data = b"HTTP/1.1 200 OK\r\n" + headers + b"\r\n0\r\n\r\n"
        with pytest.raises(NotImplementedError, match=r"transfer coding .* isn't supported"):
            parse_response(data)

    def test_include_body_false(self) -> None:
        data = b"HTTP/1.1 200 Connection established\r\nContent-Length: 5\r\n\r\nhello"
        reader = StreamReader()
        reader.feed_data(data)
        generator = Response.parse(
            reader.read_line, reader.read_exact, reader.read_to_eof, include_body=False
        )
        with pytest.raises(StopIteration) as raised:
            next(generator)
        assert raised.value.value.body == b""
        assert reader.read_buffered() == b"hello"

    def test_include_body_false_without_length(self) -> None:
        response = parse_response(b"HTTP/1.1 200 OK\r\n\r\n", include_body=False)
        assert response.body == b""

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"", "connection closed while reading HTTP status line"),
            (b"HTTP/1.1 200 OK\r\n", "connection closed while reading HTTP headers"),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell",
                "connection closed while reading HTTP body",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
                "connection closed while reading HTTP body",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
                "connection closed while reading HTTP body",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
                "connection closed while reading HTTP body",
            ),
        ],
    )
    def test_eof(self, data: bytes, message: str) -> None:
        with pytest.raises(EOFError, match=message):
            parse_response(data)

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"HTTP/1.1 200\r\n\r\n", "invalid HTTP status line: HTTP/1.1 200"),
            (b"HTTP/1.1\r\n\r\n", "invalid HTTP status line"),
            (b"HTTP/1.0 200 OK\r\n\r\n", "unsupported protocol; expected HTTP/1.1"),
            (b"http/1.1 200 OK\r\n\r\n", "unsupported protocol; expected HTTP/1.1"),
            (b"HTTP/1.1 OK 200\r\n\r\n", "invalid status code; expected 3 digits; got OK"),
            (b"HTTP/1.1 +99 OK\r\n\r\n", r"invalid status code; expected 3 digits; got \+99"),
            (b"HTTP/1.1 2_0 OK\r\n\r\n", "invalid status code; expected 3 digits; got 2_0"),
            (b"HTTP/1.1 2000 OK\r\n\r\n", "invalid status code; expected 3 digits"),
            (b"HTTP/1.1 \xd9\xa2\xd9\xa0\xd9\xa0 OK\r\n\r\n", "invalid status code"),
            (b"HTTP/1.1 099 OK\r\n\r\n", "invalid status code; expected 100-599; got 99"),
            (b"HTTP/1.1 600 OK\r\n\r\n", "invalid status code; expected 100-599; got 600"),
            (b"HTTP/1.1 200 O\x00K\r\n\r\n", "invalid HTTP reason phrase"),
            (b"HTTP/1.1 200 OK\r\nA B: 1\r\n\r\n", "invalid HTTP header name"),
            (b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "invalid Content-Length header: x"),
            (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length"),
            (b"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n", "invalid Content-Length"),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 1_0\r\n\r\n", "invalid Content-Length"),
            (b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", "invalid Content-Length"),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", "conflicting Content-Length"),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 1,\r\n\r\n", "conflicting Content-Length"),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                "conflicting Content-Length headers: 1, 2",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
                "invalid chunk size line: xyz",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
                "invalid chunk size line: ",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
                "invalid chunk size line: -1",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n",
                "invalid chunk size line: 0x5",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\n",
                "invalid chunk size line",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi!!\r\n0\r\n\r\n",
                "chunk without CRLF",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
                "line without CRLF",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
                "invalid HTTP header line",
            ),
        ],
    )
    def test_invalid(self, data: bytes, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            parse_response(data)

    def test_status_line_too_long(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(http11, "MAX_LINE_LENGTH", 16)
        with pytest.raises(SecurityError, match="line too long"):
            parse_response(b"HTTP/1.1 200 OK OK\r\n\r\n")

    def test_chunk_size_line_too_long(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(http11, "MAX_LINE_LENGTH", 16)
        data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;0123456789abcdef\r\n"
        with pytest.raises(SecurityError, match="line too long"):
            parse_response(data)

    def test_too_many_headers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(http11, "MAX_NUM_HEADERS", 1)
        with pytest.raises(SecurityError, match="too many HTTP headers"):
            parse_response(b"HTTP/1.1 101 OK\r\nA: 1\r\nB: 2\r\n\r\n")

    def test_too_many_trailers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(http11, "MAX_NUM_HEADERS", 1)
        data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\n\r\n"
        with pytest.raises(SecurityError, match="too many HTTP headers"):
            parse_response(data)

    def test_content_length_too_large(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(http11, "MAX_BODY_SIZE", 4)
        assert parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nspam").body == b"spam"
        with pytest.raises(SecurityError, match="body too large: 5 bytes"):
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")

    def test_content_length_absurd(self) -> None:
        data = b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n"
        with pytest.raises(SecurityError, match="body too large"):
            parse_response(data)

    def test_content_length_default_limit(self) -> None:
        assert http11.MAX_BODY_SIZE == 1_048_576
        with pytest.raises(SecurityError, match="body too large: 1048577 bytes"):
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n")

    def test_read_to_eof_too_large(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(http11, "MAX_BODY_SIZE", 4)
        assert parse_response(b"HTTP/1.1 200 OK\r\n\r\nspam").body == b"spam"
        with pytest.raises(SecurityError, match="body too large: over 4 bytes") as raised:
            parse_response(b"HTTP/1.1 200 OK\r\n\r\nhello")
        assert isinstance(raised.value.__cause__, RuntimeError)

    def test_chunked_too_large(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(http11, "MAX_BODY_SIZE", 4)
        prefix = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        ok = prefix + b"2\r\nsp\r\n2\r\nam\r\n0\r\n\r\n"
        assert parse_response(ok).body == b"spam"
        with pytest.raises(SecurityError, match="body too large: over 4 bytes"):
            parse_response(prefix + b"2\r\nsp\r\n3\r\nam!\r\n0\r\n\r\n")

    def test_chunk_size_absurd(self) -> None:
        data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 4000 + b"\r\n"
        with pytest.raises(SecurityError, match="body too large"):
            parse_response(data)


class TestResponseSerialize:
    def test_serialize(self) -> None:
        response = Response(404, "Not Found", Headers([("Content-Length", "5")]), b"oops!")
        assert response.serialize() == (b"HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\noops!")

    def test_round_trip(self) -> None:
        assert parse_response(RESPONSE).serialize() == RESPONSE

    def test_exception_is_deprecated(self) -> None:
        error = ValueError("spam")
        response = Response(400, "Bad Request", Headers(), b"", error)
        with pytest.deprecated_call(match="Response.exception is deprecated"):
            assert response.exception is error

    def test_defaults(self) -> None:
        response = Response(101, "Switching Protocols", Headers())
        assert response.body == b""
        with pytest.deprecated_call():
            assert response.exception is None


# Strategies for well-formed messages.
tokens = st.from_regex(r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+", fullmatch=True)
# Header values as the parser returns them: no whitespace at either end.
field_values = st.from_regex(
    r"([!-~\x80-\xff]([ \t!-~\x80-\xff]*[!-~\x80-\xff])?)?", fullmatch=True
)
paths = st.from_regex(r"/[!-~]*", fullmatch=True)
header_lists = st.lists(
    st.tuples(
        tokens.filter(lambda name: name.lower() not in ("content-length", "transfer-encoding")),
        field_values,
    ),
    max_size=8,
)


def to_str(value: str) -> str:
    """Return a str as the parser produces it, non-ASCII bytes turned into surrogates."""
    return value.encode("latin-1").decode("ascii", "surrogateescape")


def parse_fully(parser: Callable[[StreamReader], Generator[None, None, T]], data: bytes) -> None:
    """Parse ``data``; documented errors are fine, anything else fails the test."""
    with contextlib.suppress(*PARSE_ERRORS):
        drive([data], parser)


class TestProperties:
    @given(st.binary(max_size=300))
    def test_request_parse_random_bytes(self, data: bytes) -> None:
        parse_fully(request_parser, data)

    @given(st.binary(max_size=300))
    def test_response_parse_random_bytes(self, data: bytes) -> None:
        parse_fully(response_parser, data)

    @given(
        st.lists(
            st.one_of(
                st.binary(max_size=20),
                st.sampled_from(
                    [
                        b"\r\n",
                        b":",
                        b" ",
                        b"Content-Length: ",
                        b"Transfer-Encoding: chunked\r\n",
                        b"0",
                        b"f",
                        b";",
                    ]
                ),
            ),
            max_size=12,
        ),
        st.sampled_from(
            [b"GET / HTTP/1.1\r\n", b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 101 Switching\r\n"]
        ),
    )
    def test_parse_near_valid_messages(self, pieces: list[bytes], start: bytes) -> None:
        data = start + b"".join(pieces)
        parse_fully(request_parser, data)
        parse_fully(response_parser, data)

    @given(paths, header_lists)
    def test_request_round_trip(self, path: str, items: list[tuple[str, str]]) -> None:
        request = Request(to_str(path), Headers([(name, to_str(value)) for name, value in items]))
        parsed = parse_request(request.serialize())
        assert parsed == request
        assert list(parsed.headers.raw_items()) == list(request.headers.raw_items())

    @given(
        st.integers(min_value=100, max_value=599),
        st.from_regex(r"[\t !-~\x80-\xff]*", fullmatch=True),
        header_lists,
        st.binary(max_size=100),
    )
    def test_response_round_trip(
        self, status: int, reason: str, items: list[tuple[str, str]], body: bytes
    ) -> None:
        headers = Headers([(name, to_str(value)) for name, value in items])
        has_body = not (100 <= status < 200 or status in (204, 304))
        if has_body:
            headers["Content-Length"] = str(len(body))
        else:
            body = b""
        response = Response(status, to_str(reason), headers, body)
        assert parse_response(response.serialize()) == response

    @given(
        st.lists(st.binary(min_size=1, max_size=30), max_size=5),
        st.lists(st.integers(min_value=0, max_value=400)),
    )
    def test_chunking_does_not_change_results(self, chunks: list[bytes], cuts: list[int]) -> None:
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
        data = (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
            + body
            + b"0\r\nX-Trailer: 1\r\n\r\n"
        )
        response = drive(split(data, cuts), response_parser, eof=False)
        assert response.body == b"".join(chunks)
        assert response == drive([data], response_parser, eof=False)

    @given(st.lists(st.integers(min_value=0, max_value=len(REQUEST))))
    def test_request_chunking(self, cuts: list[int]) -> None:
        assert drive(split(REQUEST, cuts), request_parser, eof=False) == parse_request(REQUEST)
