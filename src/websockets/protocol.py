"""The WebSocket protocol state machine, without I/O (RFC 6455, sections 5 to 7).

Bytes go in with :meth:`Protocol.receive_data` and :meth:`Protocol.receive_eof`; events
come out of :meth:`Protocol.events_received`. Calls such as :meth:`Protocol.send_text`
queue bytes that :meth:`Protocol.data_to_send` hands to the I/O layer.

"""

from __future__ import annotations

import codecs
import enum
import logging
import uuid
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Union

from .exceptions import (
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidState,
    PayloadTooBig,
    ProtocolError,
)
from .frames import OK_CLOSE_CODES, BytesLike, Close, CloseCode, Frame, Opcode, encode_frame
from .http11 import Request, Response
from .streams import StreamReader
from .typing import LoggerLike

if TYPE_CHECKING:
    from .extensions.base import Extension

# Reads the common frames in C; None without the C accelerator, which is optional.
_read_frames: (
    Callable[
        [
            bytes | bytearray,
            int,
            bool,
            int | None,
            list[Event],
            type[Frame],
            tuple[Opcode, Opcode, Opcode],
        ],
        int,
    ]
    | None
)
try:
    from . import speedups
except ImportError:
    from .utils import apply_mask

    _read_frames = None
else:
    apply_mask = speedups.apply_mask
    _read_frames = speedups.read_frames

__all__ = ["SEND_EOF", "Protocol", "Side", "State"]

Event = Union[Request, Response, Frame]  # noqa: UP007  (a runtime alias on Python 3.10)
"""Events that :meth:`~Protocol.events_received` may return."""


class Side(enum.IntEnum):
    """Whether a connection is the client or the server side."""

    SERVER = 0
    CLIENT = 1


SERVER = Side.SERVER
CLIENT = Side.CLIENT


class State(enum.IntEnum):
    """The state of a WebSocket connection (RFC 6455, section 4 and 7)."""

    CONNECTING = 0
    OPEN = 1
    CLOSING = 2
    CLOSED = 3


CONNECTING = State.CONNECTING
OPEN = State.OPEN
CLOSING = State.CLOSING
CLOSED = State.CLOSED

SEND_EOF = b""
"""Marker in :meth:`~Protocol.data_to_send` asking the I/O layer to half-close TCP."""


class _Mode(enum.Enum):
    """What :meth:`Protocol.receive_data` does with incoming bytes."""

    HANDSHAKE = enum.auto()  # an HTTP message is being parsed by self.parser
    HOLD = enum.auto()  # the handshake awaits a decision: keep bytes for later
    FRAMES = enum.auto()  # frames are parsed from self._buffer
    DISCARD = enum.auto()  # input is ignored until EOF


_HANDSHAKE_MODE = _Mode.HANDSHAKE
_HOLD_MODE = _Mode.HOLD
_FRAMES_MODE = _Mode.FRAMES
_DISCARD_MODE = _Mode.DISCARD


class _Header:
    """The header of a frame whose payload hasn't fully arrived yet."""

    __slots__ = ("first", "length", "mask", "opcode", "validated")

    def __init__(
        self, opcode: Opcode, first: int, length: int, mask: bytes | None, check_early: bool
    ) -> None:
        self.opcode = opcode
        self.first = first  # FIN and RSV bits
        self.length = length
        self.mask = mask
        # How many bytes of the payload were checked as UTF-8 before it was complete;
        # None when the payload isn't uncompressed text, so it can't be checked early.
        self.validated: int | None = 0 if check_early else None


_OPCODES: dict[int, Opcode] = {opcode.value: opcode for opcode in Opcode}
# Module-level names resolve faster than enum attributes on the hot path.
_CONT, _TEXT, _BINARY = Opcode.CONT, Opcode.TEXT, Opcode.BINARY
_CLOSE, _PING, _PONG = Opcode.CLOSE, Opcode.PING, Opcode.PONG
_OPCODES_012 = (_CONT, _TEXT, _BINARY)
_OPCODE_TABLE: list[Opcode | None] = [_OPCODES.get(value) for value in range(16)]
_utf_8_decode = codecs.utf_8_decode
# FIN, RSV1, RSV2 and RSV3 as booleans, indexed by the high nibble of a frame's first byte.
_FLAGS: tuple[tuple[bool, bool, bool, bool], ...] = tuple(
    (bool(bits & 8), bool(bits & 4), bool(bits & 2), bool(bits & 1)) for bits in range(16)
)
_Utf8Decoder = codecs.getincrementaldecoder("utf-8")


class Protocol:
    """The Sans-I/O implementation of a WebSocket connection.

    Args:
        side: Whether this is the client or the server side.
        state: Initial state: CONNECTING while an opening handshake is pending, OPEN
            when the handshake happened elsewhere.
        max_size: Largest incoming message accepted, in bytes; None for no limit.
        logger: Logger for this connection; ``websockets.client`` or
            ``websockets.server`` by default.

    """

    # Slots: attribute access on the hot path is faster, connections smaller.
    # __dict__ keeps instances open to attributes added by applications.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_buffer",
        "_eof_received",
        "_header",
        "_mask_bit",
        "_masked_incoming",
        "_masks_outgoing",
        "_mode",
        "_state",
        "_text_message",
        "_utf8",
        "close_rcvd",
        "close_rcvd_then_sent",
        "close_sent",
        "cur_size",
        "debug",
        "eof_sent",
        "events",
        "expect_continuation_frame",
        "extensions",
        "handshake_exc",
        "id",
        "logger",
        "max_size",
        "parser",
        "parser_exc",
        "reader",
        "side",
        "writes",
    )

    extensions: list[Extension]
    handshake_exc: Exception | None

    def __init__(
        self,
        side: Side,
        *,
        state: State = OPEN,
        max_size: int | None = 2**20,
        logger: LoggerLike | None = None,
    ) -> None:
        self.id: uuid.UUID = uuid.uuid4()
        """Unique identifier of the connection, useful in logs."""

        if logger is None:
            logger = logging.getLogger(f"websockets.{side.name.lower()}")
        self.logger: LoggerLike = logger
        """Logger for this connection."""

        # Checking once is much cheaper than formatting debug messages for nothing.
        self.debug: bool = logger.isEnabledFor(logging.DEBUG)

        self.side: Side = side
        self.max_size: int | None = max_size
        # The MASK bit that incoming frames must have: clients mask, servers don't.
        self._mask_bit = 0x80 if side is SERVER else 0
        self._masked_incoming = side is SERVER
        self._masks_outgoing = side is CLIENT
        self._state = state
        if self.debug:
            self.logger.debug("= connection is %s", state.name)

        self.extensions = []
        """Extensions negotiated during the opening handshake, in order."""

        self.handshake_exc = None
        """Why the opening handshake failed, if it did."""

        self.close_rcvd: Close | None = None
        self.close_sent: Close | None = None
        self.close_rcvd_then_sent: bool | None = None
        # The error that made the parser fail the connection, chained to close_exc.
        self.parser_exc: Exception | None = None

        self.reader: StreamReader = StreamReader()
        self.events: list[Event] = []
        self.writes: list[bytes] = []
        self.eof_sent: bool = False

        self.expect_continuation_frame: bool = False  # for sending
        self.cur_size: int | None = None  # size of the message being received, if fragmented
        self._text_message = False  # whether the message being received is text
        self._utf8: codecs.IncrementalDecoder | None = None
        self._buffer = bytearray()
        self._header: _Header | None = None
        self._eof_received = False

        self._mode = _HANDSHAKE_MODE if state is CONNECTING else _FRAMES_MODE
        self.parser: Generator[None] | None = None
        if self._mode is _HANDSHAKE_MODE:
            self.parser = self.parse()
            next(self.parser)

    # -- Public attributes -------------------------------------------------------------

    @property
    def state(self) -> State:
        """State of the connection: CONNECTING, OPEN, CLOSING or CLOSED."""
        return self._state

    @state.setter
    def state(self, state: State) -> None:
        if self.debug:
            self.logger.debug("= connection is %s", state.name)
        self._state = state

    @property
    def close_code(self) -> int | None:
        """Code of the Close frame received, 1006 if none; None until CLOSED."""
        if self._state is not CLOSED:
            return None
        if self.close_rcvd is None:
            return CloseCode.ABNORMAL_CLOSURE
        return self.close_rcvd.code

    @property
    def close_reason(self) -> str | None:
        """Reason of the Close frame received, "" if none; None until CLOSED."""
        if self._state is not CLOSED:
            return None
        if self.close_rcvd is None:
            return ""
        return self.close_rcvd.reason

    @property
    def close_exc(self) -> ConnectionClosed:
        """The exception describing how the connection closed.

        :exc:`ConnectionClosedOK` when both sides exchanged Close frames with a code
        meaning success, else :exc:`ConnectionClosedError`.

        Raises:
            AssertionError: If the connection isn't CLOSED yet.

        """
        assert self._state is CLOSED, "connection isn't closed yet"
        rcvd, sent = self.close_rcvd, self.close_sent
        normal = (
            rcvd is not None
            and sent is not None
            and rcvd.code in OK_CLOSE_CODES
            and sent.code in OK_CLOSE_CODES
        )
        exc_type = ConnectionClosedOK if normal else ConnectionClosedError
        exc = exc_type(rcvd, sent, self.close_rcvd_then_sent)
        exc.__cause__ = self.parser_exc
        return exc

    # -- Receiving ---------------------------------------------------------------------

    def receive_data(self, data: bytes | bytearray) -> None:
        """Receive bytes from the network.

        Then call :meth:`events_received` for the events they complete, and
        :meth:`data_to_send` for what they require sending (a Pong, a Close frame...).

        Raises:
            EOFError: If :meth:`receive_eof` was called before.

        """
        # After receive_eof(), the mode is never FRAMES, except within _start_frames():
        # this check covers both.
        if self._mode is not _FRAMES_MODE:
            self._receive_outside_frames(data)
            return
        # Parse as many frames as ``data`` completes, keeping the rest buffered. This
        # is the hot path: it's inline here rather than in a method of its own.
        buffer = self._buffer
        if buffer:
            buffer += data
            view: bytes | bytearray = buffer
        else:
            view = data
        end = len(view)
        pos = 0
        # The C parser reads the common frames; it doesn't know about extensions.
        read_frames = _read_frames if not self.extensions and not self.debug else None
        try:
            while pos < end and self._mode is _FRAMES_MODE:
                header = self._header
                if read_frames is not None and header is None and self.cur_size is None:
                    read_to = read_frames(
                        view,
                        pos,
                        self._masked_incoming,
                        self.max_size,
                        self.events,
                        Frame,
                        _OPCODES_012,
                    )
                    if read_to != pos:
                        pos = read_to
                        continue
                if header is not None:
                    # The rest of a frame whose payload was incomplete.
                    length = header.length
                    if end - pos < length:
                        if header.validated is not None and end > pos:
                            self._validate_partial(header, view, pos, end)
                        break
                    self._header = None
                    payload = view[pos : pos + length]
                    pos += length
                    self._receive_payload(
                        header.opcode, header.first, payload, header.mask, header.validated or 0
                    )
                    continue
                if end - pos < 2:
                    break
                start = pos
                first, second = view[pos], view[pos + 1]
                length = second & 0x7F
                pos += 2
                if length == 126:
                    if end - pos < 2:
                        pos = start
                        break
                    length = (view[pos] << 8) | view[pos + 1]
                    pos += 2
                elif length == 127:
                    if end - pos < 8:
                        pos = start
                        break
                    length = int.from_bytes(view[pos : pos + 8], "big")
                    pos += 8
                # Check the header before waiting for the masking key or the payload:
                # a bad frame is refused as early as possible. The common case, an
                # unfragmented data frame, needs only the checks inline here.
                opcode = _OPCODE_TABLE[first & 0x0F]
                if (
                    opcode is None
                    or opcode >= 8
                    or opcode is _CONT
                    or self.cur_size is not None
                    or (second & 0x80) != self._mask_bit
                    or (first & 0x70 and not self.extensions)
                    or (self.max_size is not None and length > self.max_size)
                ):
                    opcode = self._check_header(first, second, length)
                mask = None
                if second & 0x80:
                    if end - pos < 4:
                        pos = start
                        break
                    mask = bytes(view[pos : pos + 4])
                    pos += 4
                if end - pos < length:
                    # Check UTF-8 as bytes arrive only in uncompressed text: there, the
                    # bytes are final.
                    check_early = not (first & 0x70) and (
                        opcode is _TEXT or (opcode is _CONT and self._text_message)
                    )
                    header = self._header = _Header(opcode, first, length, mask, check_early)
                    if check_early and end > pos:
                        self._validate_partial(header, view, pos, end)
                    break
                payload = view[pos : pos + length]
                pos += length
                if 0 < opcode <= 2 and first & 0x80 and not self.extensions and not self.debug:
                    # The common case, inline: a whole message in one data frame.
                    if mask is not None:
                        payload = apply_mask(payload, mask)
                    elif type(payload) is not bytes:
                        payload = bytes(payload)
                    if opcode is _TEXT:
                        _utf_8_decode(payload, "strict", True)
                    self.events.append(Frame(opcode, payload))
                else:
                    self._receive_payload(opcode, first, payload, mask, 0)
        except ProtocolError as exc:
            self._parser_failed(exc, CloseCode.PROTOCOL_ERROR, str(exc))
        except UnicodeDecodeError as exc:
            self._parser_failed(
                exc, CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}"
            )
        except PayloadTooBig as exc:
            exc.set_current_size(self.cur_size)
            self._parser_failed(exc, CloseCode.MESSAGE_TOO_BIG, str(exc))
        except Exception as exc:
            self.logger.error("parser failed", exc_info=True)
            self._parser_failed(exc, CloseCode.INTERNAL_ERROR, "")
        if self._mode is not _FRAMES_MODE:
            return
        if view is buffer:
            del buffer[:pos]
        elif pos < end:
            self._buffer = bytearray(view[pos:])

    def _receive_outside_frames(self, data: bytes | bytearray) -> None:
        """Receive bytes during the opening handshake, or after the closing one."""
        if self._eof_received:
            raise EOFError("stream ended")
        mode = self._mode
        if mode is _HANDSHAKE_MODE:
            self.reader.feed_data(data)
            assert self.parser is not None
            next(self.parser)
            if self._mode is _FRAMES_MODE:
                self.receive_data(self.reader.read_buffered())
            elif self._mode is _HOLD_MODE:
                self._buffer += self.reader.read_buffered()
                self._check_held()
        elif mode is _HOLD_MODE:
            self._buffer += data
            self._check_held()
        # In DISCARD mode, the data is dropped.

    def receive_eof(self) -> None:
        """Receive the end of the data stream from the network.

        Calling it again has no effect.

        """
        if self._eof_received:
            return
        self._eof_received = True
        if self.debug:
            self.logger.debug("< EOF")
        mode = self._mode
        if mode is _HANDSHAKE_MODE:
            self.reader.feed_eof()
            assert self.parser is not None
            next(self.parser)
        elif mode is _DISCARD_MODE:
            self._closed_by_peer()
        elif mode is _HOLD_MODE:
            # The client half-closed after its request: it may still read the
            # response. The EOF takes effect once the server decides.
            pass
        else:
            # After a closing handshake, the mode is DISCARD; EOF here is abnormal.
            self.parser_exc = EOFError("unexpected end of stream")
            self.fail(CloseCode.ABNORMAL_CLOSURE, "unexpected end of stream")

    def events_received(self) -> list[Event]:
        """Return the events received since the last call, in order."""
        events, self.events = self.events, []
        return events

    # -- Sending -----------------------------------------------------------------------

    def send_continuation(self, data: BytesLike, fin: bool) -> None:
        """Send a continuation frame of a fragmented message.

        Raises:
            ProtocolError: If no fragmented message is in progress.
            InvalidState: If the connection isn't OPEN.

        """
        if not self.expect_continuation_frame:
            raise ProtocolError("unexpected continuation frame")
        self._send_data_frame(_CONT, data, fin)

    def send_text(self, data: BytesLike, fin: bool = True) -> None:
        """Send a text frame: ``data`` must be UTF-8; ``fin=False`` starts fragments.

        Raises:
            ProtocolError: If a fragmented message is in progress.
            InvalidState: If the connection isn't OPEN.

        """
        if (
            self._state is OPEN
            and not self.expect_continuation_frame
            and not self.extensions
            and not self.debug
        ):
            # The common case, inline: the frame is valid by construction.
            self.expect_continuation_frame = not fin
            self.writes.append(encode_frame(0x81 if fin else 0x01, data, self._masks_outgoing))
            return
        if self.expect_continuation_frame:
            raise ProtocolError("expected a continuation frame")
        self._send_data_frame(_TEXT, data, fin)

    def send_binary(self, data: BytesLike, fin: bool = True) -> None:
        """Send a binary frame; ``fin=False`` starts a fragmented message.

        Raises:
            ProtocolError: If a fragmented message is in progress.
            InvalidState: If the connection isn't OPEN.

        """
        if (
            self._state is OPEN
            and not self.expect_continuation_frame
            and not self.extensions
            and not self.debug
        ):
            self.expect_continuation_frame = not fin
            self.writes.append(encode_frame(0x82 if fin else 0x02, data, self._masks_outgoing))
            return
        if self.expect_continuation_frame:
            raise ProtocolError("expected a continuation frame")
        self._send_data_frame(_BINARY, data, fin)

    def send_close(self, code: int | None = None, reason: str = "") -> None:
        """Start the closing handshake with a Close frame.

        Without a code, the Close frame has no payload.

        Raises:
            InvalidState: If the connection isn't OPEN.
            ProtocolError: If ``reason`` is given without ``code``, or the code may not
                be sent.

        """
        self._check_open()
        if code is None:
            if reason != "":
                raise ProtocolError("cannot send a reason without a code")
            close = Close(CloseCode.NO_STATUS_RCVD, "")
            data = b""
        else:
            close = Close(code, reason)
            data = close.serialize()
        self.send_frame(Frame(_CLOSE, data))
        self.close_sent = close
        self.state = CLOSING

    def send_ping(self, data: BytesLike) -> None:
        """Send a Ping frame.

        Raises:
            InvalidState: If the connection is neither OPEN nor CLOSING.

        """
        self._check_open_or_closing()
        self.send_frame(Frame(_PING, data))

    def send_pong(self, data: BytesLike) -> None:
        """Send a Pong frame.

        Raises:
            InvalidState: If the connection is neither OPEN nor CLOSING.

        """
        self._check_open_or_closing()
        self.send_frame(Frame(_PONG, data))

    def fail(self, code: int, reason: str = "") -> None:
        """Fail the connection (RFC 6455, section 7.1.7).

        When the connection is OPEN and ``code`` isn't 1006, this sends a Close frame.
        A server then closes TCP at once, while a client waits for the server to.
        Afterwards, incoming data is ignored.

        """
        if self._state is OPEN and code != CloseCode.ABNORMAL_CLOSURE:
            close = Close(code, reason)
            self.send_frame(Frame(_CLOSE, close.serialize()))
            self.close_sent = close
            self.state = CLOSING
        if self.side is SERVER and not self.eof_sent:
            self.send_eof()
        self._discard()

    def data_to_send(self) -> list[bytes]:
        """Return the bytes to write since the last call, one item per message.

        An item equal to :data:`SEND_EOF` asks to half-close the connection.

        """
        writes, self.writes = self.writes, []
        return writes

    def close_expected(self) -> bool:
        """Tell whether the peer is expected to close the TCP connection soon.

        The I/O layer then waits for it, with a timeout, rather than closing at once.

        """
        # After sending a Close frame, or failing the handshake, the TCP connection is
        # expected to close; once CLOSED, it already has.
        state = self._state
        if state is OPEN:
            return False
        if state is CLOSING:
            return True
        if state is CLOSED:
            return False
        return self.eof_sent

    # -- Internals shared with the client and server -----------------------------------

    def parse(self) -> Generator[None]:
        """Parse the opening handshake, driven by :meth:`receive_data`.

        :class:`~websockets.client.ClientProtocol` and
        :class:`~websockets.server.ServerProtocol` parse the HTTP messages of the
        handshake here. A bare :class:`Protocol` has no handshake: it reads frames.

        """
        self._start_frames()
        yield

    def _send_data_frame(self, opcode: Opcode, data: BytesLike, fin: bool) -> None:
        """Queue a data frame, once the caller checked the fragmentation order."""
        if self._state is not OPEN:
            raise InvalidState(f"connection is {self._state.name.lower()}")
        self.expect_continuation_frame = not fin
        if self.extensions or self.debug:
            self.send_frame(Frame(opcode, data, fin))
        else:
            # Valid by construction: skip the checks of Frame.serialize().
            self.writes.append(
                encode_frame(opcode | 0x80 if fin else opcode, data, self._masks_outgoing)
            )

    def send_frame(self, frame: Frame) -> None:
        """Queue a frame for sending, after the extensions encode it."""
        if self.debug:
            self.logger.debug("> %s", frame)
        self.writes.append(frame.serialize(mask=self._masks_outgoing, extensions=self.extensions))

    def send_eof(self) -> None:
        """Queue the end of the stream: the I/O layer half-closes TCP."""
        assert not self.eof_sent, "EOF was already sent"
        self.eof_sent = True
        if self.debug:
            self.logger.debug("> EOF")
        self.writes.append(SEND_EOF)

    def _check_open(self) -> None:
        if self._state is not OPEN:
            raise InvalidState(f"connection is {self._state.name.lower()}")

    def _check_open_or_closing(self) -> None:
        if self._state is not OPEN and self._state is not CLOSING:
            raise InvalidState(f"connection is {self._state.name.lower()}")

    def _handshake_failed(self, exc: Exception) -> None:
        """Record why the handshake failed and close the TCP connection."""
        self.handshake_exc = exc
        self.send_eof()
        self._discard()

    def _start_frames(self) -> None:
        """Switch from the handshake to frames, parsing any bytes already received."""
        self._mode = _FRAMES_MODE
        self.parser = None
        if self._buffer:
            pending, self._buffer = bytes(self._buffer), bytearray()
            self.receive_data(pending)
        if self._eof_received and self._mode is _FRAMES_MODE:
            self.parser_exc = EOFError("unexpected end of stream")
            self.fail(CloseCode.ABNORMAL_CLOSURE, "unexpected end of stream")

    def _hold(self) -> None:
        """Keep incoming bytes aside until the server decides on the handshake."""
        self._mode = _HOLD_MODE
        self.parser = None

    def _check_held(self) -> None:
        # A client may send frames before the handshake response, but no more than one
        # frame's worth: anything beyond is refused rather than buffered.
        if self.max_size is not None and len(self._buffer) > self.max_size + 14:
            exc = PayloadTooBig(len(self._buffer), self.max_size + 14)
            # The handshake fails too: the response can't be sent after the EOF.
            self.handshake_exc = exc
            self._parser_failed(exc, CloseCode.MESSAGE_TOO_BIG, str(exc))

    def _discard(self) -> None:
        """Ignore all input from now on; on EOF, the connection is CLOSED."""
        self._mode = _DISCARD_MODE
        self.parser = None
        self._buffer = bytearray()
        self._header = None
        if self._eof_received:
            self._closed_by_peer()

    def _closed_by_peer(self) -> None:
        # A server sent EOF already, when it failed the connection or completed the
        # closing handshake; a client does it once the server has.
        if not self.eof_sent and (self.side is CLIENT or self._state is CONNECTING):
            self.send_eof()
        self.state = CLOSED

    # -- Frames ------------------------------------------------------------------------

    def _parser_failed(self, exc: Exception, code: int, reason: str) -> None:
        self.parser_exc = exc
        self.fail(code, reason)

    def _check_header(self, first: int, second: int, length: int) -> Opcode:
        """Check a frame header as soon as it arrives, before its payload does."""
        opcode = _OPCODES.get(first & 0x0F)
        if opcode is None:
            raise ProtocolError("invalid opcode")
        if bool(second & 0x80) != (self.side is SERVER):
            raise ProtocolError("incorrect masking")
        if first & 0x70 and not self.extensions:
            raise ProtocolError("reserved bits must be 0")
        if opcode >= _CLOSE:
            if length > 125:
                raise ProtocolError("control frame too long")
            if not first & 0x80:
                raise ProtocolError("fragmented control frame")
        elif opcode is _CONT:
            if self.cur_size is None:
                raise ProtocolError("unexpected continuation frame")
        elif self.cur_size is not None:
            raise ProtocolError("expected a continuation frame")
        max_size = self.max_size
        if max_size is not None:
            if self.cur_size is not None:
                max_size -= self.cur_size
            if length > max_size:
                raise PayloadTooBig(length, max_size)
        return opcode

    def _max_frame_size(self) -> int | None:
        if self.max_size is None:
            return None
        if self.cur_size is None:
            return self.max_size
        return self.max_size - self.cur_size

    def _validate_partial(
        self, header: _Header, view: bytes | bytearray, pos: int, end: int
    ) -> None:
        """Check the UTF-8 of a text payload that is still arriving."""
        available = end - pos
        done = header.validated
        assert done is not None
        if available <= done:
            return
        chunk = view[pos + done : end]
        if header.mask is not None:
            # The mask repeats every 4 bytes: start it where this chunk starts.
            shift = done % 4
            chunk = apply_mask(chunk, header.mask[shift:] + header.mask[:shift])
        if self._utf8 is None:
            self._utf8 = _Utf8Decoder()
        self._utf8.decode(chunk, False)
        header.validated = available

    def _receive_payload(
        self,
        opcode: Opcode,
        first: int,
        payload: bytes | bytearray,
        mask: bytes | None,
        validated: int,
    ) -> None:
        """Handle a complete frame; ``validated`` bytes of it were checked as UTF-8."""
        if mask is not None:
            data = apply_mask(payload, mask)
        elif type(payload) is bytes:
            data = payload
        else:
            data = bytes(payload)
        fin, rsv1, rsv2, rsv3 = _FLAGS[first >> 4]
        frame = Frame(opcode, data, fin, rsv1, rsv2, rsv3)
        if self.extensions:
            max_size = self._max_frame_size()
            for extension in reversed(self.extensions):
                frame = extension.decode(frame, max_size=max_size)
            if frame.rsv1 or frame.rsv2 or frame.rsv3:
                raise ProtocolError("reserved bits must be 0")
        if self.debug:
            self.logger.debug("< %s", frame)
        opcode = frame.opcode
        if opcode is _TEXT:
            if frame.fin and not validated:
                # The common case: a whole text message in one frame.
                _utf_8_decode(frame.data, "strict", True)
            else:
                self._check_utf8(validated, frame)
                if not frame.fin:
                    self.cur_size = len(frame.data)
                    self._text_message = True
        elif opcode is _BINARY:
            if not frame.fin:
                self.cur_size = len(frame.data)
                self._text_message = False
        elif opcode is _CONT:
            if self._text_message:
                self._check_utf8(validated, frame)
            if frame.fin:
                self.cur_size = None
                self._text_message = False
            else:
                assert self.cur_size is not None
                self.cur_size += len(frame.data)
        elif opcode is _PING:
            # RFC 6455, section 5.5.2: answer with the same payload, unless closing.
            if self._state is OPEN:
                self.send_frame(Frame(_PONG, frame.data))
        elif opcode is _CLOSE:
            self._receive_close(frame)
        self.events.append(frame)

    def _check_utf8(self, done: int, frame: Frame) -> None:
        """Check UTF-8 in a text frame, carrying incomplete characters to the next.

        The first ``done`` bytes were checked already, as they arrived.
        """
        data = frame.data
        decoder = self._utf8
        if decoder is None:
            if frame.fin:
                # The common case: a whole text message in one frame.
                codecs.utf_8_decode(data, "strict", True)
                return
            decoder = self._utf8 = _Utf8Decoder()
        decoder.decode(data[done:] if done else data, frame.fin)
        if frame.fin:
            self._utf8 = None

    def _receive_close(self, frame: Frame) -> None:
        """Handle a Close frame (RFC 6455, section 5.5.1 and 7.1.5)."""
        self.close_rcvd = Close.parse(frame.data)
        if self._state is CLOSING:
            # We started the closing handshake; this completes it.
            self.close_rcvd_then_sent = False
        else:
            # Echo the code: a fragmented message in progress ends here too, which
            # RFC 6455, section 5.4, allows since control frames may interleave.
            self.send_frame(Frame(_CLOSE, frame.data))
            self.close_sent = self.close_rcvd
            self.close_rcvd_then_sent = True
            self.state = CLOSING
        # The closing handshake is complete: a server closes TCP (section 7.1.1).
        if self.side is SERVER:
            self.send_eof()
        self.cur_size = None
        self._utf8 = None
        self._discard()
