"""A WebSocket connection with threads: the I/O around the Sans-I/O :class:`Protocol`."""

# Arguments are checked at runtime for callers without type checking; pyright would
# call those checks unnecessary.
# pyright: reportUnnecessaryIsInstance=false

from __future__ import annotations

import contextlib
import logging
import random
import socket
import struct
import threading
import time
import uuid
from collections.abc import Generator, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, ClassVar, Literal, NoReturn, TypeAlias, TypeVar, cast, overload

from ..exceptions import ConcurrencyError, ConnectionClosedOK, InvalidState
from ..frames import DATA_OPCODES, OP_CLOSE, OP_PONG, BytesLike, CloseCode, Frame, is_bytes_like
from ..http11 import Request, Response
from ..protocol import CLOSED, CONNECTING, OPEN, Event, Protocol, State
from ..typing import Data, LoggerLike, Subprotocol
from .messages import Assembler
from .utils import Deadline

__all__ = ["Connection"]

_ConnectionT = TypeVar("_ConnectionT", bound="Connection")

# In methods, the name socket is the parameter, not the module.
_Socket: TypeAlias = socket.socket


class Connection:
    """A threading implementation of a WebSocket connection.

    A background thread reads from the socket and feeds the Sans-I/O
    :class:`~websockets.protocol.Protocol`; the methods below can be called from any
    thread. :class:`~websockets.sync.client.ClientConnection` and
    :class:`~websockets.sync.server.ServerConnection` add the opening handshake.

    Args:
        socket: The connected socket, with TLS already set up if any.
        protocol: The Sans-I/O protocol of the connection.
        ping_interval: Seconds between keepalive pings; None disables them.
        ping_timeout: Seconds to wait for a keepalive pong before closing the connection
            with code 1011; None waits forever.
        close_timeout: Seconds to wait for the closing handshake and the end of the TCP
            connection before closing the socket.
        max_queue: How many incoming frames may wait to be read before reading from the
            network pauses; a ``(high, low)`` pair sets when it pauses and resumes.
            None means no limit.

    """

    recv_bufsize: int = 65536
    """How many bytes the background thread asks the socket for at once."""

    # Whether the background thread reads from the start. Clients wait until their
    # handshake request is written: with TLS 1.3, reading the server's session tickets
    # in one thread while writing the request in another corrupts OpenSSL's state, which
    # isn't safe for that, and the handshake hangs.
    read_before_handshake: ClassVar[bool] = True

    def __init__(
        self,
        socket: socket.socket,
        protocol: Protocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | tuple[int | None, int | None] | None = 16,
    ) -> None:
        self.socket: _Socket = socket
        """The socket of the connection."""
        self.protocol: Protocol = protocol
        self.ping_interval: float | None = ping_interval
        self.ping_timeout: float | None = ping_timeout
        self.close_timeout: float | None = close_timeout
        if isinstance(max_queue, int) or max_queue is None:
            max_queue = (max_queue, None)
        self.max_queue: tuple[int | None, int | None] = max_queue

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

        # Guards the protocol, writes to the socket and the attributes below: the
        # background thread and the threads of the application share them.
        self.protocol_mutex: threading.Lock = threading.Lock()
        # Cleared while the queue of incoming messages is full: reading stops.
        self.reading_allowed: threading.Event = threading.Event()
        if self.read_before_handshake:
            self.reading_allowed.set()
        self.recv_messages: Assembler = Assembler(
            *max_queue, pause=self._pause_reading, resume=self.reading_allowed.set
        )
        # Error that made the connection fail while reading, chained to close_exc.
        self.recv_exc: BaseException | None = None
        # A thread is sending a fragmented message: others can't send meanwhile.
        self.send_in_progress: bool = False
        # Pings waiting for a pong: payload -> (event, time sent, ack_on_close), in
        # sending order.
        self.pong_waiters: dict[bytes, tuple[threading.Event, float, bool]] = {}
        # Set once the closing handshake starts: the connection must end by then.
        self.close_deadline: Deadline | None = None
        self.keepalive_thread: threading.Thread | None = None
        # Set by _abort(): from then on, reading must never pause again.
        self.aborted: bool = False
        # Set when the background thread is done and the socket is closed.
        self.socket_closed: threading.Event = threading.Event()
        # Until the opening handshake is over, incoming data may concern it.
        self.opening: bool = protocol.state is CONNECTING

        self.recv_events_thread: threading.Thread = threading.Thread(
            target=self.recv_events, name=f"websockets-recv-{self.id}", daemon=True
        )
        self.recv_events_thread.start()

    # -- Public attributes -------------------------------------------------------------

    @property
    def local_address(self) -> Any:
        """Local address of the connection, as the socket reports it."""
        return self.socket.getsockname()

    @property
    def remote_address(self) -> Any:
        """Remote address of the connection, as the socket reports it."""
        return self.socket.getpeername()

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

    def __enter__(self: _ConnectionT) -> _ConnectionT:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.close(CloseCode.INTERNAL_ERROR)

    def __iter__(self) -> Iterator[Data]:
        """Iterate over messages until the connection closes normally.

        Raises:
            ConnectionClosedError: If the connection closes with an error.

        """
        try:
            while True:
                yield self.recv()
        except ConnectionClosedOK:
            return

    # -- Receiving ---------------------------------------------------------------------

    @overload
    def recv(self, timeout: float | None, decode: Literal[True]) -> str: ...

    @overload
    def recv(self, timeout: float | None, decode: Literal[False]) -> bytes: ...

    @overload
    def recv(self, timeout: float | None = None, *, decode: Literal[True]) -> str: ...

    @overload
    def recv(self, timeout: float | None = None, *, decode: Literal[False]) -> bytes: ...

    @overload
    def recv(self, timeout: float | None = None, decode: bool | None = None) -> Data: ...

    def recv(self, timeout: float | None = None, decode: bool | None = None) -> Data:
        """Receive the next message, waiting at most ``timeout`` seconds for it.

        A text message comes as :class:`str` and a binary one as :class:`bytes`;
        ``decode=False`` returns bytes always, ``decode=True`` str always. With
        ``timeout=0``, only a message already received is returned.

        A timeout loses nothing: the message can still be received later.

        Raises:
            ConnectionClosed: When the connection is closed.
            TimeoutError: If no message arrived within ``timeout``.
            ConcurrencyError: If two threads call :meth:`recv` or
                :meth:`recv_streaming` at once.

        """
        try:
            return self.recv_messages.get(timeout, decode)
        except EOFError:
            pass
        except ConcurrencyError:
            raise ConcurrencyError(
                "cannot call recv while another thread is already running recv or recv_streaming"
            ) from None
        except UnicodeDecodeError as exc:
            self._fail_on_decode_error(exc)
        self._raise_closed()

    def recv_streaming(self, decode: bool | None = None) -> Generator[Data]:
        """Receive the next message one frame at a time.

        Iterate until the end of the message. Stopping early, e.g. with ``break``,
        fails the connection with code 1011: the rest of the message is dropped and
        later calls raise :exc:`~websockets.exceptions.ConnectionClosed`.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If two threads call :meth:`recv` or
                :meth:`recv_streaming` at once.

        """
        try:
            yield from self.recv_messages.get_iter(decode)
            return
        except GeneratorExit:
            # Closing the Assembler's iterator mid-message dropped the queue and closed
            # it. Only that closes it while the connection is OPEN: a Close frame or the
            # end of the connection change the state first, and _fail checks it.
            if self.recv_messages.closed:
                with self.protocol_mutex:
                    self._fail(CloseCode.INTERNAL_ERROR, "incomplete read of streamed message")
            raise
        except EOFError:
            pass
        except ConcurrencyError:
            raise ConcurrencyError(
                "cannot call recv_streaming while another thread "
                "is already running recv or recv_streaming"
            ) from None
        except UnicodeDecodeError as exc:
            self._fail_on_decode_error(exc)
        self._raise_closed()

    def _fail_on_decode_error(self, exc: UnicodeDecodeError) -> None:
        with self.protocol_mutex:
            if self.recv_exc is None:
                self.recv_exc = exc
            self._fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")

    # -- Sending -----------------------------------------------------------------------

    def send(self, message: Data | Iterable[Data], text: bool | None = None) -> None:
        """Send a message.

        A :class:`str` goes as a text message and bytes-like data as a binary one;
        ``text=True`` sends bytes as text (they must be UTF-8) and ``text=False`` sends
        a str as binary. An iterable of str or bytes-like chunks is sent as a fragmented
        message, one frame per chunk.

        This blocks while the network doesn't accept more data.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If another thread is sending a fragmented message.
            TypeError: If ``message`` doesn't have a supported type.

        """
        value: object = message
        if isinstance(value, str):
            payload: BytesLike = value.encode()
            as_text = text is not False
        elif is_bytes_like(value):
            payload = value
            as_text = bool(text)
        elif isinstance(value, Mapping):
            raise TypeError("data is a dict-like object")
        elif isinstance(value, Iterable):
            self._send_fragments(iter(cast("Iterable[Data]", value)), text)
            return
        else:
            raise TypeError("data must be str, bytes, or iterable")
        try:
            with self.protocol_mutex:
                self._check_send_in_progress()
                try:
                    if as_text:
                        self.protocol.send_text(payload)
                    else:
                        self.protocol.send_binary(payload)
                except InvalidState:
                    raise _Closed from None
                self._write()
        except _Closed as exc:
            self._raise_closed(exc.__cause__)

    def _check_send_in_progress(self) -> None:
        if self.send_in_progress:
            raise ConcurrencyError("cannot call send while another thread is already running send")

    def _send_fragment(self, chunk: Data, text: bool | None, first: bool, fin: bool) -> None:
        """Send one frame of a fragmented message, holding the mutex."""
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
        self._write()

    def _send_fragments(self, chunks: Iterator[Data], text: bool | None) -> None:
        try:
            current = next(chunks)
        except StopIteration:
            return
        with self.protocol_mutex:
            self._check_send_in_progress()
            if self.protocol.state is not OPEN:
                closed = True
            else:
                closed = False
                self.send_in_progress = True
        if closed:
            self._raise_closed()
        try:
            kind = _chunk_kind(current, None)
            first = True
            # Look one chunk ahead: the last one goes in the final frame.
            for upcoming in chunks:
                kind = _chunk_kind(upcoming, kind)
                with self.protocol_mutex:
                    if self.protocol.state is not OPEN:
                        raise _Closed
                    self._send_fragment(current, text, first, fin=False)
                first = False
                current = upcoming
            with self.protocol_mutex:
                if self.protocol.state is not OPEN:
                    raise _Closed
                self._send_fragment(current, text, first, fin=True)
                self.send_in_progress = False
        except _Closed as exc:
            with self.protocol_mutex:
                self.send_in_progress = False
            self._raise_closed(exc.__cause__)
        except Exception:
            with self.protocol_mutex:
                self.send_in_progress = False
                self._fail(CloseCode.INTERNAL_ERROR, "error in fragmented message")
            raise

    def close(self, code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        """Perform the closing handshake, then wait for the TCP connection to close.

        This waits at most ``close_timeout`` for the peer before closing the socket,
        including while another thread is blocked sending to a peer that doesn't read.
        Calling it again, or once the connection is closed, does nothing.

        """
        deadline = Deadline(self.close_timeout)
        # Another thread may hold the mutex while blocked writing to a peer that doesn't
        # read; so may the Close frame itself: close_timeout bounds both.
        if not self._lock_or_close(deadline.timeout(raise_if_elapsed=False), "closing"):
            return
        try:
            if self.protocol.state is OPEN:
                if self.send_in_progress:
                    # A message is half sent: it can't be completed, so the connection fails.
                    self.protocol.fail(CloseCode.INTERNAL_ERROR, "close during fragmented message")
                else:
                    self.protocol.send_close(code, reason)
                with self._watchdog(deadline.timeout(raise_if_elapsed=False)):
                    self.send_data()
        finally:
            self.protocol_mutex.release()
        self.wait_for_close()

    def ping(self, data: Data | None = None, ack_on_close: bool = False) -> threading.Event:
        """Send a Ping frame.

        Args:
            data: Payload of the ping; four random bytes by default.
            ack_on_close: Whether to set the returned event when the connection closes
                before the pong arrives, rather than leave it unset.

        Returns:
            An event that's set when the matching pong arrives; wait on it to wait for
            the pong.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If a ping with the same payload awaits its pong.
            TypeError: If ``data`` isn't str or bytes-like.

        """
        payload = None if data is None else _control_payload(data)
        try:
            with self.protocol_mutex:
                return self._send_ping(payload, ack_on_close)
        except _Closed as exc:
            self._raise_closed(exc.__cause__)

    def _send_ping(self, payload: bytes | None, ack_on_close: bool) -> threading.Event:
        """Send a ping, holding the mutex.

        Raises:
            _Closed: If the connection is closed or the write fails.

        """
        if payload is None:
            # Random payloads make collisions with pending pings unlikely; retry if not.
            payload = struct.pack("!I", random.getrandbits(32))
            while payload in self.pong_waiters:
                payload = struct.pack("!I", random.getrandbits(32))
        if self.protocol.state is not OPEN and self.protocol.state is not State.CLOSING:
            raise _Closed
        if payload in self.pong_waiters:
            raise ConcurrencyError("already waiting for a pong with the same data")
        pong_waiter = threading.Event()
        self.pong_waiters[payload] = (pong_waiter, time.monotonic(), ack_on_close)
        self.protocol.send_ping(payload)
        self._write()
        return pong_waiter

    def pong(self, data: Data = b"") -> None:
        """Send a Pong frame, e.g. as an unsolicited heartbeat.

        Raises:
            ConnectionClosed: When the connection is closed.
            TypeError: If ``data`` isn't str or bytes-like.

        """
        payload = _control_payload(data)
        try:
            with self.protocol_mutex:
                try:
                    self.protocol.send_pong(payload)
                except InvalidState:
                    raise _Closed from None
                self._write()
        except _Closed as exc:
            self._raise_closed(exc.__cause__)

    # -- Internals: closing ------------------------------------------------------------

    def _raise_closed(self, cause: BaseException | None = None) -> NoReturn:
        """Wait for the connection to close, then raise the exception describing it.

        It's chained to ``cause``, e.g. a write error, else to the error that made
        reading fail, if any.

        """
        self.wait_for_close()
        raise self.protocol.close_exc from (self.recv_exc if cause is None else cause)

    def _fail(self, code: int, reason: str) -> None:
        """Fail the WebSocket connection, holding the mutex, as after a protocol error."""
        if self.protocol.state is OPEN:
            self.protocol.fail(code, reason)
            self.send_data()

    def wait_for_close(self) -> None:
        """Wait until the socket is closed, closing it when ``close_timeout`` expires.

        The timeout runs from the start of the closing handshake, or from now if it
        hasn't started.

        """
        if threading.current_thread() is self.recv_events_thread:
            return  # the background thread closes the socket when it's done
        deadline = self.close_deadline
        if deadline is None:
            deadline = Deadline(self.close_timeout)
        timeout = deadline.timeout(raise_if_elapsed=False)
        if not self.socket_closed.wait(None if timeout is None else max(timeout, 0)):
            if self.debug:
                self.logger.debug("- timed out waiting for TCP close")
            self.close_socket()

    def close_socket(self) -> None:
        """Close the TCP connection at once and wait until the background thread ends."""
        self._abort()
        if threading.current_thread() is not self.recv_events_thread:
            self.recv_events_thread.join()

    def _abort(self) -> None:
        """Wake up the background thread, wherever it's blocked, so that it ends."""
        # Shutting down the socket interrupts a recv() in progress; closing it wouldn't.
        # It also makes a write blocked in another thread fail.
        self.aborted = True
        with contextlib.suppress(OSError):  # not connected anymore
            self.socket.shutdown(socket.SHUT_RDWR)
        self.reading_allowed.set()

    def _lock_or_close(self, timeout: float | None, doing: str) -> bool:
        """Acquire the mutex within ``timeout``, None meaning no limit.

        On failure, close the socket, which makes a write blocked in the thread holding
        the mutex fail, and return False.

        """
        if self.protocol_mutex.acquire(timeout=-1 if timeout is None else max(timeout, 0)):
            return True
        if self.debug:
            self.logger.debug("- timed out waiting for a write to end while %s", doing)
        self.close_socket()
        return False

    @contextlib.contextmanager
    def _watchdog(self, timeout: float | None) -> Generator[None]:
        """Abort the connection if the block, a write, lasts more than ``timeout``.

        A write to a peer that doesn't read blocks forever otherwise. None means no
        limit.

        """
        if timeout is None:
            yield
            return
        timer = threading.Timer(max(timeout, 0), self._abort)
        timer.name = f"websockets-watchdog-{self.id}"
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    # -- Internals: keepalive ----------------------------------------------------------

    def start_keepalive(self) -> None:
        """Start sending keepalive pings, unless ``ping_interval`` is None."""
        if self.ping_interval is not None and self.keepalive_thread is None:
            self.keepalive_thread = threading.Thread(
                target=self.keepalive, name=f"websockets-keepalive-{self.id}", daemon=True
            )
            self.keepalive_thread.start()

    def keepalive(self) -> None:
        """Send a ping every ``ping_interval``; fail with 1011 if a pong is late.

        A peer that stops reading blocks writes, and a thread blocked writing holds the
        mutex. So the keepalive waits at most ``ping_timeout``, or ``close_timeout`` if
        ``ping_timeout`` is None, for the mutex and for each of its own writes; then it
        closes the socket. With both None, it waits without limit.

        """
        assert self.ping_interval is not None
        bound = self.ping_timeout if self.ping_timeout is not None else self.close_timeout
        latency = 0.0
        try:
            while not self.socket_closed.wait(max(self.ping_interval - latency, 0)):
                if not self._lock_or_close(bound, "sending a keepalive ping"):
                    return
                try:
                    with self._watchdog(bound):
                        pong_waiter = self._send_ping(None, ack_on_close=True)
                except _Closed:
                    return  # closed, or the write failed and the connection is ending
                finally:
                    self.protocol_mutex.release()
                if self.debug:
                    self.logger.debug("% sent keepalive ping")
                if self.ping_timeout is None:
                    continue
                if not pong_waiter.wait(self.ping_timeout):
                    if self.debug:
                        self.logger.debug("- timed out waiting for keepalive pong")
                    if not self._lock_or_close(bound, "failing the connection"):
                        return
                    try:
                        with self._watchdog(bound):
                            self._fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
                    finally:
                        self.protocol_mutex.release()
                    self.wait_for_close()
                    return
                if self.socket_closed.is_set():
                    return
                if self.debug:
                    self.logger.debug("% received keepalive pong")
                latency = self.latency
        except Exception:
            self.logger.error("keepalive ping failed", exc_info=True)

    def acknowledge_pings(self, data: bytes) -> None:
        """Set the event of the ping with this payload, and of every ping sent before it."""
        if data not in self.pong_waiters:
            return  # an unsolicited pong
        now = time.monotonic()
        for payload in list(self.pong_waiters):
            pong_waiter, sent_at, _ = self.pong_waiters.pop(payload)
            pong_waiter.set()
            if payload == data:
                self.latency = now - sent_at
                break

    def _terminate_pings(self) -> None:
        """Set the events of pings sent with ``ack_on_close``, as the connection closed."""
        for pong_waiter, _, ack_on_close in self.pong_waiters.values():
            if ack_on_close:
                pong_waiter.set()
        self.pong_waiters.clear()

    # -- Internals: reading and writing ------------------------------------------------

    def send_data(self) -> OSError | None:
        """Write what the protocol wants to send, holding the mutex; half-close on request.

        A write error breaks the connection: the background thread then finds out and
        closes it, and later calls raise :exc:`~websockets.exceptions.ConnectionClosed`.

        Returns:
            The write error, if any.

        """
        error: OSError | None = None
        protocol = self.protocol
        for data in protocol.data_to_send():
            try:
                if data:
                    self.socket.sendall(data)
                else:
                    if self.debug:
                        self.logger.debug("x half-closing TCP connection")
                    self.socket.shutdown(socket.SHUT_WR)
            except OSError as exc:
                if self.debug:
                    self.logger.debug("! error writing to the socket", exc_info=True)
                if self.recv_exc is None:
                    self.recv_exc = exc
                self._abort()
                error = exc
                break
        if self.close_deadline is None and protocol.close_expected():
            self.close_deadline = Deadline(self.close_timeout)
            # The peer's answer must be read even if the application doesn't read.
            self.reading_allowed.set()
        return error

    def _write(self) -> None:
        """Like :meth:`send_data`, but raise :exc:`_Closed` from a write error."""
        error = self.send_data()
        if error is not None:
            raise _Closed from error

    def _pause_reading(self) -> None:
        # Once closing starts, reading goes on until the end, bounded by close_timeout.
        if self.close_deadline is None:
            self.reading_allowed.clear()
            # _abort() may have run in another thread since the check: the background
            # thread must see the end of the connection, not wait for reading forever.
            if self.aborted:
                self.reading_allowed.set()

    def recv_events(self) -> None:
        """Read from the socket and process what arrives, until the connection ends.

        This runs in a background thread.

        """
        try:
            while True:
                self.reading_allowed.wait()
                deadline = self.close_deadline
                try:
                    if deadline is not None:
                        # Only this thread reads: a timeout ends it by the deadline.
                        timeout = deadline.timeout(raise_if_elapsed=False)
                        if timeout is not None:
                            self.socket.settimeout(max(timeout, 0.001))
                    data = self.socket.recv(self.recv_bufsize)
                except OSError as exc:  # including timeouts
                    if self.debug:
                        self.logger.debug("! error reading from the socket", exc_info=True)
                    with self.protocol_mutex:
                        if self.recv_exc is None and self.close_deadline is None:
                            self.recv_exc = exc
                    break
                if not data:
                    break
                with self.protocol_mutex:
                    protocol = self.protocol
                    protocol.receive_data(data)
                    events = protocol.events_received()
                    # Answer pings and Close frames first.
                    self.send_data()
                    for event in events:
                        self.process_event(event)
                    if self.opening:
                        if protocol.state is CONNECTING:
                            self.handshake_data_received()
                        else:
                            self.opening = False
            if self.debug:
                self.logger.debug("< EOF")
            with self.protocol_mutex:
                self.protocol.receive_eof()
                events = self.protocol.events_received()
                self.send_data()
                for event in events:
                    self.process_event(event)
        except Exception as exc:
            self.logger.error("unexpected internal error", exc_info=True)
            with self.protocol_mutex:
                if self.recv_exc is None:
                    self.recv_exc = exc
        finally:
            self.connection_lost()

    def connection_lost(self) -> None:
        """Close the socket and release waiting threads, as the connection ended."""
        with self.protocol_mutex:
            self.protocol.receive_eof()  # no effect if EOF was received already
            if self.protocol.state is not CLOSED:
                # E.g. a server holding a handshake request: the connection is gone, so
                # there's nothing left to wait for.
                self.protocol.fail(CloseCode.ABNORMAL_CLOSURE)
            # Nothing can be written anymore; drop what the protocol queued.
            self.protocol.data_to_send()
            self._terminate_pings()
            self.socket.close()
            if self.debug:
                self.logger.debug("x TCP connection closed")
        self.recv_messages.close()
        self.socket_closed.set()

    def handshake_data_received(self) -> None:
        """Called, holding the mutex, after data arrives during the opening handshake."""

    # -- Events ------------------------------------------------------------------------

    def process_event(self, event: Event) -> None:
        """Handle an event from the protocol, holding the mutex: a frame, after the handshake."""
        assert isinstance(event, Frame)
        opcode = event.opcode
        if opcode in DATA_OPCODES:
            # After a Close frame, reading stopped: late frames are dropped.
            try:  # noqa: SIM105  # hot path: contextlib.suppress is much slower
                self.recv_messages.put(event)
            except EOFError:
                pass
        elif opcode is OP_PONG:
            self.acknowledge_pings(bytes(event.data))
        elif opcode is OP_CLOSE:
            # No more messages: recv() returns what's queued, then raises.
            self.recv_messages.close()


class _Closed(Exception):
    """Internal: the connection is closed, or a write failed, while sending.

    The write error, if any, is the cause.

    """


def _chunk_kind(chunk: Data, kind: type[Any] | None) -> type[Any]:
    """Check that every chunk of a fragmented message has the same type."""
    chunk_kind: type[Any] = str if isinstance(chunk, str) else bytes
    if kind is not None and chunk_kind is not kind:
        raise TypeError("iterable must contain uniform types")
    return chunk_kind


def _control_payload(data: object) -> bytes:
    """Return the payload of a Ping or Pong frame given as str or bytes-like data."""
    if isinstance(data, str):
        return data.encode()
    if is_bytes_like(data):
        return bytes(data)
    raise TypeError("data must be str or bytes-like")
