"""A WebSocket connection on asyncio: the I/O around the Sans-I/O :class:`Protocol`."""

# Arguments are checked at runtime for callers without type checking; pyright would
# call those checks unnecessary, and casting around them costs time on the hot path.
# pyright: reportUnnecessaryIsInstance=false

from __future__ import annotations

import asyncio
import logging
import random
import struct
import sys
import uuid
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Iterable,
    Mapping,
)
from types import TracebackType
from typing import Any, Literal, TypeVar, cast, overload

from ..exceptions import ConcurrencyError, ConnectionClosed, ConnectionClosedOK, InvalidState
from ..frames import DATA_OPCODES, OP_CLOSE, OP_PONG, BytesLike, CloseCode, Frame, is_bytes_like
from ..http11 import Request, Response
from ..protocol import CLOSED, CONNECTING, OPEN, Event, Protocol, State
from ..typing import Data, LoggerLike, Subprotocol
from .messages import Assembler

__all__ = ["Connection"]

_ConnectionT = TypeVar("_ConnectionT", bound="Connection")


class Connection(asyncio.Protocol):
    """An asyncio implementation of a WebSocket connection.

    It reads from and writes to a transport for a Sans-I/O :class:`~websockets.protocol.Protocol`.
    :class:`~websockets.asyncio.client.ClientConnection` and
    :class:`~websockets.asyncio.server.ServerConnection` add the opening handshake.

    Args:
        protocol: The Sans-I/O protocol of the connection.
        ping_interval: Seconds between keepalive pings; None disables them.
        ping_timeout: Seconds to wait for a keepalive pong before closing the connection
            with code 1011; None waits forever.
        close_timeout: Seconds to wait for the closing handshake and the end of the TCP
            connection before aborting it.
        max_queue: How many incoming frames may wait to be read before reading from the
            network pauses; a ``(high, low)`` pair sets when it pauses and resumes.
            None means no limit.
        write_limit: How many bytes may wait to be written before :meth:`send` waits;
            a ``(high, low)`` pair sets when it waits and resumes.

    """

    # Slots: attribute access on the hot path is faster, connections smaller.
    # __dict__ keeps instances open to attributes added by applications.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "close_timeout",
        "close_timer",
        "connection_lost_waiter",
        "debug",
        "drain_waiter",
        "fragmented_send_waiter",
        "id",
        "keepalive_task",
        "latency",
        "logger",
        "loop",
        "max_queue",
        "opening",
        "ping_interval",
        "ping_timeout",
        "pong_waiters",
        "protocol",
        "recv_exc",
        "recv_messages",
        "request",
        "response",
        "transport",
        "write_limit",
        "writing_paused",
    )

    def __init__(
        self,
        protocol: Protocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | tuple[int | None, int | None] | None = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
    ) -> None:
        self.protocol: Protocol = protocol
        self.ping_interval: float | None = ping_interval
        self.ping_timeout: float | None = ping_timeout
        self.close_timeout: float | None = close_timeout
        if isinstance(max_queue, int) or max_queue is None:
            max_queue = (max_queue, None)
        if isinstance(write_limit, int):
            write_limit = (write_limit, None)
        self.max_queue: tuple[int | None, int | None] = max_queue
        self.write_limit: tuple[int, int | None] = write_limit

        self.loop: asyncio.AbstractEventLoop = asyncio.get_running_loop()
        self.id: uuid.UUID = protocol.id
        """Unique identifier of the connection, useful in logs."""
        self.logger: LoggerLike = logging.LoggerAdapter(protocol.logger, {"websocket": self})
        """Logger for this connection."""
        self.debug: bool = protocol.debug

        self.request: Request | None = None
        """The opening handshake request."""
        self.response: Response | None = None
        """The opening handshake response."""

        self.latency: float = 0
        """Latency of the connection, in seconds, measured by the last ping and pong.

        It's 0 until the first pong arrives.
        """

        self.transport: asyncio.Transport
        self.recv_messages: Assembler = Assembler(
            *max_queue, pause=self._pause_reading, resume=self._resume_reading
        )
        # Error that made the connection fail while reading, chained to close_exc.
        self.recv_exc: BaseException | None = None
        # A send() in the middle of a fragmented message makes others wait.
        self.fragmented_send_waiter: asyncio.Future[None] | None = None
        # Pings waiting for a pong: payload -> (future, time sent), in sending order.
        self.pong_waiters: dict[bytes, tuple[asyncio.Future[float], float]] = {}
        self.keepalive_task: asyncio.Task[None] | None = None
        self.close_timer: asyncio.TimerHandle | None = None
        self.drain_waiter: asyncio.Future[None] | None = None
        self.writing_paused: bool = False
        self.connection_lost_waiter: asyncio.Future[None] = self.loop.create_future()
        # Until the opening handshake is over, incoming data may concern it.
        self.opening: bool = protocol.state is CONNECTING

    # -- Public attributes -------------------------------------------------------------

    @property
    def local_address(self) -> Any:
        """Local address of the connection, as the socket reports it."""
        return self.transport.get_extra_info("sockname")

    @property
    def remote_address(self) -> Any:
        """Remote address of the connection, as the socket reports it."""
        return self.transport.get_extra_info("peername")

    @property
    def state(self) -> State:
        """State of the connection: CONNECTING, OPEN, CLOSING or CLOSED."""
        return self.protocol.state

    @property
    def subprotocol(self) -> Subprotocol | None:
        """Subprotocol agreed during the opening handshake, if any."""
        return getattr(self.protocol, "subprotocol", None)

    @property
    def close_code(self) -> int | None:
        """Code of the Close frame received, 1006 if none; None until closed."""
        return self.protocol.close_code

    @property
    def close_reason(self) -> str | None:
        """Reason of the Close frame received; None until closed."""
        return self.protocol.close_reason

    # -- Context manager and iteration -------------------------------------------------

    async def __aenter__(self: _ConnectionT) -> _ConnectionT:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            await self.close()
        else:
            await self.close(CloseCode.INTERNAL_ERROR)

    async def __aiter__(self) -> AsyncIterator[Data]:
        """Iterate over messages until the connection closes normally.

        Raises:
            ConnectionClosedError: If the connection closes with an error.

        """
        messages = self.recv_messages
        try:
            while True:
                # Skip the checks of recv() while messages arrive normally.
                try:
                    message = await messages.get()
                except (EOFError, ConcurrencyError, UnicodeDecodeError):
                    message = await self.recv()
                yield message
        except ConnectionClosedOK:
            return

    # -- Receiving ---------------------------------------------------------------------

    @overload
    async def recv(self, decode: Literal[True]) -> str: ...

    @overload
    async def recv(self, decode: Literal[False]) -> bytes: ...

    @overload
    async def recv(self, decode: bool | None = None) -> Data: ...

    async def recv(self, decode: bool | None = None) -> Data:
        """Receive the next message.

        A text message comes as :class:`str` and a binary one as :class:`bytes`;
        ``decode=False`` returns bytes always, ``decode=True`` str always.

        Cancelling it is safe: no message is lost.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If two coroutines call :meth:`recv` or
                :meth:`recv_streaming` at once.

        """
        try:
            return await self.recv_messages.get(decode)
        except EOFError:
            pass
        except ConcurrencyError:
            raise ConcurrencyError(
                "cannot call recv while another coroutine is already running recv or recv_streaming"
            ) from None
        except UnicodeDecodeError as exc:
            self._fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
            self.recv_exc = exc
        await asyncio.shield(self.connection_lost_waiter)
        raise self.protocol.close_exc from self.recv_exc

    async def recv_streaming(self, decode: bool | None = None) -> AsyncGenerator[Data]:
        """Receive the next message one frame at a time.

        Iterate until the end of the message: stopping early, or cancelling the
        iteration, after the first fragment fails the connection with code 1011, as
        the rest of the message can't be read anymore.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If two coroutines call :meth:`recv` or
                :meth:`recv_streaming` at once.

        """
        fragments = self.recv_messages.get_iter(decode)
        try:
            async for fragment in fragments:
                yield fragment
            return
        except EOFError:
            pass
        except ConcurrencyError:
            raise ConcurrencyError(
                "cannot call recv_streaming while another coroutine "
                "is already running recv or recv_streaming"
            ) from None
        except UnicodeDecodeError as exc:
            self._fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
            self.recv_exc = exc
        finally:
            # Close the reader now, not whenever it's garbage collected, to find out
            # whether the message was left unfinished.
            await fragments.aclose()
            if self.recv_messages.abandoned:
                self._fail(CloseCode.INTERNAL_ERROR, "incomplete read of streamed message")
        await asyncio.shield(self.connection_lost_waiter)
        raise self.protocol.close_exc from self.recv_exc

    # -- Sending -----------------------------------------------------------------------

    async def send(
        self,
        message: Data | Iterable[Data] | AsyncIterable[Data],
        text: bool | None = None,
    ) -> None:
        """Send a message.

        A :class:`str` goes as a text message and bytes-like data as a binary one;
        ``text=True`` sends bytes as text (they must be UTF-8) and ``text=False`` sends
        a str as binary. An iterable or an async iterable of str or bytes-like chunks is
        sent as a fragmented message, one frame per chunk; other coroutines calling
        :meth:`send` meanwhile wait until it's complete.

        When more than ``write_limit`` bytes wait to be written, this waits until the
        buffer drains.

        Raises:
            ConnectionClosed: When the connection is closed.
            TypeError: If ``message`` doesn't have a supported type.

        """
        while self.fragmented_send_waiter is not None:
            await asyncio.shield(self.fragmented_send_waiter)

        # Callers without type checking may pass anything: check at runtime.
        value: object = message
        # The protocol refuses to send unless the connection is OPEN; then the caller
        # learns how it closed.
        if isinstance(value, str):
            try:
                if text is False:
                    self.protocol.send_binary(value.encode())
                else:
                    self.protocol.send_text(value.encode())
            except InvalidState:
                await self._raise_closed()
        elif is_bytes_like(value):
            try:
                if text:
                    self.protocol.send_text(value)
                else:
                    self.protocol.send_binary(value)
            except InvalidState:
                await self._raise_closed()
        elif isinstance(value, Mapping):
            raise TypeError("data is a dict-like object")
        elif isinstance(value, Iterable):
            await self._send_fragments(iter(cast("Iterable[Data]", value)), text)
            return
        elif isinstance(value, AsyncIterable):
            await self._send_async_fragments(aiter(value), text)
            return
        else:
            raise TypeError("data must be str, bytes, iterable, or async iterable")
        # The protocol queued one frame and is still OPEN: send_data() would only
        # spend time finding that out.
        writes = self.protocol.writes
        self.protocol.writes = []
        for data in writes:
            self.transport.write(data)
        if self.writing_paused:
            await self._drain()

    def _send_fragment(self, chunk: Data, text: bool | None, first: bool, fin: bool) -> bool:
        """Send one frame of a fragmented message; return whether it's text."""
        value: object = chunk
        if isinstance(value, str):
            data: BytesLike = value.encode()
            is_text = text is not False
        elif is_bytes_like(value):
            data = value
            is_text = bool(text)
        else:
            raise TypeError("iterable must contain bytes or str")
        if first:
            if is_text:
                self.protocol.send_text(data, fin=fin)
            else:
                self.protocol.send_binary(data, fin=fin)
        else:
            self.protocol.send_continuation(data, fin=fin)
        self.send_data()
        return is_text

    async def _send_fragments(self, chunks: Iterable[Data], text: bool | None) -> None:
        async def each() -> AsyncIterator[Data]:
            for chunk in chunks:
                yield chunk

        await self._send_async_fragments(each(), text)

    async def _send_async_fragments(self, chunks: AsyncIterator[Data], text: bool | None) -> None:
        try:
            current = await anext(chunks)
        except StopAsyncIteration:
            return
        if self.protocol.state is not OPEN:
            await self._raise_closed()
        self.fragmented_send_waiter = self.loop.create_future()
        try:
            first = True
            kind: type[str] | None = None
            async for upcoming in chunks:
                kind = self._check_uniform(current, kind)
                if self.protocol.state is not OPEN:
                    await self._raise_closed()
                self._send_fragment(current, text, first, fin=False)
                first = False
                if self.writing_paused:
                    await self._drain()
                current = upcoming
            self._check_uniform(current, kind)
            if self.protocol.state is not OPEN:
                await self._raise_closed()
            self._send_fragment(current, text, first, fin=True)
        except ConnectionClosed:
            raise
        except Exception:
            self._fail(CloseCode.INTERNAL_ERROR, "error in fragmented message")
            raise
        finally:
            self.fragmented_send_waiter.set_result(None)
            self.fragmented_send_waiter = None
        if self.writing_paused:
            await self._drain()

    @staticmethod
    def _check_uniform(chunk: Data, kind: type[str] | None) -> type[str] | None:
        """Check that every chunk of a fragmented message has the same type."""
        chunk_kind: type[Any] = str if isinstance(chunk, str) else bytes
        if kind is not None and chunk_kind is not kind:
            raise TypeError("iterable must contain uniform types")
        return chunk_kind

    async def close(self, code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        """Perform the closing handshake, then wait for the TCP connection to close.

        This waits at most ``close_timeout`` for the peer before aborting the TCP
        connection. Calling it again, or once the connection is closed, does nothing.

        """
        if self.protocol.state is OPEN:
            if self.fragmented_send_waiter is not None:
                # A message is half sent: it can't be completed, so the connection fails.
                self.protocol.fail(CloseCode.INTERNAL_ERROR, "close during fragmented message")
            else:
                self.protocol.send_close(code, reason)
            self.send_data()
        await asyncio.shield(self.connection_lost_waiter)

    async def wait_closed(self) -> None:
        """Wait until the connection is closed."""
        await asyncio.shield(self.connection_lost_waiter)

    async def ping(self, data: Data | None = None) -> Awaitable[float]:
        """Send a Ping frame.

        Args:
            data: Payload of the ping; four random bytes by default.

        Returns:
            A future that resolves to the latency, in seconds, when the matching pong
            arrives; await it to wait for the pong.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If a ping with the same payload awaits its pong.
            TypeError: If ``data`` isn't str or bytes-like.

        """
        value: object = data
        if value is None:
            # Random payloads make collisions with pending pings unlikely; retry if not.
            payload = struct.pack("!I", random.getrandbits(32))
            while payload in self.pong_waiters:
                payload = struct.pack("!I", random.getrandbits(32))
        else:
            payload = _control_payload(value)
        if self.protocol.state is not OPEN and self.protocol.state is not State.CLOSING:
            await self._raise_closed()
        if payload in self.pong_waiters:
            raise ConcurrencyError("already waiting for a pong with the same data")
        waiter: asyncio.Future[float] = self.loop.create_future()
        self.pong_waiters[payload] = (waiter, self.loop.time())
        self.protocol.send_ping(payload)
        self.send_data()
        return waiter

    async def pong(self, data: Data = b"") -> None:
        """Send a Pong frame, e.g. as an unsolicited heartbeat.

        Raises:
            ConnectionClosed: When the connection is closed.
            TypeError: If ``data`` isn't str or bytes-like.

        """
        payload = _control_payload(data)
        if self.protocol.state is not OPEN and self.protocol.state is not State.CLOSING:
            await self._raise_closed()
        self.protocol.send_pong(payload)
        self.send_data()

    # -- Internals: state, failure, keepalive ------------------------------------------

    async def _raise_closed(self) -> None:
        """Wait for the connection to close, then raise the exception describing it."""
        await asyncio.shield(self.connection_lost_waiter)
        raise self.protocol.close_exc from self.recv_exc

    def _fail(self, code: int, reason: str) -> None:
        """Fail the WebSocket connection, as after a protocol error."""
        if self.protocol.state is OPEN:
            self.protocol.fail(code, reason)
            self.send_data()

    def acknowledge_pings(self, data: bytes) -> None:
        """Resolve the ping with this payload, and every ping sent before it."""
        if data not in self.pong_waiters:
            return  # an unsolicited pong
        now = self.loop.time()
        for payload in list(self.pong_waiters):
            waiter, sent_at = self.pong_waiters.pop(payload)
            if not waiter.done():
                waiter.set_result(now - sent_at)
            if payload == data:
                self.latency = now - sent_at
                break

    def _terminate_pings(self) -> None:
        """Make pings still waiting for a pong fail, as the connection is closed."""
        exc = self.protocol.close_exc
        for waiter, _ in self.pong_waiters.values():
            if not waiter.done():
                waiter.set_exception(exc)
                # Nobody may await it: don't report it as an unretrieved exception.
                waiter.exception()
        self.pong_waiters.clear()

    def start_keepalive(self) -> None:
        """Start sending keepalive pings, unless ``ping_interval`` is None."""
        if self.ping_interval is not None and self.keepalive_task is None:
            self.keepalive_task = self.loop.create_task(self.keepalive())

    async def keepalive(self) -> None:
        """Send a ping every ``ping_interval``; fail with 1011 if a pong is late."""
        assert self.ping_interval is not None
        latency = 0.0
        try:
            while True:
                await asyncio.sleep(max(self.ping_interval - latency, 0))
                pong_waiter = await self.ping()
                if self.debug:
                    self.logger.debug("% sent keepalive ping")
                if self.ping_timeout is None:
                    continue
                try:
                    latency = await asyncio.wait_for(pong_waiter, self.ping_timeout)
                except asyncio.TimeoutError:
                    if self.debug:
                        self.logger.debug("- timed out waiting for keepalive pong")
                    self._fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
                    return
                if self.debug:
                    self.logger.debug("% received keepalive pong")
        except ConnectionClosed:
            pass
        except Exception:
            self.logger.error("keepalive ping failed", exc_info=True)

    # -- Internals: writing ------------------------------------------------------------

    def send_data(self) -> None:
        """Write what the protocol wants to send; half-close TCP on request."""
        protocol = self.protocol
        writes = protocol.writes
        if not writes:
            return
        protocol.writes = []
        for data in writes:
            if data:
                self.transport.write(data)
            else:
                # SEND_EOF: half-close when the transport can (not with TLS); else close.
                if self.debug:
                    self.logger.debug("x half-closing TCP connection")
                if self.transport.can_write_eof():
                    self.transport.write_eof()
                else:
                    self.transport.close()
        if self.close_timer is None and protocol.state is not OPEN and protocol.close_expected():
            self._start_close_timer()

    def _start_close_timer(self) -> None:
        """Abort the TCP connection if the peer doesn't close it in time."""
        if self.close_timeout is not None and self.connection_lost_waiter.done() is False:
            self.close_timer = self.loop.call_later(self.close_timeout, self._close_timed_out)

    def _close_timed_out(self) -> None:
        if self.debug:
            self.logger.debug("- timed out waiting for TCP close")
        self.transport.abort()

    async def _drain(self) -> None:
        """Wait until the write buffer drains below its low-water mark."""
        while self.writing_paused:
            waiter = self.drain_waiter
            if waiter is None:
                waiter = self.drain_waiter = self.loop.create_future()
            await asyncio.shield(waiter)
        # Woken up by connection_lost(): what was buffered may never be delivered.
        if self.connection_lost_waiter.done():
            await self._raise_closed()

    def _pause_reading(self) -> None:
        self.transport.pause_reading()

    def _resume_reading(self) -> None:
        self.transport.resume_reading()

    # -- asyncio.Protocol callbacks ----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Called by asyncio when the TCP connection is established."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        high, low = self.write_limit
        transport.set_write_buffer_limits(high, low)

    def data_received(self, data: bytes) -> None:
        """Called by asyncio when bytes arrive."""
        protocol = self.protocol
        protocol.receive_data(data)
        events = protocol.events
        if events:
            protocol.events = []
        # Answer pings and Close frames first: the events may take a while to process.
        if protocol.writes:
            self.send_data()
        messages = self.recv_messages
        for event in events:
            # Data frames take the short way; handshake events and control frames go
            # through process_event(), which subclasses extend.
            if type(event) is Frame and event.opcode <= 2 and not messages.closed:
                messages.put(event)
            else:
                self.process_event(event)
        if self.opening:
            if protocol.state is CONNECTING:
                self.handshake_data_received()
            else:
                self.opening = False

    def handshake_data_received(self) -> None:
        """Called after data arrives while the opening handshake is in progress."""

    def eof_received(self) -> None:
        """Called by asyncio when the peer half-closes the TCP connection."""
        self.protocol.receive_eof()
        events = self.protocol.events_received()
        self.send_data()
        for event in events:
            self.process_event(event)
        # Returning None lets asyncio close the transport once writes are flushed.

    def connection_lost(self, exc: Exception | None) -> None:
        """Called by asyncio when the TCP connection is closed."""
        self.protocol.receive_eof()  # no effect if EOF was received already
        if self.protocol.state is not CLOSED:
            # A server holding a handshake request keeps a half-close pending; the
            # connection is gone now, so there's nothing left to wait for.
            self.protocol.fail(CloseCode.ABNORMAL_CLOSURE)
        # Nothing can be written anymore; drop what the protocol queued.
        self.protocol.data_to_send()
        if self.debug:
            self.logger.debug("x TCP connection closed")
        if self.recv_exc is None and exc is not None:
            self.recv_exc = exc
        self.recv_messages.close()
        self._terminate_pings()
        if self.close_timer is not None:
            self.close_timer.cancel()
            self.close_timer = None
        if self.keepalive_task is not None:
            self.keepalive_task.cancel()
        if not self.connection_lost_waiter.done():
            self.connection_lost_waiter.set_result(None)
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        self.writing_paused = False

    def pause_writing(self) -> None:
        """Called by asyncio when the write buffer goes over the high-water mark."""
        self.writing_paused = True

    def resume_writing(self) -> None:
        """Called by asyncio when the write buffer drains below the low-water mark."""
        self.writing_paused = False
        waiter, self.drain_waiter = self.drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- Events ------------------------------------------------------------------------

    def process_event(self, event: Event) -> None:
        """Handle an event from the protocol: a frame, once the handshake is done."""
        assert isinstance(event, Frame)
        opcode = event.opcode
        if opcode in DATA_OPCODES:
            # After a Close frame, reading stopped: late frames are dropped. (Not
            # contextlib.suppress: this is the hot path, and it's much slower.)
            try:  # noqa: SIM105
                self.recv_messages.put(event)
            except EOFError:
                pass
        elif opcode is OP_PONG:
            self.acknowledge_pings(bytes(event.data))
        elif opcode is OP_CLOSE:
            # No more messages: recv() returns what's queued, then waits for the close.
            self.recv_messages.close()


def _control_payload(data: object) -> bytes:
    """Return the payload of a Ping or Pong frame given as str or bytes-like data."""
    if isinstance(data, str):
        return data.encode()
    if is_bytes_like(data):
        return bytes(data)
    raise TypeError("data must be str or bytes-like")


def broadcast(
    connections: Iterable[Connection],
    message: Data,
    raise_exceptions: bool = False,
) -> None:
    """Send a message to several connections at once, without waiting.

    Connections that aren't open, or that are in the middle of sending a fragmented
    message, are skipped. There's no backpressure: a connection whose write buffer is
    over its limit receives the message all the same, so keep an eye on slow clients.

    Args:
        connections: The connections to send to.
        message: A str is sent as text, bytes-like data as binary.
        raise_exceptions: Instead of logging errors as warnings, collect them and raise
            them in an :class:`ExceptionGroup` at the end (Python >= 3.11).

    Raises:
        TypeError: If ``message`` isn't str or bytes-like.
        ValueError: If ``raise_exceptions`` is True before Python 3.11.

    """
    value: object = message
    if isinstance(value, str):
        send_method = "send_text"
        payload: BytesLike = value.encode()
    elif is_bytes_like(value):
        send_method = "send_binary"
        payload = value
    else:
        raise TypeError("data must be str or bytes")
    if raise_exceptions and sys.version_info < (3, 11):  # pragma: no cover
        raise ValueError("raise_exceptions requires at least Python 3.11")
    errors: list[Exception] = []
    for connection in connections:
        if connection.protocol.state is not OPEN:
            continue
        if connection.fragmented_send_waiter is not None:
            if raise_exceptions:
                errors.append(ConcurrencyError("sending a fragmented message"))
            else:
                connection.logger.warning(
                    "skipped broadcast: sending a fragmented message",
                )
            continue
        try:
            getattr(connection.protocol, send_method)(payload)
            connection.send_data()
        except Exception as exc:
            if raise_exceptions:
                error = RuntimeError("failed to write message")
                error.__cause__ = exc
                errors.append(error)
            else:
                connection.logger.warning(
                    "skipped broadcast: failed to write message: %s",
                    exc,
                    exc_info=True,
                )
    if errors and sys.version_info >= (3, 11):
        raise ExceptionGroup("skipped broadcast", errors)  # noqa: F821  # a builtin on 3.11+


# The API documents broadcast in websockets.asyncio.server.
broadcast.__module__ = "websockets.asyncio.server"
