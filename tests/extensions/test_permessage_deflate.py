"""Tests for websockets.extensions.permessage_deflate (RFC 7692)."""

from __future__ import annotations

import random
import time
import tracemalloc
import zlib
from collections.abc import Generator, Sequence
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from websockets.exceptions import (
    DuplicateParameter,
    InvalidParameterName,
    InvalidParameterValue,
    NegotiationError,
    PayloadTooBig,
    ProtocolError,
)
from websockets.extensions import (
    ClientExtensionFactory,
    Extension,
    ServerExtensionFactory,
    permessage_deflate,
)
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
    enable_client_permessage_deflate,
    enable_server_permessage_deflate,
)
from websockets.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, Frame, Opcode
from websockets.typing import ExtensionName, ExtensionParameter

MiB = 2**20
TAIL = b"\x00\x00\xff\xff"
HELLO = bytes.fromhex("f2 48 cd c9 c9 07 00")  # RFC 7692 section 7.2.3.1

# -- Helpers ------------------------------------------------------------------------------


def extension(
    remote_no_context_takeover: bool = False,
    local_no_context_takeover: bool = False,
    remote_max_window_bits: int = 15,
    local_max_window_bits: int = 15,
    compress_settings: dict[str, Any] | None = None,
) -> PerMessageDeflate:
    return PerMessageDeflate(
        remote_no_context_takeover,
        local_no_context_takeover,
        remote_max_window_bits,
        local_max_window_bits,
        compress_settings,
    )


def peers(
    no_context_takeover: bool = False, window_bits: int = 15
) -> tuple[PerMessageDeflate, PerMessageDeflate]:
    """Return a sender and a receiver with matching settings."""
    sender = extension(False, no_context_takeover, 15, window_bits)
    receiver = extension(no_context_takeover, False, window_bits, 15)
    return sender, receiver


def fragments(opcode: Opcode, *chunks: bytes, rsv1: bool = False) -> list[Frame]:
    """Split a message into frames carrying ``chunks``."""
    frames = [Frame(OP_CONT, chunk, False) for chunk in chunks]
    frames[0] = Frame(opcode, chunks[0], False, rsv1)
    frames[-1].fin = True
    return frames


def receive_message(
    receiver: Extension, frames: Sequence[Frame], max_size: int | None = None
) -> bytes:
    """Decode a message, bounding it as a whole like the protocol layer does."""
    received = b""
    for frame in frames:
        budget = None if max_size is None else max_size - len(received)
        try:
            decoded = receiver.decode(frame, max_size=budget)
        except PayloadTooBig as exc:
            exc.set_current_size(len(received))
            raise
        received += decoded.data
    return received


def send_message(sender: Extension, opcode: Opcode, *chunks: bytes) -> list[Frame]:
    return [sender.encode(frame) for frame in fragments(opcode, *chunks)]


def parse(
    data: bytes, *, mask: bool = False, max_size: int | None = None, extensions: list[Extension]
) -> Frame:
    """Parse one frame from ``data`` with Frame.parse."""
    position = 0

    def read_exact(size: int) -> Generator[None, None, bytes]:
        nonlocal position
        if position + size > len(data):
            yield  # more data would be needed; the test fails below
        chunk = data[position : position + size]
        position += size
        return chunk

    parser = Frame.parse(read_exact, mask=mask, max_size=max_size, extensions=extensions)
    try:
        next(parser)
    except StopIteration as stop:
        assert position == len(data), "trailing data"
        frame: Frame = stop.value
        return frame
    raise AssertionError("incomplete frame")


def bomb(size_in_mib: int) -> bytes:
    """Return the payload of a one-frame message inflating to that many MiB of zeros.

    Deflate can't shrink data more than about 1000 times, so 1 GiB takes about 1 MB.
    Past the first MiB, each MiB of zeros compresses to the same bytes: repeat them
    instead of compressing a gigabyte.

    """
    encoder = zlib.compressobj(wbits=-15)
    zeros = bytes(MiB)
    first, second, third = (
        encoder.compress(zeros) + encoder.flush(zlib.Z_SYNC_FLUSH) for _ in "123"
    )
    assert second == third
    return (first + second * (size_in_mib - 1))[: -len(TAIL)]


# -- PerMessageDeflate: construction ------------------------------------------------------


def test_name() -> None:
    assert PerMessageDeflate.name == "permessage-deflate"
    assert extension().name == "permessage-deflate"


def test_attributes() -> None:
    ext = PerMessageDeflate(True, False, 9, 12, {"memLevel": 4})
    assert ext.remote_no_context_takeover is True
    assert ext.local_no_context_takeover is False
    assert ext.remote_max_window_bits == 9
    assert ext.local_max_window_bits == 12
    assert ext.compress_settings == {"memLevel": 4}
    assert extension().compress_settings == {}


def test_repr() -> None:
    assert repr(PerMessageDeflate(False, True, 10, 15, {"level": 1})) == (
        "PerMessageDeflate(remote_no_context_takeover=False, local_no_context_takeover=True, "
        "remote_max_window_bits=10, local_max_window_bits=15, compress_settings={'level': 1})"
    )


@pytest.mark.parametrize("bits", [0, 7, 16, 100])
def test_invalid_window_bits(bits: int) -> None:
    with pytest.raises(ValueError, match="remote_max_window_bits must be between 8 and 15"):
        extension(remote_max_window_bits=bits)
    with pytest.raises(ValueError, match="local_max_window_bits must be between 8 and 15"):
        extension(local_max_window_bits=bits)


@pytest.mark.parametrize("bits", range(8, 16))
def test_valid_window_bits(bits: int) -> None:
    sender, receiver = peers(window_bits=bits)
    message = b"".join(b"%d " % i for i in range(2000))
    assert receive_message(receiver, send_message(sender, OP_BINARY, message)) == message


def test_compress_settings_without_wbits() -> None:
    with pytest.raises(ValueError, match="must not set wbits"):
        extension(compress_settings={"wbits": 9})


def test_compress_settings_apply() -> None:
    message = b"".join(b"%d " % i for i in range(1000))
    stored = extension(compress_settings={"level": 0}).encode(Frame(OP_BINARY, message))
    packed = extension(compress_settings={"level": 9}).encode(Frame(OP_BINARY, message))
    assert len(stored.data) > len(message) > len(packed.data)


# -- PerMessageDeflate: encoding ----------------------------------------------------------


@pytest.mark.parametrize("opcode", [OP_CLOSE, OP_PING, OP_PONG])
def test_encode_leaves_control_frames(opcode: Opcode) -> None:
    ext = extension()
    frame = Frame(opcode, b"\x03\xe8hello")
    assert ext.encode(frame) is frame


@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY])
def test_encode_hello(opcode: Opcode) -> None:
    # RFC 7692 section 7.2.3.1, byte for byte.
    assert extension().encode(Frame(opcode, b"Hello")) == Frame(opcode, HELLO, rsv1=True)


def test_encode_hello_on_the_wire() -> None:
    # RFC 7692 section 7.2.3.1: the whole unmasked frame.
    data = Frame(OP_TEXT, b"Hello").serialize(mask=False, extensions=[extension()])
    assert data == bytes.fromhex("c1 07 f2 48 cd c9 c9 07 00")


def test_encode_shares_the_window() -> None:
    # RFC 7692 section 7.2.3.2: the second "Hello" refers to the first.
    ext = extension()
    assert ext.encode(Frame(OP_TEXT, b"Hello")).data == HELLO
    assert ext.encode(Frame(OP_TEXT, b"Hello")).data == bytes.fromhex("f2 00 11 00 00")


def test_encode_without_context_takeover() -> None:
    ext = extension(local_no_context_takeover=True)
    for _ in range(3):
        assert ext.encode(Frame(OP_TEXT, b"Hello")).data == HELLO


def test_encode_without_context_takeover_across_fragments() -> None:
    # Within a message, later frames refer to earlier ones; across messages, never.
    ext = extension(local_no_context_takeover=True)
    message = [ext.encode(frame) for frame in fragments(OP_TEXT, b"Hello", b"Hello")]
    assert message[1].data == bytes.fromhex("f2 00 11 00 00")
    for _ in range(2):
        next_message = [ext.encode(frame) for frame in fragments(OP_TEXT, b"Hello", b"Hello")]
        assert next_message == message
        # A fresh decompressor can read each message.
        assert receive_message(extension(), next_message) == b"HelloHello"


def test_encode_empty_message() -> None:
    # RFC 7692 section 7.2.3.6: an empty message compresses to a single 0x00 byte.
    assert extension().encode(Frame(OP_BINARY, b"")).data == b"\x00"


def test_encode_fragments() -> None:
    ext = extension()
    frames = [ext.encode(frame) for frame in fragments(OP_TEXT, b"He", b"l", b"lo")]
    assert [(frame.opcode, frame.fin, frame.rsv1) for frame in frames] == [
        (OP_TEXT, False, True),
        (OP_CONT, False, False),
        (OP_CONT, True, False),
    ]
    # Every frame is flushed; only the last one drops the tail of its flush.
    assert bytes(frames[0].data).endswith(TAIL)
    assert bytes(frames[1].data).endswith(TAIL)
    assert not bytes(frames[2].data).endswith(TAIL)
    assert receive_message(extension(), frames) == b"Hello"


def test_encode_fragments_interleaved_with_control_frames() -> None:
    ext = extension()
    first = ext.encode(Frame(OP_TEXT, b"Hel", fin=False))
    ping = Frame(OP_PING, b"ping")
    assert ext.encode(ping) is ping
    last = ext.encode(Frame(OP_CONT, b"lo"))
    assert receive_message(extension(), [first, last]) == b"Hello"


def test_encode_empty_fragments() -> None:
    ext = extension()
    frames = [ext.encode(frame) for frame in fragments(OP_BINARY, b"", b"abc", b"", b"")]
    assert receive_message(extension(), frames) == b"abc"
    # The window and the decompressor remain in step for the next message.
    assert ext.encode(Frame(OP_TEXT, b"Hello")).data == HELLO


def test_encode_keeps_other_reserved_bits() -> None:
    encoded = extension().encode(Frame(OP_TEXT, b"Hello", rsv2=True, rsv3=True))
    assert (encoded.rsv1, encoded.rsv2, encoded.rsv3) == (True, True, True)


@pytest.mark.parametrize("data", [bytearray(b"Hello"), memoryview(b"Hello")])
def test_encode_accepts_buffers(data: bytearray | memoryview) -> None:
    assert extension().encode(Frame(OP_TEXT, data)).data == HELLO


def test_encode_leaves_the_frame_alone() -> None:
    frame = Frame(OP_TEXT, b"Hello")
    extension().encode(frame)
    assert frame == Frame(OP_TEXT, b"Hello")


def test_encode_with_8_window_bits_stays_within_256_bytes() -> None:
    # zlib can't compress with a 256-byte window and uses 512 bytes instead: check that
    # a 256-byte window still decompresses messages referring to earlier ones.
    message = random.Random(0).randbytes(300)
    # A 1 KB window would refer to the previous message, 300 bytes back: too far.
    encoder = zlib.compressobj(wbits=-10)
    decoder = zlib.decompressobj(wbits=-8)
    decoder.decompress(encoder.compress(message) + encoder.flush(zlib.Z_SYNC_FLUSH))
    with pytest.raises(zlib.error, match="too far back"):
        decoder.decompress(encoder.compress(message) + encoder.flush(zlib.Z_SYNC_FLUSH))

    sender, receiver = peers(window_bits=8)
    decoder = zlib.decompressobj(wbits=-8)
    for _ in range(3):
        frame = sender.encode(Frame(OP_BINARY, message))
        assert decoder.decompress(bytes(frame.data) + TAIL) == message
        assert receiver.decode(frame).data == message


def test_encode_doesnt_change_compress_settings() -> None:
    settings_ = {"memLevel": 5}
    ext = extension(compress_settings=settings_)
    ext.encode(Frame(OP_TEXT, b"Hello"))
    assert ext.compress_settings is settings_
    assert settings_ == {"memLevel": 5}


# -- PerMessageDeflate: decoding ----------------------------------------------------------


@pytest.mark.parametrize("opcode", [OP_CLOSE, OP_PING, OP_PONG])
@pytest.mark.parametrize("rsv1", [False, True])
def test_decode_leaves_control_frames(opcode: Opcode, rsv1: bool) -> None:
    ext = extension()
    frame = Frame(opcode, HELLO, rsv1=rsv1)
    assert ext.decode(frame) is frame


@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY])
def test_decode_leaves_uncompressed_messages(opcode: Opcode) -> None:
    ext = extension()
    frames = fragments(opcode, HELLO, HELLO)
    for frame in frames:
        assert ext.decode(frame) is frame


def test_decode_leaves_stray_continuation() -> None:
    ext = extension()
    frame = Frame(OP_CONT, HELLO)
    assert ext.decode(frame) is frame


@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY])
def test_decode_hello(opcode: Opcode) -> None:
    # RFC 7692 section 7.2.3.1.
    frame = extension().decode(Frame(opcode, HELLO, rsv1=True))
    assert frame == Frame(opcode, b"Hello")
    assert type(frame.data) is bytes


def test_decode_hello_on_the_wire() -> None:
    # RFC 7692 section 7.2.3.1: the whole unmasked frame.
    data = bytes.fromhex("c1 07 f2 48 cd c9 c9 07 00")
    assert parse(data, extensions=[extension()]) == Frame(OP_TEXT, b"Hello")


def test_decode_fragmented_hello_on_the_wire() -> None:
    # RFC 7692 section 7.2.3.1: the same message split into two frames.
    ext = extension()
    first = parse(bytes.fromhex("41 03 f2 48 cd"), extensions=[ext])
    last = parse(bytes.fromhex("80 04 c9 c9 07 00"), extensions=[ext])
    assert (first.opcode, first.fin, first.rsv1) == (OP_TEXT, False, False)
    assert (last.opcode, last.fin, last.rsv1) == (OP_CONT, True, False)
    assert bytes(first.data) + bytes(last.data) == b"Hello"


def test_decode_shares_the_window() -> None:
    # RFC 7692 section 7.2.3.2.
    ext = extension()
    assert ext.decode(Frame(OP_TEXT, HELLO, rsv1=True)).data == b"Hello"
    second = Frame(OP_TEXT, bytes.fromhex("f2 00 11 00 00"), rsv1=True)
    assert ext.decode(second).data == b"Hello"
    # Without the first message, the second one refers to nothing.
    with pytest.raises(ProtocolError, match="decompression failed"):
        extension().decode(second)


def test_decode_stored_block() -> None:
    # RFC 7692 section 7.2.3.3: a DEFLATE block with no compression.
    data = bytes.fromhex("00 05 00 fa ff 48 65 6c 6c 6f 00")
    assert extension().decode(Frame(OP_TEXT, data, rsv1=True)).data == b"Hello"


def test_decode_final_block() -> None:
    # RFC 7692 section 7.2.3.4: a DEFLATE block with BFINAL set.
    ext = extension()
    data = bytes.fromhex("f3 48 cd c9 c9 07 00 00")
    assert ext.decode(Frame(OP_TEXT, data, rsv1=True)).data == b"Hello"
    # The stream ended: the next message starts a new one.
    assert ext.decode(Frame(OP_TEXT, data, rsv1=True)).data == b"Hello"
    assert ext.decode(Frame(OP_TEXT, HELLO, rsv1=True)).data == b"Hello"


def test_decode_final_block_then_more_in_the_same_frame() -> None:
    # Whatever follows a final block in the message is a new stream, not dropped data.
    data = (
        bytes.fromhex("f3 48 cd c9 c9 07 00") + HELLO + TAIL + bytes.fromhex("f3 48 cd c9 c9 07 00")
    )
    assert extension().decode(Frame(OP_TEXT, data, rsv1=True)).data == b"HelloHelloHello"


def test_decode_final_block_in_a_fragment() -> None:
    ext = extension()
    final_block = bytes.fromhex("f3 48 cd c9 c9 07 00")
    frames = fragments(OP_TEXT, final_block, HELLO, rsv1=True)
    assert receive_message(ext, frames) == b"HelloHello"
    assert ext.decode(Frame(OP_TEXT, HELLO, rsv1=True)).data == b"Hello"


def test_decode_two_blocks() -> None:
    # RFC 7692 section 7.2.3.5: two DEFLATE blocks in one message.
    data = bytes.fromhex("f2 48 05 00 00 00 ff ff ca c9 c9 07 00")
    assert extension().decode(Frame(OP_TEXT, data, rsv1=True)).data == b"Hello"


def test_decode_empty_message() -> None:
    # RFC 7692 section 7.2.3.6.
    ext = extension()
    assert ext.decode(Frame(OP_BINARY, b"\x00", rsv1=True)).data == b""
    assert ext.decode(Frame(OP_BINARY, b"\x00", rsv1=True)).data == b""
    assert ext.decode(Frame(OP_TEXT, HELLO, rsv1=True)).data == b"Hello"


def test_decode_continuations() -> None:
    sender, receiver = peers()
    frames = send_message(sender, OP_BINARY, b"first ", b"second ", b"third")
    decoded = [receiver.decode(frame) for frame in frames]
    assert [(frame.opcode, frame.fin, frame.rsv1) for frame in decoded] == [
        (OP_BINARY, False, False),
        (OP_CONT, False, False),
        (OP_CONT, True, False),
    ]
    assert b"".join(frame.data for frame in decoded) == b"first second third"
    # The message is over: continuations no longer belong to a compressed message.
    stray = Frame(OP_CONT, b"x")
    assert receiver.decode(stray) is stray


def test_decode_continuations_interleaved_with_control_frames() -> None:
    ext = extension()
    assert ext.decode(Frame(OP_TEXT, bytes.fromhex("f2 48 cd"), False, True)).data == b"He"
    pong = Frame(OP_PONG, b"\x00\x00")
    assert ext.decode(pong) is pong
    assert ext.decode(Frame(OP_CONT, bytes.fromhex("c9 c9 07 00"))).data == b"llo"


def test_decode_uncompressed_message_ends_a_compressed_one() -> None:
    # A new message without RSV1 before the end of a compressed one breaks the
    # protocol, which the protocol layer reports; its continuations stay untouched.
    ext = extension()
    ext.decode(Frame(OP_TEXT, bytes.fromhex("f2 48 cd"), False, True))
    ext.decode(Frame(OP_TEXT, b"plain", False))
    continuation = Frame(OP_CONT, b"text")
    assert ext.decode(continuation) is continuation


def test_decode_keeps_rsv1_on_continuations() -> None:
    # RSV1 is only allowed on the first frame: Frame.check must still see it.
    ext = extension()
    ext.decode(Frame(OP_TEXT, bytes.fromhex("f2 48 cd"), False, True))
    frame = ext.decode(Frame(OP_CONT, bytes.fromhex("c9 c9 07 00"), True, True))
    assert frame.rsv1
    with pytest.raises(ProtocolError, match="reserved bits must be 0"):
        frame.check()


def test_decode_rejects_rsv1_on_continuations_on_the_wire() -> None:
    ext = extension()
    parse(bytes.fromhex("41 03 f2 48 cd"), extensions=[ext])
    with pytest.raises(ProtocolError, match="reserved bits must be 0"):
        parse(bytes.fromhex("c0 04 c9 c9 07 00"), extensions=[ext])


def test_decode_keeps_other_reserved_bits() -> None:
    decoded = extension().decode(Frame(OP_TEXT, HELLO, rsv1=True, rsv2=True, rsv3=True))
    assert (decoded.rsv1, decoded.rsv2, decoded.rsv3) == (False, True, True)


@pytest.mark.parametrize("data", [bytearray(HELLO), memoryview(HELLO)])
@pytest.mark.parametrize("fin", [True, False])
def test_decode_accepts_buffers(data: bytearray | memoryview, fin: bool) -> None:
    assert extension().decode(Frame(OP_TEXT, data, fin, True)).data == b"Hello"


def test_decode_leaves_the_frame_alone() -> None:
    data = bytearray(HELLO)
    frame = Frame(OP_TEXT, data, rsv1=True)
    extension().decode(frame)
    assert frame == Frame(OP_TEXT, bytearray(HELLO), rsv1=True)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff",  # final block of the reserved type
        b"\x06",  # block of the reserved type
        b"\x00\x05\x00\x00\x00",  # stored block whose lengths disagree
        bytes.fromhex("f2 00 11 00 00"),  # reference to nothing
    ],
)
def test_decode_invalid_data(data: bytes) -> None:
    with pytest.raises(ProtocolError, match="decompression failed") as raised:
        extension().decode(Frame(OP_BINARY, data, rsv1=True))
    assert isinstance(raised.value.__cause__, zlib.error)


def test_decode_without_context_takeover() -> None:
    sender, receiver = peers(no_context_takeover=True)
    for _ in range(3):
        frames = send_message(sender, OP_TEXT, b"Hello, ", b"Hello")
        assert receive_message(receiver, frames) == b"Hello, Hello"


def test_decode_8_window_bits_from_zlib_peers() -> None:
    # Peers built on zlib compress with a 512-byte window when asked for 256 bytes.
    message = random.Random(0).randbytes(300)
    encoder = zlib.compressobj(wbits=-9)
    ext = extension(remote_max_window_bits=8)
    for _ in range(3):
        data = (encoder.compress(message) + encoder.flush(zlib.Z_SYNC_FLUSH))[:-4]
        assert ext.decode(Frame(OP_BINARY, data, rsv1=True)).data == message


# -- PerMessageDeflate: size limits -------------------------------------------------------


def test_decode_up_to_max_size() -> None:
    assert extension().decode(Frame(OP_TEXT, HELLO, rsv1=True), max_size=5).data == b"Hello"


def test_decode_over_max_size() -> None:
    with pytest.raises(PayloadTooBig) as raised:
        extension().decode(Frame(OP_TEXT, HELLO, rsv1=True), max_size=4)
    assert raised.value.size is None
    assert raised.value.max_size == 4
    assert str(raised.value) == "frame exceeds limit of 4 bytes"


def test_decode_with_max_size_zero() -> None:
    ext = extension()
    assert ext.decode(Frame(OP_TEXT, b"\x00", rsv1=True), max_size=0).data == b""
    with pytest.raises(PayloadTooBig):
        ext.decode(Frame(OP_TEXT, HELLO, rsv1=True), max_size=0)


def test_decode_with_negative_max_size() -> None:
    # The protocol layer never goes below zero, but nothing fits below zero.
    with pytest.raises(PayloadTooBig):
        extension().decode(Frame(OP_TEXT, b"\x00", rsv1=True), max_size=-1)


def test_decode_without_max_size() -> None:
    message = bytes(3 * MiB)
    sender, receiver = peers()
    assert receiver.decode(sender.encode(Frame(OP_BINARY, message))).data == message


def test_decode_bounds_a_message_across_frames() -> None:
    sender, receiver = peers()
    chunk = bytes(400_000)
    frames = send_message(sender, OP_BINARY, chunk, chunk, chunk)
    assert all(len(frame.data) < 1000 for frame in frames)
    with pytest.raises(PayloadTooBig) as raised:
        receive_message(receiver, frames, max_size=MiB)
    assert raised.value.cur_size == 800_000
    assert raised.value.max_size == MiB
    assert str(raised.value) == f"frame after reading 800000 bytes exceeds limit of {MiB} bytes"


def test_decode_a_message_of_max_size_across_frames() -> None:
    sender, receiver = peers()
    frames = send_message(sender, OP_BINARY, bytes(300), bytes(300), bytes(400))
    assert receive_message(receiver, frames, max_size=1000) == bytes(1000)


def test_decode_bounds_the_rest_of_a_message_after_a_final_block() -> None:
    final_block = bytes.fromhex("f3 48 cd c9 c9 07 00")
    data = final_block + HELLO
    # The limit is reached within the first stream...
    with pytest.raises(PayloadTooBig):
        extension().decode(Frame(OP_TEXT, data, rsv1=True), max_size=4)
    # ... or within the second one, ...
    with pytest.raises(PayloadTooBig):
        extension().decode(Frame(OP_TEXT, data, rsv1=True), max_size=9)
    # ... or not at all.
    assert extension().decode(Frame(OP_TEXT, data, rsv1=True), max_size=10).data == b"Hello" * 2


def test_decode_bounds_the_payload_on_the_wire() -> None:
    # Frame.parse checks the compressed size, then the extension the decompressed size.
    data = Frame(OP_BINARY, bytes(1000)).serialize(mask=False, extensions=[extension()])
    assert len(data) < 100
    assert parse(data, max_size=1000, extensions=[extension()]).data == bytes(1000)
    with pytest.raises(PayloadTooBig):
        parse(data, max_size=999, extensions=[extension()])


def test_bomb_payload() -> None:
    # Check the helper on a small size: the same recipe makes the gigabyte bomb.
    assert extension().decode(Frame(OP_BINARY, bomb(3), rsv1=True)).data == bytes(3 * MiB)


def test_decode_defuses_a_bomb() -> None:
    payload = bomb(1024)  # about 1 MB inflating to 1 GiB
    assert len(payload) < 1.1 * MiB
    ext = extension()
    tracemalloc.start()
    try:
        start = time.perf_counter()
        with pytest.raises(PayloadTooBig):
            ext.decode(Frame(OP_BINARY, payload, rsv1=True), max_size=MiB)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Far from 1 GiB: a copy of the payload with its tail, zlib's copy of what it didn't
    # read, one MiB of output built in pieces then joined, and zlib's state.
    assert peak < 2 * len(payload) + 2 * MiB + 256 * 1024
    assert elapsed < 1.0


def test_decode_defuses_a_bomb_spread_over_frames() -> None:
    payload = bomb(1024)
    step = len(payload) // 8
    chunks = [payload[i : i + step] for i in range(0, len(payload), step)]
    frames = fragments(OP_BINARY, *chunks, rsv1=True)
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooBig) as raised:
            receive_message(extension(), frames, max_size=MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert raised.value.max_size == MiB
    assert peak < 2 * len(payload) + 2 * MiB + 256 * 1024


# -- PerMessageDeflate: properties --------------------------------------------------------

messages = st.lists(
    st.tuples(
        st.sampled_from([OP_TEXT, OP_BINARY]),
        # A message, as one or more frames.
        st.lists(st.binary(max_size=300) | st.just(b"Hello" * 50), min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=5,
)


@settings(deadline=None)
@given(
    messages=messages,
    local_no_context_takeover=st.booleans(),
    window_bits=st.integers(8, 15),
    compress_settings=st.sampled_from([None, {"level": 1}, {"memLevel": 1}, {"level": 0}]),
)
def test_round_trip(
    messages: list[tuple[Literal[Opcode.TEXT, Opcode.BINARY], list[bytes]]],
    local_no_context_takeover: bool,
    window_bits: int,
    compress_settings: dict[str, Any] | None,
) -> None:
    sender = extension(False, local_no_context_takeover, 15, window_bits, compress_settings)
    receiver = extension(local_no_context_takeover, False, window_bits, 15)
    for opcode, chunks in messages:
        frames = send_message(sender, opcode, *chunks)
        assert frames[0].rsv1
        assert not any(frame.rsv1 for frame in frames[1:])
        assert receive_message(receiver, frames) == b"".join(chunks)
        if local_no_context_takeover:
            # Each message stands alone: a fresh decompressor reads it.
            assert receive_message(extension(), frames) == b"".join(chunks)


@settings(deadline=None)
@given(messages=messages, mask=st.booleans())
def test_round_trip_on_the_wire(
    messages: list[tuple[Literal[Opcode.TEXT, Opcode.BINARY], list[bytes]]], mask: bool
) -> None:
    sender, receiver = peers()
    for opcode, chunks in messages:
        received = b""
        for frame in fragments(opcode, *chunks):
            data = frame.serialize(mask=mask, extensions=[sender])
            received += bytes(parse(data, mask=mask, extensions=[receiver]).data)
        assert received == b"".join(chunks)


@settings(deadline=None)
@given(
    frames=st.lists(
        st.tuples(st.binary(max_size=200), st.booleans(), st.booleans()), min_size=1, max_size=6
    ),
    max_size=st.none() | st.integers(0, 2000),
)
def test_decode_garbage(frames: list[tuple[bytes, bool, bool]], max_size: int | None) -> None:
    ext = extension()
    for index, (data, fin, rsv1) in enumerate(frames):
        opcode = OP_BINARY if index == 0 or rsv1 else OP_CONT
        frame = Frame(opcode, data, fin, rsv1)
        try:
            decoded = ext.decode(frame, max_size=max_size)
        except (ProtocolError, PayloadTooBig):
            return
        # Frame.parse bounds the frames that the extension leaves alone.
        if max_size is not None and decoded is not frame:
            assert len(decoded.data) <= max_size


# -- Parameters ---------------------------------------------------------------------------

Params = list[ExtensionParameter]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ([("server_no_context_takeover", None)] * 2, DuplicateParameter),
        ([("client_no_context_takeover", None)] * 2, DuplicateParameter),
        ([("server_max_window_bits", "10")] * 2, DuplicateParameter),
        ([("client_max_window_bits", "10"), ("client_max_window_bits", "9")], DuplicateParameter),
        ([("server_no_context_takeover", "")], InvalidParameterValue),
        ([("client_no_context_takeover", "on")], InvalidParameterValue),
        ([("server_max_window_bits", None)], InvalidParameterValue),
        ([("server_max_window_bits", "7")], InvalidParameterValue),
        ([("server_max_window_bits", "16")], InvalidParameterValue),
        ([("server_max_window_bits", "08")], InvalidParameterValue),
        ([("server_max_window_bits", "+9")], InvalidParameterValue),
        ([("server_max_window_bits", "")], InvalidParameterValue),
        ([("client_max_window_bits", "ten")], InvalidParameterValue),
        ([("client_max_window_bits", " 9")], InvalidParameterValue),
        ([("server_max_window_bit", "10")], InvalidParameterName),
        ([("mux", None)], InvalidParameterName),
        ([("Server_No_Context_Takeover", None)], InvalidParameterName),
    ],
)
def test_invalid_params(params: Params, error: type[NegotiationError]) -> None:
    with pytest.raises(error):
        ServerPerMessageDeflateFactory().process_request_params(params, [])
    with pytest.raises(error):
        ClientPerMessageDeflateFactory().process_response_params(params, [])


def test_invalid_params_details() -> None:
    factory = ClientPerMessageDeflateFactory()
    with pytest.raises(DuplicateParameter) as duplicate:
        factory.process_response_params([("server_no_context_takeover", None)] * 2, [])
    assert duplicate.value.name == "server_no_context_takeover"
    with pytest.raises(InvalidParameterValue) as value:
        factory.process_response_params([("server_max_window_bits", "16")], [])
    assert (value.value.name, value.value.value) == ("server_max_window_bits", "16")
    with pytest.raises(InvalidParameterName) as name:
        factory.process_response_params([("x", "y")], [])
    assert name.value.name == "x"


def test_client_max_window_bits_without_value() -> None:
    # Allowed in an offer: the server picks the value. Not in a response.
    params: Params = [("client_max_window_bits", None)]
    ServerPerMessageDeflateFactory().process_request_params(params, [])
    with pytest.raises(InvalidParameterValue) as raised:
        ClientPerMessageDeflateFactory().process_response_params(params, [])
    assert (raised.value.name, raised.value.value) == ("client_max_window_bits", None)


# -- Client factory -----------------------------------------------------------------------


def test_client_factory_defaults() -> None:
    factory = ClientPerMessageDeflateFactory()
    assert factory.name == "permessage-deflate"
    assert factory.server_no_context_takeover is False
    assert factory.client_no_context_takeover is False
    assert factory.server_max_window_bits is None
    assert factory.client_max_window_bits is True
    assert factory.compress_settings == {}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"server_max_window_bits": 7},
        {"server_max_window_bits": 16},
        {"client_max_window_bits": 7},
        {"client_max_window_bits": 16},
    ],
)
def test_client_factory_invalid_window_bits(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be between 8 and 15"):
        ClientPerMessageDeflateFactory(**kwargs)


def test_client_factory_compress_settings() -> None:
    with pytest.raises(ValueError, match="must not set wbits"):
        ClientPerMessageDeflateFactory(compress_settings={"wbits": 10})
    factory = ClientPerMessageDeflateFactory(compress_settings={"level": 3})
    assert factory.process_response_params([], []).compress_settings == {"level": 3}


@pytest.mark.parametrize(
    ("kwargs", "params"),
    [
        ({}, [("client_max_window_bits", None)]),
        ({"client_max_window_bits": None}, []),
        ({"client_max_window_bits": 10}, [("client_max_window_bits", "10")]),
        (
            {"server_no_context_takeover": True, "client_max_window_bits": None},
            [("server_no_context_takeover", None)],
        ),
        (
            {"client_no_context_takeover": True, "client_max_window_bits": None},
            [("client_no_context_takeover", None)],
        ),
        (
            {"server_max_window_bits": 8, "client_max_window_bits": None},
            [("server_max_window_bits", "8")],
        ),
        (
            {
                "server_no_context_takeover": True,
                "client_no_context_takeover": True,
                "server_max_window_bits": 12,
                "client_max_window_bits": 15,
            },
            [
                ("server_no_context_takeover", None),
                ("client_no_context_takeover", None),
                ("server_max_window_bits", "12"),
                ("client_max_window_bits", "15"),
            ],
        ),
    ],
)
def test_client_request_params(kwargs: dict[str, Any], params: Params) -> None:
    assert ClientPerMessageDeflateFactory(**kwargs).get_request_params() == params


# The settings of the resulting extension: (remote_no_context_takeover,
# local_no_context_takeover, remote_max_window_bits, local_max_window_bits).
Settings = tuple[bool, bool, int, int]


@pytest.mark.parametrize(
    ("kwargs", "params", "expected"),
    [
        # Defaults.
        ({}, [], (False, False, 15, 15)),
        # The server may refuse context takeover for itself without being asked...
        ({}, [("server_no_context_takeover", None)], (True, False, 15, 15)),
        # ... and must when asked.
        (
            {"server_no_context_takeover": True},
            [("server_no_context_takeover", None)],
            (True, False, 15, 15),
        ),
        # The server may forbid context takeover to the client...
        ({}, [("client_no_context_takeover", None)], (False, True, 15, 15)),
        # ... and the client keeps to it after asking, even without an answer.
        ({"client_no_context_takeover": True}, [], (False, True, 15, 15)),
        (
            {"client_no_context_takeover": True},
            [("client_no_context_takeover", None)],
            (False, True, 15, 15),
        ),
        # The server may limit its own window, and must answer a limit.
        ({}, [("server_max_window_bits", "10")], (False, False, 10, 15)),
        (
            {"server_max_window_bits": 12},
            [("server_max_window_bits", "12")],
            (False, False, 12, 15),
        ),
        ({"server_max_window_bits": 12}, [("server_max_window_bits", "8")], (False, False, 8, 15)),
        # The server may limit the client's window if the offer allows it.
        ({}, [("client_max_window_bits", "9")], (False, False, 15, 9)),
        (
            {"client_max_window_bits": True},
            [("client_max_window_bits", "15")],
            (False, False, 15, 15),
        ),
        (
            {"client_max_window_bits": 12},
            [("client_max_window_bits", "10")],
            (False, False, 15, 10),
        ),
        (
            {"client_max_window_bits": 12},
            [("client_max_window_bits", "12")],
            (False, False, 15, 12),
        ),
        # A client that offered a limit keeps to it without an answer.
        ({"client_max_window_bits": 12}, [], (False, False, 15, 12)),
        ({"client_max_window_bits": None}, [], (False, False, 15, 15)),
        # Everything at once.
        (
            {
                "server_no_context_takeover": True,
                "client_no_context_takeover": True,
                "server_max_window_bits": 10,
                "client_max_window_bits": 11,
            },
            [
                ("server_no_context_takeover", None),
                ("client_no_context_takeover", None),
                ("server_max_window_bits", "9"),
                ("client_max_window_bits", "8"),
            ],
            (True, True, 9, 8),
        ),
    ],
)
def test_client_accepts_response(
    kwargs: dict[str, Any], params: Params, expected: Settings
) -> None:
    ext = ClientPerMessageDeflateFactory(**kwargs).process_response_params(params, [])
    assert isinstance(ext, PerMessageDeflate)
    assert settings_of(ext) == expected


@pytest.mark.parametrize(
    ("kwargs", "params", "message"),
    [
        ({"server_no_context_takeover": True}, [], "expected server_no_context_takeover"),
        ({"server_max_window_bits": 12}, [], "expected server_max_window_bits"),
        (
            {"server_max_window_bits": 12},
            [("server_max_window_bits", "13")],
            "unsupported server_max_window_bits",
        ),
        (
            {"client_max_window_bits": None},
            [("client_max_window_bits", "10")],
            "unexpected client_max_window_bits",
        ),
        (
            {"client_max_window_bits": 10},
            [("client_max_window_bits", "11")],
            "unsupported client_max_window_bits",
        ),
    ],
)
def test_client_refuses_response(kwargs: dict[str, Any], params: Params, message: str) -> None:
    factory = ClientPerMessageDeflateFactory(**kwargs)
    with pytest.raises(NegotiationError, match=message) as raised:
        factory.process_response_params(params, [])
    assert type(raised.value) is NegotiationError


def test_client_refuses_duplicate_extension() -> None:
    factory = ClientPerMessageDeflateFactory()
    accepted = [factory.process_response_params([], [])]
    with pytest.raises(NegotiationError, match="received duplicate permessage-deflate"):
        factory.process_response_params([], accepted)


def test_client_accepts_after_other_extensions() -> None:
    class Other(Extension):
        name = ExtensionName("x-other")

    ext = ClientPerMessageDeflateFactory().process_response_params([], [Other()])
    assert isinstance(ext, PerMessageDeflate)


# -- Server factory -----------------------------------------------------------------------


def test_server_factory_defaults() -> None:
    factory = ServerPerMessageDeflateFactory()
    assert factory.name == "permessage-deflate"
    assert factory.server_no_context_takeover is False
    assert factory.client_no_context_takeover is False
    assert factory.server_max_window_bits is None
    assert factory.client_max_window_bits is None
    assert factory.compress_settings == {}
    assert factory.require_client_max_window_bits is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"server_max_window_bits": 7}, "must be between 8 and 15"),
        ({"server_max_window_bits": 16}, "must be between 8 and 15"),
        ({"client_max_window_bits": 7}, "must be between 8 and 15"),
        ({"client_max_window_bits": 16}, "must be between 8 and 15"),
        ({"compress_settings": {"wbits": 9}}, "must not set wbits"),
        ({"require_client_max_window_bits": True}, "needs client_max_window_bits"),
    ],
)
def test_server_factory_invalid(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerPerMessageDeflateFactory(**kwargs)


def test_server_factory_compress_settings() -> None:
    factory = ServerPerMessageDeflateFactory(compress_settings={"level": 3})
    _, ext = factory.process_request_params([], [])
    assert ext.compress_settings == {"level": 3}


@pytest.mark.parametrize(
    ("kwargs", "params", "response", "expected"),
    [
        # Defaults.
        ({}, [], [], (False, False, 15, 15)),
        # Context takeover: granted when asked, imposed when configured.
        (
            {},
            [("server_no_context_takeover", None)],
            [("server_no_context_takeover", None)],
            (False, True, 15, 15),
        ),
        (
            {"server_no_context_takeover": True},
            [],
            [("server_no_context_takeover", None)],
            (False, True, 15, 15),
        ),
        (
            {},
            [("client_no_context_takeover", None)],
            [("client_no_context_takeover", None)],
            (True, False, 15, 15),
        ),
        (
            {"client_no_context_takeover": True},
            [],
            [("client_no_context_takeover", None)],
            (True, False, 15, 15),
        ),
        # The server's window: as asked, or lower if configured so.
        (
            {},
            [("server_max_window_bits", "10")],
            [("server_max_window_bits", "10")],
            (False, False, 15, 10),
        ),
        (
            {"server_max_window_bits": 12},
            [("server_max_window_bits", "10")],
            [("server_max_window_bits", "10")],
            (False, False, 15, 10),
        ),
        (
            {"server_max_window_bits": 9},
            [("server_max_window_bits", "10")],
            [("server_max_window_bits", "9")],
            (False, False, 15, 9),
        ),
        (
            {"server_max_window_bits": 9},
            [],
            [("server_max_window_bits", "9")],
            (False, False, 15, 9),
        ),
        # The client's window: limited only if the offer allows it.
        ({"client_max_window_bits": 12}, [], [], (False, False, 15, 15)),
        ({}, [("client_max_window_bits", None)], [], (False, False, 15, 15)),
        (
            {"client_max_window_bits": 12},
            [("client_max_window_bits", None)],
            [("client_max_window_bits", "12")],
            (False, False, 12, 15),
        ),
        (
            {},
            [("client_max_window_bits", "10")],
            [("client_max_window_bits", "10")],
            (False, False, 10, 15),
        ),
        (
            {"client_max_window_bits": 12},
            [("client_max_window_bits", "10")],
            [("client_max_window_bits", "10")],
            (False, False, 10, 15),
        ),
        (
            {"client_max_window_bits": 9},
            [("client_max_window_bits", "10")],
            [("client_max_window_bits", "9")],
            (False, False, 9, 15),
        ),
        (
            {"client_max_window_bits": 9, "require_client_max_window_bits": True},
            [("client_max_window_bits", None)],
            [("client_max_window_bits", "9")],
            (False, False, 9, 15),
        ),
        # Everything at once.
        (
            {
                "server_no_context_takeover": True,
                "client_no_context_takeover": True,
                "server_max_window_bits": 10,
                "client_max_window_bits": 11,
            },
            [
                ("server_no_context_takeover", None),
                ("client_no_context_takeover", None),
                ("server_max_window_bits", "9"),
                ("client_max_window_bits", "12"),
            ],
            [
                ("server_no_context_takeover", None),
                ("client_no_context_takeover", None),
                ("server_max_window_bits", "9"),
                ("client_max_window_bits", "11"),
            ],
            (True, True, 11, 9),
        ),
    ],
)
def test_server_accepts_request(
    kwargs: dict[str, Any], params: Params, response: Params, expected: Settings
) -> None:
    answer, ext = ServerPerMessageDeflateFactory(**kwargs).process_request_params(params, [])
    assert answer == response
    assert settings_of(ext) == expected


def test_server_declines_without_client_max_window_bits() -> None:
    factory = ServerPerMessageDeflateFactory(
        client_max_window_bits=10, require_client_max_window_bits=True
    )
    with pytest.raises(NegotiationError, match="required client_max_window_bits") as raised:
        factory.process_request_params([], [])
    assert type(raised.value) is NegotiationError


def test_server_declines_duplicate_extension() -> None:
    factory = ServerPerMessageDeflateFactory()
    _, accepted = factory.process_request_params([], [])
    with pytest.raises(NegotiationError, match="skipped duplicate permessage-deflate"):
        factory.process_request_params([], [accepted])


def test_server_declines_so_that_the_next_offer_is_tried() -> None:
    # How a server walks the client's offers: a NegotiationError moves to the next one.
    factory = ServerPerMessageDeflateFactory(
        client_max_window_bits=10, require_client_max_window_bits=True
    )
    offers: list[Params] = [
        [("server_max_window_bits", "20")],
        [],
        [("client_max_window_bits", None)],
    ]
    accepted: list[tuple[Params, PerMessageDeflate]] = []
    for params in offers:
        try:
            accepted.append(factory.process_request_params(params, []))
        except NegotiationError:
            continue
        break
    [(answer, ext)] = accepted
    assert answer == [("client_max_window_bits", "10")]
    assert ext.remote_max_window_bits == 10


# -- Negotiation end to end ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_kwargs", "server_kwargs"),
    [
        ({}, {}),
        ({"client_max_window_bits": None}, {"client_max_window_bits": 10}),
        ({}, {"client_max_window_bits": 8, "server_max_window_bits": 8}),
        ({"server_no_context_takeover": True}, {"client_no_context_takeover": True}),
        (
            {"client_no_context_takeover": True, "server_max_window_bits": 11},
            {"server_max_window_bits": 13},
        ),
        ({"client_max_window_bits": 9}, {"client_max_window_bits": 12}),
    ],
)
def test_negotiation(client_kwargs: dict[str, Any], server_kwargs: dict[str, Any]) -> None:
    client_factory = ClientPerMessageDeflateFactory(**client_kwargs)
    server_factory = ServerPerMessageDeflateFactory(**server_kwargs)
    request = client_factory.get_request_params()
    response, server = server_factory.process_request_params(request, [])
    client = client_factory.process_response_params(response, [])
    # Each side agrees on what the other does.
    assert client.local_no_context_takeover == server.remote_no_context_takeover
    assert client.remote_no_context_takeover == server.local_no_context_takeover
    assert client.local_max_window_bits == server.remote_max_window_bits
    assert client.remote_max_window_bits == server.local_max_window_bits
    message = b"".join(b"message %d, " % i for i in range(500))
    for _ in range(2):
        assert (
            receive_message(server, send_message(client, OP_TEXT, message, b"!")) == message + b"!"
        )
        assert receive_message(client, send_message(server, OP_BINARY, message)) == message


# -- Enabling permessage-deflate ----------------------------------------------------------


def test_enable_client_permessage_deflate() -> None:
    [factory] = enable_client_permessage_deflate(None)
    assert isinstance(factory, ClientPerMessageDeflateFactory)
    assert factory.compress_settings == {"memLevel": 5}
    assert factory.client_max_window_bits is True
    assert factory.server_max_window_bits is None
    assert enable_client_permessage_deflate([])[0].name == "permessage-deflate"


def test_enable_client_permessage_deflate_after_others() -> None:
    class Other(ClientExtensionFactory):
        name = ExtensionName("x-other")

    others: list[ClientExtensionFactory] = [Other()]
    extensions = enable_client_permessage_deflate(others)
    assert extensions[0] is others[0]
    assert isinstance(extensions[1], ClientPerMessageDeflateFactory)
    assert len(others) == 1


def test_enable_client_permessage_deflate_keeps_existing() -> None:
    extensions: list[ClientExtensionFactory] = [ClientPerMessageDeflateFactory()]
    assert enable_client_permessage_deflate(extensions) is extensions


def test_enable_server_permessage_deflate() -> None:
    [factory] = enable_server_permessage_deflate(None)
    assert isinstance(factory, ServerPerMessageDeflateFactory)
    assert factory.compress_settings == {"memLevel": 5}
    assert factory.server_max_window_bits == 12
    assert factory.client_max_window_bits == 12
    assert factory.server_no_context_takeover is False
    assert factory.client_no_context_takeover is False
    assert factory.require_client_max_window_bits is False
    assert enable_server_permessage_deflate([])[0].name == "permessage-deflate"


def test_enable_server_permessage_deflate_after_others() -> None:
    class Other(ServerExtensionFactory):
        name = ExtensionName("x-other")

    others: list[ServerExtensionFactory] = [Other()]
    extensions = enable_server_permessage_deflate(others)
    assert extensions[0] is others[0]
    assert isinstance(extensions[1], ServerPerMessageDeflateFactory)
    assert len(others) == 1


def test_enable_server_permessage_deflate_keeps_existing() -> None:
    extensions: list[ServerExtensionFactory] = [ServerPerMessageDeflateFactory()]
    assert enable_server_permessage_deflate(extensions) is extensions


def test_module_exports() -> None:
    assert sorted(permessage_deflate.__all__) == [
        "ClientPerMessageDeflateFactory",
        "PerMessageDeflate",
        "ServerPerMessageDeflateFactory",
        "enable_client_permessage_deflate",
        "enable_server_permessage_deflate",
    ]


def settings_of(ext: PerMessageDeflate) -> Settings:
    return (
        ext.remote_no_context_takeover,
        ext.local_no_context_takeover,
        ext.remote_max_window_bits,
        ext.local_max_window_bits,
    )
