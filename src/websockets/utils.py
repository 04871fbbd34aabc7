"""Helpers for the opening handshake (RFC 6455, section 4) and for masking (section 5.3)."""

from __future__ import annotations

import base64
import hashlib
import os

__all__ = ["accept_key", "apply_mask"]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
"""The GUID that RFC 6455, section 1.3, appends to the key to compute the accept value."""


def generate_key() -> str:
    """Return a fresh random value for the Sec-WebSocket-Key header.

    RFC 6455, section 4.1, asks for 16 random bytes, base64-encoded.

    """
    return base64.b64encode(os.urandom(16)).decode()


def accept_key(key: str) -> str:
    """Compute the value of Sec-WebSocket-Accept for the given Sec-WebSocket-Key."""
    digest = hashlib.sha1((key + GUID).encode()).digest()
    return base64.b64encode(digest).decode()


_MASK_CHUNK_SIZE = 16384
"""Bytes masked per integer operation; bigger integers outgrow the CPU caches and run slower."""


def apply_mask(data: bytes | bytearray | memoryview, mask: bytes | bytearray | memoryview) -> bytes:
    """Mask or unmask ``data`` with the 4-byte ``mask`` (RFC 6455, section 5.3).

    Masking is an XOR with the mask repeated over the data, so the same call unmasks.

    Raises:
        ValueError: If ``mask`` isn't 4 bytes long.

    """
    # Count bytes, not items: a memoryview's items may be wider than a byte. (Not
    # bytes(mask), which turns an int into that many zero bytes.)
    mask = memoryview(mask).tobytes()
    if len(mask) != 4:
        raise ValueError("mask must contain 4 bytes")
    if isinstance(data, memoryview):
        data = data.cast("B") if data.c_contiguous else data.tobytes()
    length = len(data)
    if length <= _MASK_CHUNK_SIZE:
        return _xor_repeated(data, mask, length)
    # Chunks are a multiple of 4 bytes long, so each one starts in phase with the mask.
    view = memoryview(data)
    key = int.from_bytes(mask * (_MASK_CHUNK_SIZE // 4), "little")
    end = length - length % _MASK_CHUNK_SIZE
    chunks = [
        (int.from_bytes(view[start : start + _MASK_CHUNK_SIZE], "little") ^ key).to_bytes(
            _MASK_CHUNK_SIZE, "little"
        )
        for start in range(0, end, _MASK_CHUNK_SIZE)
    ]
    chunks.append(_xor_repeated(view[end:], mask, length - end))
    return b"".join(chunks)


def _xor_repeated(data: bytes | bytearray | memoryview, mask: bytes, length: int) -> bytes:
    """XOR ``length`` bytes of ``data`` with ``mask`` repeated, as one big integer operation."""
    if length == 0:
        return b""
    # One XOR of two big integers runs in C, far faster than a loop over the bytes.
    repeated = mask * (length // 4) + mask[: length % 4]
    masked = int.from_bytes(data, "little") ^ int.from_bytes(repeated, "little")
    return masked.to_bytes(length, "little")
