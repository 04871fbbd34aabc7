"""Parsers and builders for the values of the handshake's HTTP headers.

Parsers walk the header value with an explicit position, so that an error can say where
the value went wrong; each raises :exc:`InvalidHeaderFormat` with that position. The
grammar quoted above each regular expression comes from RFC 7230 (general syntax),
RFC 6455 (WebSocket headers) and RFC 7235 / RFC 7617 (authentication).

"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, NewType, TypeVar, cast

from .exceptions import InvalidHeaderFormat, InvalidHeaderValue, InvalidUpgrade
from .typing import ExtensionName, ExtensionParameter, Subprotocol

if TYPE_CHECKING:
    from .datastructures import Headers

__all__ = [
    "build_authorization_basic",
    "build_extension",
    "build_host",
    "build_subprotocol",
    "build_www_authenticate_basic",
    "parse_authorization_basic",
    "parse_connection",
    "parse_extension",
    "parse_subprotocol",
    "parse_upgrade",
    "validate_subprotocols",
]

# Names of the headers that the handshake reads and writes.

# [[[cog import codegen; print(codegen.header_names(), end="") ]]]
# Generated from spec/http.yaml by codegen: do not edit, run `make regen`.


HOST: Final = "Host"
"""The Host header (RFC 7230 section 5.4)."""
UPGRADE: Final = "Upgrade"
"""The Upgrade header (RFC 7230 section 6.7)."""
CONNECTION: Final = "Connection"
"""The Connection header (RFC 7230 section 6.1)."""
SEC_WEBSOCKET_KEY: Final = "Sec-WebSocket-Key"
"""The Sec-WebSocket-Key header (RFC 6455 section 11.3.1)."""
SEC_WEBSOCKET_ACCEPT: Final = "Sec-WebSocket-Accept"
"""The Sec-WebSocket-Accept header (RFC 6455 section 11.3.3)."""
SEC_WEBSOCKET_VERSION: Final = "Sec-WebSocket-Version"
"""The Sec-WebSocket-Version header (RFC 6455 section 11.3.5)."""
SEC_WEBSOCKET_EXTENSIONS: Final = "Sec-WebSocket-Extensions"
"""The Sec-WebSocket-Extensions header (RFC 6455 section 11.3.2)."""
SEC_WEBSOCKET_PROTOCOL: Final = "Sec-WebSocket-Protocol"
"""The Sec-WebSocket-Protocol header (RFC 6455 section 11.3.4)."""
ORIGIN: Final = "Origin"
"""The Origin header (RFC 6454 section 7)."""
USER_AGENT: Final = "User-Agent"
"""The User-Agent header (RFC 7231 section 5.5.3)."""
SERVER: Final = "Server"
"""The Server header (RFC 7231 section 7.4.2)."""
DATE: Final = "Date"
"""The Date header (RFC 7231 section 7.1.1.2)."""
LOCATION: Final = "Location"
"""The Location header (RFC 7231 section 7.1.2)."""
CONTENT_LENGTH: Final = "Content-Length"
"""The Content-Length header (RFC 7230 section 3.3.2)."""
CONTENT_TYPE: Final = "Content-Type"
"""The Content-Type header (RFC 7231 section 3.1.1.5)."""
TRANSFER_ENCODING: Final = "Transfer-Encoding"
"""The Transfer-Encoding header (RFC 7230 section 3.3.1)."""
AUTHORIZATION: Final = "Authorization"
"""The Authorization header (RFC 7235 section 4.2)."""
WWW_AUTHENTICATE: Final = "WWW-Authenticate"
"""The WWW-Authenticate header (RFC 7235 section 4.1)."""
PROXY_AUTHORIZATION: Final = "Proxy-Authorization"
"""The Proxy-Authorization header (RFC 7235 section 4.4)."""


# [[[end]]]

T = TypeVar("T")

ConnectionOption = NewType("ConnectionOption", str)
"""An option of the Connection header, such as ``Upgrade``."""

UpgradeProtocol = NewType("UpgradeProtocol", str)
"""A protocol of the Upgrade header, such as ``websocket``."""

ExtensionHeader = tuple[ExtensionName, Sequence[ExtensionParameter]]
"""An extension of the Sec-WebSocket-Extensions header: its name and its parameters."""


# RFC 7230 section 3.2.3:
#   OWS = *( SP / HTAB )
_OWS_RE = re.compile(r"[ \t]*")

# RFC 7230 section 3.2.6:
#   token = 1*tchar
#   tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
#           "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
# Character ranges are spelled out: \w and \d would match non-ASCII characters.
_TOKEN_RE = re.compile(r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")

# RFC 7230 section 3.2.6:
#   quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
#   qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
#   quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
#   obs-text      = %x80-FF
# Deviation: header values are str, holding non-ASCII bytes from the wire as surrogates
# (surrogateescape) or non-ASCII text set by users, so obs-text is any non-ASCII character.
_QUOTED_STRING_RE = re.compile(
    r'"(?:[\t !\x23-\x5b\x5d-\x7e\x80-\U0010ffff]|\\[\t\x20-\x7e\x80-\U0010ffff])*"'
)
_QUOTED_PAIR_RE = re.compile(r"\\([\t\x20-\x7e\x80-\U0010ffff])")

# What build_quoted_string can represent: the characters of qdtext and quoted-pair.
_QUOTABLE_RE = re.compile(r"[\t\x20-\x7e\x80-\U0010ffff]*")
_TO_ESCAPE_RE = re.compile(r'([\\"])')

# RFC 7230 section 6.7:
#   Upgrade          = 1#protocol
#   protocol         = protocol-name ["/" protocol-version]
#   protocol-name    = token
#   protocol-version = token
_PROTOCOL_RE = re.compile(r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+(?:/[-!#$%&'*+.^_`|~0-9a-zA-Z]+)?")

# RFC 7235 section 2.1:
#   token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_TOKEN68_RE = re.compile(r"[-A-Za-z0-9._~+/]+=*")


def _peek(header: str, pos: int) -> str | None:
    """Return the character at ``pos``, or :obj:`None` at the end of the header."""
    return None if pos == len(header) else header[pos]


def _parse_ows(header: str, pos: int) -> int:
    """Skip optional whitespace; return the position after it."""
    match = _OWS_RE.match(header, pos)
    assert match is not None  # it matches the empty string
    return match.end()


def _parse_token(header: str, pos: int, header_name: str) -> tuple[str, int]:
    """Parse a token; return it and the position after it."""
    match = _TOKEN_RE.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat(header_name, "expected token", header, pos)
    return match.group(), match.end()


def _parse_quoted_string(header: str, pos: int, header_name: str) -> tuple[str, int]:
    """Parse a quoted string; return its unescaped content and the position after it."""
    match = _QUOTED_STRING_RE.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat(header_name, "expected quoted string", header, pos)
    return _QUOTED_PAIR_RE.sub(r"\1", match.group()[1:-1]), match.end()


def build_quoted_string(value: str) -> str:
    """Quote ``value`` as an RFC 7230 quoted-string.

    Raises:
        ValueError: If ``value`` contains control characters, which cannot be quoted.

    """
    if not _QUOTABLE_RE.fullmatch(value):
        raise ValueError("invalid characters for quoted-string encoding")
    return '"' + _TO_ESCAPE_RE.sub(r"\\\1", value) + '"'


def _parse_list(
    parse_item: Callable[[str, int, str], tuple[T, int]],
    header: str,
    pos: int,
    header_name: str,
) -> list[T]:
    """Parse a comma-separated list with at least one item.

    RFC 7230 section 7 defines the list syntax and asks recipients to skip empty items::

        1#element => *( "," OWS ) element *( OWS "," [ OWS element ] )

    """
    # Whitespace at the edges is tolerated: values built by users may have some.
    pos = _parse_ows(header, pos)
    while _peek(header, pos) == ",":
        pos = _parse_ows(header, pos + 1)

    items: list[T] = []
    while True:
        item, pos = parse_item(header, pos, header_name)
        items.append(item)
        pos = _parse_ows(header, pos)
        if pos == len(header):
            return items
        if header[pos] != ",":
            raise InvalidHeaderFormat(header_name, "expected comma", header, pos)
        # Skip the comma and any empty items after it.
        while _peek(header, pos) == ",":
            pos = _parse_ows(header, pos + 1)
        if pos == len(header):
            return items


def _parse_connection_option(
    header: str, pos: int, header_name: str
) -> tuple[ConnectionOption, int]:
    """Parse a Connection option: a token (RFC 7230 section 6.1)."""
    item, pos = _parse_token(header, pos, header_name)
    return ConnectionOption(item), pos


def parse_connection(header: str) -> list[ConnectionOption]:
    """Parse a Connection header value (``Connection = 1#connection-option``).

    Raises:
        InvalidHeaderFormat: If the value is invalid.

    """
    return _parse_list(_parse_connection_option, header, 0, "Connection")


def _parse_upgrade_protocol(header: str, pos: int, header_name: str) -> tuple[UpgradeProtocol, int]:
    """Parse an Upgrade protocol: a name and an optional version."""
    match = _PROTOCOL_RE.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat(header_name, "expected protocol", header, pos)
    return UpgradeProtocol(match.group()), match.end()


def parse_upgrade(header: str) -> list[UpgradeProtocol]:
    """Parse an Upgrade header value (``Upgrade = 1#protocol``).

    Raises:
        InvalidHeaderFormat: If the value is invalid.

    """
    return _parse_list(_parse_upgrade_protocol, header, 0, "Upgrade")


def _parse_extension_param(
    header: str, pos: int, header_name: str
) -> tuple[ExtensionParameter, int]:
    """Parse an extension parameter (RFC 6455 section 9.1).

    ::

        extension-param = token [ "=" (token | quoted-string) ]

    """
    name, pos = _parse_token(header, pos, header_name)
    pos = _parse_ows(header, pos)
    if _peek(header, pos) != "=":
        return (name, None), pos
    pos = _parse_ows(header, pos + 1)
    value: str
    if _peek(header, pos) == '"':
        start = pos
        value, pos = _parse_quoted_string(header, pos, header_name)
        # RFC 6455 section 9.1: once unquoted, the value must still be a token.
        if _TOKEN_RE.fullmatch(value) is None:
            raise InvalidHeaderFormat(header_name, "invalid quoted header content", header, start)
    else:
        value, pos = _parse_token(header, pos, header_name)
    return (name, value), pos


def _parse_extension(header: str, pos: int, header_name: str) -> tuple[ExtensionHeader, int]:
    """Parse an extension with its parameters (RFC 6455 section 9.1).

    ::

        extension       = extension-token *( ";" extension-param )
        extension-token = registered-token
        registered-token = token

    """
    name, pos = _parse_token(header, pos, header_name)
    pos = _parse_ows(header, pos)
    parameters: list[ExtensionParameter] = []
    while _peek(header, pos) == ";":
        pos = _parse_ows(header, pos + 1)
        parameter, pos = _parse_extension_param(header, pos, header_name)
        parameters.append(parameter)
        pos = _parse_ows(header, pos)
    return (ExtensionName(name), parameters), pos


def parse_extension(header: str) -> list[ExtensionHeader]:
    """Parse a Sec-WebSocket-Extensions header value.

    Return a list of extensions, each a name and a list of ``(name, value)`` parameters,
    where the value is :obj:`None` for a parameter without one. Quoted values are unquoted.
    The grammar is ``extension-list = 1#extension`` (RFC 6455 section 9.1).

    Raises:
        InvalidHeaderFormat: If the value is invalid.

    """
    return _parse_list(_parse_extension, header, 0, "Sec-WebSocket-Extensions")


def build_extension(extensions: Sequence[ExtensionHeader]) -> str:
    """Build a Sec-WebSocket-Extensions header value; the reverse of :func:`parse_extension`.

    Parameter values are written as tokens, without quotes.

    """
    return ", ".join(
        "; ".join(
            [name, *(param if value is None else f"{param}={value}" for param, value in params)]
        )
        for name, params in extensions
    )


def _parse_subprotocol(header: str, pos: int, header_name: str) -> tuple[Subprotocol, int]:
    """Parse a subprotocol: a token (RFC 6455 section 11.3.4)."""
    item, pos = _parse_token(header, pos, header_name)
    return Subprotocol(item), pos


def parse_subprotocol(header: str) -> list[Subprotocol]:
    """Parse a Sec-WebSocket-Protocol header value (``1#token``, RFC 6455 section 11.3.4).

    Raises:
        InvalidHeaderFormat: If the value is invalid.

    """
    return _parse_list(_parse_subprotocol, header, 0, "Sec-WebSocket-Protocol")


def build_subprotocol(subprotocols: Sequence[Subprotocol]) -> str:
    """Build a Sec-WebSocket-Protocol header value; the reverse of :func:`parse_subprotocol`."""
    return ", ".join(subprotocols)


def validate_subprotocols(subprotocols: Sequence[Subprotocol]) -> None:
    """Check that ``subprotocols`` is a sequence of valid subprotocol names.

    Raises:
        TypeError: If ``subprotocols`` is a :class:`str` or not a sequence, or if an item
            isn't a :class:`str`.
        ValueError: If an item isn't a valid token.

    """
    # Arguments come from users whose code may not be type-checked: check them at runtime.
    value = cast(object, subprotocols)
    # A str is a sequence of subprotocols of one character: surely a mistake.
    if isinstance(value, str):
        raise TypeError("subprotocols must be a list, not a str")
    if not isinstance(value, Sequence):
        raise TypeError("subprotocols must be a list")
    for subprotocol in cast(Sequence[object], value):
        if not isinstance(subprotocol, str):
            raise TypeError(f"subprotocol must be a str: {subprotocol!r}")
        if not _TOKEN_RE.fullmatch(subprotocol):
            raise ValueError(f"invalid subprotocol: {subprotocol}")


def build_www_authenticate_basic(realm: str) -> str:
    """Build a WWW-Authenticate header value asking for Basic credentials (RFC 7617).

    Raises:
        ValueError: If ``realm`` contains control characters.

    """
    # RFC 7617 section 2.1: the charset parameter announces UTF-8 credentials.
    return f"Basic realm={build_quoted_string(realm)}, charset={build_quoted_string('UTF-8')}"


def parse_authorization_basic(header: str) -> tuple[str, str]:
    """Parse an Authorization header value with Basic credentials (RFC 7617).

    Return the username and the password.

    ::

        credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
        auth-scheme = token

    Raises:
        InvalidHeaderFormat: If the value is invalid.
        InvalidHeaderValue: If the scheme isn't Basic or the credentials are invalid.

    """
    scheme, pos = _parse_token(header, 0, "Authorization")
    # Auth schemes are case-insensitive (RFC 7235 section 2.1).
    if scheme.lower() != "basic":
        raise InvalidHeaderValue("Authorization", f"unsupported scheme: {scheme}")
    if _peek(header, pos) != " ":
        raise InvalidHeaderFormat("Authorization", "expected space after scheme", header, pos)
    while _peek(header, pos) == " ":
        pos += 1
    match = _TOKEN68_RE.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat("Authorization", "expected token68", header, pos)
    pos = match.end()
    if pos != len(header):
        raise InvalidHeaderFormat("Authorization", "expected end of header", header, pos)

    try:
        user_pass = base64.b64decode(match.group(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidHeaderValue(
            "Authorization", "expected base64-encoded UTF-8 credentials"
        ) from None
    # RFC 7617 section 2: the user-id cannot contain a colon; the password can.
    username, colon, password = user_pass.partition(":")
    if not colon:
        raise InvalidHeaderValue("Authorization", "expected username:password credentials")
    return username, password


def build_authorization_basic(username: str, password: str) -> str:
    """Build an Authorization header value with Basic credentials (RFC 7617).

    ``username`` cannot contain a colon.

    """
    assert ":" not in username, "username cannot contain a colon"
    user_pass = f"{username}:{password}"
    return "Basic " + base64.b64encode(user_pass.encode()).decode()


def validate_upgrade(headers: Headers) -> None:
    """Check the Connection and Upgrade headers of a handshake (RFC 6455, section 4).

    Connection must include the "Upgrade" option and Upgrade must be "websocket"
    alone; both are case-insensitive tokens (RFC 7230).

    Raises:
        InvalidUpgrade: If either header is missing or wrong.

    """
    options = [
        option for value in headers.get_all(CONNECTION) for option in parse_connection(value)
    ]
    if not any(option.lower() == "upgrade" for option in options):
        raise InvalidUpgrade(CONNECTION, ", ".join(options) if options else None)
    protocols = [
        protocol for value in headers.get_all(UPGRADE) for protocol in parse_upgrade(value)
    ]
    if len(protocols) != 1 or protocols[0].lower() != "websocket":
        raise InvalidUpgrade(UPGRADE, ", ".join(protocols) if protocols else None)


def build_host(host: str, port: int, secure: bool, *, always_include_port: bool = False) -> str:
    """Build a Host header value (RFC 7230 section 5.4) or the authority of a URI.

    IPv6 addresses are put in brackets. The port is left out when it's the default for
    ``ws://`` (80) or ``wss://`` (443) according to ``secure``, unless
    ``always_include_port`` is set, as a CONNECT request requires.

    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass  # a hostname
    else:
        if address.version == 6:
            host = f"[{host}]"

    if always_include_port or port != (443 if secure else 80):
        host = f"{host}:{port}"
    return host
