"""Helpers for the opening handshake (RFC 6455, section 4) and for masking (section 5.3)."""

from __future__ import annotations

import base64
import hashlib
import os
import sys

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


def apply_mask(data: bytes | bytearray | memoryview, mask: bytes | bytearray | memoryview) -> bytes:
    """Mask or unmask ``data`` with the 4-byte ``mask`` (RFC 6455, section 5.3).

    Masking is an XOR with the mask repeated over the data, so the same call unmasks.

    Raises:
        ValueError: If ``mask`` isn't 4 bytes long.

    """
    if len(mask) != 4:
        raise ValueError("mask must contain 4 bytes")
    length = len(data)
    if length == 0:
        return b""
    # One XOR of two big integers runs in C, far faster than a loop over the bytes.
    repeated = bytes(mask) * (length // 4) + bytes(mask[: length % 4])
    masked = int.from_bytes(data, sys.byteorder) ^ int.from_bytes(repeated, sys.byteorder)
    return masked.to_bytes(length, sys.byteorder)
