"""The asyncio Connection, tested in pairs over a socket pair (no handshake)."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

from websockets.asyncio.connection import Connection, broadcast
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
)
from websockets.frames import OP_TEXT, Frame
from websockets.protocol import CLIENT, CLOSED, OPEN, SERVER, Protocol

TIMEOUT = 5


async def make_pair(max_size: int | None = 2**20, **kwargs: Any) -> tuple[Connection, Connection]:
    """Connect a client and a server Connection through a socket pair."""
    loop = asyncio.get_running_loop()
    client_sock, server_sock = socket.socketpair()
    _, client = await loop.create_connection(
        lambda: Connection(Protocol(CLIENT, max_size=max_size), **kwargs), sock=client_sock
    )
    _, server = await loop.create_connection(
        lambda: Connection(Protocol(SERVER, max_size=max_size), **kwargs), sock=server_sock
    )
    return client, server


def paused(connection: Connection) -> bool:
    """Whether the connection stopped reading from the network."""
    return connection.recv_messages.paused


@pytest.fixture
async def pair() -> AsyncIterator[tuple[Connection, Connection]]:
    client, server = await make_pair()
    yield client, server
    client.transport.abort()
    server.transport.abort()


async def test_send_and_recv(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    await client.send("café")
    await client.send(b"\x00\x01")
    await client.send(bytearray(b"ba"))  # type: ignore[arg-type]  # accepted at runtime
    await client.send(memoryview(b"mv"))
    assert await server.recv() == "café"
    assert await server.recv() == b"\x00\x01"
    assert await server.recv() == b"ba"
    assert await server.recv() == b"mv"


async def test_recv_decode(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    await client.send("text")
    await client.send(b"binary")
    assert await server.recv(decode=False) == b"text"
    assert await server.recv(decode=True) == "binary"


async def test_send_text_argument(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    await client.send(b"as text", text=True)
    await client.send("as binary", text=False)
    assert await server.recv() == "as text"
    assert await server.recv() == b"as binary"


async def test_send_fragments(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    await client.send(["frag", "ment", "ed"])
    await client.send([b"a", b"b"])
    await client.send([b"x", b"y"], text=True)
    assert await server.recv() == "fragmented"
    assert await server.recv() == b"ab"
    assert await server.recv() == "xy"


async def test_send_async_fragments(pair: tuple[Connection, Connection]) -> None:
    client, server = pair

    async def chunks() -> AsyncIterator[str]:
        for chunk in ("as", "ync"):
            yield chunk

    await client.send(chunks())
    assert await server.recv() == "async"


async def test_send_empty_iterables(pair: tuple[Connection, Connection]) -> None:
    client, server = pair

    async def nothing() -> AsyncIterator[str]:
        return
        yield  # pragma: no cover

    await client.send([])
    await client.send(nothing())
    await client.send("after")
    assert await server.recv() == "after"


async def test_send_waits_for_a_fragmented_message(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    release = asyncio.Event()

    async def slow() -> AsyncIterator[str]:
        yield "first "
        await release.wait()
        yield "message"

    fragmented = asyncio.create_task(client.send(slow()))
    await asyncio.sleep(0.01)
    plain = asyncio.create_task(client.send("second message"))
    await asyncio.sleep(0.01)
    assert not plain.done()
    release.set()
    await fragmented
    await plain
    assert await server.recv() == "first message"
    assert await server.recv() == "second message"


async def test_send_invalid_types(pair: tuple[Connection, Connection]) -> None:
    client, _ = pair
    with pytest.raises(TypeError, match="data is a dict-like object"):
        await client.send({"a": "b"})
    with pytest.raises(TypeError, match="data must be str, bytes, iterable, or async iterable"):
        await client.send(42)  # type: ignore[arg-type]
    assert client.state is OPEN


async def test_send_mixed_fragments_fails_the_connection(
    pair: tuple[Connection, Connection],
) -> None:
    client, server = pair
    with pytest.raises(TypeError, match="iterable must contain uniform types"):
        await client.send(["text", b"bytes"])
    with pytest.raises(ConnectionClosedError) as excinfo:
        await server.recv()
    assert excinfo.value.rcvd is not None
    assert excinfo.value.rcvd.code == 1011


async def test_send_invalid_fragment(pair: tuple[Connection, Connection]) -> None:
    client, _ = pair
    with pytest.raises(TypeError, match="iterable must contain bytes or str"):
        await client.send([1, 2])  # type: ignore[list-item]


async def test_recv_streaming(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    await client.send(["a", "b", "c"])
    assert [f async for f in server.recv_streaming()] == ["a", "b", "c"]
    await client.send([b"x", b"y"])
    assert [f async for f in server.recv_streaming()] == [b"x", b"y"]


async def test_recv_streaming_stopped_early_fails_the_connection(
    pair: tuple[Connection, Connection],
) -> None:
    client, server = pair
    await client.send(["a", "b", "c"])
    await client.send("next")
    fragments = server.recv_streaming()
    assert await anext(fragments) == "a"
    await fragments.aclose()
    # The rest of the message is lost: it mustn't come out as a message of its own.
    with pytest.raises(ConnectionClosedError):
        await server.recv()
    await asyncio.wait_for(client.wait_closed(), TIMEOUT)
    assert client.close_code == 1011
    assert client.close_reason == "incomplete read of streamed message"


async def test_recv_streaming_read_to_the_end_then_closed(
    pair: tuple[Connection, Connection],
) -> None:
    client, server = pair
    await client.send(["a", "b"])
    fragments = server.recv_streaming()
    assert [await anext(fragments), await anext(fragments)] == ["a", "b"]
    await fragments.aclose()  # after the last fragment: nothing is lost
    await client.send("next")
    assert await server.recv() == "next"


async def test_concurrent_recv(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    task = asyncio.create_task(server.recv())
    await asyncio.sleep(0)
    with pytest.raises(ConcurrencyError, match="cannot call recv while another coroutine"):
        await server.recv()
    with pytest.raises(ConcurrencyError, match="cannot call recv_streaming while another"):
        async for _ in server.recv_streaming():
            pass
    await client.send("x")
    assert await task == "x"


async def test_iteration_ends_on_normal_close(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    await client.send("one")
    await client.send("two")
    close = asyncio.create_task(client.close())
    assert [message async for message in server] == ["one", "two"]
    await close
    assert client.close_code == server.close_code == 1000


async def test_iteration_raises_on_error_close(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    close = asyncio.create_task(client.close(1011, "oops"))
    with pytest.raises(ConnectionClosedError):
        async for _ in server:
            pass
    await close


async def test_close_handshake(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    await asyncio.wait_for(server.close(1001, "bye"), TIMEOUT)
    await asyncio.wait_for(client.wait_closed(), TIMEOUT)
    assert client.state is server.state is CLOSED
    assert (client.close_code, client.close_reason) == (1001, "bye")
    with pytest.raises(ConnectionClosedOK) as excinfo:
        await client.recv()
    assert str(excinfo.value) == "received 1001 (going away) bye; then sent 1001 (going away) bye"
    with pytest.raises(ConnectionClosedOK):
        await client.send("late")
    with pytest.raises(ConnectionClosedOK):
        await client.send(b"late")
    with pytest.raises(ConnectionClosedOK):
        await client.send(["late"])
    with pytest.raises(ConnectionClosedOK):
        await client.ping()
    with pytest.raises(ConnectionClosedOK):
        await client.pong()
    await client.close()  # idempotent


async def test_context_manager(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    async with client:
        await client.send("inside")
    assert client.state is CLOSED
    assert await server.recv() == "inside"
    await server.wait_closed()
    assert server.close_code == 1000


async def test_context_manager_with_exception(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    with pytest.raises(RuntimeError):
        async with client:
            raise RuntimeError("boom")
    await server.wait_closed()
    assert server.close_code == 1011


async def test_close_during_fragmented_send_fails(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    release = asyncio.Event()

    async def slow() -> AsyncIterator[str]:
        yield "part"
        await release.wait()
        yield "rest"  # pragma: no cover

    sending = asyncio.create_task(client.send(slow()))
    await asyncio.sleep(0.01)
    await asyncio.wait_for(client.close(), TIMEOUT)
    release.set()
    with pytest.raises(ConnectionClosedError):
        await sending
    assert server.close_code == 1011


async def test_ping_and_latency(pair: tuple[Connection, Connection]) -> None:
    client, _ = pair
    assert client.latency == 0
    waiter = await client.ping()
    latency = await asyncio.wait_for(waiter, TIMEOUT)
    assert latency >= 0
    assert client.latency == latency
    assert await asyncio.wait_for(await client.ping("text"), TIMEOUT) >= 0
    assert await asyncio.wait_for(await client.ping(b"bytes"), TIMEOUT) >= 0


async def test_pong_acknowledges_earlier_pings(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    server.transport.pause_reading()
    first = cast("asyncio.Future[float]", await client.ping(b"1"))
    second = cast("asyncio.Future[float]", await client.ping(b"2"))
    with pytest.raises(ConcurrencyError, match="already waiting for a pong with the same data"):
        await client.ping(b"1")
    # A pong for the second ping answers the first one too.
    client.acknowledge_pings(b"2")
    assert first.done()
    assert second.done()
    client.acknowledge_pings(b"unknown")


async def test_ping_and_pong_types(pair: tuple[Connection, Connection]) -> None:
    client, _ = pair
    with pytest.raises(TypeError, match="data must be str or bytes-like"):
        await client.ping(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="data must be str or bytes-like"):
        await client.pong(42)  # type: ignore[arg-type]
    await client.pong("unsolicited")
    await client.pong(b"")


async def test_pending_pings_fail_when_the_connection_closes(
    pair: tuple[Connection, Connection],
) -> None:
    client, server = pair
    server.transport.pause_reading()
    waiter = await client.ping()
    client.transport.abort()
    with pytest.raises(ConnectionClosedError):
        await waiter


async def test_keepalive() -> None:
    client, server = await make_pair(ping_interval=0.02, ping_timeout=TIMEOUT)
    client.start_keepalive()
    client.start_keepalive()  # no second task
    for _ in range(100):
        if client.latency > 0:
            break
        await asyncio.sleep(0.01)
    assert client.latency > 0
    await client.close()
    assert client.keepalive_task is not None
    assert client.keepalive_task.cancelled() or client.keepalive_task.done()
    server.transport.abort()


async def test_keepalive_timeout_fails_with_1011() -> None:
    client, server = await make_pair(ping_interval=0.01, ping_timeout=0.05, close_timeout=0.1)
    server.transport.pause_reading()
    client.start_keepalive()
    await asyncio.wait_for(client.wait_closed(), TIMEOUT)
    assert client.protocol.close_sent is not None
    assert str(client.protocol.close_sent) == "1011 (internal error) keepalive ping timeout"
    server.transport.abort()


async def test_keepalive_disabled(pair: tuple[Connection, Connection]) -> None:
    client, server = await make_pair(ping_interval=None)
    client.start_keepalive()
    assert client.keepalive_task is None
    client.transport.abort()
    server.transport.abort()


async def test_close_timeout_aborts() -> None:
    client, server = await make_pair(close_timeout=0.05)
    server.transport.pause_reading()
    await asyncio.wait_for(client.close(), TIMEOUT)
    assert client.state is CLOSED
    assert client.close_code == 1006
    server.transport.abort()


async def test_max_queue_pauses_reading() -> None:
    client, server = await make_pair(max_queue=4)
    for index in range(10):
        await client.send(str(index))
    for _ in range(100):
        if server.recv_messages.paused:
            break
        await asyncio.sleep(0.01)
    assert paused(server)
    assert [await server.recv() for _ in range(10)] == [str(i) for i in range(10)]
    assert not paused(server)
    client.transport.abort()
    server.transport.abort()


async def test_write_limit_makes_send_wait() -> None:
    client, server = await make_pair(write_limit=1024, max_size=None)
    server.transport.pause_reading()
    # Fill the socket buffers, then the transport's buffer past its high-water mark.
    while not client.writing_paused:
        client.protocol.send_binary(bytes(2**16))
        client.send_data()
    blocked = asyncio.create_task(client.send(b"last"))
    await asyncio.sleep(0.02)
    assert not blocked.done()
    server.transport.resume_reading()
    await asyncio.wait_for(blocked, TIMEOUT)
    client.transport.abort()
    server.transport.abort()


async def test_connection_lost_while_send_waits_for_drain() -> None:
    client, server = await make_pair(write_limit=1024, max_size=None)
    server.transport.pause_reading()
    while not client.writing_paused:
        client.protocol.send_binary(bytes(2**16))
        client.send_data()
    blocked = asyncio.create_task(client.send(b"x"))
    await asyncio.sleep(0.01)
    client.transport.abort()
    with pytest.raises(ConnectionClosedError):
        await asyncio.wait_for(blocked, TIMEOUT)
    server.transport.abort()


async def test_protocol_error_from_peer(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    client.transport.write(b"\x83\x80\x00\x00\x00\x00")  # reserved opcode
    with pytest.raises(ConnectionClosedError) as excinfo:
        await asyncio.wait_for(server.recv(), TIMEOUT)
    assert excinfo.value.sent is not None
    assert excinfo.value.sent.code == 1002


async def test_decoding_invalid_utf8_fails_with_1007(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    await client.send(b"\xff")
    with pytest.raises(ConnectionClosedError) as excinfo:
        await server.recv(decode=True)
    assert isinstance(excinfo.value.__cause__, UnicodeDecodeError)
    await asyncio.wait_for(client.wait_closed(), TIMEOUT)
    assert client.close_code == 1007


async def test_decoding_invalid_utf8_while_streaming(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    await client.send(b"\xff")
    with pytest.raises(ConnectionClosedError):
        async for _ in server.recv_streaming(decode=True):
            pass


async def test_recv_streaming_after_close(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    await client.close()
    with pytest.raises(ConnectionClosedOK):
        async for _ in server.recv_streaming():
            pass


async def test_attributes(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    assert client.id == client.protocol.id
    assert isinstance(client.logger, logging.LoggerAdapter)
    assert client.logger.extra == {"websocket": client}
    assert client.local_address == server.remote_address
    assert client.state is OPEN
    assert client.subprotocol is None
    assert client.close_code is None
    assert client.close_reason is None
    assert client.request is None
    assert client.response is None


async def test_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.asyncio")
    logger.setLevel(logging.DEBUG)
    loop = asyncio.get_running_loop()
    client_sock, server_sock = socket.socketpair()
    with caplog.at_level(logging.DEBUG, logger="test.asyncio"):
        _, client = await loop.create_connection(
            lambda: Connection(Protocol(CLIENT, logger=logger), ping_interval=0.01),
            sock=client_sock,
        )
        _, server = await loop.create_connection(
            lambda: Connection(Protocol(SERVER)), sock=server_sock
        )
        client.start_keepalive()
        await asyncio.wait_for(await client.ping(), TIMEOUT)
        await asyncio.sleep(0.03)
        await client.close()
    messages = [record.getMessage() for record in caplog.records]
    assert "% sent keepalive ping" in messages
    assert "x half-closing TCP connection" in messages
    assert "x TCP connection closed" in messages
    server.transport.abort()


async def test_broadcast(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    other_client, other_server = await make_pair()
    _closed_client, closed_server = await make_pair()
    await closed_server.close()
    broadcast([server, other_server, closed_server], "hello")
    broadcast([server, other_server], b"bytes")
    assert await client.recv() == "hello"
    assert await other_client.recv() == "hello"
    assert await client.recv() == b"bytes"
    with pytest.raises(TypeError, match="data must be str or bytes"):
        broadcast([server], 42)  # type: ignore[arg-type]
    assert broadcast.__module__ == "websockets.asyncio.server"
    other_client.transport.abort()
    other_server.transport.abort()


async def test_broadcast_skips_fragmented_sends(
    pair: tuple[Connection, Connection], caplog: pytest.LogCaptureFixture
) -> None:
    client, server = pair
    release = asyncio.Event()

    async def slow() -> AsyncIterator[str]:
        yield "a"
        await release.wait()
        yield "b"

    sending = asyncio.create_task(server.send(slow()))
    await asyncio.sleep(0.01)
    with caplog.at_level(logging.WARNING):
        broadcast([server], "skipped")
    assert "skipped broadcast" in caplog.text
    if sys.version_info >= (3, 11):
        with pytest.raises(ExceptionGroup) as excinfo:  # noqa: F821
            broadcast([server], "skipped", raise_exceptions=True)
        assert isinstance(excinfo.value.exceptions[0], ConcurrencyError)
    release.set()
    await sending
    assert await client.recv() == "ab"


async def test_broadcast_write_errors(
    pair: tuple[Connection, Connection], caplog: pytest.LogCaptureFixture
) -> None:
    _client, server = pair

    def broken(data: bytes, fin: bool = True) -> None:
        raise OSError("broken pipe")

    server.protocol.send_text = broken  # type: ignore[method-assign,assignment]
    with caplog.at_level(logging.WARNING):
        broadcast([server], "x")
    assert "skipped broadcast: failed to write message" in caplog.text
    if sys.version_info >= (3, 11):
        with pytest.raises(ExceptionGroup) as excinfo:  # noqa: F821
            broadcast([server], "x", raise_exceptions=True)
        error = excinfo.value.exceptions[0]
        assert isinstance(error, RuntimeError)
        assert isinstance(error.__cause__, OSError)


async def test_frames_after_close_are_ignored(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    # A text frame right after the Close frame, in the same packet.
    client.protocol.send_close(1000)
    client.protocol.writes.append(Frame(OP_TEXT, b"late").serialize(mask=True))
    client.send_data()
    with pytest.raises(ConnectionClosedOK):
        await asyncio.wait_for(server.recv(), TIMEOUT)


async def test_connection_closed_is_the_base_exception(pair: tuple[Connection, Connection]) -> None:
    client, server = pair
    client.transport.abort()
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(server.recv(), TIMEOUT)
    assert server.close_code == 1006


async def test_message_with_more_frames_than_max_queue() -> None:
    client, server = await make_pair(max_queue=4)
    await client.send([f"{index:02d}" for index in range(50)])
    message = await asyncio.wait_for(server.recv(), TIMEOUT)
    assert message == "".join(f"{index:02d}" for index in range(50))
    client.transport.abort()
    server.transport.abort()
