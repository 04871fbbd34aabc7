"""WebSocket URIs (RFC 6455 section 3) and the proxies that may lead to them."""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
import urllib.request
from typing import NamedTuple

from .exceptions import InvalidProxy, InvalidURI

__all__ = ["WebSocketURI", "parse_uri"]


@dataclasses.dataclass
class WebSocketURI:
    """A parsed ``ws://`` or ``wss://`` URI.

    Attributes:
        secure: Whether the URI is ``wss://``, meaning TLS.
        host: Host, lower-cased, IDNA-encoded, without brackets around an IPv6 address.
        port: Port, explicit or the default of the scheme.
        path: Path, possibly empty.
        query: Query, possibly empty.
        username: Username, if the URI has user information.
        password: Password, if the URI has user information.

    """

    secure: bool
    host: str
    port: int
    path: str
    query: str
    username: str | None = None
    password: str | None = None

    @property
    def resource_name(self) -> str:
        """The request target of the opening handshake: path and query."""
        resource_name = self.path or "/"
        if self.query:
            resource_name += "?" + self.query
        return resource_name

    @property
    def user_info(self) -> tuple[str, str] | None:
        """The username and password, or :obj:`None` when the URI has none."""
        if self.username is None:
            return None
        assert self.password is not None, "a username requires a password"
        return self.username, self.password


@dataclasses.dataclass
class Proxy:
    """A parsed proxy URL such as ``socks5h://proxy:1080`` or ``http://user:pass@proxy``.

    Attributes:
        scheme: ``socks5h``, ``socks5``, ``socks4a``, ``socks4``, ``https`` or ``http``.
        host: Host, lower-cased, IDNA-encoded, without brackets around an IPv6 address.
        port: Port, explicit or the default of the scheme.
        username: Username, if the URL has user information.
        password: Password, if the URL has user information.

    """

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @property
    def user_info(self) -> tuple[str, str] | None:
        """The username and password, or :obj:`None` when the URL has none."""
        if self.username is None:
            return None
        assert self.password is not None, "a username requires a password"
        return self.username, self.password


_WEBSOCKET_PORTS = {"ws": 80, "wss": 443}
# SOCKS servers listen on port 1080 by default (RFC 1928 section 3).
_PROXY_PORTS = {
    "socks5h": 1080,
    "socks5": 1080,
    "socks4a": 1080,
    "socks4": 1080,
    "https": 443,
    "http": 80,
}

# RFC 3986 section 2.2:
#   reserved   = gen-delims / sub-delims
#   gen-delims = ":" / "/" / "?" / "#" / "[" / "]" / "@"
#   sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="
# Quoting leaves these, unreserved characters and "%" (existing escapes) alone, so it's a
# no-op on a valid URI. It encodes the rest: non-ASCII characters, which turns an IRI into
# a URI (RFC 3987 section 3.1), and ASCII characters that are invalid in a URI.
_SAFE = ":/?#[]@!$&'()*+,;=%"

# RFC 3986 section 3.2.2:
#   host     = IP-literal / IPv4address / reg-name
#   reg-name = *( unreserved / pct-encoded / sub-delims )
# urllib removes the brackets of IP-literals, leaving ":" and, with a zone ID (RFC 6874), "%".
_HOST_RE = re.compile(r"[-A-Za-z0-9._~%!$&'()*+,;=:]+")


class _Authority(NamedTuple):
    host: str
    port: int | None
    username: str | None
    password: str | None


def _parse_authority(parsed: urllib.parse.SplitResult) -> _Authority:
    """Extract and check the authority of a URI; raise ValueError with a message if invalid."""
    try:
        port = parsed.port
    except ValueError:
        raise ValueError("port isn't an integer between 1 and 65535") from None
    if port == 0:
        raise ValueError("port isn't an integer between 1 and 65535")

    host = parsed.hostname
    if host is None:
        raise ValueError("hostname isn't provided")
    if not host.isascii():
        try:
            host = host.encode("idna").decode()
        except UnicodeError:
            raise ValueError("hostname isn't a valid internationalized domain name") from None
    if not _HOST_RE.fullmatch(host):
        raise ValueError("hostname contains invalid characters")

    username, password = parsed.username, parsed.password
    # urllib accepts a username alone; Basic authentication needs both.
    if username is not None:
        if password is None:
            raise ValueError("username provided without password")
        username = _quote(username)
        password = _quote(password)
    return _Authority(host, port, username, password)


def _quote(value: str) -> str:
    # Lone surrogates cannot be encoded to UTF-8; UnicodeEncodeError is a ValueError.
    return urllib.parse.quote(value, safe=_SAFE)


def _split(text: str) -> urllib.parse.SplitResult:
    try:
        return urllib.parse.urlsplit(text)
    except ValueError as exc:  # invalid IPv6 literal or NFKC-unsafe netloc
        raise ValueError(f"cannot split URI: {exc}") from None


def parse_uri(uri: str) -> WebSocketURI:
    """Parse and validate a WebSocket URI.

    An IRI is converted to a URI: the host is encoded with IDNA; the path, the query and
    the user information are percent-encoded as UTF-8.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI: the scheme isn't ws or wss, the
            host is missing or invalid, the port is invalid, there's a fragment, or there's
            a username without a password.

    """
    try:
        parsed = _split(uri)
        if parsed.scheme not in _WEBSOCKET_PORTS:
            raise ValueError("scheme isn't ws or wss")
        authority = _parse_authority(parsed)
        # RFC 6455 section 3: fragments are meaningless in WebSocket URIs.
        if parsed.fragment != "":
            raise ValueError("fragment identifier is meaningless")
        path = _quote(parsed.path)
        query = _quote(parsed.query)
    except ValueError as exc:
        raise InvalidURI(uri, str(exc)) from None

    port = _WEBSOCKET_PORTS[parsed.scheme] if authority.port is None else authority.port
    return WebSocketURI(
        secure=parsed.scheme == "wss",
        host=authority.host,
        port=port,
        path=path,
        query=query,
        username=authority.username,
        password=authority.password,
    )


def parse_proxy(proxy: str) -> Proxy:
    """Parse and validate a proxy URL, such as ``socks5h://proxy:1080``.

    Supported schemes are ``socks5h``, ``socks5``, ``socks4a``, ``socks4`` (where ``h``
    and ``a`` mean resolving names on the proxy), ``https`` and ``http``. The default
    port is 1080 for SOCKS, else the default of HTTP or HTTPS.

    Raises:
        InvalidProxy: If ``proxy`` isn't a valid proxy URL: the scheme isn't supported, the
            host is missing or invalid, the port is invalid, there's a path, a query or a
            fragment, or there's a username without a password.

    """
    try:
        parsed = _split(proxy)
        if parsed.scheme not in _PROXY_PORTS:
            raise ValueError(f"scheme {parsed.scheme} isn't supported")
        authority = _parse_authority(parsed)
        if parsed.path not in ("", "/"):
            raise ValueError("path is meaningless")
        if parsed.query != "":
            raise ValueError("query is meaningless")
        if parsed.fragment != "":
            raise ValueError("fragment is meaningless")
    except ValueError as exc:
        raise InvalidProxy(proxy, str(exc)) from None

    port = _PROXY_PORTS[parsed.scheme] if authority.port is None else authority.port
    return Proxy(
        scheme=parsed.scheme,
        host=authority.host,
        port=port,
        username=authority.username,
        password=authority.password,
    )


def get_proxy(uri: WebSocketURI) -> str | None:
    """Return the URL of the proxy to use for connecting to ``uri``, if any.

    The configuration comes from :func:`urllib.request.getproxies`: environment variables
    named ``<scheme>_proxy`` and, on macOS and Windows, the system settings.
    ``no_proxy`` excludes hosts, through :func:`urllib.request.proxy_bypass`.

    For ``wss://`` URIs, ``wss_proxy`` is used, else ``https_proxy``, else
    ``socks_proxy``; for ``ws://`` URIs, ``ws_proxy``, else ``http_proxy``, else
    ``socks_proxy``. Other variables, including ``all_proxy``, are ignored. A
    ``socks://`` URL, or a ``socks_proxy`` without a scheme, means ``socks5h://``; other
    values without a scheme mean ``http://``.

    """
    proxies = urllib.request.getproxies()
    # Like curl picks https_proxy for https:// URLs and http_proxy for http:// URLs, with
    # the WebSocket-specific setting first and SOCKS, which suits any scheme, last.
    keys = ("wss", "https", "socks") if uri.secure else ("ws", "http", "socks")
    for key in keys:
        proxy = proxies.get(key)
        if not proxy:
            continue
        # Checked only when a proxy applies: it reads the whole environment again.
        if urllib.request.proxy_bypass(f"{uri.host}:{uri.port}"):
            return None
        scheme, separator, rest = proxy.partition("://")
        if not separator:
            return ("socks5h://" if key == "socks" else "http://") + proxy
        if scheme.lower() == "socks":
            return "socks5h://" + rest
        return proxy
    return None
