"""Tests of websockets.utils: handshake keys, and masking by both implementations."""

from __future__ import annotations

import array
import base64
import os
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets import utils
from websockets.utils import accept_key, generate_key

BytesLike = bytes | bytearray | memoryview
MaskFunction = Callable[[BytesLike, BytesLike], bytes]


def load_c_apply_mask() -> MaskFunction | None:
    """Return the C apply_mask, or None if it isn't built and doesn't have to be."""
    try:
        from websockets.speedups import apply_mask
    except ImportError:
        # A build that promised the extension must not pass by skipping its tests.
        if os.environ.get("BUILD_EXTENSION") == "yes":
            raise
        return None
    return apply_mask


C_APPLY_MASK = load_c_apply_mask()

IMPLEMENTATIONS = [
    pytest.param(utils.apply_mask, id="python"),
    pytest.param(
        C_APPLY_MASK,
        id="c",
        marks=pytest.mark.skipif(C_APPLY_MASK is None, reason="websockets.speedups isn't built"),
    ),
]

implementations = pytest.mark.parametrize("apply_mask", IMPLEMENTATIONS)


def reference_mask(data: bytes, mask: bytes) -> bytes:
    """Mask byte by byte, exactly as RFC 6455, section 5.3, words it."""
    return bytes(byte ^ mask[index % 4] for index, byte in enumerate(data))


# -- accept_key and generate_key ------------------------------------------------------


def test_accept_key_rfc_6455_example() -> None:
    # RFC 6455, section 1.3.
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@given(st.text())
def test_accept_key_is_base64_of_a_sha1_digest(key: str) -> None:
    accept = accept_key(key)
    assert len(base64.b64decode(accept, validate=True)) == 20
    assert accept_key(key) == accept


def test_accept_key_depends_on_the_key() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") != accept_key("AQIDBAUGBwgJCgsMDQ4PEA==")


def test_generate_key_is_16_random_bytes_in_base64() -> None:
    key = generate_key()
    assert isinstance(key, str)
    assert len(key) == 24
    assert len(base64.b64decode(key, validate=True)) == 16


def test_generate_key_never_repeats() -> None:
    keys = {generate_key() for _ in range(100)}
    assert len(keys) == 100


# -- apply_mask, both implementations -------------------------------------------------


@implementations
def test_apply_mask_rfc_6455_example(apply_mask: MaskFunction) -> None:
    # RFC 6455, section 5.7: a masked "Hello".
    mask = bytes.fromhex("37fa213d")
    assert apply_mask(b"Hello", mask) == bytes.fromhex("7f9f4d5158")
    assert apply_mask(bytes.fromhex("7f9f4d5158"), mask) == b"Hello"


@implementations
@pytest.mark.parametrize("length", [*range(41), 63, 64, 65, 127, 128, 129, 1000])
def test_apply_mask_matches_reference(apply_mask: MaskFunction, length: int) -> None:
    data = os.urandom(length)
    mask = os.urandom(4)
    assert apply_mask(data, mask) == reference_mask(data, mask)


@implementations
@pytest.mark.parametrize("length", [16383, 16384, 16385, 3 * 16384 + 5, 2**16 + 1])
def test_apply_mask_large(apply_mask: MaskFunction, length: int) -> None:
    data = os.urandom(length)
    mask = os.urandom(4)
    assert apply_mask(data, mask) == reference_mask(data, mask)


@implementations
def test_apply_mask_empty(apply_mask: MaskFunction) -> None:
    assert apply_mask(b"", b"abcd") == b""


@implementations
@pytest.mark.parametrize("data_type", [bytes, bytearray, memoryview])
@pytest.mark.parametrize("mask_type", [bytes, bytearray, memoryview])
def test_apply_mask_accepts_bytes_like(
    apply_mask: MaskFunction,
    data_type: Callable[[bytes], BytesLike],
    mask_type: Callable[[bytes], BytesLike],
) -> None:
    result = apply_mask(data_type(b"\x00\x01\x02\x03\x04\x05"), mask_type(b"\x01\x02\x03\x04"))
    assert type(result) is bytes
    assert result == b"\x01\x03\x01\x07\x05\x07"


@implementations
def test_apply_mask_accepts_unaligned_memoryview(apply_mask: MaskFunction) -> None:
    buffer = os.urandom(1000)
    mask = os.urandom(4)
    for offset in range(1, 17):
        view = memoryview(buffer)[offset : offset + 900]
        assert apply_mask(view, mask) == reference_mask(bytes(view), mask)


@implementations
def test_apply_mask_leaves_input_alone(apply_mask: MaskFunction) -> None:
    data = bytearray(b"unchanged payload")
    mask = bytearray(b"\xff\xff\xff\xff")
    apply_mask(data, mask)
    assert data == b"unchanged payload"
    assert mask == b"\xff\xff\xff\xff"


@implementations
@pytest.mark.parametrize("mask", [b"", b"abc", b"abcde", b"\x00" * 8])
def test_apply_mask_rejects_bad_mask_length(apply_mask: MaskFunction, mask: bytes) -> None:
    with pytest.raises(ValueError, match=r"^mask must contain 4 bytes$"):
        apply_mask(b"some data", mask)


@implementations
@pytest.mark.parametrize("data", ["text", 1234, None, "long text" * 4000])
def test_apply_mask_rejects_data_of_other_types(apply_mask: MaskFunction, data: object) -> None:
    with pytest.raises(TypeError):
        apply_mask(data, b"abcd")  # type: ignore[arg-type]


@implementations
@pytest.mark.parametrize("mask", ["abcd", 1234, None])
def test_apply_mask_rejects_mask_of_other_types(apply_mask: MaskFunction, mask: object) -> None:
    with pytest.raises(TypeError):
        apply_mask(b"data", mask)  # type: ignore[arg-type]


@implementations
@given(data=st.binary(max_size=2000), mask=st.binary(min_size=4, max_size=4))
def test_apply_mask_is_an_involution(apply_mask: MaskFunction, data: bytes, mask: bytes) -> None:
    assert apply_mask(apply_mask(data, mask), mask) == data


@implementations
@given(data=st.binary(max_size=2000), mask=st.binary(min_size=4, max_size=4))
def test_apply_mask_property_matches_reference(
    apply_mask: MaskFunction, data: bytes, mask: bytes
) -> None:
    assert apply_mask(data, mask) == reference_mask(data, mask)


@implementations
def test_apply_mask_counts_bytes_of_wide_memoryviews(
    apply_mask: Callable[[bytes | bytearray | memoryview, bytes | bytearray | memoryview], bytes],
) -> None:
    # Items of 4 bytes: the data is 8 bytes long and the mask 4, whatever the format.
    data = memoryview(array.array("I", [0, 0]))
    mask = memoryview(b"\x01\x02\x03\x04").cast("I")
    assert apply_mask(data, mask) == b"\x01\x02\x03\x04" * 2
    assert apply_mask(memoryview(bytes(6))[::2], mask) == b"\x01\x02\x03"
