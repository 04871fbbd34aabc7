"""Tests of websockets.speedups, the C accelerator, against the pure-Python code.

The behaviour both implementations share is tested in test_utils.py, test_frames.py
and test_protocol.py; this module covers what is specific to the C one: agreement
with Python on arbitrary inputs, the block sizes and thresholds of its loops, the
pool of masking keys, argument handling and buffers.

"""

from __future__ import annotations

import dataclasses
import gc
import inspect
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets import frames, protocol, utils
from websockets.frames import Frame, Opcode

try:
    from websockets import speedups
except ImportError:
    # A build that promised the extension must not pass by skipping these tests.
    if os.environ.get("BUILD_EXTENSION") == "yes":
        raise
    pytest.skip("websockets.speedups isn't built", allow_module_level=True)


apply_mask = speedups.apply_mask

masks = st.binary(min_size=4, max_size=4)


def test_frames_and_protocol_use_the_c_versions() -> None:
    # Neither module re-exports these, hence the look-ups in their namespaces.
    assert vars(frames)["apply_mask"] is speedups.apply_mask
    assert frames.encode_frame is speedups.encode_frame
    assert vars(protocol)["apply_mask"] is speedups.apply_mask
    assert vars(protocol)["_read_frames"] is speedups.read_frames


def test_module_is_named_after_its_package() -> None:
    assert speedups.__name__ == "websockets.speedups"
    assert speedups.__all__ == ["apply_mask", "discard_masking_keys", "encode_frame", "read_frames"]


# -- agreement with the pure-Python version ----------------------------------------------


@given(data=st.binary(max_size=4096), mask=masks)
def test_same_result_as_python(data: bytes, mask: bytes) -> None:
    assert apply_mask(data, mask) == utils.apply_mask(data, mask)


@given(
    data=st.binary(max_size=1024),
    start=st.integers(min_value=0, max_value=31),
    mask=masks,
    mask_start=st.integers(min_value=0, max_value=7),
)
def test_same_result_on_unaligned_memoryview_slices(
    data: bytes, start: int, mask: bytes, mask_start: int
) -> None:
    # Padding before the slice moves its first byte to any address modulo 32.
    view = memoryview(bytes(start) + data)[start:]
    mask_view = memoryview(bytes(mask_start) + mask)[mask_start:]
    assert apply_mask(view, mask_view) == utils.apply_mask(view, mask_view)


@given(data=st.binary(max_size=1024), mask=masks)
def test_same_result_on_bytearray(data: bytes, mask: bytes) -> None:
    assert apply_mask(bytearray(data), bytearray(mask)) == utils.apply_mask(data, mask)


@given(data=st.binary(max_size=512), step=st.integers(min_value=2, max_value=5), mask=masks)
def test_same_result_on_strided_memoryview(data: bytes, step: int, mask: bytes) -> None:
    view = memoryview(data)[::step]
    assert apply_mask(view, mask) == utils.apply_mask(bytes(view), mask)


@pytest.mark.parametrize("offset", range(17))
def test_every_block_boundary(offset: int) -> None:
    # The C loops take 64, 16 and 8 bytes at a time, then single bytes: cover every split.
    buffer = os.urandom(offset + 300)
    mask = os.urandom(4)
    for length in range(300):
        view = memoryview(buffer)[offset : offset + length]
        assert apply_mask(view, mask) == utils.apply_mask(view, mask)


@pytest.mark.parametrize("length", [2**16 - 1, 2**16, 2**16 + 1, 2**16 + 63, 2**20 + 3])
def test_sizes_around_the_gil_threshold(length: int) -> None:
    # Above 64 KiB, the C code masks without holding the GIL.
    data = os.urandom(length)
    mask = os.urandom(4)
    assert apply_mask(data, mask) == utils.apply_mask(data, mask)


def test_large_inputs_from_several_threads() -> None:
    datas = [os.urandom(2**18 + n) for n in range(8)]
    keys = [os.urandom(4) for _ in datas]
    with ThreadPoolExecutor(max_workers=4) as executor:
        results = list(executor.map(apply_mask, datas, keys))
    assert results == list(map(utils.apply_mask, datas, keys))


def test_mask_of_other_item_size() -> None:
    # The mask is 4 bytes, whatever the format of the buffer holding them.
    mask = memoryview(b"\x01\x02\x03\x04").cast("I")
    assert apply_mask(b"\x00" * 6, mask) == b"\x01\x02\x03\x04\x01\x02"


# -- arguments -----------------------------------------------------------------------


def test_keyword_arguments() -> None:
    assert apply_mask(data=b"\x00\x00", mask=b"\x01\x02\x03\x04") == b"\x01\x02"
    assert apply_mask(b"\x00\x00", mask=b"\x01\x02\x03\x04") == b"\x01\x02"
    assert apply_mask(mask=b"\x01\x02\x03\x04", data=b"\x00\x00") == b"\x01\x02"


def test_signature() -> None:
    assert list(inspect.signature(apply_mask).parameters) == ["data", "mask"]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "missing required argument 'data'"),
        ((b"data",), {}, "missing required argument 'mask'"),
        ((), {"mask": b"abcd"}, "missing required argument 'data'"),
        ((b"data", b"abcd", b"more"), {}, "at most 2 positional arguments"),
        ((b"data",), {"data": b"abcd"}, "multiple values for argument 'data'"),
        ((b"data", b"abcd"), {"mask": b"abcd"}, "multiple values for argument 'mask'"),
        ((b"data", b"abcd"), {"key": b"abcd"}, "unexpected keyword argument 'key'"),
    ],
)
def test_bad_arguments(args: tuple[object, ...], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        apply_mask(*args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("data", ["", "text", [0, 1, 2, 3], 1234, None])
def test_rejects_data_without_a_buffer(data: object) -> None:
    # Stricter than the Python version, which returns b"" for any empty data.
    with pytest.raises(TypeError, match="bytes-like object is required"):
        apply_mask(data, b"abcd")  # type: ignore[arg-type]


def test_rejects_mask_without_a_buffer() -> None:
    with pytest.raises(TypeError, match="bytes-like object is required"):
        apply_mask(b"", "abcd")  # type: ignore[arg-type]


# -- buffers and references ----------------------------------------------------------


def test_returns_a_new_bytes_object() -> None:
    data = bytes(100)
    result = apply_mask(data, bytes(4))
    assert result == data
    assert result is not data


def test_releases_buffers() -> None:
    # A bytearray can't be resized, nor a memoryview released, while a buffer is exported.
    data = bytearray(os.urandom(2**17))
    mask = bytearray(b"abcd")
    apply_mask(data, mask)
    data.append(0)
    mask.append(0)
    with pytest.raises(ValueError, match="mask must contain 4 bytes"):
        apply_mask(data, mask)
    mask.pop()
    data.pop()
    view = memoryview(data)[::2]
    apply_mask(view, mask)
    view.release()


def test_keeps_reference_counts() -> None:
    data = os.urandom(1000)
    mask = os.urandom(4)
    before = sys.getrefcount(data), sys.getrefcount(mask)
    for _ in range(100):
        apply_mask(data, mask)
        with pytest.raises(ValueError, match="mask must contain 4 bytes"):
            apply_mask(data, data)
    gc.collect()
    assert (sys.getrefcount(data), sys.getrefcount(mask)) == before


# -- encode_frame ----------------------------------------------------------------------

encode_frame = speedups.encode_frame

first_bytes = st.integers(min_value=0, max_value=255)


def unmask_frame(frame: bytes) -> tuple[bytes, bytes]:
    """Split a masked frame into its header, with the MASK bit cleared, and its payload."""
    length = frame[1] & 0x7F
    start = 2 + {126: 2, 127: 8}.get(length, 0)
    key = frame[start : start + 4]
    header = bytes([frame[0], frame[1] & 0x7F]) + frame[2:start]
    return header, utils.apply_mask(frame[start + 4 :], key)


@given(first=first_bytes, data=st.binary(max_size=300))
def test_encode_frame_without_mask_as_python(first: int, data: bytes) -> None:
    assert encode_frame(first, data, False) == frames.py_encode_frame(first, data, False)


@given(first=first_bytes, data=st.binary(max_size=300))
def test_encode_frame_with_mask_as_python(first: int, data: bytes) -> None:
    # Keys differ; once unmasked, the frames are the same.
    c_frame = encode_frame(first, data, True)
    python_frame = frames.py_encode_frame(first, data, True)
    assert c_frame[1] & 0x80
    assert (
        unmask_frame(c_frame)
        == unmask_frame(python_frame)
        == (
            frames.py_encode_frame(first, data, False)[: -len(data) or None],
            data,
        )
    )


@pytest.mark.parametrize("length", [0, 125, 126, 127, 65535, 65536, 2**20 + 1])
@pytest.mark.parametrize("mask", [False, True])
def test_encode_frame_length_encodings(length: int, mask: bool) -> None:
    data = os.urandom(length)
    frame = encode_frame(0x82, data, mask)
    expected = frames.py_encode_frame(0x82, data, False)
    assert (unmask_frame(frame) if mask else (frame[: -length or None], frame[-length:]))[
        0
    ] == expected[: len(expected) - length]
    assert len(frame) == len(expected) + (4 if mask else 0)
    events: list[Frame] = []
    assert speedups.read_frames(frame, 0, mask, None, events, Frame, OPCODES) == len(frame)
    assert events == [Frame(Opcode.BINARY, data)]


@given(data=st.binary(max_size=300), step=st.integers(min_value=2, max_value=4))
def test_encode_frame_of_other_buffers(data: bytes, step: int) -> None:
    strided = memoryview(data)[::step]
    for payload in (bytearray(data), memoryview(data), strided):
        expected = frames.py_encode_frame(0x81, bytes(payload), False)
        assert encode_frame(0x81, payload, False) == expected
        assert unmask_frame(encode_frame(0x81, payload, True))[1] == bytes(payload)


def test_masking_keys_are_fresh_beyond_the_pool() -> None:
    # 1024 random bytes hold 256 keys: go through the pool several times.
    keys = [encode_frame(0x81, b"", True)[2:6] for _ in range(1000)]
    assert len(set(keys)) > 990


def test_discarded_keys_are_not_reused() -> None:
    encode_frame(0x81, b"", True)
    speedups.discard_masking_keys()
    keys = [encode_frame(0x81, b"", True)[2:6] for _ in range(100)]
    assert len(set(keys)) > 95


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork()")
@pytest.mark.parametrize(
    "encoder",
    [
        "from websockets.frames import encode_frame as encode",
        "from websockets.frames import py_encode_frame as encode",
        # Without websockets.frames, the C module must look after its pool all the same.
        "from websockets.speedups import encode_frame as encode\n"
        "assert 'websockets.frames' not in sys.modules",
    ],
)
def test_child_process_draws_its_own_keys(encoder: str) -> None:
    # Without discarding the pool after fork(), both processes would draw the same
    # next keys; with it, they are independent random values.
    code = (
        "import os, sys\n"
        f"{encoder}\n"
        "encode(0x81, b'', True)\n"
        "read, write = os.pipe()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.write(write, b''.join(encode(0x81, b'', True)[2:6] for _ in range(4)))\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "mine = b''.join(encode(0x81, b'', True)[2:6] for _ in range(4))\n"
        "theirs = os.read(read, 16)\n"
        "assert len(theirs) == 16 and mine != theirs, (mine, theirs)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((0x81, b""), TypeError, "exactly 3 positional arguments"),
        ((0x81, b"", False, None), TypeError, "exactly 3 positional arguments"),
        ((256, b"", False), ValueError, "first must be between 0 and 255"),
        ((-1, b"", False), ValueError, "first must be between 0 and 255"),
        ((2**70, b"", False), OverflowError, "too large"),
        (("\x81", b"", False), TypeError, "first must be an int"),
        ((0x81, "text", False), TypeError, "bytes-like object is required"),
    ],
)
def test_encode_frame_bad_arguments(
    args: tuple[object, ...], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        encode_frame(*args)  # type: ignore[arg-type]


def test_encode_frame_releases_buffers() -> None:
    data = bytearray(os.urandom(2**17))
    encode_frame(0x82, data, True)
    encode_frame(0x82, data, False)
    view = memoryview(data)[::2]
    encode_frame(0x82, view, True)
    view.release()
    data.append(0)


# -- read_frames -----------------------------------------------------------------------

read_frames = speedups.read_frames

OPCODES = (Opcode.CONT, Opcode.TEXT, Opcode.BINARY)


def read(
    data: bytes | bytearray, pos: int = 0, mask: bool = False, max_size: int | None = None
) -> tuple[int, list[Frame]]:
    events: list[Frame] = []
    end = read_frames(data, pos, mask, max_size, events, Frame, OPCODES)
    return end, events


@given(
    text=st.booleans(),
    data=st.binary(max_size=300),
    mask=st.booleans(),
    prefix=st.binary(max_size=8),
)
def test_read_frames_reads_what_encode_frame_writes(
    text: bool, data: bytes, mask: bool, prefix: bytes
) -> None:
    payload = data.decode("latin-1").encode() if text else data
    frame = encode_frame(0x81 if text else 0x82, payload, mask)
    buffer = prefix + frame + b"\x81"  # followed by the start of another frame
    expected = [Frame(Opcode.TEXT if text else Opcode.BINARY, payload)]
    assert read(buffer, len(prefix), mask) == (len(prefix) + len(frame), expected)
    assert read(bytearray(buffer), len(prefix), mask, len(payload)) == (
        len(prefix) + len(frame),
        expected,
    )


def test_read_frames_reads_several_frames_up_to_another_kind() -> None:
    frames_read = [Frame(Opcode.TEXT, b"caf\xc3\xa9"), Frame(Opcode.BINARY, b"\xff" * 200)]
    buffer = b"".join(frame.serialize(mask=True) for frame in frames_read)
    ping = Frame(Opcode.PING, b"").serialize(mask=True)
    assert read(buffer + ping + buffer, 0, True) == (len(buffer), frames_read)
    assert read(buffer + ping + buffer, len(buffer) + len(ping), True) == (
        2 * len(buffer) + len(ping),
        frames_read,
    )


@given(data=st.binary(max_size=200), mask=st.booleans())
def test_read_frames_needs_the_whole_frame(data: bytes, mask: bool) -> None:
    frame = encode_frame(0x82, data, mask)
    for end in range(len(frame)):
        assert read(frame[:end], 0, mask) == (0, [])


@pytest.mark.parametrize(
    ("frame", "mask", "max_size"),
    [
        pytest.param(b"\x01\x01a", False, None, id="not final"),
        pytest.param(b"\x80\x01a", False, None, id="continuation"),
        pytest.param(b"\x89\x01a", False, None, id="ping"),
        pytest.param(b"\x88\x02\x03\xe8", False, None, id="close"),
        pytest.param(b"\x83\x01a", False, None, id="reserved opcode"),
        pytest.param(b"\xc1\x01a", False, None, id="rsv1"),
        pytest.param(b"\xa2\x01a", False, None, id="rsv2"),
        pytest.param(b"\x92\x01a", False, None, id="rsv3"),
        pytest.param(b"\x81\x01a", True, None, id="unmasked, mask expected"),
        pytest.param(b"\x81\x81abcd\x00", False, None, id="masked, none expected"),
        pytest.param(b"\x82\x02ab", False, 1, id="over max_size"),
        pytest.param(b"\x81\x02\xc3\x28", False, None, id="invalid UTF-8"),
        pytest.param(b"\x81\x01\xc3", False, None, id="truncated UTF-8"),
        pytest.param(b"\x81\x09abcdefgh\xff", False, None, id="invalid after ASCII"),
        pytest.param(b"\x82\x7f\x80" + bytes(7), False, None, id="64-bit length overflow"),
    ],
)
def test_read_frames_leaves_other_frames_to_python(
    frame: bytes, mask: bool, max_size: int | None
) -> None:
    assert read(frame, 0, mask, max_size) == (0, [])


def test_read_frames_max_size_out_of_range() -> None:
    frame = b"\x82\x02ab"
    # Beyond any buffer: no limit. Negative: every frame is too long, for Python to report.
    assert read(frame, 0, False, 2**70) == (4, [Frame(Opcode.BINARY, b"ab")])
    assert read(frame, 0, False, 2**63 - 1) == (4, [Frame(Opcode.BINARY, b"ab")])
    assert read(frame, 0, False, -1) == (0, [])
    assert read(frame, 0, False, -(2**70)) == (0, [])


def test_read_frames_position_past_the_end() -> None:
    assert read(b"\x82\x00", 3) == (3, [])
    assert read(b"\x82\x00", 2) == (2, [])
    assert read(b"\x82\x00", 0) == (2, [Frame(Opcode.BINARY, b"")])


def test_read_frames_builds_complete_frames() -> None:
    # __init__ doesn't run: every field must be set all the same.
    _, [frame] = read(b"\x81\x02hi")
    assert type(frame) is Frame
    assert (frame.opcode, frame.data, frame.fin, frame.rsv1, frame.rsv2, frame.rsv3) == (
        Opcode.TEXT,
        b"hi",
        True,
        False,
        False,
        False,
    )
    assert str(frame) == "TEXT 'hi' [2 bytes]"
    assert dataclasses.replace(frame, fin=False) == Frame(Opcode.TEXT, b"hi", fin=False)


class Slotted:
    __slots__ = ("data", "fin", "opcode", "rsv1", "rsv2", "rsv3")

    opcode: str
    data: bytes
    fin: bool
    rsv1: bool
    rsv2: bool
    rsv3: bool


class WithProperties:
    def __init__(self) -> None:
        raise AssertionError("not called")

    def _set(self, name: str, value: object) -> None:
        self.__dict__.setdefault("fields", {})[name] = value

    opcode = property(lambda self: None, lambda self, value: self._set("opcode", value))
    data = property(lambda self: None, lambda self, value: self._set("data", value))
    fin = property(lambda self: None, lambda self, value: self._set("fin", value))
    rsv1 = property(lambda self: None, lambda self, value: self._set("rsv1", value))
    rsv2 = property(lambda self: None, lambda self, value: self._set("rsv2", value))
    rsv3 = property(lambda self: None, lambda self, value: self._set("rsv3", value))


def test_read_frames_builds_other_classes_through_their_descriptors() -> None:
    events: list[object] = []
    for frame_class in (Slotted, WithProperties, Slotted, Frame):
        read_frames(b"\x82\x01x", 0, False, None, events, frame_class, ("c", "t", "b"))
    slotted, properties, slotted_again, frame = events
    assert type(slotted) is Slotted
    assert type(slotted_again) is Slotted
    assert isinstance(slotted, Slotted)  # for type checkers
    assert (slotted.opcode, slotted.data, slotted.fin, slotted.rsv1) == ("b", b"x", True, False)
    assert isinstance(properties, WithProperties)
    assert vars(properties)["fields"] == {
        "opcode": "b",
        "data": b"x",
        "fin": True,
        "rsv1": False,
        "rsv2": False,
        "rsv3": False,
    }
    assert frame == Frame("b", b"x")  # type: ignore[arg-type]


class NoSetter:
    opcode = data = fin = rsv1 = rsv2 = rsv3 = None


class DictFrame(dict[str, object]):
    # Allocating a dict without running dict.__new__ would crash when it's used.
    __slots__ = ("data", "fin", "opcode", "rsv1", "rsv2", "rsv3")


class NewFrame(Slotted):
    __slots__ = ()

    def __new__(cls) -> NewFrame:
        raise AssertionError("not called")


class FailingSetter:
    __slots__ = ("data", "fin", "opcode", "rsv1", "rsv2")

    @property
    def rsv3(self) -> bool:
        return False

    @rsv3.setter
    def rsv3(self, value: bool) -> None:
        raise RuntimeError("no rsv3 for you")


BAD_READ_ARGUMENTS: list[tuple[tuple[object, ...], type[Exception], str]] = [
    ((b"", 0, False, None, []), TypeError, "exactly 7 positional arguments"),
    ((b"", -1, False, None, [], Frame, OPCODES), ValueError, "pos must be between 0 and"),
    ((b"", "0", False, None, [], Frame, OPCODES), TypeError, "pos must be an int"),
    ((b"", 0, False, 1.5, [], Frame, OPCODES), TypeError, "max_size must be an int or None"),
    (("text", 0, False, None, [], Frame, OPCODES), TypeError, "bytes-like object"),
    ((b"", 0, False, None, (), Frame, OPCODES), TypeError, "events must be a list"),
    ((b"", 0, False, None, [], Frame, OPCODES[:2]), TypeError, "tuple of 3 items"),
    ((b"", 0, False, None, [], Frame(Opcode.TEXT, b""), OPCODES), TypeError, "a class"),
    ((b"", 0, False, None, [], bytes, OPCODES), TypeError, "fixed-size instances"),
    ((b"", 0, False, None, [], DictFrame, OPCODES), TypeError, "plain class"),
    ((b"", 0, False, None, [], NewFrame, OPCODES), TypeError, "plain class"),
    ((b"", 0, False, None, [], object, OPCODES), AttributeError, "opcode"),
    ((b"", 0, False, None, [], NoSetter, OPCODES), TypeError, "data descriptor"),
    ((b"\x82\x00", 0, False, None, [], FailingSetter, OPCODES), RuntimeError, "rsv3"),
]


@pytest.mark.parametrize(("args", "error", "message"), BAD_READ_ARGUMENTS)
def test_read_frames_bad_arguments(
    args: tuple[object, ...], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        read_frames(*args)  # type: ignore[arg-type]


def test_read_frames_releases_buffers() -> None:
    buffer = bytearray(encode_frame(0x82, os.urandom(1000), True))
    assert read(buffer, 0, True)[0] == len(buffer)
    assert read(buffer, 1, True) == (1, [])
    with pytest.raises(RuntimeError):
        read_frames(buffer, 0, True, None, [], FailingSetter, OPCODES)
    buffer.append(0)
    del buffer[:10]


def test_read_frames_keeps_reference_counts() -> None:
    frame = encode_frame(0x81, b"hello", False)
    events: list[Frame] = []
    before = sys.getrefcount(frame), sys.getrefcount(events), sys.getrefcount(Opcode.TEXT)
    for _ in range(100):
        assert read_frames(frame, 0, False, None, events, Frame, OPCODES) == len(frame)
        assert read_frames(frame, 0, True, None, events, Frame, OPCODES) == 0
    events.clear()
    gc.collect()
    assert (sys.getrefcount(frame), sys.getrefcount(events), sys.getrefcount(Opcode.TEXT)) == before


# -- read_frame in the protocol ----------------------------------------------------------

FIRST_BYTES = [0x81, 0x82, 0x01, 0x02, 0x80, 0x00, 0x89, 0x8A, 0x88, 0x83, 0xC1, 0x91]
"""First bytes of frames: mostly the common ones, some fragments, controls and errors."""

frame_specs = st.lists(
    st.tuples(
        st.sampled_from(FIRST_BYTES),
        st.one_of(st.binary(max_size=40), st.text(max_size=20).map(str.encode)),
        st.integers(min_value=0, max_value=9),  # 0: wrong masking, for this side
    ),
    max_size=8,
)


def run_protocol(
    side: protocol.Side, stream: bytes, cuts: list[int], max_size: int | None
) -> tuple[object, ...]:
    connection = protocol.Protocol(side, max_size=max_size)
    events: list[object] = []
    start = 0
    for cut in [*sorted(cuts), len(stream)]:
        try:
            connection.receive_data(stream[start:cut])
        except EOFError:
            break
        events += connection.events_received()
        start = cut
    writes = connection.data_to_send()
    if side is protocol.Side.CLIENT:
        writes = [unmask_frame(write)[1] if write else write for write in writes]
    return (
        events,
        writes,
        connection.state,
        connection.close_rcvd,
        connection.close_sent,
        repr(connection.parser_exc),
    )


@given(
    specs=frame_specs,
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
    server=st.booleans(),
    max_size=st.sampled_from([None, 30, 1000]),
)
def test_protocol_reads_the_same_with_or_without_c(
    specs: list[tuple[int, bytes, int]], cuts: list[int], server: bool, max_size: int | None
) -> None:
    side = protocol.Side.SERVER if server else protocol.Side.CLIENT
    stream = b"".join(
        frames.py_encode_frame(first, payload, server == bool(masking))
        for first, payload, masking in specs
    )
    with_c = run_protocol(side, stream, cuts, max_size)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(protocol, "_read_frames", None)
        without_c = run_protocol(side, stream, cuts, max_size)
    assert with_c == without_c
