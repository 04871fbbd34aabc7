"""C implementation of the hot paths of websockets; the modules that use it have the contracts."""

__all__ = ["apply_mask", "discard_masking_keys", "encode_frame", "read_frame"]

# Same signature as websockets.utils.apply_mask: frames.py imports either one.
def apply_mask(data: bytes | bytearray | memoryview, mask: bytes | bytearray | memoryview) -> bytes:
    """Mask or unmask ``data`` with the 4-byte ``mask`` (RFC 6455, section 5.3).

    Raises:
        ValueError: If ``mask`` isn't 4 bytes long.

    """

# Same contract as websockets.frames.py_encode_frame, with keys from a pool of its own.
def encode_frame(first: int, data: bytes | bytearray | memoryview, mask: bool, /) -> bytes:
    """Encode a frame from its first byte (FIN, RSV bits, opcode) and its payload.

    Masked frames get a fresh random key.

    Raises:
        ValueError: If ``first`` isn't in ``range(256)``.

    """

def discard_masking_keys() -> None:
    """Forget the pooled masking keys: the next frame draws new ones."""

def read_frame(
    data: bytes | bytearray, pos: int, mask: bool, max_size: int | None, /
) -> tuple[int, int, bytes] | None:
    """Read the unfragmented text or binary frame that starts at ``data[pos]``.

    Return ``(opcode, end, payload)`` if the frame is complete, final, without RSV
    bits, masked if and only if ``mask`` is true, no longer than ``max_size`` and,
    for text, valid UTF-8; else None, leaving the frame to the pure-Python parser of
    websockets.protocol.

    """
