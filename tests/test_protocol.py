"""The Sans-I/O state machine (RFC 6455, sections 5 to 7)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from websockets.exceptions import (
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidState,
    PayloadTooBig,
    ProtocolError,
)
from websockets.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, Close, Frame
from websockets.protocol import (
    CLIENT,
    CLOSED,
    CLOSING,
    OPEN,
    SEND_EOF,
    SERVER,
    Protocol,
    Side,
    State,
)


def client_frame(frame: Frame) -> bytes:
    """Bytes of a frame as a client sends it: masked."""
    return frame.serialize(mask=True)


def server_frame(frame: Frame) -> bytes:
    """Bytes of a frame as a server sends it: unmasked."""
    return frame.serialize(mask=False)


def unmasked(frame: Frame) -> bytes:
    return frame.serialize(mask=False)


def close_bytes(code: int, reason: str = "") -> bytes:
    return Close(code, reason).serialize()


def sent_frames(protocol: Protocol) -> list[bytes | Frame]:
    """Decode what a server-side protocol queued for sending (unmasked frames)."""
    result: list[bytes | Frame] = []
    peer = Protocol(CLIENT, max_size=None)
    for data in protocol.data_to_send():
        if data == SEND_EOF:
            result.append(SEND_EOF)
            continue
        peer.receive_data(data)
        result.extend(e for e in peer.events_received() if isinstance(e, Frame))
    return result


# -- Basics ---------------------------------------------------------------------------


def test_enums_and_aliases() -> None:
    assert (Side.SERVER, Side.CLIENT) == (SERVER, CLIENT) == (0, 1)
    assert [s.value for s in State] == [0, 1, 2, 3]
    assert SEND_EOF == b""


def test_defaults() -> None:
    protocol = Protocol(SERVER)
    assert protocol.state is OPEN
    assert protocol.max_size == 2**20
    assert protocol.logger.name == "websockets.server"
    assert Protocol(CLIENT).logger.name == "websockets.client"
    assert protocol.close_code is None
    assert protocol.close_reason is None
    assert not protocol.close_expected()
    assert Protocol(SERVER).id != protocol.id


def test_send_and_receive_text() -> None:
    client, server = Protocol(CLIENT), Protocol(SERVER)
    client.send_text("café".encode())
    for data in client.data_to_send():
        server.receive_data(data)
    assert server.events_received() == [Frame(OP_TEXT, "café".encode())]
    assert server.data_to_send() == []


def test_send_and_receive_binary_from_server() -> None:
    client, server = Protocol(CLIENT), Protocol(SERVER)
    server.send_binary(b"\x00\x01")
    [data] = server.data_to_send()
    assert data == b"\x82\x02\x00\x01"
    client.receive_data(data)
    assert client.events_received() == [Frame(OP_BINARY, b"\x00\x01")]


def test_fragmented_message() -> None:
    client, server = Protocol(CLIENT), Protocol(SERVER)
    client.send_text(b"Hel", fin=False)
    client.send_ping(b"ping")
    client.send_continuation(b"l", fin=False)
    client.send_continuation(b"o", fin=True)
    for data in client.data_to_send():
        server.receive_data(data)
    assert server.events_received() == [
        Frame(OP_TEXT, b"Hel", fin=False),
        Frame(OP_PING, b"ping"),
        Frame(OP_CONT, b"l", fin=False),
        Frame(OP_CONT, b"o"),
    ]
    assert sent_frames(server) == [Frame(OP_PONG, b"ping")]


def test_send_order_errors() -> None:
    protocol = Protocol(CLIENT)
    with pytest.raises(ProtocolError, match="unexpected continuation frame"):
        protocol.send_continuation(b"", fin=True)
    protocol.send_binary(b"", fin=False)
    with pytest.raises(ProtocolError, match="expected a continuation frame"):
        protocol.send_text(b"")
    with pytest.raises(ProtocolError, match="expected a continuation frame"):
        protocol.send_binary(b"")
    protocol.send_continuation(b"", fin=True)
    protocol.send_text(b"")


def test_send_state_errors() -> None:
    protocol = Protocol(SERVER)
    protocol.send_close(1000)
    assert protocol.state is CLOSING
    calls: list[Callable[[], None]] = [
        lambda: protocol.send_text(b""),
        lambda: protocol.send_binary(b""),
        protocol.send_close,
    ]
    for call in calls:
        with pytest.raises(InvalidState, match="connection is closing"):
            call()
    # Control frames other than Close remain possible while closing.
    protocol.send_ping(b"")
    protocol.send_pong(b"")
    protocol.receive_data(client_frame(Frame(OP_CLOSE, close_bytes(1000))))
    protocol.receive_eof()
    assert protocol.state is CLOSED
    with pytest.raises(InvalidState, match="connection is closed"):
        protocol.send_ping(b"")
    with pytest.raises(InvalidState, match="connection is closed"):
        protocol.send_pong(b"")


def test_send_continuation_after_close() -> None:
    protocol = Protocol(SERVER)
    protocol.send_text(b"a", fin=False)
    protocol.send_close(1000)
    with pytest.raises(InvalidState):
        protocol.send_continuation(b"b", fin=True)


def test_send_close_without_code() -> None:
    protocol = Protocol(SERVER)
    with pytest.raises(ProtocolError, match="cannot send a reason without a code"):
        protocol.send_close(None, "reason")
    protocol.send_close()
    assert protocol.data_to_send() == [b"\x88\x00"]
    assert protocol.close_sent == Close(1005, "")


def test_send_close_with_illegal_code() -> None:
    protocol = Protocol(SERVER)
    with pytest.raises(ProtocolError, match="invalid status code"):
        protocol.send_close(1006)
    assert protocol.state is OPEN


# -- Receiving: chunking --------------------------------------------------------------

MESSAGES = [
    Frame(OP_TEXT, "😀 café".encode()),
    Frame(OP_BINARY, bytes(200)),
    Frame(OP_TEXT, b"fr", fin=False),
    Frame(OP_PING, b"p"),
    Frame(OP_CONT, "ag😀".encode()[:4], fin=False),
    Frame(OP_CONT, "ag😀".encode()[4:], fin=True),
    Frame(OP_BINARY, bytes(70000)),
    Frame(OP_PONG, b""),
]


@given(st.lists(st.integers(min_value=1, max_value=70000), max_size=30), st.booleans())
@settings(max_examples=60, deadline=None)
def test_arbitrary_chunking_gives_the_same_events(sizes: list[int], to_server: bool) -> None:
    encode = client_frame if to_server else server_frame
    stream = b"".join(encode(frame) for frame in MESSAGES)
    protocol = Protocol(SERVER if to_server else CLIENT, max_size=None)
    pos = 0
    for size in sizes:
        protocol.receive_data(stream[pos : pos + size])
        pos += size
    protocol.receive_data(stream[pos:])
    assert protocol.events_received() == MESSAGES


def test_one_byte_at_a_time() -> None:
    stream = b"".join(client_frame(frame) for frame in MESSAGES)
    protocol = Protocol(SERVER, max_size=None)
    for index in range(len(stream)):
        protocol.receive_data(stream[index : index + 1])
    assert protocol.events_received() == MESSAGES


@given(st.binary(max_size=500), st.sampled_from([SERVER, CLIENT]))
@settings(max_examples=200)
def test_garbage_never_raises(data: bytes, side: Side) -> None:
    protocol = Protocol(side, max_size=1000)
    protocol.receive_data(data)
    protocol.receive_eof()
    assert protocol.state is CLOSED
    protocol.events_received()
    protocol.data_to_send()
    assert isinstance(protocol.close_exc, (ConnectionClosedOK, ConnectionClosedError))


# -- Receiving: protocol errors -------------------------------------------------------


def assert_failed(protocol: Protocol, code: int, reason: str) -> None:
    """The server failed the connection: Close frame, then EOF."""
    assert sent_frames(protocol) == [Frame(OP_CLOSE, close_bytes(code, reason)), SEND_EOF]
    assert protocol.state is CLOSING
    assert protocol.close_expected()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x83\x80\x00\x00\x00\x00", "invalid opcode"),
        (b"\x81\x00", "incorrect masking"),
        (b"\xc1\x80\x00\x00\x00\x00", "reserved bits must be 0"),
        (b"\x89\xfe\x00\x7e", "control frame too long"),
        (b"\x09\x80\x00\x00\x00\x00", "fragmented control frame"),
        (b"\x80\x80\x00\x00\x00\x00", "unexpected continuation frame"),
        (b"\x01\x80\x00\x00\x00\x00\x81\x80\x00\x00\x00\x00", "expected a continuation frame"),
        (b"\x88\x81\x00\x00\x00\x00\x03", "close frame too short"),
        (b"\x88\x82\x00\x00\x00\x00\x03\xed", "invalid status code"),
    ],
)
def test_protocol_errors_fail_with_1002(data: bytes, reason: str) -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(data)
    assert_failed(protocol, 1002, reason)
    assert isinstance(protocol.parser_exc, ProtocolError)


def test_errors_are_detected_from_the_header_alone() -> None:
    # A 64-bit length control frame: refused without waiting for its payload.
    protocol = Protocol(SERVER)
    protocol.receive_data(b"\x89\xff\x00\x00\x00\x00\x00\x01\x00\x00")
    assert_failed(protocol, 1002, "control frame too long")


def test_data_after_failure_is_ignored() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(b"\x83\x80\x00\x00\x00\x00" + client_frame(Frame(OP_TEXT, b"x")))
    assert protocol.events_received() == []
    protocol.receive_data(client_frame(Frame(OP_TEXT, b"y")))
    assert protocol.events_received() == []
    protocol.receive_eof()
    assert protocol.state is CLOSED
    assert protocol.close_code == 1006
    exc = protocol.close_exc
    assert isinstance(exc, ConnectionClosedError)
    assert str(exc) == "sent 1002 (protocol error) invalid opcode; no close frame received"
    assert isinstance(exc.__cause__, ProtocolError)


def test_client_waits_for_server_eof_after_failing() -> None:
    protocol = Protocol(CLIENT)
    protocol.receive_data(b"\x83\x00")
    [data] = protocol.data_to_send()
    assert data[:2] == b"\x88\x90"  # a masked Close frame, no EOF
    assert protocol.close_expected()
    protocol.receive_eof()
    assert protocol.data_to_send() == [SEND_EOF]
    assert protocol.state is CLOSED


# -- Receiving: sizes -----------------------------------------------------------------


def test_frame_over_max_size_fails_with_1009_from_its_header() -> None:
    protocol = Protocol(SERVER, max_size=1000)
    protocol.receive_data(b"\x82\xfe\x03\xe9")  # header of a 1001-byte frame
    assert_failed(protocol, 1009, "frame with 1001 bytes exceeds limit of 1000 bytes")
    assert isinstance(protocol.parser_exc, PayloadTooBig)


def test_fragmented_message_over_max_size_fails_with_1009() -> None:
    protocol = Protocol(SERVER, max_size=1000)
    protocol.receive_data(client_frame(Frame(OP_BINARY, bytes(600), fin=False)))
    protocol.receive_data(client_frame(Frame(OP_CONT, bytes(300), fin=False)))
    assert len(protocol.events_received()) == 2
    protocol.receive_data(client_frame(Frame(OP_CONT, bytes(101))))
    assert_failed(
        protocol, 1009, "frame with 101 bytes after reading 900 bytes exceeds limit of 1000 bytes"
    )


def test_max_size_none_means_no_limit() -> None:
    protocol = Protocol(SERVER, max_size=None)
    protocol.receive_data(client_frame(Frame(OP_BINARY, bytes(2**21))))
    assert protocol.events_received() == [Frame(OP_BINARY, bytes(2**21))]


def test_max_size_resets_between_messages() -> None:
    protocol = Protocol(SERVER, max_size=1000)
    for _ in range(3):
        protocol.receive_data(client_frame(Frame(OP_BINARY, bytes(600), fin=False)))
        protocol.receive_data(client_frame(Frame(OP_CONT, bytes(400))))
    assert len(protocol.events_received()) == 6
    assert protocol.data_to_send() == []


# -- Receiving: UTF-8 -----------------------------------------------------------------


def test_invalid_utf8_fails_with_1007() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(client_frame(Frame(OP_TEXT, b"caf\xe9!")))
    assert protocol.events_received() == []
    assert_failed(protocol, 1007, "invalid continuation byte at position 3")


def test_invalid_utf8_in_a_fragment_fails_before_the_message_ends() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(client_frame(Frame(OP_TEXT, "κόσμε".encode(), fin=False)))
    assert len(protocol.events_received()) == 1
    protocol.receive_data(client_frame(Frame(OP_CONT, b"\xed\xa0\x80", fin=False)))
    assert protocol.events_received() == []
    assert_failed(protocol, 1007, "invalid continuation byte at position 0")


def test_invalid_utf8_fails_as_soon_as_it_arrives_mid_frame() -> None:
    protocol = Protocol(SERVER)
    data = client_frame(Frame(OP_TEXT, b"hello" + b"\xff" + b"world"))
    protocol.receive_data(data[:8])  # header (6 bytes) and "he"
    assert protocol.data_to_send() == []
    protocol.receive_data(data[8:12])  # "llo\xff"
    assert_failed(protocol, 1007, "invalid start byte at position 3")


def test_characters_split_across_fragments_and_chunks_are_valid() -> None:
    encoded = "😀😀😀".encode()
    stream = client_frame(Frame(OP_TEXT, encoded[:5], fin=False)) + client_frame(
        Frame(OP_CONT, encoded[5:])
    )
    protocol = Protocol(SERVER)
    for index in range(len(stream)):
        protocol.receive_data(stream[index : index + 1])
    assert [frame.data for frame in protocol.events_received()] == [encoded[:5], encoded[5:]]  # type: ignore[union-attr]
    assert protocol.data_to_send() == []


def test_truncated_character_at_the_end_of_a_message_is_invalid() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(client_frame(Frame(OP_TEXT, b"\xf0\x9f", fin=False)))
    protocol.receive_data(client_frame(Frame(OP_CONT, b"")))
    assert_failed(protocol, 1007, "unexpected end of data at position 0")


def test_binary_messages_are_not_decoded() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(client_frame(Frame(OP_BINARY, b"\xff", fin=False)))
    protocol.receive_data(client_frame(Frame(OP_CONT, b"\xfe")))
    assert len(protocol.events_received()) == 2


def test_invalid_utf8_in_close_reason_fails_with_1007() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(client_frame(Frame(OP_CLOSE, b"\x03\xe8\xff")))
    assert_failed(protocol, 1007, "invalid start byte at position 0")


# -- Control frames and closing -------------------------------------------------------


def test_ping_is_answered_with_pong() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(client_frame(Frame(OP_PING, b"hi")))
    assert protocol.events_received() == [Frame(OP_PING, b"hi")]
    assert protocol.data_to_send() == [b"\x8a\x02hi"]


def test_ping_while_closing_is_not_answered() -> None:
    protocol = Protocol(SERVER)
    protocol.send_close(1000)
    protocol.data_to_send()
    protocol.receive_data(client_frame(Frame(OP_PING, b"hi")))
    assert protocol.events_received() == [Frame(OP_PING, b"hi")]
    assert protocol.data_to_send() == []


def test_close_initiated_by_client() -> None:
    client, server = Protocol(CLIENT), Protocol(SERVER)
    client.send_close(1000, "bye")
    assert client.state is CLOSING
    assert client.close_expected()
    for data in client.data_to_send():
        server.receive_data(data)
    assert server.events_received() == [Frame(OP_CLOSE, close_bytes(1000, "bye"))]
    # The server echoes the Close frame, then closes TCP.
    writes = server.data_to_send()
    assert writes == [unmasked(Frame(OP_CLOSE, close_bytes(1000, "bye"))), SEND_EOF]
    assert server.state is CLOSING
    client.receive_data(writes[0])
    assert client.events_received() == [Frame(OP_CLOSE, close_bytes(1000, "bye"))]
    assert client.data_to_send() == []
    client.receive_eof()
    assert client.data_to_send() == [SEND_EOF]
    server.receive_eof()
    for protocol, rcvd_then_sent in ((client, False), (server, True)):
        assert protocol.state is CLOSED
        assert (protocol.close_code, protocol.close_reason) == (1000, "bye")
        exc = protocol.close_exc
        assert isinstance(exc, ConnectionClosedOK)
        assert exc.rcvd_then_sent is rcvd_then_sent
    assert str(client.close_exc) == "sent 1000 (OK) bye; then received 1000 (OK) bye"
    assert str(server.close_exc) == "received 1000 (OK) bye; then sent 1000 (OK) bye"


def test_close_initiated_by_server() -> None:
    client, server = Protocol(CLIENT), Protocol(SERVER)
    server.send_close(1001)
    client.receive_data(server.data_to_send()[0])
    [echo] = client.data_to_send()
    assert client.state is CLOSING
    server.receive_data(echo)
    assert server.data_to_send() == [SEND_EOF]
    server.receive_eof()
    client.receive_eof()
    assert client.data_to_send() == [SEND_EOF]
    assert server.close_code == client.close_code == 1001
    assert isinstance(server.close_exc, ConnectionClosedOK)


def test_simultaneous_close() -> None:
    client, server = Protocol(CLIENT), Protocol(SERVER)
    client.send_close(1000, "client")
    server.send_close(1000, "server")
    [to_server] = client.data_to_send()
    [to_client] = server.data_to_send()
    client.receive_data(to_client)
    server.receive_data(to_server)
    assert client.data_to_send() == []
    assert server.data_to_send() == [SEND_EOF]
    client.receive_eof()
    server.receive_eof()
    assert (client.close_code, client.close_reason) == (1000, "server")
    assert (server.close_code, server.close_reason) == (1000, "client")
    assert client.close_exc.rcvd_then_sent is False


def test_close_with_an_error_code_gives_connection_closed_error() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(client_frame(Frame(OP_CLOSE, close_bytes(1011, "oops"))))
    protocol.receive_eof()
    exc = protocol.close_exc
    assert isinstance(exc, ConnectionClosedError)
    assert str(exc) == "received 1011 (internal error) oops; then sent 1011 (internal error) oops"


def test_close_in_the_middle_of_a_fragmented_message() -> None:
    # RFC 6455, section 5.4: control frames may come between fragments.
    protocol = Protocol(SERVER)
    protocol.receive_data(client_frame(Frame(OP_TEXT, b"frag", fin=False)))
    protocol.receive_data(client_frame(Frame(OP_CLOSE, close_bytes(1000))))
    assert sent_frames(protocol) == [Frame(OP_CLOSE, close_bytes(1000)), SEND_EOF]


def test_close_without_code() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(client_frame(Frame(OP_CLOSE, b"")))
    assert protocol.data_to_send() == [b"\x88\x00", SEND_EOF]
    protocol.receive_eof()
    assert (protocol.close_code, protocol.close_reason) == (1005, "")
    assert isinstance(protocol.close_exc, ConnectionClosedOK)


def test_frames_after_close_are_discarded() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(
        client_frame(Frame(OP_CLOSE, close_bytes(1000))) + client_frame(Frame(OP_TEXT, b"late"))
    )
    assert protocol.events_received() == [Frame(OP_CLOSE, close_bytes(1000))]
    protocol.receive_data(client_frame(Frame(OP_TEXT, b"later")))
    assert protocol.events_received() == []


def test_data_frames_are_delivered_while_closing() -> None:
    protocol = Protocol(SERVER)
    protocol.send_close(1000)
    protocol.receive_data(client_frame(Frame(OP_TEXT, b"in flight")))
    assert protocol.events_received() == [Frame(OP_TEXT, b"in flight")]


def test_eof_without_close_is_abnormal() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_data(client_frame(Frame(OP_TEXT, b"x"))[:3])
    protocol.receive_eof()
    assert protocol.state is CLOSED
    assert protocol.data_to_send() == [SEND_EOF]
    assert (protocol.close_code, protocol.close_reason) == (1006, "")
    exc = protocol.close_exc
    assert isinstance(exc, ConnectionClosedError)
    assert str(exc) == "no close frame received or sent"
    assert isinstance(exc.__cause__, EOFError)


def test_eof_from_server_without_close() -> None:
    protocol = Protocol(CLIENT)
    protocol.receive_eof()
    assert protocol.data_to_send() == [SEND_EOF]
    assert protocol.state is CLOSED


def test_receive_eof_twice_and_data_after_eof() -> None:
    protocol = Protocol(SERVER)
    protocol.receive_eof()
    protocol.receive_eof()
    assert protocol.data_to_send() == [SEND_EOF]
    with pytest.raises(EOFError, match="stream ended"):
        protocol.receive_data(b"x")


def test_close_exc_requires_closed_state() -> None:
    with pytest.raises(AssertionError):
        _ = Protocol(SERVER).close_exc


def test_fail_with_1006_sends_no_close_frame() -> None:
    protocol = Protocol(SERVER)
    protocol.fail(1006)
    assert protocol.data_to_send() == [SEND_EOF]
    assert protocol.state is OPEN
    protocol.receive_eof()
    assert protocol.state is CLOSED


def test_fail_as_client() -> None:
    protocol = Protocol(CLIENT)
    protocol.fail(1011, "oops")
    assert len(protocol.data_to_send()) == 1
    assert protocol.state is CLOSING
    protocol.receive_data(server_frame(Frame(OP_TEXT, b"ignored")))
    assert protocol.events_received() == []


def test_unexpected_error_in_an_extension_fails_with_1011(caplog: pytest.LogCaptureFixture) -> None:
    from websockets.extensions.base import Extension
    from websockets.typing import ExtensionName

    class Broken(Extension):
        name = ExtensionName("x-broken")

        def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
            raise RuntimeError("boom")

        def encode(self, frame: Frame) -> Frame:
            return frame

    protocol = Protocol(SERVER)
    protocol.extensions = [Broken()]
    with caplog.at_level(logging.ERROR):
        protocol.receive_data(client_frame(Frame(OP_TEXT, b"x")))
    assert_failed(protocol, 1011, "")
    assert "parser failed" in caplog.text


# -- Logging --------------------------------------------------------------------------


def test_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.protocol")
    logger.setLevel(logging.DEBUG)
    with caplog.at_level(logging.DEBUG, logger="test.protocol"):
        protocol = Protocol(SERVER, logger=logger)
        protocol.receive_data(client_frame(Frame(OP_TEXT, b"hi")))
        protocol.send_close(1000)
        protocol.receive_data(client_frame(Frame(OP_CLOSE, close_bytes(1000))))
        protocol.receive_eof()
    assert [record.getMessage() for record in caplog.records] == [
        "= connection is OPEN",
        "< TEXT 'hi' [2 bytes]",
        "> CLOSE 1000 (OK) [2 bytes]",
        "= connection is CLOSING",
        "< CLOSE 1000 (OK) [2 bytes]",
        "> EOF",
        "< EOF",
        "= connection is CLOSED",
    ]


def test_bare_protocol_in_connecting_state_reads_frames() -> None:
    protocol = Protocol(SERVER, state=State.CONNECTING)
    protocol.receive_data(client_frame(Frame(OP_TEXT, b"x")))
    assert protocol.events_received() == [Frame(OP_TEXT, b"x")]


def test_empty_chunks_in_the_middle_of_a_text_frame() -> None:
    protocol = Protocol(SERVER)
    data = client_frame(Frame(OP_TEXT, b"hello"))
    protocol.receive_data(data[:8])
    protocol.receive_data(b"")
    protocol.receive_data(data[8:])
    assert protocol.events_received() == [Frame(OP_TEXT, b"hello")]


def test_reserved_bit_left_by_extensions_fails_with_1002() -> None:
    from websockets.extensions.base import Extension
    from websockets.typing import ExtensionName

    class Inert(Extension):
        name = ExtensionName("x-inert")

        def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
            return frame

        def encode(self, frame: Frame) -> Frame:
            return frame

    protocol = Protocol(SERVER)
    protocol.extensions = [Inert()]
    protocol.receive_data(client_frame(Frame(OP_TEXT, b"x")))
    protocol.receive_data(Frame(OP_TEXT, b"x", rsv2=True).encoded(True))
    assert len(protocol.events_received()) == 1
    assert_failed(protocol, 1002, "reserved bits must be 0")
