"""C implementation of the hot paths of websockets; see websockets.utils for the contract."""

__all__ = ["apply_mask"]

# Same signature as websockets.utils.apply_mask: frames.py imports either one.
def apply_mask(data: bytes | bytearray | memoryview, mask: bytes | bytearray | memoryview) -> bytes:
    """Mask or unmask ``data`` with the 4-byte ``mask`` (RFC 6455, section 5.3).

    Raises:
        ValueError: If ``mask`` isn't 4 bytes long.

    """
