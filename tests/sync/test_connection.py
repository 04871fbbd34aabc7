"""The threading Connection: messages, pings, closing, flow control, concurrency."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
)
from websockets.frames import OP_CLOSE, OP_PING, OP_TEXT, Close, CloseCode
from websockets.protocol import CLIENT, CLOSED, OPEN, SERVER, Protocol
from websockets.sync.connection import Connection

from .server_helper import RawPeer


@contextlib.contextmanager
def pair(**kwargs: Any) -> Generator[tuple[Connection, Connection]]:
    """Two connected Connections, a client and a server, over a socket pair."""
    client_sock, server_sock = socket.socketpair()
    client = Connection(client_sock, Protocol(CLIENT), **kwargs)
    server = Connection(server_sock, Protocol(SERVER), **kwargs)
    try:
        yield client, server
    finally:
        client.close_socket()
        server.close_socket()


@contextlib.contextmanager
def raw_pair(**kwargs: Any) -> Generator[tuple[Connection, RawPeer]]:
    """A client Connection whose server is a raw socket that tests drive by hand."""
    client_sock, server_sock = socket.socketpair()
    client = Connection(client_sock, Protocol(CLIENT), **kwargs)
    try:
        yield client, RawPeer(server_sock)
    finally:
        client.close_socket()
        server_sock.close()


# -- Messages ----------------------------------------------------------------------------


def test_text_and_binary_round_trip() -> None:
    with pair() as (client, server):
        client.send("café")
        assert server.recv() == "café"
        server.send(b"\x00\xff")
        assert client.recv() == b"\x00\xff"


def test_text_argument_overrides_the_type() -> None:
    with pair() as (client, server):
        client.send(b"bytes as text", text=True)
        assert server.recv() == "bytes as text"
        client.send("str as binary", text=False)
        assert server.recv() == b"str as binary"


def test_recv_decode() -> None:
    with pair() as (client, server):
        client.send("text")
        client.send(b"binary")
        assert server.recv(decode=False) == b"text"
        assert server.recv(decode=True) == "binary"


def test_bytearray_and_memoryview() -> None:
    with pair() as (client, server):
        client.send(bytearray(b"array"))  # type: ignore[arg-type]
        client.send(memoryview(b"view"))
        assert server.recv() == b"array"
        assert server.recv() == b"view"


def test_fragmented_message() -> None:
    with pair() as (client, server):
        client.send(["caf", "é"])
        assert server.recv() == "café"
        client.send(iter([b"a", b"b", b"c"]))
        assert list(server.recv_streaming()) == [b"a", b"b", b"c"]
        client.send([])  # nothing to send
        client.send("after")
        assert server.recv() == "after"


def test_send_invalid_types() -> None:
    with pair() as (client, _):
        with pytest.raises(TypeError, match="dict-like"):
            client.send({"a": "b"})
        with pytest.raises(TypeError, match="data must be"):
            client.send(42)  # type: ignore[arg-type]


def test_fragmented_message_with_mixed_types_fails_the_connection() -> None:
    with pair() as (client, server):
        with pytest.raises(TypeError, match="uniform"):
            client.send(["a", b"b"])
        with pytest.raises(ConnectionClosedError):
            server.recv(timeout=2)
        assert server.close_code == CloseCode.INTERNAL_ERROR


def test_recv_timeout_loses_nothing() -> None:
    with pair() as (client, server):
        with pytest.raises(TimeoutError):
            server.recv(timeout=0.01)
        client.send("hello")
        assert server.recv(timeout=2) == "hello"


def test_recv_timeout_zero_returns_a_buffered_message() -> None:
    with pair() as (client, server):
        client.send("hello")
        pong = client.ping()  # the pong comes after the message is queued
        assert pong.wait(2)
        assert server.recv(timeout=0) == "hello"
        with pytest.raises(TimeoutError):
            server.recv(timeout=0)


def test_iteration_ends_on_normal_close() -> None:
    with pair() as (client, server):
        client.send("one")
        client.send("two")
        thread = threading.Thread(target=client.close)
        thread.start()
        assert list(server) == ["one", "two"]
        thread.join(5)
        assert client.close_code == CloseCode.NORMAL_CLOSURE


def test_iteration_raises_on_error_close() -> None:
    with pair() as (client, server):
        client.send("one")
        thread = threading.Thread(target=client.close, args=(CloseCode.INTERNAL_ERROR, "boom"))
        thread.start()
        messages: list[Any] = []

        def iterate() -> None:
            for message in server:
                messages.append(message)

        with pytest.raises(ConnectionClosedError) as raised:
            iterate()
        thread.join(5)
        assert messages == ["one"]
        assert raised.value.rcvd is not None
        assert raised.value.rcvd.code == CloseCode.INTERNAL_ERROR
        assert raised.value.rcvd.reason == "boom"


def test_context_manager_closes_with_1000_or_1011() -> None:
    with pair() as (client, server):
        with client:
            pass
        assert client.state is CLOSED
        with pytest.raises(ConnectionClosedOK):
            server.recv(timeout=2)
    with pair() as (client, server):
        with pytest.raises(RuntimeError), client:
            raise RuntimeError("oops")
        with pytest.raises(ConnectionClosedError):
            server.recv(timeout=2)
        assert server.close_code == CloseCode.INTERNAL_ERROR


def test_send_and_recv_after_close_raise() -> None:
    with pair() as (client, server):
        client.close()
        client.close()  # idempotent
        with pytest.raises(ConnectionClosedOK):
            client.send("late")
        with pytest.raises(ConnectionClosedOK):
            client.recv()
        with pytest.raises(ConnectionClosedOK):
            client.ping()
        with pytest.raises(ConnectionClosedOK):
            client.pong()
        with pytest.raises(ConnectionClosedOK):
            server.recv(timeout=2)
        assert server.state is CLOSED


def test_recv_streaming_after_close_raises() -> None:
    with pair() as (client, _):
        client.close()
        with pytest.raises(ConnectionClosedOK):
            list(client.recv_streaming())


def test_recv_streaming_invalid_utf8_closes_with_1007() -> None:
    with pair() as (client, server):
        client.send(b"\xff")
        with pytest.raises(ConnectionClosedError) as raised:
            list(server.recv_streaming(decode=True))
        assert isinstance(raised.value.__cause__, UnicodeDecodeError)
        client.recv_events_thread.join(2)
        assert client.close_code == CloseCode.INVALID_DATA


def test_concurrent_recv_streaming_raises() -> None:
    with pair() as (client, server):
        client.send(["a", "b"])
        chunks = server.recv_streaming()
        assert next(chunks) == "a"
        with pytest.raises(ConcurrencyError) as raised:
            list(server.recv_streaming())
        assert str(raised.value) == (
            "cannot call recv_streaming while another thread "
            "is already running recv or recv_streaming"
        )
        assert list(chunks) == ["b"]


def test_attributes() -> None:
    with pair() as (client, server):
        assert client.id == client.protocol.id
        assert client.state is OPEN
        assert client.subprotocol is None
        assert client.close_code is None
        assert client.close_reason is None
        assert client.latency == 0
        assert client.request is None
        assert client.response is None
        assert client.local_address == client.socket.getsockname()
        assert server.remote_address == server.socket.getpeername()
        client.close(CloseCode.GOING_AWAY, "bye")
        server.recv_events_thread.join(2)
        assert server.close_code == CloseCode.GOING_AWAY
        assert server.close_reason == "bye"


# -- Concurrency -------------------------------------------------------------------------


def test_concurrent_recv_raises() -> None:
    with pair() as (client, server):
        results: list[Any] = []
        thread = threading.Thread(target=lambda: results.append(server.recv(timeout=5)))
        thread.start()
        # The first recv holds the queue until a message comes; wait until it does.
        deadline = time.monotonic() + 2
        while not server.recv_messages.get_in_progress and time.monotonic() < deadline:
            threading.Event().wait(0.001)
        with pytest.raises(ConcurrencyError) as raised:
            server.recv(timeout=0)
        assert str(raised.value) == (
            "cannot call recv while another thread is already running recv or recv_streaming"
        )
        client.send("for the first")
        thread.join(5)
        assert results == ["for the first"]


def test_send_during_fragmented_send_raises() -> None:
    with pair() as (client, server):
        first_sent = threading.Event()
        may_finish = threading.Event()

        def chunks() -> Iterator[str]:
            yield "a"
            yield "b"
            first_sent.set()
            assert may_finish.wait(5)
            yield "c"

        thread = threading.Thread(target=client.send, args=(chunks(),))
        thread.start()
        assert first_sent.wait(5)
        with pytest.raises(ConcurrencyError) as raised:
            client.send("interleaved")
        assert str(raised.value) == (
            "cannot call send while another thread is already running send"
        )
        may_finish.set()
        thread.join(5)
        assert server.recv(timeout=2) == "abc"


def test_close_during_fragmented_send_fails_the_connection() -> None:
    with pair() as (client, server):
        first_sent = threading.Event()
        may_finish = threading.Event()
        errors: list[BaseException] = []

        def chunks() -> Iterator[bytes]:
            yield b"a"
            yield b"b"
            first_sent.set()
            assert may_finish.wait(5)
            yield b"c"

        def send() -> None:
            try:
                client.send(chunks())
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=send)
        thread.start()
        assert first_sent.wait(5)
        client.close()
        may_finish.set()
        thread.join(5)
        assert len(errors) == 1
        assert isinstance(errors[0], ConnectionClosedError)
        with pytest.raises(ConnectionClosedError):
            server.recv(timeout=2)
        assert server.close_code == CloseCode.INTERNAL_ERROR


# -- Pings -------------------------------------------------------------------------------


def test_ping_pong_measures_latency() -> None:
    with pair() as (client, _):
        pong = client.ping()
        assert pong.wait(2)
        assert client.latency > 0
        assert client.ping(b"custom").wait(2)
        assert client.ping("text").wait(2)


def test_ping_duplicate_payload_raises() -> None:
    with raw_pair() as (client, _):
        client.ping(b"same")
        with pytest.raises(ConcurrencyError, match="same data"):
            client.ping(b"same")


def test_ping_invalid_payload() -> None:
    with pair() as (client, _):
        with pytest.raises(TypeError):
            client.ping(42)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            client.pong(42)  # type: ignore[arg-type]


def test_pong_acknowledges_earlier_pings() -> None:
    with raw_pair() as (client, peer):
        first = client.ping(b"1")
        second = client.ping(b"2")
        peer.protocol.send_pong(b"2")
        peer.send_frames()
        assert second.wait(2)
        assert first.is_set()


def test_unsolicited_pong_is_ignored() -> None:
    with pair() as (client, server):
        server.pong(b"heartbeat")
        server.send("after")
        assert client.recv(timeout=2) == "after"


def test_ack_on_close() -> None:
    with raw_pair(close_timeout=0.05) as (client, peer):
        acked = client.ping(b"acked", ack_on_close=True)
        not_acked = client.ping(b"not acked")
        peer.sock.close()
        assert acked.wait(2)
        client.recv_events_thread.join(2)
        assert not client.recv_events_thread.is_alive()
        assert not not_acked.is_set()


def test_keepalive_timeout_closes_with_1011() -> None:
    with raw_pair(ping_interval=0.01, ping_timeout=0.05, close_timeout=0.1) as (client, peer):
        client.start_keepalive()
        frames = peer.read_until_eof()
        assert [frame.opcode for frame in frames] == [OP_PING, OP_CLOSE]
        assert Close.parse(frames[-1].data).code == CloseCode.INTERNAL_ERROR
        assert client.keepalive_thread is not None
        client.keepalive_thread.join(2)
        with pytest.raises(ConnectionClosedError):
            client.recv(timeout=2)


def test_keepalive_keeps_a_live_connection_open() -> None:
    with pair(ping_interval=0.01, ping_timeout=1) as (client, server):
        client.start_keepalive()
        # A few keepalive pings get their pongs meanwhile.
        for _ in range(3):
            pong = client.ping()
            assert pong.wait(2)
        assert client.state is OPEN
        server.send("still open")
        assert client.recv(timeout=2) == "still open"


# -- Closing -----------------------------------------------------------------------------


def test_close_timeout_against_a_peer_that_never_answers() -> None:
    with raw_pair(close_timeout=0.05) as (client, peer):
        start = time.monotonic()
        client.close()
        assert time.monotonic() - start < 1
        assert client.state is CLOSED
        assert client.close_code == CloseCode.ABNORMAL_CLOSURE
        frame = peer.read_frame()
        assert frame is not None
        assert frame.opcode is OP_CLOSE


def test_peer_close_is_answered() -> None:
    with raw_pair() as (client, peer):
        peer.protocol.send_close(CloseCode.GOING_AWAY, "bye")
        peer.send_frames()
        frame = peer.read_frame()
        assert frame is not None
        assert Close.parse(frame.data) == Close(CloseCode.GOING_AWAY, "bye")
        peer.sock.close()  # as a server does after the closing handshake
        with pytest.raises(ConnectionClosedOK):
            client.recv(timeout=2)
        assert client.close_code == CloseCode.GOING_AWAY


def test_abrupt_end_raises_connection_closed_error() -> None:
    with raw_pair() as (client, peer):
        peer.sock.shutdown(socket.SHUT_WR)
        with pytest.raises(ConnectionClosedError):
            client.recv(timeout=2)
        assert client.close_code == CloseCode.ABNORMAL_CLOSURE


def test_invalid_utf8_closes_with_1007() -> None:
    with raw_pair(close_timeout=0.5) as (client, peer):
        peer.sock.sendall(
            # An unmasked text frame from the server with invalid UTF-8.
            bytes([0x80 | OP_TEXT, 1]) + b"\xff"
        )
        frame = peer.read_frame()
        assert frame is not None
        assert Close.parse(frame.data).code == CloseCode.INVALID_DATA
        peer.sock.close()
        with pytest.raises(ConnectionClosedError):
            client.recv(timeout=2)


def test_binary_message_decoded_as_text_closes_with_1007() -> None:
    with raw_pair(close_timeout=0.05) as (client, peer):
        peer.protocol.send_binary(b"\xff")
        peer.send_frames()
        with pytest.raises(ConnectionClosedError) as raised:
            client.recv(timeout=2, decode=True)
        assert isinstance(raised.value.__cause__, UnicodeDecodeError)
        assert raised.value.sent is not None
        assert raised.value.sent.code == CloseCode.INVALID_DATA


def test_protocol_error_closes_with_1002() -> None:
    with raw_pair(close_timeout=0.5) as (client, peer):
        peer.sock.sendall(bytes([0x80 | 0x3, 0]))  # a reserved opcode
        frame = peer.read_frame()
        assert frame is not None
        assert Close.parse(frame.data).code == CloseCode.PROTOCOL_ERROR
        peer.sock.close()
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=2)


# -- Flow control ------------------------------------------------------------------------


def test_max_queue_stops_reading_from_a_flooding_peer() -> None:
    with raw_pair(max_queue=4) as (client, peer):
        count = 2000
        for index in range(count):
            peer.protocol.send_text(str(index).encode() + b"." * 1000)
        data = b"".join(peer.protocol.data_to_send())
        done = threading.Event()

        def flood() -> None:
            peer.sock.sendall(data)
            done.set()

        thread = threading.Thread(target=flood, daemon=True)
        thread.start()
        # The client stops reading, so the socket buffers fill up and sending blocks.
        assert not done.wait(0.3)
        queued = len(client.recv_messages.frames)
        # At most what one read of the socket brings, beyond the limit.
        assert queued <= 4 + client.recv_bufsize // 1000
        assert not client.reading_allowed.is_set()
        for index in range(count):
            message = client.recv(timeout=2)
            assert isinstance(message, str)
            assert message.startswith(f"{index}.")
        assert done.wait(2)
        thread.join(2)


def test_close_while_paused_still_completes_the_handshake() -> None:
    with pair(max_queue=1, close_timeout=2) as (client, server):
        for _ in range(10):
            server.send("x" * 100)
        start = time.monotonic()
        client.close()
        assert time.monotonic() - start < 1
        assert client.close_code == CloseCode.NORMAL_CLOSURE


# -- A peer that doesn't read ------------------------------------------------------------


@contextlib.contextmanager
def stalled_pair(**kwargs: Any) -> Generator[tuple[Connection, socket.socket]]:
    """A client Connection whose peer never reads, with small buffers that fill quickly."""
    client_sock, server_sock = socket.socketpair()
    client_sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    server_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client = Connection(client_sock, Protocol(CLIENT), **kwargs)
    try:
        yield client, server_sock
    finally:
        client.close_socket()
        server_sock.close()


def fill_send_buffer(sock: socket.socket) -> None:
    """Write until the socket accepts nothing more, not even one byte."""
    for size in (65536, 4096, 256, 16, 1):
        with contextlib.suppress(BlockingIOError):
            while True:
                sock.send(b"\x00" * size, socket.MSG_DONTWAIT)


def wait_for_mutex_holder(connection: Connection) -> None:
    """Wait until a thread holds the mutex, i.e. is writing: the peer never sends."""
    deadline = time.monotonic() + 2
    while not connection.protocol_mutex.locked():
        assert time.monotonic() < deadline, "nobody took the mutex"
        threading.Event().wait(0.001)


def run_catching(target: Any) -> tuple[threading.Thread, list[BaseException]]:
    """Run ``target`` in a thread; collect what it raises."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def test_keepalive_ends_a_connection_blocked_in_send() -> None:
    # Whether the handler's write takes the mutex before the ping or blocks after it, the
    # keepalive mustn't wait for the mutex forever.
    with stalled_pair(ping_interval=0, ping_timeout=0.1, close_timeout=0.1) as (client, _):
        client.start_keepalive()
        start = time.monotonic()
        thread, errors = run_catching(lambda: client.send(b"x" * 1_000_000))
        thread.join(2)
        assert not thread.is_alive()
        assert time.monotonic() - start < 1
        assert len(errors) == 1
        assert isinstance(errors[0], ConnectionClosedError)
        assert client.keepalive_thread is not None
        client.keepalive_thread.join(2)
        assert not client.keepalive_thread.is_alive()
        assert client.socket_closed.is_set()


def test_keepalive_ping_write_is_bounded() -> None:
    with stalled_pair(ping_interval=0.01, ping_timeout=0.1, close_timeout=0.1) as (client, _):
        fill_send_buffer(client.socket)  # the ping can't be written
        client.start_keepalive()
        assert client.socket_closed.wait(2)
        assert client.keepalive_thread is not None
        client.keepalive_thread.join(2)
        assert not client.keepalive_thread.is_alive()


def test_close_is_bounded_by_close_timeout_while_send_blocks() -> None:
    with stalled_pair(close_timeout=0.1) as (client, _):
        thread, errors = run_catching(lambda: client.send(b"x" * 1_000_000))
        wait_for_mutex_holder(client)
        start = time.monotonic()
        client.close()
        assert time.monotonic() - start < 1
        assert client.socket_closed.is_set()
        thread.join(2)
        assert len(errors) == 1
        assert isinstance(errors[0], ConnectionClosedError)


def test_close_frame_write_is_bounded_by_close_timeout() -> None:
    with stalled_pair(close_timeout=0.1) as (client, _):
        fill_send_buffer(client.socket)  # the Close frame can't be written
        start = time.monotonic()
        client.close()
        assert time.monotonic() - start < 1
        assert client.state is CLOSED


WRITES: dict[str, Callable[[Connection], object]] = {
    "send": lambda connection: connection.send(b"message"),
    "send fragments": lambda connection: connection.send([b"frag", b"ments"]),
    "ping": lambda connection: connection.ping(),
    "pong": lambda connection: connection.pong(),
}


@pytest.mark.parametrize("write", WRITES)
def test_write_error_raises_connection_closed(write: str) -> None:
    operation = WRITES[write]
    with stalled_pair(close_timeout=1) as (client, _):
        # Writes fail from now on, while reading goes on: the connection is still open.
        client.socket.shutdown(socket.SHUT_WR)
        with pytest.raises(ConnectionClosedError) as raised:
            operation(client)
        assert isinstance(raised.value.__cause__, OSError)
        assert client.state is CLOSED


# -- Streaming ---------------------------------------------------------------------------


def test_recv_streaming_stopped_early_fails_the_connection() -> None:
    with pair(close_timeout=1) as (client, server):
        server.send(["ab", "cd", "ef"])
        server.send("next")
        for chunk in client.recv_streaming():
            assert chunk == "ab"
            break
        # The rest of the message isn't returned as a new message.
        with pytest.raises(ConnectionClosedError) as raised:
            client.recv(timeout=2)
        assert raised.value.sent == Close(
            CloseCode.INTERNAL_ERROR, "incomplete read of streamed message"
        )
        with pytest.raises(ConnectionClosedError):
            server.recv(timeout=2)
        assert server.close_code == CloseCode.INTERNAL_ERROR


def test_recv_streaming_stopped_at_the_last_frame_keeps_the_connection() -> None:
    with pair() as (client, server):
        server.send(["ab", "cd"])
        chunks = client.recv_streaming()
        assert next(chunks) == "ab"
        assert next(chunks) == "cd"
        chunks.close()  # nothing left of the message
        server.send("next")
        assert client.recv(timeout=2) == "next"
        assert client.state is OPEN


# -- Races -------------------------------------------------------------------------------


def test_reading_never_pauses_after_abort() -> None:
    with raw_pair() as (client, _):
        client._abort()  # pyright: ignore[reportPrivateUsage]
        client._pause_reading()  # pyright: ignore[reportPrivateUsage]
        assert client.reading_allowed.is_set()
