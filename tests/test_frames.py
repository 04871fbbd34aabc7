"""Frames and Close payloads (RFC 6455, section 5)."""

from __future__ import annotations

import array
import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets import frames
from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions.base import Extension
from websockets.frames import (
    CTRL_OPCODES,
    DATA_OPCODES,
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    BytesLike,
    Close,
    CloseCode,
    Frame,
    Opcode,
)
from websockets.streams import StreamReader
from websockets.typing import ExtensionName

MASK = b"\x37\xfa\x21\x3d"


def parse(
    data: bytes,
    *,
    mask: bool,
    max_size: int | None = None,
    extensions: Sequence[Extension] | None = None,
) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=mask, max_size=max_size, extensions=extensions)
    try:
        next(parser)
    except StopIteration as stop:
        frame: Frame = stop.value
        return frame
    raise AssertionError("parser needs more data")


@pytest.fixture
def fixed_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    def masking_key() -> bytes:
        return MASK

    monkeypatch.setattr(frames, "new_masking_key", masking_key)
    # The C encoder draws keys from its own pool: use the Python one.
    monkeypatch.setattr(frames, "encode_frame", frames.py_encode_frame)


# RFC 6455, section 5.7, "Examples".
RFC_EXAMPLES = [
    (b"\x81\x05Hello", False, Frame(OP_TEXT, b"Hello")),
    (b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", True, Frame(OP_TEXT, b"Hello")),
    (b"\x01\x03Hel", False, Frame(OP_TEXT, b"Hel", fin=False)),
    (b"\x80\x02lo", False, Frame(OP_CONT, b"lo")),
    (b"\x89\x05Hello", False, Frame(OP_PING, b"Hello")),
    (b"\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", True, Frame(OP_PONG, b"Hello")),
    (b"\x82\x7e\x01\x00" + bytes(256), False, Frame(OP_BINARY, bytes(256))),
    (
        b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00" + bytes(65536),
        False,
        Frame(OP_BINARY, bytes(65536)),
    ),
]


@pytest.mark.parametrize(("encoded", "mask", "frame"), RFC_EXAMPLES)
@pytest.mark.usefixtures("fixed_mask")
def test_rfc_examples(encoded: bytes, mask: bool, frame: Frame) -> None:
    assert parse(encoded, mask=mask) == frame
    assert frame.serialize(mask=mask) == encoded


def test_opcode_groups() -> None:
    assert DATA_OPCODES == (Opcode.CONT, Opcode.TEXT, Opcode.BINARY)
    assert CTRL_OPCODES == (Opcode.CLOSE, Opcode.PING, Opcode.PONG)
    assert OP_CLOSE is Opcode.CLOSE


def test_shortest_length_encoding() -> None:
    assert Frame(OP_BINARY, bytes(125)).serialize(mask=False)[:2] == b"\x82\x7d"
    assert Frame(OP_BINARY, bytes(126)).serialize(mask=False)[:4] == b"\x82\x7e\x00\x7e"
    assert Frame(OP_BINARY, bytes(65535)).serialize(mask=False)[:4] == b"\x82\x7e\xff\xff"
    assert Frame(OP_BINARY, bytes(65536)).serialize(mask=False)[:2] == b"\x82\x7f"


def test_masking_key_is_random() -> None:
    frame = Frame(OP_TEXT, b"Hello")
    keys = {frame.serialize(mask=True)[2:6] for _ in range(8)}
    assert len(keys) > 1


def test_rsv_bits_round_trip() -> None:
    frame = Frame(OP_TEXT, b"x", rsv1=True, rsv2=True, rsv3=True)
    assert frame.encoded(False) == b"\xf1\x01x"


@pytest.mark.parametrize(
    ("encoded", "mask", "message"),
    [
        (b"\x83\x00", False, "invalid opcode"),
        (b"\x8b\x00", False, "invalid opcode"),
        (b"\x81\x00", True, "incorrect masking"),
        (b"\x81\x80" + MASK, False, "incorrect masking"),
        (b"\xc1\x00", False, "reserved bits must be 0"),
        (b"\xa1\x00", False, "reserved bits must be 0"),
        (b"\x91\x00", False, "reserved bits must be 0"),
        (b"\x89\x7e\x00\x7e" + bytes(126), False, "control frame too long"),
        (b"\x09\x00", False, "fragmented control frame"),
    ],
)
def test_parse_errors(encoded: bytes, mask: bool, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse(encoded, mask=mask)


def test_control_frame_length_is_checked_before_the_payload() -> None:
    # The payload never arrives; the header alone is enough to refuse the frame.
    reader = StreamReader()
    reader.feed_data(b"\x89\x7f\x00\x00\x00\x00\x00\x01\x00\x00")
    parser = Frame.parse(reader.read_exact, mask=False)
    with pytest.raises(ProtocolError, match="control frame too long"):
        next(parser)


def test_max_size_is_checked_before_the_payload() -> None:
    reader = StreamReader()
    reader.feed_data(b"\x82\x7f\x00\x00\x00\x00\x40\x00\x00\x00")
    parser = Frame.parse(reader.read_exact, mask=False, max_size=2**20)
    with pytest.raises(PayloadTooBig) as excinfo:
        next(parser)
    assert (excinfo.value.size, excinfo.value.max_size) == (2**30, 2**20)


def test_truncated_frame() -> None:
    with pytest.raises(EOFError):
        parse(b"\x81\x05Hel", mask=False)


def test_serialize_checks_the_frame() -> None:
    with pytest.raises(ProtocolError, match="fragmented control frame"):
        Frame(OP_PING, b"", fin=False).serialize(mask=False)
    with pytest.raises(ProtocolError, match="control frame too long"):
        Frame(OP_PONG, bytes(126)).serialize(mask=False)
    with pytest.raises(ProtocolError, match="reserved bits must be 0"):
        Frame(OP_TEXT, b"", rsv2=True).serialize(mask=False)


class Reverse(Extension):
    """An extension that reverses payloads and marks them with RSV2."""

    name = ExtensionName("x-reverse")

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        assert frame.rsv2
        return Frame(frame.opcode, bytes(frame.data)[::-1], frame.fin, frame.rsv1, False)

    def encode(self, frame: Frame) -> Frame:
        return Frame(frame.opcode, bytes(frame.data)[::-1], frame.fin, frame.rsv1, True)


def test_extensions() -> None:
    frame = Frame(OP_TEXT, b"Hello")
    encoded = frame.serialize(mask=False, extensions=[Reverse()])
    assert encoded == b"\xa1\x05olleH"
    assert parse(encoded, mask=False, extensions=[Reverse()]) == frame


@given(
    opcode=st.sampled_from([OP_TEXT, OP_BINARY, OP_CONT]),
    data=st.binary(max_size=70000),
    fin=st.booleans(),
    mask=st.booleans(),
)
def test_round_trip(opcode: Opcode, data: bytes, fin: bool, mask: bool) -> None:
    frame = Frame(opcode, data, fin)
    assert parse(frame.serialize(mask=mask), mask=mask) == frame


@given(st.binary(max_size=300), st.booleans())
def test_garbage_raises_only_documented_errors(data: bytes, mask: bool) -> None:
    with contextlib.suppress(ProtocolError, PayloadTooBig, EOFError):
        parse(data, mask=mask, max_size=1000)


@pytest.mark.parametrize(
    ("frame", "text"),
    [
        (Frame(OP_TEXT, b"hello"), "TEXT 'hello' [5 bytes]"),
        (Frame(OP_TEXT, b"a", fin=False), "TEXT 'a' [1 byte, continued]"),
        (Frame(OP_BINARY, b"\x00\x01\xff"), "BINARY 00 01 ff [3 bytes]"),
        (Frame(OP_CONT, b"more"), "CONT 'more' [text, 4 bytes]"),
        (Frame(OP_CONT, b"\xff\xfe"), "CONT ff fe [binary, 2 bytes]"),
        (Frame(OP_CONT, b""), "CONT '' [0 bytes]"),
        (Frame(OP_PING, b""), "PING '' [0 bytes]"),
        (Frame(OP_PONG, b"\x00\x00\x00\x01"), "PONG '\\x00\\x00\\x00\\x01' [text, 4 bytes]"),
        (Frame(OP_CLOSE, b"\x03\xe8bye"), "CLOSE 1000 (OK) bye [5 bytes]"),
        (Frame(OP_CLOSE, b""), "CLOSE 1005 (no status received [internal]) [0 bytes]"),
    ],
)
def test_str(frame: Frame, text: str) -> None:
    assert str(frame) == text


def test_str_shortens_long_payloads() -> None:
    text = str(Frame(OP_TEXT, b"x" * 1000))
    assert text == f"TEXT '{'x' * 47}...{'x' * 23}' [1000 bytes]"
    binary = str(Frame(OP_BINARY, bytes(range(100))))
    head = " ".join(f"{byte:02x}" for byte in range(16))
    tail = " ".join(f"{byte:02x}" for byte in range(92, 100))
    assert binary == f"BINARY {head} ... {tail} [100 bytes]"


@pytest.mark.parametrize(
    ("close", "text"),
    [
        (Close(1000, ""), "1000 (OK)"),
        (Close(1001, "bye"), "1001 (going away) bye"),
        (Close(3000, ""), "3000 (registered)"),
        (Close(4001, "x"), "4001 (private use) x"),
        (Close(2999, ""), "2999 (unknown)"),
        (Close(CloseCode.INTERNAL_ERROR, ""), "1011 (internal error)"),
    ],
)
def test_close_str(close: Close, text: str) -> None:
    assert str(close) == text


def test_close_parse_and_serialize() -> None:
    assert Close.parse(b"\x03\xe8") == Close(1000, "")
    assert Close.parse(b"\x0f\xa1caf\xc3\xa9") == Close(4001, "café")
    assert Close.parse(b"") == Close(1005, "")
    assert Close(4001, "café").serialize() == b"\x0f\xa1caf\xc3\xa9"
    with pytest.raises(ProtocolError, match="close frame too short"):
        Close.parse(b"\x03")
    with pytest.raises(UnicodeDecodeError):
        Close.parse(b"\x03\xe8\xff")


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000])
def test_close_codes_that_may_not_be_sent(code: int) -> None:
    with pytest.raises(ProtocolError, match="invalid status code"):
        Close(code, "").serialize()
    with pytest.raises(ProtocolError, match="invalid status code"):
        Close.parse(code.to_bytes(2, "big"))


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999])
def test_close_codes_that_may_be_sent(code: int) -> None:
    assert Close.parse(Close(code, "").serialize()) == Close(code, "")


def test_pure_python_fallback_without_the_accelerator() -> None:
    code = (
        "import sys; sys.modules['websockets.speedups'] = None\n"
        "import websockets.frames, websockets.protocol, websockets.utils\n"
        "assert websockets.frames.apply_mask is websockets.utils.apply_mask\n"
        "assert websockets.protocol.apply_mask is websockets.utils.apply_mask\n"
        "assert websockets.frames.encode_frame is websockets.frames.py_encode_frame\n"
        "assert websockets.protocol._read_frames is None\n"
        "from websockets.frames import Frame, Opcode\n"
        "assert Frame(Opcode.TEXT, b'x').serialize(mask=True)[:2] == b'\\x81\\x81'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


def test_max_log_size_from_the_environment() -> None:
    code = "from websockets.frames import Frame; print(Frame.MAX_LOG_SIZE)"
    env = {**os.environ, "WEBSOCKETS_MAX_LOG_SIZE": "12"}
    output = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert output.stdout.strip() == "12"


def test_masking_keys_come_from_a_pool_of_os_randomness() -> None:
    keys = [frames.new_masking_key() for _ in range(600)]
    assert all(len(key) == 4 for key in keys)
    assert len(set(keys)) > 590


@pytest.mark.parametrize("encode", [frames.py_encode_frame, frames.encode_frame])
def test_encode_frame_counts_bytes_of_wide_memoryviews(
    encode: Callable[[int, BytesLike, bool], bytes],
) -> None:
    # Two 4-byte items: the length is 8 bytes, whatever the format of the view.
    data = memoryview(array.array("I", [1, 2]))
    frame = encode(0x82, data, False)
    assert frame == b"\x82\x08" + data.tobytes()
    strided = memoryview(b"abcdef")[::2]
    assert encode(0x82, strided, False) == b"\x82\x03ace"


def test_py_encode_frame_checks_the_first_byte() -> None:
    with pytest.raises(ValueError, match="first must be between 0 and 255"):
        frames.py_encode_frame(256, bytes(200), False)
