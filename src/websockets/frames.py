"""WebSocket frames (RFC 6455, section 5) and Close frame payloads (section 5.5.1)."""

from __future__ import annotations

import dataclasses
import enum
import os
import struct
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, ClassVar, TypeGuard

from .exceptions import PayloadTooBig, ProtocolError

if TYPE_CHECKING:
    from .extensions.base import Extension

# The C versions, when the optional accelerator is built; else None.
_c_encode_frame: Callable[[int, BytesLike, bool], bytes] | None
try:
    from . import speedups
except ImportError:
    from .utils import apply_mask

    _c_encode_frame = None
else:
    apply_mask = speedups.apply_mask
    _c_encode_frame = speedups.encode_frame

__all__ = [
    "CTRL_OPCODES",
    "DATA_OPCODES",
    "OP_BINARY",
    "OP_CLOSE",
    "OP_CONT",
    "OP_PING",
    "OP_PONG",
    "OP_TEXT",
    "Close",
    "CloseCode",
    "Frame",
    "Opcode",
]

# [[[cog import codegen; print(codegen.opcodes(), end="") ]]]
# Generated from spec/opcodes.yaml by codegen: do not edit, run `make regen`.


class Opcode(enum.IntEnum):
    """Opcode values of WebSocket frames (RFC 6455, section 11.8)."""

    CONT = 0x0
    """Continuation of a fragmented message. (RFC 6455 section 5.4.)"""

    TEXT = 0x1
    """First frame of a text message; the payload is UTF-8. (RFC 6455 section 5.6.)"""

    BINARY = 0x2
    """First frame of a binary message. (RFC 6455 section 5.6.)"""

    CLOSE = 0x8
    """Starts or answers the closing handshake. (RFC 6455 section 5.5.1.)"""

    PING = 0x9
    """Asks the peer for a Pong carrying the same payload. (RFC 6455 section 5.5.2.)"""

    PONG = 0xA
    """Answers a Ping, or serves as an unsolicited heartbeat. (RFC 6455 section 5.5.3.)"""


OP_CONT = Opcode.CONT
OP_TEXT = Opcode.TEXT
OP_BINARY = Opcode.BINARY
OP_CLOSE = Opcode.CLOSE
OP_PING = Opcode.PING
OP_PONG = Opcode.PONG

DATA_OPCODES = (OP_CONT, OP_TEXT, OP_BINARY)
CTRL_OPCODES = (OP_CLOSE, OP_PING, OP_PONG)


# [[[end]]]

# [[[cog import codegen; print(codegen.close_codes(), end="") ]]]
# Generated from spec/close_codes.yaml by codegen: do not edit, run `make regen`.


class CloseCode(enum.IntEnum):
    """Status codes of Close frames (RFC 6455, section 7.4.1)."""

    NORMAL_CLOSURE = 1000
    """The purpose of the connection has been fulfilled. (RFC 6455 section 7.4.1.)"""

    GOING_AWAY = 1001
    """The endpoint is going away, e.g. a server shutting down or a browser leaving a page. (RFC
    6455 section 7.4.1.)
    """

    PROTOCOL_ERROR = 1002
    """The endpoint received a frame that violates the protocol. (RFC 6455 section 7.4.1.)"""

    UNSUPPORTED_DATA = 1003
    """The endpoint received a type of data it cannot accept. (RFC 6455 section 7.4.1.)"""

    NO_STATUS_RCVD = 1005
    """The Close frame carried no status code. Never sent in a Close frame. (RFC 6455 section
    7.4.1.)
    """

    ABNORMAL_CLOSURE = 1006
    """The connection was lost without a Close frame. Never sent in a Close frame. (RFC 6455 section
    7.4.1.)
    """

    INVALID_DATA = 1007
    """The message payload is inconsistent with its type, e.g. invalid UTF-8 in text. (RFC 6455
    section 7.4.1.)
    """

    POLICY_VIOLATION = 1008
    """The message violates the endpoint's policy. (RFC 6455 section 7.4.1.)"""

    MESSAGE_TOO_BIG = 1009
    """The message is too big to process. (RFC 6455 section 7.4.1.)"""

    MANDATORY_EXTENSION = 1010
    """The client expected the server to negotiate an extension it did not. (RFC 6455 section
    7.4.1.)
    """

    INTERNAL_ERROR = 1011
    """The server met an unexpected condition. (RFC 6455 section 7.4.1.)"""

    SERVICE_RESTART = 1012
    """The service is restarting. (IANA WebSocket Close Code Number Registry.)"""

    TRY_AGAIN_LATER = 1013
    """The service is overloaded; the client may retry later. (IANA WebSocket Close Code Number
    Registry.)
    """

    BAD_GATEWAY = 1014
    """A gateway or proxy received an invalid response from upstream. (IANA WebSocket Close Code
    Number Registry.)
    """

    TLS_HANDSHAKE = 1015
    """The TLS handshake failed. Never sent in a Close frame. (IANA WebSocket Close Code Number
    Registry.)
    """


CLOSE_CODE_EXPLANATIONS: dict[int, str] = {
    CloseCode.NORMAL_CLOSURE: "OK",
    CloseCode.GOING_AWAY: "going away",
    CloseCode.PROTOCOL_ERROR: "protocol error",
    CloseCode.UNSUPPORTED_DATA: "unsupported data",
    CloseCode.NO_STATUS_RCVD: "no status received [internal]",
    CloseCode.ABNORMAL_CLOSURE: "abnormal closure [internal]",
    CloseCode.INVALID_DATA: "invalid frame payload data",
    CloseCode.POLICY_VIOLATION: "policy violation",
    CloseCode.MESSAGE_TOO_BIG: "message too big",
    CloseCode.MANDATORY_EXTENSION: "mandatory extension",
    CloseCode.INTERNAL_ERROR: "internal error",
    CloseCode.SERVICE_RESTART: "service restart",
    CloseCode.TRY_AGAIN_LATER: "try again later",
    CloseCode.BAD_GATEWAY: "bad gateway",
    CloseCode.TLS_HANDSHAKE: "TLS handshake failure [internal]",
}
"""Short phrases describing each close code, as shown in logs."""

EXTERNAL_CLOSE_CODES: frozenset[int] = frozenset(
    {
        CloseCode.NORMAL_CLOSURE,
        CloseCode.GOING_AWAY,
        CloseCode.PROTOCOL_ERROR,
        CloseCode.UNSUPPORTED_DATA,
        CloseCode.INVALID_DATA,
        CloseCode.POLICY_VIOLATION,
        CloseCode.MESSAGE_TOO_BIG,
        CloseCode.MANDATORY_EXTENSION,
        CloseCode.INTERNAL_ERROR,
        CloseCode.SERVICE_RESTART,
        CloseCode.TRY_AGAIN_LATER,
        CloseCode.BAD_GATEWAY,
    }
)
"""Close codes with a name that may appear in a Close frame."""

OK_CLOSE_CODES: frozenset[int] = frozenset(
    {
        CloseCode.NORMAL_CLOSURE,
        CloseCode.GOING_AWAY,
        CloseCode.NO_STATUS_RCVD,
    }
)
"""Close codes meaning that the connection terminated normally."""

APPLICATION_CLOSE_CODE_RANGES: dict[range, str] = {
    range(3000, 4000): "registered",
    range(4000, 5000): "private use",
}
"""Ranges of close codes left to applications, with their explanation."""


# [[[end]]]


@dataclasses.dataclass
class Close:
    """The payload of a Close frame: a status code and a reason.

    A Close frame without a payload parses as code 1005 (no status received) and an
    empty reason.

    """

    code: int
    """Status code."""

    reason: str
    """Reason, possibly empty."""

    def __str__(self) -> str:
        explanation = CLOSE_CODE_EXPLANATIONS.get(self.code)
        if explanation is None:
            ranges = APPLICATION_CLOSE_CODE_RANGES.items()
            explanation = next((text for codes, text in ranges if self.code in codes), "unknown")
        result = f"{self.code} ({explanation})"
        return f"{result} {self.reason}" if self.reason else result

    @classmethod
    def parse(cls, data: bytes | bytearray | memoryview) -> Close:
        """Parse the payload of a Close frame.

        Raises:
            ProtocolError: If the payload is one byte long or the code is illegal.
            UnicodeDecodeError: If the reason isn't valid UTF-8.

        """
        if len(data) >= 2:
            code = int.from_bytes(data[:2], "big")
            close = cls(code, bytes(data[2:]).decode())
            close.check()
            return close
        if len(data) == 0:
            return cls(CloseCode.NO_STATUS_RCVD, "")
        raise ProtocolError("close frame too short")

    def serialize(self) -> bytes:
        """Serialize the payload of a Close frame."""
        self.check()
        return self.code.to_bytes(2, "big") + self.reason.encode()

    def check(self) -> None:
        """Check that the code may appear in a Close frame.

        Raises:
            ProtocolError: If it may not (RFC 6455, section 7.4).

        """
        if self.code in EXTERNAL_CLOSE_CODES:
            return
        if any(self.code in codes for codes in APPLICATION_CLOSE_CODE_RANGES):
            return
        raise ProtocolError("invalid status code")


if TYPE_CHECKING:
    BytesLike = bytes | bytearray | memoryview[int]
else:  # memoryview can't be subscripted at runtime
    BytesLike = bytes | bytearray | memoryview
"""Types of binary data accepted for payloads."""


def is_bytes_like(value: object) -> TypeGuard[BytesLike]:
    """Tell whether ``value`` is binary data accepted for payloads."""
    return isinstance(value, (bytes, bytearray, memoryview))


_PACK_16 = struct.Struct("!BBH").pack
_PACK_64 = struct.Struct("!BBQ").pack
_UNPACK_16 = struct.Struct("!H").unpack
_UNPACK_64 = struct.Struct("!Q").unpack
_OPCODES: dict[int, Opcode] = {opcode.value: opcode for opcode in Opcode}
_TEXTUAL = (Opcode.TEXT, Opcode.PING, Opcode.PONG, Opcode.CONT)


@dataclasses.dataclass(slots=True)
class Frame:
    """A WebSocket frame (RFC 6455, section 5.2).

    Frames are what the Sans-I/O layer exchanges with extensions and, in debug logs,
    with people: ``str(frame)`` shows a short summary of the frame.

    """

    opcode: Opcode
    """Opcode."""

    data: BytesLike
    """Payload data."""

    fin: bool = True
    """FIN bit: whether this is the last frame of its message."""

    rsv1: bool = False
    """RSV1 bit: reserved for extensions, e.g. permessage-deflate."""

    rsv2: bool = False
    """RSV2 bit: reserved for extensions."""

    rsv3: bool = False
    """RSV3 bit: reserved for extensions."""

    MAX_LOG_SIZE: ClassVar[int] = int(os.environ.get("WEBSOCKETS_MAX_LOG_SIZE", "75"))
    """Maximum number of characters of payload shown by ``str(frame)``.

    Set from the WEBSOCKETS_MAX_LOG_SIZE environment variable; 75 by default.
    """

    def __str__(self) -> str:
        size = len(self.data)
        details = [f"{size} byte{'' if size == 1 else 's'}"]
        if not self.fin:
            details.append("continued")
        if self.opcode is Opcode.CLOSE:
            shown = str(Close.parse(self.data))
        elif self.opcode is Opcode.BINARY:
            shown = self._hex()
        elif self.data:
            try:
                shown = repr(bytes(self.data).decode())
            except UnicodeDecodeError:
                shown = self._hex()
                details.insert(0, "binary")
            else:
                if self.opcode is not Opcode.TEXT:
                    details.insert(0, "text")
        else:
            shown = "''"
        if len(shown) > self.MAX_LOG_SIZE:
            keep = self.MAX_LOG_SIZE // 3 - 1
            shown = f"{shown[: 2 * keep]}...{shown[-keep:]}"
        return f"{self.opcode.name} {shown} [{', '.join(details)}]"

    def _hex(self) -> str:
        data = bytes(self.data)
        # Three characters per byte: keep the head and the tail within the log size.
        budget = self.MAX_LOG_SIZE // 3
        if len(data) > budget:
            keep = (budget - 1) // 3
            return f"{data[: 2 * keep].hex(' ')} ... {data[-keep:].hex(' ')}"
        return data.hex(" ")

    @classmethod
    def parse(
        cls,
        read_exact: Callable[[int], Generator[None, None, bytes]],
        *,
        mask: bool,
        max_size: int | None = None,
        extensions: Sequence[Extension] | None = None,
    ) -> Generator[None, None, Frame]:
        """Parse a frame, reading bytes with the ``read_exact`` generator-coroutine.

        Args:
            read_exact: Reads exactly the number of bytes it's given, suspending until
                they are available.
            mask: Whether the frame must be masked: frames from clients are.
            max_size: Largest payload accepted, in bytes, after extensions decode it.
            extensions: Extensions negotiated for the connection, applied in reverse.

        Raises:
            EOFError: If the stream ends before the frame does.
            ProtocolError: If the frame breaks the protocol.
            PayloadTooBig: If the payload is larger than ``max_size``; checked from the
                frame header, before reading the payload.

        """
        head = yield from read_exact(2)
        first, second = head[0], head[1]
        opcode = _OPCODES.get(first & 0x0F)
        if opcode is None:
            raise ProtocolError("invalid opcode")
        if bool(second & 0x80) != mask:
            raise ProtocolError("incorrect masking")
        fin = bool(first & 0x80)
        length = second & 0x7F
        if length == 126:
            (length,) = _UNPACK_16((yield from read_exact(2)))
        elif length == 127:
            (length,) = _UNPACK_64((yield from read_exact(8)))
        if opcode >= OP_CLOSE:
            # Refuse a bad control frame before reading its payload.
            _check_control(length, fin)
        if max_size is not None and length > max_size:
            raise PayloadTooBig(length, max_size)
        if mask:
            mask_bytes = yield from read_exact(4)
            data: BytesLike = apply_mask((yield from read_exact(length)), mask_bytes)
        else:
            data = yield from read_exact(length)
        frame = cls(opcode, data, fin, bool(first & 0x40), bool(first & 0x20), bool(first & 0x10))
        if extensions:
            for extension in reversed(extensions):
                frame = extension.decode(frame, max_size=max_size)
        frame.check()
        return frame

    def serialize(self, *, mask: bool, extensions: Sequence[Extension] | None = None) -> bytes:
        """Serialize the frame, after the ``extensions`` encode it, in order.

        Args:
            mask: Whether to mask the payload: clients must, servers must not.
            extensions: Extensions negotiated for the connection.

        Raises:
            ProtocolError: If the frame breaks the protocol.

        """
        self.check()
        frame = self
        if extensions:
            for extension in extensions:
                frame = extension.encode(frame)
        return frame.encoded(mask)

    def encoded(self, mask: bool) -> bytes:
        """Serialize without checks or extensions, for callers that already did both."""
        first = self.opcode | (
            (0x80 if self.fin else 0)
            | (0x40 if self.rsv1 else 0)
            | (0x20 if self.rsv2 else 0)
            | (0x10 if self.rsv3 else 0)
        )
        return encode_frame(first, self.data, mask)

    def check(self) -> None:
        """Check that reserved bits and control frames follow the rules.

        Raises:
            ProtocolError: If a reserved bit is set, or a control frame is longer than
                125 bytes or fragmented.

        """
        if self.rsv1 or self.rsv2 or self.rsv3:
            raise ProtocolError("reserved bits must be 0")
        if self.opcode >= OP_CLOSE:
            _check_control(len(self.data), self.fin)


class _MaskingKeys:
    """Masking keys drawn from the OS's random source, a few hundred at a time.

    RFC 6455, section 5.3, requires unpredictable keys; one system call per frame
    would dominate the cost of sending small frames.
    """

    __slots__ = ("pool", "position")

    def __init__(self) -> None:
        self.pool: bytes = b""
        self.position: int = 0

    def __call__(self) -> bytes:
        position = self.position
        if position >= len(self.pool):
            self.pool = os.urandom(1024)
            position = 0
        self.position = position + 4
        return self.pool[position : position + 4]

    def discard(self) -> None:
        """Forget the pooled keys: the next call draws new ones."""
        self.pool = b""
        self.position = 0


_masking_keys = _MaskingKeys()

new_masking_key: Callable[[], bytes] = _masking_keys
"""Return a fresh, unpredictable 4-byte masking key."""


# After fork(), parent and child would draw the same keys from identical pools. (The C
# accelerator looks after its own pool.)
if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_masking_keys.discard)


def py_encode_frame(first: int, data: BytesLike, mask: bool, /) -> bytes:
    """Encode a frame from its first byte (FIN, RSV bits, opcode) and its payload.

    The pure-Python version of :func:`encode_frame`.

    Raises:
        ValueError: If ``first`` isn't between 0 and 255.

    """
    if not 0 <= first <= 255:
        raise ValueError("first must be between 0 and 255")
    if type(data) is memoryview:
        # len() counts items, not bytes, and a strided view can't be concatenated.
        data = data.cast("B") if data.c_contiguous else data.tobytes()
    length = len(data)
    mask_bit = 0x80 if mask else 0
    if length < 126:
        header = bytes((first, mask_bit | length))
    elif length < 65536:
        header = _PACK_16(first, mask_bit | 126, length)
    else:
        header = _PACK_64(first, mask_bit | 127, length)
    if mask:
        key = new_masking_key()
        return header + key + apply_mask(data, key)
    return header + data


encode_frame: Callable[[int, BytesLike, bool], bytes] = _c_encode_frame or py_encode_frame
"""Encode a frame from its first byte (FIN, RSV bits, opcode) and its payload.

Masked frames get a fresh random key. The C version, when built, draws its keys
from its own pool.
"""


def _check_control(length: int, fin: bool) -> None:
    """Apply the rules of RFC 6455, section 5.5, to a control frame."""
    if length > 125:
        raise ProtocolError("control frame too long")
    if not fin:
        raise ProtocolError("fragmented control frame")
