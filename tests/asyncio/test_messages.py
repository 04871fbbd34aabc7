"""Reassembly of incoming messages, with flow control."""

from __future__ import annotations

import asyncio

import pytest

from websockets.asyncio.messages import Assembler
from websockets.exceptions import ConcurrencyError
from websockets.frames import OP_BINARY, OP_CONT, OP_TEXT, Frame


async def test_get_text_and_binary() -> None:
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, "café".encode()))
    assembler.put(Frame(OP_BINARY, b"\x00"))
    assert await assembler.get() == "café"
    assert await assembler.get() == b"\x00"


async def test_decode_overrides() -> None:
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, b"text"))
    assembler.put(Frame(OP_BINARY, b"bin"))
    assert await assembler.get(decode=False) == b"text"
    assert await assembler.get(decode=True) == "bin"


async def test_fragmented_message_waits_for_the_last_frame() -> None:
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, b"hel", fin=False))
    task = asyncio.create_task(assembler.get())
    await asyncio.sleep(0)
    assert not task.done()
    assembler.put(Frame(OP_CONT, b"lo", fin=False))
    await asyncio.sleep(0)
    assert not task.done()
    assembler.put(Frame(OP_CONT, b"!"))
    assert await task == "hello!"


async def test_get_is_cancel_safe() -> None:
    assembler = Assembler()
    assembler.put(Frame(OP_BINARY, b"a", fin=False))
    task = asyncio.create_task(assembler.get())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assembler.put(Frame(OP_CONT, b"b"))
    assert await assembler.get() == b"ab"


async def test_memoryview_payloads() -> None:
    assembler = Assembler()
    assembler.put(Frame(OP_BINARY, memoryview(b"mv")))
    assembler.put(Frame(OP_TEXT, bytearray(b"ba")))
    assert await assembler.get() == b"mv"
    assert await assembler.get() == "ba"


async def test_concurrent_get() -> None:
    assembler = Assembler()
    task = asyncio.create_task(assembler.get())
    await asyncio.sleep(0)
    with pytest.raises(ConcurrencyError):
        await assembler.get()
    with pytest.raises(ConcurrencyError):
        async for _ in assembler.get_iter():
            pass
    assembler.put(Frame(OP_TEXT, b"x"))
    assert await task == "x"


async def test_close() -> None:
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, b"queued"))
    assembler.put(Frame(OP_TEXT, b"partial", fin=False))
    task = asyncio.create_task(assembler.get())
    await asyncio.sleep(0)
    assert await task == "queued"
    task = asyncio.create_task(assembler.get())
    await asyncio.sleep(0)
    assembler.close()
    assembler.close()
    with pytest.raises(EOFError):
        await task
    with pytest.raises(EOFError):
        assembler.put(Frame(OP_TEXT, b"late"))


async def test_get_iter() -> None:
    assembler = Assembler()
    encoded = "😀!".encode()
    assembler.put(Frame(OP_TEXT, encoded[:2], fin=False))
    fragments: list[str | bytes] = []

    async def read() -> None:
        async for fragment in assembler.get_iter():
            fragments.append(fragment)

    task = asyncio.create_task(read())
    await asyncio.sleep(0)
    assembler.put(Frame(OP_CONT, encoded[2:]))
    await task
    assert fragments == ["", "😀!"]
    assembler.put(Frame(OP_BINARY, b"a", fin=False))
    assembler.put(Frame(OP_CONT, b"b"))
    assert [f async for f in assembler.get_iter()] == [b"a", b"b"]
    assembler.put(Frame(OP_BINARY, b"c"))
    assert [f async for f in assembler.get_iter(decode=True)] == ["c"]
    assert assembler.complete == 0


async def test_get_iter_after_close() -> None:
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, b"a", fin=False))
    assembler.close()
    with pytest.raises(EOFError):
        async for _ in assembler.get_iter():
            pass


async def test_get_iter_stopped_early_abandons_the_queue() -> None:
    events: list[str] = []
    assembler = Assembler(
        2, 1, pause=lambda: events.append("pause"), resume=lambda: events.append("resume")
    )
    for data in (b"a", b"b", b"c"):
        assembler.put(Frame(OP_TEXT if data == b"a" else OP_CONT, data, fin=False))
    assembler.put(Frame(OP_CONT, b"d"))
    assert events == ["pause"]
    fragments = assembler.get_iter()
    assert await anext(fragments) == "a"
    await fragments.aclose()
    assert assembler.abandoned
    assert events == ["pause", "resume"]  # the closing handshake still needs reading
    with pytest.raises(EOFError):
        await assembler.get()


async def test_get_iter_cancelled_before_the_first_frame_loses_nothing() -> None:
    assembler = Assembler()
    fragments = assembler.get_iter()
    reader = asyncio.ensure_future(anext(fragments))
    await asyncio.sleep(0)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert not assembler.abandoned
    assembler.put(Frame(OP_TEXT, b"x"))
    assert await assembler.get() == "x"


async def test_flow_control() -> None:
    events: list[str] = []
    assembler = Assembler(
        4, 2, pause=lambda: events.append("pause"), resume=lambda: events.append("resume")
    )
    for _ in range(5):
        assembler.put(Frame(OP_BINARY, b"x"))
    assert events == ["pause"]
    assembler.put(Frame(OP_BINARY, b"x"))
    assert events == ["pause"]
    for _ in range(3):
        await assembler.get()
    assert events == ["pause"]
    await assembler.get()
    assert events == ["pause", "resume"]


def test_water_marks() -> None:
    assert (Assembler(16).high, Assembler(16).low) == (16, 4)
    assert (Assembler(None, 5).high, Assembler(None, 5).low) == (20, 5)
    assert (Assembler().high, Assembler().low) == (None, None)
    with pytest.raises(ValueError, match="low must be positive"):
        Assembler(4, -1)
    with pytest.raises(ValueError, match="high must be greater"):
        Assembler(1, 2)


async def test_a_message_longer_than_the_queue_resumes_reading() -> None:
    events: list[str] = []
    assembler = Assembler(
        2, 1, pause=lambda: events.append("pause"), resume=lambda: events.append("resume")
    )
    for _ in range(4):
        assembler.put(
            Frame(OP_BINARY if not events and not assembler.frames else OP_CONT, b"x", fin=False)
        )
    assert events == ["pause"]
    task = asyncio.create_task(assembler.get())
    await asyncio.sleep(0)
    # The reader waits for the end of the message: reading must go on.
    assert events == ["pause", "resume"]
    for _ in range(10):
        assembler.put(Frame(OP_CONT, b"x", fin=False))
    assembler.put(Frame(OP_CONT, b"x"))
    assert await task == b"x" * 15
