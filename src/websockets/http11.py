"""HTTP/1.1 messages of the opening handshake (RFC 7230, as used by RFC 6455 section 4).

The handshake needs little of HTTP: a GET request without a body, and a response whose
body, if any, is read whole. Parsing enforces the limits below, so that a peer cannot make
the handshake buffer unbounded input.

"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import warnings
from collections.abc import Callable, Generator

from .datastructures import Headers
from .exceptions import SecurityError
from .headers import CONTENT_LENGTH, TRANSFER_ENCODING
from .version import version as websockets_version

__all__ = ["SERVER", "USER_AGENT", "Request", "Response"]

PYTHON_VERSION = "{}.{}".format(*sys.version_info)

# [[[cog import codegen; print(codegen.limits(), end="") ]]]
# Generated from spec/http.yaml by codegen: do not edit, run `make regen`.


MAX_LINE_LENGTH = int(os.environ.get("WEBSOCKETS_MAX_LINE_LENGTH", "8192"))
"""Maximum length of the request line, the status line or a header line, in bytes. Default 8192; set
WEBSOCKETS_MAX_LINE_LENGTH to override. (RFC 7230 section 3.1.1 (recommends supporting at least 8000
octets).)
"""

MAX_NUM_HEADERS = int(os.environ.get("WEBSOCKETS_MAX_NUM_HEADERS", "128"))
"""Maximum number of header lines in a request or a response. Default 128; set
WEBSOCKETS_MAX_NUM_HEADERS to override. (RFC 7230 section 3.2.5 (servers may bound header
sections).)
"""

MAX_BODY_SIZE = int(os.environ.get("WEBSOCKETS_MAX_BODY_SIZE", "1048576"))
"""Maximum size of a response body read during the handshake, in bytes. Default 1048576; set
WEBSOCKETS_MAX_BODY_SIZE to override. (RFC 7230 section 3.3.3.)
"""


# [[[end]]]


USER_AGENT = os.environ.get(
    "WEBSOCKETS_USER_AGENT", f"Python/{PYTHON_VERSION} websockets/{websockets_version}"
)
"""Default value of the User-Agent header; set WEBSOCKETS_USER_AGENT to override it."""

SERVER = os.environ.get(
    "WEBSOCKETS_SERVER", f"Python/{PYTHON_VERSION} websockets/{websockets_version}"
)
"""Default value of the Server header; set WEBSOCKETS_SERVER to override it."""


# Signatures of the StreamReader methods that the parsers read with.
ReadLine = Callable[[int], Generator[None, None, bytes]]
ReadExact = Callable[[int], Generator[None, None, bytes]]
ReadToEOF = Callable[[int], Generator[None, None, bytes]]

# RFC 7230 section 3.2.6:
#   token = 1*tchar
#   tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
#           "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
_TOKEN_RE = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")

# RFC 7230 section 3.2:
#   header-field  = field-name ":" OWS field-value OWS
#   field-name    = token
#   field-value   = *( field-content / obs-fold )
#   field-content = field-vchar [ 1*( SP / HTAB ) field-vchar ]
#   field-vchar   = VCHAR / obs-text
#   obs-text      = %x80-FF
# OWS is stripped before matching, so what remains is a run of VCHAR, obs-text, SP and HTAB.
# obs-fold is rejected, as section 3.2.4 allows: see _parse_headers.
# RFC 7230 section 3.1.2 gives reason-phrase the same characters:
#   reason-phrase = *( HTAB / SP / VCHAR / obs-text )
_VALUE_RE = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")

# RFC 7230 section 3.1.2:
#   status-line = HTTP-version SP status-code SP reason-phrase CRLF
#   status-code = 3DIGIT
_STATUS_CODE_RE = re.compile(rb"[0-9]{3}")

# RFC 7230 section 3.3.2:
#   Content-Length = 1*DIGIT
_CONTENT_LENGTH_RE = re.compile(r"[0-9]+")

# RFC 7230 section 4.1:
#   chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
#   chunk-size = 1*HEXDIG
#   last-chunk = 1*("0") [ chunk-ext ] CRLF
#   chunk-ext  = *( ";" chunk-ext-name [ "=" chunk-ext-val ] )
# Chunk extensions are ignored, so they aren't validated; whitespace before ";" is
# tolerated because the RFC 7230 errata add BWS there.
_CHUNK_SIZE_RE = re.compile(rb"([0-9A-Fa-f]+)[ \t]*(?:;.*)?")

# A Content-Length with more digits than this is over any sensible MAX_BODY_SIZE; checking
# the length first avoids converting a line's worth of digits to an int.
_MAX_CONTENT_LENGTH_DIGITS = 18


def _show(data: bytes) -> str:
    """Make bytes from the wire printable in an error message."""
    return data.decode(errors="backslashreplace")


@dataclasses.dataclass
class Request:
    """A handshake request: ``GET path HTTP/1.1`` with headers and no body.

    Attributes:
        path: Request target, as sent: a path and possibly a query.
        headers: Request headers.

    """

    path: str
    headers: Headers
    # Why the handshake failed, if it did; kept for the deprecated exception property.
    _exception: Exception | None = None

    @property
    def exception(self) -> Exception | None:
        """Deprecated: use :attr:`ServerProtocol.handshake_exc` instead."""
        warnings.warn(
            "Request.exception is deprecated; use ServerProtocol.handshake_exc instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._exception

    @classmethod
    def parse(cls, read_line: ReadLine) -> Generator[None, None, Request]:
        """Parse a handshake request, reading lines with ``read_line``.

        This is a generator-coroutine: run it with ``yield from``. The path is decoded as
        ASCII with ``surrogateescape`` and isn't validated further.

        Args:
            read_line: Generator-coroutine returning the next line, LF included; usually
                :meth:`StreamReader.read_line`.

        Raises:
            EOFError: If the connection closes before the end of the request.
            SecurityError: If the request exceeds a limit.
            ValueError: If the request isn't a valid ``GET`` request without a body.
            NotImplementedError: If the request uses a transfer coding.

        """
        try:
            request_line = yield from _parse_line(read_line)
        except EOFError as exc:
            raise EOFError("connection closed while reading HTTP request line") from exc

        # RFC 7230 section 3.1.1:
        #   request-line = method SP request-target SP HTTP-version CRLF
        parts = request_line.split(b" ", 2)
        if len(parts) != 3:
            raise ValueError(f"invalid HTTP request line: {_show(request_line)}")
        method, raw_path, protocol = parts
        if protocol != b"HTTP/1.1":
            raise ValueError(f"unsupported protocol; expected HTTP/1.1: {_show(request_line)}")
        if method != b"GET":
            raise ValueError(f"unsupported HTTP method; expected GET; got {_show(method)}")
        path = raw_path.decode("ascii", "surrogateescape")

        headers = yield from _parse_headers(read_line)

        # RFC 6455 section 4.1 defines no body for the handshake request; refuse one rather
        # than leave it to be misread as WebSocket frames.
        if TRANSFER_ENCODING in headers:
            raise NotImplementedError("transfer codings aren't supported")
        # Some clients declare an empty body explicitly; that's harmless.
        if CONTENT_LENGTH in headers and headers.get_all(CONTENT_LENGTH) != ["0"]:
            raise ValueError("unsupported request body")

        return cls(path, headers)

    def serialize(self) -> bytes:
        """Return the request as sent on the wire."""
        request_line = f"GET {self.path} HTTP/1.1\r\n".encode("utf-8", "surrogateescape")
        return request_line + self.headers.serialize()


@dataclasses.dataclass
class Response:
    """A handshake response: status, headers and possibly a body.

    Attributes:
        status_code: Response code, from 100 to 599.
        reason_phrase: Response reason.
        headers: Response headers.
        body: Response body, empty when there is none.

    """

    status_code: int
    reason_phrase: str
    headers: Headers
    body: bytes = b""
    # Why the handshake failed, if it did; kept for the deprecated exception property.
    _exception: Exception | None = None

    @property
    def exception(self) -> Exception | None:
        """Deprecated: use :attr:`ClientProtocol.handshake_exc` instead."""
        warnings.warn(
            "Response.exception is deprecated; use ClientProtocol.handshake_exc instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._exception

    @classmethod
    def parse(
        cls,
        read_line: ReadLine,
        read_exact: ReadExact,
        read_to_eof: ReadToEOF,
        include_body: bool = True,
    ) -> Generator[None, None, Response]:
        """Parse a handshake response with the given reading generator-coroutines.

        This is a generator-coroutine: run it with ``yield from``. The body follows
        RFC 7230 section 3.3.3: none for 1xx, 204 and 304 responses; else chunked when
        Transfer-Encoding says so, else Content-Length bytes, else everything until the
        connection closes. It cannot exceed ``MAX_BODY_SIZE`` bytes.

        Args:
            read_line: Returns the next line, LF included; usually
                :meth:`StreamReader.read_line`.
            read_exact: Returns exactly the given number of bytes.
            read_to_eof: Returns all bytes until the end of the stream, up to a maximum.
            include_body: Whether to read the body; :obj:`False` stops after the headers,
                for a proxy's response to CONNECT, whose "body" is the tunnel.

        Raises:
            EOFError: If the connection closes before the end of the response.
            SecurityError: If the response exceeds a limit.
            ValueError: If the response isn't valid.
            NotImplementedError: If the response uses a transfer coding other than chunked.

        """
        try:
            status_line = yield from _parse_line(read_line)
        except EOFError as exc:
            raise EOFError("connection closed while reading HTTP status line") from exc

        parts = status_line.split(b" ", 2)
        if len(parts) != 3:
            raise ValueError(f"invalid HTTP status line: {_show(status_line)}")
        protocol, raw_status_code, raw_reason = parts
        if protocol != b"HTTP/1.1":
            raise ValueError(f"unsupported protocol; expected HTTP/1.1: {_show(status_line)}")
        if not _STATUS_CODE_RE.fullmatch(raw_status_code):
            raise ValueError(
                f"invalid status code; expected 3 digits; got {_show(raw_status_code)}"
            )
        status_code = int(raw_status_code)
        if not 100 <= status_code < 600:
            raise ValueError(f"invalid status code; expected 100-599; got {status_code}")
        if not _VALUE_RE.fullmatch(raw_reason):
            raise ValueError(f"invalid HTTP reason phrase: {_show(raw_reason)}")
        reason = raw_reason.decode("ascii", "surrogateescape")

        headers = yield from _parse_headers(read_line)

        body = b""
        if include_body:
            try:
                body = yield from _read_body(
                    status_code, headers, read_line, read_exact, read_to_eof
                )
            except EOFError as exc:
                raise EOFError("connection closed while reading HTTP body") from exc

        return cls(status_code, reason, headers, body)

    def serialize(self) -> bytes:
        """Return the response as sent on the wire."""
        status_line = f"HTTP/1.1 {self.status_code} {self.reason_phrase}\r\n"
        return status_line.encode("utf-8", "surrogateescape") + self.headers.serialize() + self.body


def _parse_line(read_line: ReadLine) -> Generator[None, None, bytes]:
    """Read a CRLF-terminated line, bounded by MAX_LINE_LENGTH; return it without CRLF."""
    try:
        line = yield from read_line(MAX_LINE_LENGTH)
    except RuntimeError as exc:
        raise SecurityError("line too long") from exc
    # RFC 7230 section 3.5 lets a recipient accept a bare LF; RFC 6455 clients and
    # servers send CRLF, so anything else is a sign of confusion and is refused.
    if not line.endswith(b"\r\n"):
        raise ValueError(f"line without CRLF: {_show(line)}")
    return line[:-2]


def _parse_headers(read_line: ReadLine) -> Generator[None, None, Headers]:
    """Read header lines until the empty line ending them."""
    headers = Headers()
    # One more line than the number of headers allowed: the empty line.
    for _ in range(MAX_NUM_HEADERS + 1):
        try:
            line = yield from _parse_line(read_line)
        except EOFError as exc:
            raise EOFError("connection closed while reading HTTP headers") from exc
        if line == b"":
            return headers

        # RFC 7230 section 3.2.4: a line starting with whitespace continues the previous
        # one (obs-fold); a server may reject it, and this parser does on both sides.
        if line[0] in b" \t":
            raise ValueError(f"obsolete line folding isn't supported: {_show(line)}")
        raw_name, colon, raw_value = line.partition(b":")
        if not colon:
            raise ValueError(f"invalid HTTP header line: {_show(line)}")
        # Whitespace before the colon makes the name invalid, as section 3.2.4 requires.
        if not _TOKEN_RE.fullmatch(raw_name):
            raise ValueError(f"invalid HTTP header name: {_show(raw_name)}")
        raw_value = raw_value.strip(b" \t")
        if not _VALUE_RE.fullmatch(raw_value):
            raise ValueError(f"invalid HTTP header value: {_show(raw_value)}")

        headers[raw_name.decode("ascii")] = raw_value.decode("ascii", "surrogateescape")

    raise SecurityError("too many HTTP headers")


def _read_body(
    status_code: int,
    headers: Headers,
    read_line: ReadLine,
    read_exact: ReadExact,
    read_to_eof: ReadToEOF,
) -> Generator[None, None, bytes]:
    """Read the body of a response to a GET request (RFC 7230 section 3.3.3)."""
    if 100 <= status_code < 200 or status_code == 204 or status_code == 304:
        return b""

    # Transfer-Encoding overrides Content-Length.
    if TRANSFER_ENCODING in headers:
        values = headers.get_all(TRANSFER_ENCODING)
        codings = [coding.strip().lower() for value in values for coding in value.split(",")]
        # Coding names are case-insensitive (section 4) and empty list items don't count
        # (section 7). Only a plain chunked body is supported: compression codings make no
        # sense for a handshake response.
        codings = [coding for coding in codings if coding]
        if codings != ["chunked"]:
            raise NotImplementedError(f"transfer coding {', '.join(values)} isn't supported")
        return (yield from _read_chunked_body(read_line, read_exact))

    if CONTENT_LENGTH in headers:
        content_length = _parse_content_length(headers.get_all(CONTENT_LENGTH))
        if content_length > MAX_BODY_SIZE:
            raise SecurityError(f"body too large: {content_length} bytes")
        return (yield from read_exact(content_length))

    try:
        return (yield from read_to_eof(MAX_BODY_SIZE))
    except RuntimeError as exc:
        raise SecurityError(f"body too large: over {MAX_BODY_SIZE} bytes") from exc


def _parse_content_length(values: list[str]) -> int:
    """Return the length given by Content-Length header values."""
    # Section 3.3.2 tolerates the same length repeated, as a list or in several headers.
    lengths = {item.strip() for value in values for item in value.split(",")}
    if len(lengths) != 1:
        raise ValueError(f"conflicting Content-Length headers: {', '.join(values)}")
    (length,) = lengths
    if not _CONTENT_LENGTH_RE.fullmatch(length):
        raise ValueError(f"invalid Content-Length header: {length}")
    if len(length.lstrip("0")) > _MAX_CONTENT_LENGTH_DIGITS:
        raise SecurityError(f"body too large: over {MAX_BODY_SIZE} bytes")
    return int(length)


def _read_chunked_body(read_line: ReadLine, read_exact: ReadExact) -> Generator[None, None, bytes]:
    """Read a chunked body (RFC 7230 section 4.1), bounded by MAX_BODY_SIZE."""
    body = bytearray()
    while True:
        line = yield from _parse_line(read_line)
        match = _CHUNK_SIZE_RE.fullmatch(line)
        if match is None:
            raise ValueError(f"invalid chunk size line: {_show(line)}")
        # Hexadecimal conversion takes linear time, even for an absurd number of digits.
        chunk_size = int(match[1], 16)
        if chunk_size == 0:
            break
        if len(body) + chunk_size > MAX_BODY_SIZE:
            raise SecurityError(f"body too large: over {MAX_BODY_SIZE} bytes")
        body += yield from read_exact(chunk_size)
        if (yield from read_exact(2)) != b"\r\n":
            raise ValueError("chunk without CRLF")
    # The trailer holds header fields; they're parsed to find the end of the body, then
    # dropped, as section 4.1.2 allows.
    yield from _parse_headers(read_line)
    return bytes(body)
