"""Tests for websockets.uri."""

from __future__ import annotations

import contextlib
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets.exceptions import InvalidProxy, InvalidURI
from websockets.headers import build_host
from websockets.uri import Proxy, WebSocketURI, get_proxy, parse_proxy, parse_uri

VALID_URIS = [
    ("ws://localhost/", WebSocketURI(False, "localhost", 80, "/", "")),
    ("wss://localhost/", WebSocketURI(True, "localhost", 443, "/", "")),
    ("ws://localhost", WebSocketURI(False, "localhost", 80, "", "")),
    ("ws://localhost/path?query", WebSocketURI(False, "localhost", 80, "/path", "query")),
    ("ws://localhost/?", WebSocketURI(False, "localhost", 80, "/", "")),
    ("WS://LocalHost:8080/Path", WebSocketURI(False, "localhost", 8080, "/Path", "")),
    ("ws://localhost:/", WebSocketURI(False, "localhost", 80, "/", "")),
    ("wss://localhost:80/", WebSocketURI(True, "localhost", 80, "/", "")),
    ("ws://localhost:65535/", WebSocketURI(False, "localhost", 65535, "/", "")),
    ("ws://127.0.0.1:8000/", WebSocketURI(False, "127.0.0.1", 8000, "/", "")),
    ("ws://[::1]/", WebSocketURI(False, "::1", 80, "/", "")),
    ("wss://[::1]:8443/", WebSocketURI(True, "::1", 8443, "/", "")),
    ("ws://localhost/a;b/c%20d", WebSocketURI(False, "localhost", 80, "/a;b/c%20d", "")),
    ("ws://localhost/?a=1&b=%2F", WebSocketURI(False, "localhost", 80, "/", "a=1&b=%2F")),
    (
        "ws://user:pass@localhost/",
        WebSocketURI(False, "localhost", 80, "/", "", "user", "pass"),
    ),
    ("ws://user:@localhost/", WebSocketURI(False, "localhost", 80, "/", "", "user", "")),
    (
        "ws://us%3Aer:p%40ss@localhost/",
        WebSocketURI(False, "localhost", 80, "/", "", "us%3Aer", "p%40ss"),
    ),
    (
        "ws://user:pa:ss@localhost/",
        WebSocketURI(False, "localhost", 80, "/", "", "user", "pa:ss"),
    ),
    # IRIs become URIs.
    (
        "ws://xn--bcher-kva.example/",
        WebSocketURI(False, "xn--bcher-kva.example", 80, "/", ""),
    ),
    ("ws://bücher.example/", WebSocketURI(False, "xn--bcher-kva.example", 80, "/", "")),
    ("ws://BÜCHER.example/", WebSocketURI(False, "xn--bcher-kva.example", 80, "/", "")),
    (
        "ws://localhost/café?q=café",
        WebSocketURI(False, "localhost", 80, "/caf%C3%A9", "q=caf%C3%A9"),
    ),
    (
        "ws://üser:pässword@localhost/",
        WebSocketURI(False, "localhost", 80, "/", "", "%C3%BCser", "p%C3%A4ssword"),
    ),
    # Characters invalid in a URI are percent-encoded; valid ones are left alone.
    ("ws://localhost/a b", WebSocketURI(False, "localhost", 80, "/a%20b", "")),
    (
        "ws://localhost/!$&'()*+,;=:@%41?/?!$&'()*+,;=:@",
        WebSocketURI(False, "localhost", 80, "/!$&'()*+,;=:@%41", "/?!$&'()*+,;=:@"),
    ),
]

INVALID_URIS = [
    ("http://localhost/", "scheme isn't ws or wss"),
    ("localhost/", "scheme isn't ws or wss"),
    ("ws:/localhost/", "hostname isn't provided"),
    ("ws:///path", "hostname isn't provided"),
    ("ws://:8080/", "hostname isn't provided"),
    ("ws://user:pass@/", "hostname isn't provided"),
    ("ws://localhost/#fragment", "fragment identifier is meaningless"),
    ("ws://user@localhost/", "username provided without password"),
    ("ws://localhost:port/", "port isn't an integer between 1 and 65535"),
    ("ws://localhost:65536/", "port isn't an integer between 1 and 65535"),
    ("ws://localhost:0/", "port isn't an integer between 1 and 65535"),
    ("ws://localhost:-1/", "port isn't an integer between 1 and 65535"),
    ("ws://[::1/", "cannot split URI"),
    ("ws://local host/", "hostname contains invalid characters"),
    ("ws://local\x00host/", "hostname contains invalid characters"),
    ("ws://" + "é" * 64 + ".com/", "hostname isn't a valid internationalized domain name"),
    ("ws://localhost/\udcff", "codec can't encode"),
]


class TestParseURI:
    @pytest.mark.parametrize(("uri", "expected"), VALID_URIS)
    def test_valid(self, uri: str, expected: WebSocketURI) -> None:
        assert parse_uri(uri) == expected

    @pytest.mark.parametrize(("uri", "message"), INVALID_URIS)
    def test_invalid(self, uri: str, message: str) -> None:
        with pytest.raises(InvalidURI) as raised:
            parse_uri(uri)
        assert raised.value.uri == uri
        assert message in raised.value.msg
        assert str(raised.value).startswith(f"{uri} isn't a valid URI: ")

    def test_error_has_no_context(self) -> None:
        with pytest.raises(InvalidURI) as raised:
            parse_uri("ws://localhost:port/")
        assert raised.value.__cause__ is None
        assert raised.value.__suppress_context__


class TestWebSocketURI:
    @pytest.mark.parametrize(
        ("uri", "resource_name"),
        [
            ("ws://localhost", "/"),
            ("ws://localhost/", "/"),
            ("ws://localhost/path", "/path"),
            ("ws://localhost?query", "/?query"),
            ("ws://localhost/path?query", "/path?query"),
            ("ws://localhost/path?", "/path"),
        ],
    )
    def test_resource_name(self, uri: str, resource_name: str) -> None:
        assert parse_uri(uri).resource_name == resource_name

    def test_user_info(self) -> None:
        assert parse_uri("ws://localhost/").user_info is None
        assert parse_uri("ws://user:pass@localhost/").user_info == ("user", "pass")

    def test_user_info_requires_password(self) -> None:
        with pytest.raises(AssertionError):
            _ = WebSocketURI(False, "localhost", 80, "/", "", "user").user_info

    def test_defaults(self) -> None:
        uri = WebSocketURI(True, "localhost", 443, "/", "")
        assert uri.username is None
        assert uri.password is None


class TestParseProxy:
    @pytest.mark.parametrize(
        ("proxy", "expected"),
        [
            ("http://proxy", Proxy("http", "proxy", 80)),
            ("https://proxy", Proxy("https", "proxy", 443)),
            ("http://proxy:3128/", Proxy("http", "proxy", 3128)),
            ("socks5h://proxy", Proxy("socks5h", "proxy", 1080)),
            ("socks5://proxy:1081", Proxy("socks5", "proxy", 1081)),
            ("socks4a://proxy", Proxy("socks4a", "proxy", 1080)),
            ("SOCKS4://Proxy", Proxy("socks4", "proxy", 1080)),
            ("http://[::1]:8080", Proxy("http", "::1", 8080)),
            ("http://user:pass@proxy", Proxy("http", "proxy", 80, "user", "pass")),
            ("http://üser:päss@prøxy", Proxy("http", "xn--prxy-hra", 80, "%C3%BCser", "p%C3%A4ss")),
        ],
    )
    def test_valid(self, proxy: str, expected: Proxy) -> None:
        assert parse_proxy(proxy) == expected

    @pytest.mark.parametrize(
        ("proxy", "message"),
        [
            ("ws://proxy", "scheme ws isn't supported"),
            ("socks://proxy", "scheme socks isn't supported"),
            ("proxy:8080", "scheme proxy isn't supported"),
            ("http:///", "hostname isn't provided"),
            ("http://proxy/path", "path is meaningless"),
            ("http://proxy/?query", "query is meaningless"),
            ("http://proxy/#fragment", "fragment is meaningless"),
            ("http://user@proxy", "username provided without password"),
            ("http://proxy:99999", "port isn't an integer between 1 and 65535"),
            ("http://[::1", "cannot split URI"),
        ],
    )
    def test_invalid(self, proxy: str, message: str) -> None:
        with pytest.raises(InvalidProxy) as raised:
            parse_proxy(proxy)
        assert raised.value.proxy == proxy
        assert message in raised.value.msg
        assert str(raised.value).startswith(f"{proxy} isn't a valid proxy: ")

    def test_user_info(self) -> None:
        assert parse_proxy("http://proxy").user_info is None
        assert parse_proxy("http://user:pass@proxy").user_info == ("user", "pass")
        with pytest.raises(AssertionError):
            _ = Proxy("http", "proxy", 80, "user").user_info


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Remove proxy settings from the environment; return a monkeypatch to add some."""
    for name in list(os.environ):
        lower = name.lower()
        if lower.endswith("_proxy") or lower == "request_method":
            monkeypatch.delenv(name)
    return monkeypatch


WS_URI = WebSocketURI(False, "example.com", 80, "/", "")
WSS_URI = WebSocketURI(True, "example.com", 443, "/", "")


class TestGetProxy:
    def test_no_proxy_configured(self, environ: pytest.MonkeyPatch) -> None:
        assert get_proxy(WS_URI) is None
        assert get_proxy(WSS_URI) is None

    def test_websocket_specific(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("ws_proxy", "http://ws-proxy:8080")
        environ.setenv("wss_proxy", "http://wss-proxy:8080")
        environ.setenv("http_proxy", "http://http-proxy:8080")
        environ.setenv("https_proxy", "http://https-proxy:8080")
        environ.setenv("socks_proxy", "socks5h://socks-proxy:1080")
        assert get_proxy(WS_URI) == "http://ws-proxy:8080"
        assert get_proxy(WSS_URI) == "http://wss-proxy:8080"

    def test_http_fallback(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("http_proxy", "http://http-proxy:8080")
        environ.setenv("https_proxy", "http://https-proxy:8080")
        environ.setenv("socks_proxy", "socks5h://socks-proxy:1080")
        assert get_proxy(WS_URI) == "http://http-proxy:8080"
        assert get_proxy(WSS_URI) == "http://https-proxy:8080"

    def test_socks_fallback(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("socks_proxy", "socks5://socks-proxy:1080")
        assert get_proxy(WS_URI) == "socks5://socks-proxy:1080"
        assert get_proxy(WSS_URI) == "socks5://socks-proxy:1080"

    def test_upper_case_variables(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("HTTPS_PROXY", "http://https-proxy:8080")
        assert get_proxy(WSS_URI) == "http://https-proxy:8080"

    def test_http_proxy_is_not_used_for_wss(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("http_proxy", "http://http-proxy:8080")
        assert get_proxy(WSS_URI) is None

    def test_https_proxy_is_not_used_for_ws(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("https_proxy", "http://https-proxy:8080")
        assert get_proxy(WS_URI) is None

    def test_all_proxy_is_ignored(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("all_proxy", "socks5h://all-proxy:1080")
        environ.setenv("ftp_proxy", "http://ftp-proxy:8080")
        assert get_proxy(WS_URI) is None
        assert get_proxy(WSS_URI) is None

    def test_socks_scheme_means_socks5h(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("socks_proxy", "socks://socks-proxy:1080")
        assert get_proxy(WS_URI) == "socks5h://socks-proxy:1080"

    def test_missing_scheme(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("socks_proxy", "socks-proxy:1080")
        assert get_proxy(WS_URI) == "socks5h://socks-proxy:1080"
        environ.setenv("ws_proxy", "ws-proxy:3128")
        assert get_proxy(WS_URI) == "http://ws-proxy:3128"

    def test_empty_value_is_ignored(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("ws_proxy", "")
        environ.setenv("http_proxy", "http://http-proxy:8080")
        assert get_proxy(WS_URI) == "http://http-proxy:8080"

    def test_no_proxy(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("ws_proxy", "http://ws-proxy:8080")
        environ.setenv("no_proxy", "example.com")
        assert get_proxy(WS_URI) is None
        assert get_proxy(WebSocketURI(False, "example.org", 80, "/", "")) == (
            "http://ws-proxy:8080"
        )

    def test_no_proxy_everything(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("ws_proxy", "http://ws-proxy:8080")
        environ.setenv("no_proxy", "*")
        assert get_proxy(WS_URI) is None

    def test_result_parses(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("wss_proxy", "http://user:pass@wss-proxy:8080")
        proxy = get_proxy(WSS_URI)
        assert proxy is not None
        assert parse_proxy(proxy) == Proxy("http", "wss-proxy", 8080, "user", "pass")


# Strategies.
labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
hostnames = st.lists(labels, min_size=1, max_size=4).map(".".join)
ip_addresses = st.ip_addresses().map(str)
path_segments = st.from_regex(r"[-A-Za-z0-9._~!$&'()*+,;=:@]*", fullmatch=True)
queries = st.from_regex(r"[-A-Za-z0-9._~!$&'()*+,;=:@/?]*", fullmatch=True)
# Characters of user information, without the delimiters that end it.
userinfo_chars = st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="/?#@[]:\\")
uri_text = st.text(
    st.sampled_from(list(":/?#[]@%!$&'()*+,;= .0123456789abcdefghijklmnopqrstuvwxyzé")),
    max_size=30,
)


class TestProperties:
    @given(st.text(max_size=60))
    def test_parse_uri_raises_only_invalid_uri(self, uri: str) -> None:
        with contextlib.suppress(InvalidURI):
            parse_uri(uri)

    @given(st.sampled_from(["ws://", "wss://", "http://", "ws:"]), uri_text)
    def test_parse_uri_near_valid(self, prefix: str, rest: str) -> None:
        with contextlib.suppress(InvalidURI):
            uri = parse_uri(prefix + rest)
            assert uri.port > 0
            assert uri.host

    @given(st.sampled_from(["http://", "socks5h://", "https://", "socks4:"]), uri_text)
    def test_parse_proxy_raises_only_invalid_proxy(self, prefix: str, rest: str) -> None:
        with contextlib.suppress(InvalidProxy):
            parse_proxy(prefix + rest)

    @given(
        st.booleans(),
        hostnames | ip_addresses,
        st.integers(min_value=1, max_value=65535),
        st.lists(path_segments, max_size=4).map(lambda segments: "/" + "/".join(segments)),
        queries,
    )
    def test_round_trip(self, secure: bool, host: str, port: int, path: str, query: str) -> None:
        text = f"{'wss' if secure else 'ws'}://{build_host(host, port, secure)}{path}"
        if query:
            text += f"?{query}"
        uri = parse_uri(text)
        assert uri == WebSocketURI(secure, host, port, path, query)
        # Parsing is idempotent: a parsed URI rebuilt from its parts parses the same.
        rebuilt = f"{'wss' if secure else 'ws'}://{build_host(uri.host, uri.port, secure)}"
        assert parse_uri(rebuilt + uri.resource_name) == WebSocketURI(
            secure, host, port, path or "/", query
        )

    @given(st.text(userinfo_chars, min_size=1, max_size=10), st.text(userinfo_chars, max_size=10))
    def test_iri_user_info_is_percent_encoded(self, username: str, password: str) -> None:
        with contextlib.suppress(InvalidURI):
            uri = parse_uri(f"ws://{username}:{password}@localhost/é")
            assert uri.user_info is not None
            assert all(part.isascii() for part in uri.user_info)
