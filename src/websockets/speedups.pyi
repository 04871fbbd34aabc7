"""C implementation of the hot paths of websockets; the modules that use it have the contracts."""

from typing import TypeVar

__all__ = ["apply_mask", "discard_masking_keys", "encode_frame", "read_frames"]

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

_FrameT = TypeVar("_FrameT")
_OpcodeT = TypeVar("_OpcodeT")

def read_frames(
    data: bytes | bytearray,
    pos: int,
    mask: bool,
    max_size: int | None,
    events: list[_FrameT],
    frame_class: type[_FrameT],
    opcodes: tuple[_OpcodeT, _OpcodeT, _OpcodeT],
    /,
) -> int:
    """Read the unfragmented text and binary frames that start at ``data[pos]``.

    Append one ``frame_class`` instance per frame to ``events`` and return the
    position after the last one. A frame is read if it's complete, final, without RSV
    bits, masked if and only if ``mask`` is true, no longer than ``max_size`` and, for
    text, valid UTF-8; reading stops at the first other one, left to the pure-Python
    parser of websockets.protocol.

    Instances are built without calling ``__init__``: their fields ``opcode``,
    ``data``, ``fin``, ``rsv1``, ``rsv2`` and ``rsv3`` are set to ``opcodes[1]`` for
    text or ``opcodes[2]`` for binary, the unmasked payload, True, False, False and
    False.

    """
