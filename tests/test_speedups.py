"""Tests of websockets.speedups, the C accelerator, against the pure-Python code.

The behaviour both implementations share is tested in test_utils.py; this module
covers what is specific to the C one: agreement with Python on arbitrary inputs,
the block sizes and thresholds of its loops, argument handling and buffers.

"""

from __future__ import annotations

import gc
import inspect
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets import frames, utils

try:
    from websockets import speedups
except ImportError:
    # A build that promised the extension must not pass by skipping these tests.
    if os.environ.get("BUILD_EXTENSION") == "yes":
        raise
    pytest.skip("websockets.speedups isn't built", allow_module_level=True)


apply_mask = speedups.apply_mask

masks = st.binary(min_size=4, max_size=4)


def test_frames_uses_the_c_version() -> None:
    # frames doesn't re-export apply_mask, hence the look-up in its namespace.
    assert vars(frames)["apply_mask"] is speedups.apply_mask


def test_module_is_named_after_its_package() -> None:
    assert speedups.__name__ == "websockets.speedups"
    assert speedups.__all__ == ["apply_mask"]


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
