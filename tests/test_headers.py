"""Tests for websockets.headers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets.exceptions import InvalidHeaderFormat, InvalidHeaderValue
from websockets.headers import (
    ExtensionHeader,
    build_authorization_basic,
    build_extension,
    build_host,
    build_quoted_string,
    build_subprotocol,
    build_www_authenticate_basic,
    parse_authorization_basic,
    parse_connection,
    parse_extension,
    parse_subprotocol,
    parse_upgrade,
    validate_subprotocols,
)
from websockets.typing import ExtensionName, ExtensionParameter, Subprotocol

# The runtime checks of validate_subprotocols are for callers that break its signature.
validate_anything = cast(Callable[[object], None], validate_subprotocols)


def format_error(raised: pytest.ExceptionInfo[InvalidHeaderFormat]) -> tuple[str, str]:
    """Return the header name and the value of an InvalidHeaderFormat."""
    error = raised.value
    assert error.value is not None
    return error.name, error.value


class TestParseConnection:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("Upgrade", ["Upgrade"]),
            ("keep-alive, Upgrade", ["keep-alive", "Upgrade"]),
            ("keep-alive,Upgrade", ["keep-alive", "Upgrade"]),
            (" Upgrade ", ["Upgrade"]),
            (",Upgrade", ["Upgrade"]),
            (", , Upgrade, ,", ["Upgrade"]),
            ("Upgrade,,\t,keep-alive", ["Upgrade", "keep-alive"]),
        ],
    )
    def test_valid(self, header: str, expected: list[str]) -> None:
        assert parse_connection(header) == expected

    @pytest.mark.parametrize(
        ("header", "error"),
        [
            ("", "expected token at 0 in "),
            (",", "expected token at 1 in ,"),
            (" , ", "expected token at 3 in  , "),
            ("Upgrade;", "expected comma at 7 in Upgrade;"),
            ("Up grade", "expected comma at 3 in Up grade"),
            ("Upgrade, (", "expected token at 9 in Upgrade, ("),
            ('"Upgrade"', 'expected token at 0 in "Upgrade"'),
            ("Upgrädé", "expected comma at 4 in Upgrädé"),
        ],
    )
    def test_invalid(self, header: str, error: str) -> None:
        with pytest.raises(InvalidHeaderFormat) as raised:
            parse_connection(header)
        assert format_error(raised) == ("Connection", error)
        assert str(raised.value) == f"invalid Connection header: {error}"


class TestParseUpgrade:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("websocket", ["websocket"]),
            ("WebSocket", ["WebSocket"]),
            (
                "HTTP/2.0, SHTTP/1.3, IRC/6.9, RTA/x11",
                ["HTTP/2.0", "SHTTP/1.3", "IRC/6.9", "RTA/x11"],
            ),
            ("websocket, h2c", ["websocket", "h2c"]),
        ],
    )
    def test_valid(self, header: str, expected: list[str]) -> None:
        assert parse_upgrade(header) == expected

    @pytest.mark.parametrize(
        ("header", "error"),
        [
            ("", "expected protocol at 0 in "),
            ("/1.0", "expected protocol at 0 in /1.0"),
            ("websocket/", "expected comma at 9 in websocket/"),
            ("websocket/1/2", "expected comma at 11 in websocket/1/2"),
            ("web socket", "expected comma at 4 in web socket"),
        ],
    )
    def test_invalid(self, header: str, error: str) -> None:
        with pytest.raises(InvalidHeaderFormat) as raised:
            parse_upgrade(header)
        assert format_error(raised) == ("Upgrade", error)


# Extension names are plain str here: NewType values would only add noise.
EXTENSION_CASES: list[tuple[str, list[tuple[str, list[ExtensionParameter]]]]] = [
    ("foo", [("foo", [])]),
    ("foo, bar", [("foo", []), ("bar", [])]),
    ("foo; name; token=token", [("foo", [("name", None), ("token", "token")])]),
    ('foo; quoted-string="quoted-string"', [("foo", [("quoted-string", "quoted-string")])]),
    ('foo; escaped="esc\\aped"', [("foo", [("escaped", "escaped")])]),
    ("foo;a=1;b", [("foo", [("a", "1"), ("b", None)])]),
    ("foo ; a = 1 ; b\t", [("foo", [("a", "1"), ("b", None)])]),
    (
        "permessage-deflate; client_max_window_bits, permessage-deflate",
        [
            ("permessage-deflate", [("client_max_window_bits", None)]),
            ("permessage-deflate", []),
        ],
    ),
    (
        'permessage-deflate; server_max_window_bits="10"',
        [("permessage-deflate", [("server_max_window_bits", "10")])],
    ),
]


class TestParseExtension:
    @pytest.mark.parametrize(("header", "expected"), EXTENSION_CASES)
    def test_valid(self, header: str, expected: list[tuple[str, list[ExtensionParameter]]]) -> None:
        assert parse_extension(header) == expected

    @pytest.mark.parametrize(
        ("header", "error"),
        [
            ("", "expected token at 0 in "),
            (";", "expected token at 0 in ;"),
            ("foo;", "expected token at 4 in foo;"),
            ("foo; =1", "expected token at 5 in foo; =1"),
            ("foo; a=", "expected token at 7 in foo; a="),
            ("foo; a=b c", "expected comma at 9 in foo; a=b c"),
            ('foo; a="b', 'expected quoted string at 7 in foo; a="b'),
            ('foo; a="b c"', 'invalid quoted header content at 7 in foo; a="b c"'),
            ('foo; a=""', 'invalid quoted header content at 7 in foo; a=""'),
            ('foo; a="\\"', 'expected quoted string at 7 in foo; a="\\"'),
            ('foo; a="b\x00"', 'expected quoted string at 7 in foo; a="b\x00"'),
            ("foo bar", "expected comma at 4 in foo bar"),
        ],
    )
    def test_invalid(self, header: str, error: str) -> None:
        with pytest.raises(InvalidHeaderFormat) as raised:
            parse_extension(header)
        assert format_error(raised) == ("Sec-WebSocket-Extensions", error)


class TestBuildExtension:
    def test_build(self) -> None:
        extensions: list[ExtensionHeader] = [
            (ExtensionName("permessage-deflate"), [("client_max_window_bits", None)]),
            (ExtensionName("foo"), [("a", "1"), ("b", None)]),
            (ExtensionName("bar"), []),
        ]
        assert build_extension(extensions) == (
            "permessage-deflate; client_max_window_bits, foo; a=1; b, bar"
        )

    def test_empty(self) -> None:
        assert build_extension([]) == ""


class TestSubprotocol:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [("chat", ["chat"]), ("chat, superchat", ["chat", "superchat"]), ("v1.chat", ["v1.chat"])],
    )
    def test_parse_valid(self, header: str, expected: list[str]) -> None:
        assert parse_subprotocol(header) == expected

    @pytest.mark.parametrize(
        ("header", "error"),
        [("", "expected token at 0 in "), ("chat;", "expected comma at 4 in chat;")],
    )
    def test_parse_invalid(self, header: str, error: str) -> None:
        with pytest.raises(InvalidHeaderFormat) as raised:
            parse_subprotocol(header)
        assert format_error(raised) == ("Sec-WebSocket-Protocol", error)

    def test_build(self) -> None:
        subprotocols = [Subprotocol("chat"), Subprotocol("superchat")]
        assert build_subprotocol(subprotocols) == "chat, superchat"

    def test_validate_valid(self) -> None:
        validate_subprotocols([])
        validate_subprotocols([Subprotocol("chat"), Subprotocol("v2.chat")])
        validate_subprotocols((Subprotocol("chat"),))

    def test_validate_str(self) -> None:
        with pytest.raises(TypeError, match="subprotocols must be a list, not a str"):
            validate_anything("chat")

    @pytest.mark.parametrize("value", [{"chat"}, None, 42, {"chat": "chat"}])
    def test_validate_not_a_sequence(self, value: object) -> None:
        with pytest.raises(TypeError, match="subprotocols must be a list"):
            validate_anything(value)

    def test_validate_item_not_a_str(self) -> None:
        with pytest.raises(TypeError, match="subprotocol must be a str: b'chat'"):
            validate_anything([b"chat"])

    @pytest.mark.parametrize("value", ["", "chat room", "chät", "a,b"])
    def test_validate_invalid_token(self, value: str) -> None:
        with pytest.raises(ValueError, match="invalid subprotocol"):
            validate_subprotocols([Subprotocol(value)])


class TestQuotedString:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("", '""'),
            ("realm", '"realm"'),
            ('say "hi"', '"say \\"hi\\""'),
            ("back\\slash", '"back\\\\slash"'),
            ("tab\tand é", '"tab\tand é"'),
        ],
    )
    def test_build(self, value: str, expected: str) -> None:
        assert build_quoted_string(value) == expected

    @pytest.mark.parametrize("value", ["\x00", "line\nbreak", "\r", "\x7f"])
    def test_build_invalid(self, value: str) -> None:
        with pytest.raises(ValueError, match="invalid characters for quoted-string encoding"):
            build_quoted_string(value)


class TestAuthorization:
    def test_build_www_authenticate_basic(self) -> None:
        assert build_www_authenticate_basic("Admin area") == (
            'Basic realm="Admin area", charset="UTF-8"'
        )

    def test_build_www_authenticate_basic_quotes_realm(self) -> None:
        assert build_www_authenticate_basic('"x"') == 'Basic realm="\\"x\\"", charset="UTF-8"'

    def test_build_www_authenticate_basic_invalid_realm(self) -> None:
        with pytest.raises(ValueError, match="invalid characters"):
            build_www_authenticate_basic("a\r\nSet-Cookie: x")

    def test_build_authorization_basic(self) -> None:
        # The example of RFC 7617 section 2.
        assert build_authorization_basic("Aladdin", "open sesame") == (
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        )

    def test_build_authorization_basic_utf8(self) -> None:
        # The example of RFC 7617 section 2.1.
        assert build_authorization_basic("test", "123£") == "Basic dGVzdDoxMjPCow=="

    def test_build_authorization_basic_colon_in_username(self) -> None:
        with pytest.raises(AssertionError):
            build_authorization_basic("user:name", "password")

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", ("Aladdin", "open sesame")),
            ("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", ("Aladdin", "open sesame")),
            ("BASIC   QWxhZGRpbjpvcGVuIHNlc2FtZQ==", ("Aladdin", "open sesame")),
            ("Basic dGVzdDoxMjPCow==", ("test", "123£")),
            ("Basic dXNlcjpwYTpzcw==", ("user", "pa:ss")),
            ("Basic Og==", ("", "")),
        ],
    )
    def test_parse_valid(self, header: str, expected: tuple[str, str]) -> None:
        assert parse_authorization_basic(header) == expected

    @pytest.mark.parametrize(
        ("header", "error"),
        [
            ("", "expected token at 0 in "),
            ("Basic", "expected space after scheme at 5 in Basic"),
            ("Basic\tQWxh", "expected space after scheme at 5 in Basic\tQWxh"),
            ("Basic ", "expected token68 at 6 in Basic "),
            ("Basic !!!", "expected token68 at 6 in Basic !!!"),
            ("Basic QWxh ZGRp", "expected end of header at 10 in Basic QWxh ZGRp"),
            ("Basic QWxh=a", "expected end of header at 11 in Basic QWxh=a"),
        ],
    )
    def test_parse_invalid_format(self, header: str, error: str) -> None:
        with pytest.raises(InvalidHeaderFormat) as raised:
            parse_authorization_basic(header)
        assert format_error(raised) == ("Authorization", error)

    @pytest.mark.parametrize(
        ("header", "value"),
        [
            ("Digest username=x", "unsupported scheme: Digest"),
            ("Bearer abc", "unsupported scheme: Bearer"),
            ("Basic QWxhZGRpbg", "expected base64-encoded UTF-8 credentials"),
            ("Basic _-_-", "expected base64-encoded UTF-8 credentials"),
            ("Basic //79", "expected base64-encoded UTF-8 credentials"),
            ("Basic QWxhZGRpbg==", "expected username:password credentials"),
        ],
    )
    def test_parse_invalid_value(self, header: str, value: str) -> None:
        with pytest.raises(InvalidHeaderValue) as raised:
            parse_authorization_basic(header)
        assert raised.value.name == "Authorization"
        assert raised.value.value == value


class TestBuildHost:
    @pytest.mark.parametrize(
        ("host", "port", "secure", "expected"),
        [
            ("localhost", 80, False, "localhost"),
            ("localhost", 8000, False, "localhost:8000"),
            ("localhost", 443, True, "localhost"),
            ("localhost", 80, True, "localhost:80"),
            ("localhost", 443, False, "localhost:443"),
            ("example.com", 8443, True, "example.com:8443"),
            ("127.0.0.1", 80, False, "127.0.0.1"),
            ("127.0.0.1", 8000, False, "127.0.0.1:8000"),
            ("::1", 80, False, "[::1]"),
            ("::1", 8000, False, "[::1]:8000"),
            ("fe80::1%eth0", 443, True, "[fe80::1%eth0]"),
        ],
    )
    def test_build_host(self, host: str, port: int, secure: bool, expected: str) -> None:
        assert build_host(host, port, secure) == expected

    def test_always_include_port(self) -> None:
        assert build_host("example.com", 443, True, always_include_port=True) == ("example.com:443")
        assert build_host("::1", 80, False, always_include_port=True) == "[::1]:80"


# Strategies.
tokens = st.from_regex(r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+", fullmatch=True)
# Printable text for quoted strings: what build_quoted_string accepts.
quotable = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\x7f") | st.just("\t")
)
# Random header values, biased towards the characters that matter to the grammar.
header_text = st.text(
    st.sampled_from(list(' \t,;="\\/:aZ9-é\x00\udcff')) | st.characters(), max_size=30
)

PARSERS: list[Callable[[str], Sequence[object]]] = [
    parse_connection,
    parse_upgrade,
    parse_extension,
    parse_subprotocol,
    parse_authorization_basic,
]


class TestProperties:
    @given(header_text)
    def test_parsers_raise_only_documented_errors(self, header: str) -> None:
        for parse in PARSERS:
            with contextlib.suppress(InvalidHeaderFormat, InvalidHeaderValue):
                parse(header)

    @given(header_text)
    def test_error_positions_are_within_the_header(self, header: str) -> None:
        for parse in PARSERS:
            error: str | None = None
            try:
                parse(header)
            except InvalidHeaderFormat as exc:
                error = exc.value
            except InvalidHeaderValue:
                pass
            if error is not None:
                position = int(error.rpartition(f" in {header}")[0].rpartition(" at ")[2])
                assert 0 <= position <= len(header)

    @given(
        st.lists(
            st.tuples(tokens, st.lists(st.tuples(tokens, st.none() | tokens), max_size=4)),
            min_size=1,
            max_size=4,
        )
    )
    def test_extension_round_trip(
        self, items: list[tuple[str, list[tuple[str, str | None]]]]
    ) -> None:
        extensions: list[ExtensionHeader] = [
            (ExtensionName(name), params) for name, params in items
        ]
        assert parse_extension(build_extension(extensions)) == extensions

    @given(st.lists(tokens, min_size=1, max_size=5))
    def test_subprotocol_round_trip(self, names: list[str]) -> None:
        subprotocols = [Subprotocol(name) for name in names]
        validate_subprotocols(subprotocols)
        assert parse_subprotocol(build_subprotocol(subprotocols)) == subprotocols

    @given(st.lists(tokens, min_size=1, max_size=5))
    def test_connection_round_trip(self, options: list[str]) -> None:
        assert parse_connection(", ".join(options)) == options

    @given(st.text().filter(lambda name: ":" not in name), st.text())
    def test_authorization_round_trip(self, username: str, password: str) -> None:
        header = build_authorization_basic(username, password)
        assert parse_authorization_basic(header) == (username, password)

    @given(tokens, tokens)
    def test_quoted_token_round_trip(self, name: str, value: str) -> None:
        header = f"x; {name}={build_quoted_string(value)}"
        assert parse_extension(header) == [("x", [(name, value)])]

    @given(quotable)
    def test_www_authenticate_is_parseable(self, realm: str) -> None:
        header = build_www_authenticate_basic(realm)
        # The realm is a quoted string; unquoting it gives the realm back.
        quoted = header[len("Basic realm=") : -len(', charset="UTF-8"')]
        assert quoted == build_quoted_string(realm)
        unquoted = quoted[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        assert unquoted == realm


def test_validate_upgrade() -> None:
    from websockets.datastructures import Headers
    from websockets.exceptions import InvalidUpgrade
    from websockets.headers import validate_upgrade

    validate_upgrade(Headers(Connection="keep-alive, Upgrade", Upgrade="WebSocket"))
    with pytest.raises(InvalidUpgrade, match="missing Connection header"):
        validate_upgrade(Headers(Upgrade="websocket"))
    with pytest.raises(InvalidUpgrade, match="invalid Upgrade header: websocket, h2c"):
        validate_upgrade(Headers(Connection="Upgrade", Upgrade="websocket, h2c"))
