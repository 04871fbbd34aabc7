"""Reassemble the frames of incoming messages for the asyncio layer."""

from __future__ import annotations

import asyncio
import codecs
from collections import deque
from collections.abc import AsyncGenerator, Callable
from typing import Literal, overload

from .._water_marks import water_marks
from ..exceptions import ConcurrencyError
from ..frames import Frame, Opcode
from ..typing import Data

__all__ = ["Assembler"]

_Utf8Decoder = codecs.getincrementaldecoder("utf-8")
_TEXT = Opcode.TEXT  # a module global resolves much faster than an enum attribute


class Assembler:
    """A queue of incoming frames, read one message at a time.

    Frames go in synchronously with :meth:`put` as they arrive; :meth:`get` and
    :meth:`get_iter` read messages. When more than ``high`` frames wait, ``pause`` is
    called to stop reading from the network; once ``low`` or fewer remain, ``resume``
    is called. Without ``high``, the queue has no limit.

    """

    __slots__ = (
        "abandoned",
        "closed",
        "complete",
        "frames",
        "get_in_progress",
        "high",
        "loop",
        "low",
        "pause",
        "paused",
        "resume",
        "waiter",
    )

    def __init__(
        self,
        high: int | None = None,
        low: int | None = None,
        pause: Callable[[], None] = lambda: None,
        resume: Callable[[], None] = lambda: None,
    ) -> None:
        high, low = water_marks(high, low)
        self.high: int | None = high
        self.low: int | None = low
        self.pause: Callable[[], None] = pause
        self.resume: Callable[[], None] = resume
        self.paused: bool = False

        self.frames: deque[Frame] = deque()
        # Number of frames in the queue that end a message: get() needs one.
        self.complete: int = 0
        self.waiter: asyncio.Future[None] | None = None
        # The loop of the first reader. Looking it up for every message would cost a
        # system call each time: asyncio.get_running_loop() checks the process ID.
        self.loop: asyncio.AbstractEventLoop | None = None
        self.get_in_progress: bool = False
        self.closed: bool = False
        self.abandoned: bool = False
        """Whether a message was left unfinished by :meth:`get_iter`."""

    def put(self, frame: Frame) -> None:
        """Add a data frame to the queue.

        Raises:
            EOFError: If the queue was closed.

        """
        if self.closed:
            raise EOFError("stream of frames ended")
        self.frames.append(frame)
        if frame.fin:
            self.complete += 1
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if (
            self.high is not None
            and not self.paused
            and self.waiter is None  # no reader is waiting for more frames
            and len(self.frames) > self.high
        ):
            self.paused = True
            self.pause()

    def close(self) -> None:
        """End the stream of frames: once the queue is empty, readers get EOFError."""
        if self.closed:
            return
        self.closed = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _resume_for_reader(self) -> None:
        # A reader waits for frames that can only arrive if reading resumes, e.g. the
        # rest of a message longer than the queue: the size limit of messages bounds
        # memory then.
        self.paused = False
        self.resume()

    async def _wait(self) -> None:
        """Wait until a frame arrives or the queue closes."""
        if self.paused:
            self._resume_for_reader()
        waiter = self.waiter = self._create_future()
        try:
            await waiter
        finally:
            self.waiter = None

    def _create_future(self) -> asyncio.Future[None]:
        loop = self.loop
        if loop is None:
            loop = self.loop = asyncio.get_running_loop()
        return loop.create_future()

    def _maybe_resume(self) -> None:
        if self.paused and self.low is not None and len(self.frames) <= self.low:
            self.paused = False
            self.resume()

    @overload
    async def get(self, decode: Literal[True]) -> str: ...

    @overload
    async def get(self, decode: Literal[False]) -> bytes: ...

    @overload
    async def get(self, decode: bool | None = None) -> Data: ...

    async def get(self, decode: bool | None = None) -> Data:
        """Read the next message.

        Text messages come as :class:`str` and binary ones as :class:`bytes`, unless
        ``decode`` is False (always bytes) or True (always str).

        Cancelling the call loses nothing: frames are only taken from the queue once
        the whole message is there.

        Raises:
            EOFError: If the stream of frames ended before a whole message.
            ConcurrencyError: If another coroutine is reading already.
            UnicodeDecodeError: If ``decode`` is True and a binary message isn't UTF-8.

        """
        if self.get_in_progress:
            raise ConcurrencyError("get() or get_iter() is already running")
        if not self.complete:
            self.get_in_progress = True
            try:
                while not self.complete:
                    if self.closed:
                        raise EOFError("stream of frames ended")
                    if self.paused:
                        self._resume_for_reader()
                    loop = self.loop
                    if loop is None:
                        loop = self.loop = asyncio.get_running_loop()
                    waiter = self.waiter = loop.create_future()
                    try:
                        await waiter
                    finally:
                        self.waiter = None
            finally:
                self.get_in_progress = False
        # From here on, nothing awaits: no other coroutine can interleave.
        frames = self.frames
        frame = frames.popleft()
        text = frame.opcode is _TEXT
        if frame.fin:
            data = frame.data
        else:
            chunks = [frame.data]
            while True:
                frame = frames.popleft()
                chunks.append(frame.data)
                if frame.fin:
                    break
            data = b"".join(chunks)
        self.complete -= 1
        if self.paused:
            self._maybe_resume()
        if decode is None:
            decode = text
        if decode:
            return bytes(data).decode() if type(data) is not bytes else data.decode()
        return data if type(data) is bytes else bytes(data)

    async def get_iter(self, decode: bool | None = None) -> AsyncGenerator[Data]:
        """Stream the next message, one frame at a time.

        Iterate until the end: when iteration stops early (the iterator is closed, or
        cancelled while waiting) after the first frame, the rest of the message can't be
        read anymore. The queue then drops its frames, closes and sets
        :attr:`abandoned`; later reads raise :exc:`EOFError`.

        Raises:
            EOFError: If the stream of frames ended before the end of the message.
            ConcurrencyError: If another coroutine is reading already.
            UnicodeDecodeError: If ``decode`` is True and a binary message isn't UTF-8.

        """
        if self.get_in_progress:
            raise ConcurrencyError("get() or get_iter() is already running")
        self.get_in_progress = True
        first = True
        done = False
        try:
            decoder: codecs.IncrementalDecoder | None = None
            while True:
                while not self.frames:
                    if self.closed:
                        raise EOFError("stream of frames ended")
                    await self._wait()
                frame = self.frames.popleft()
                if frame.fin:
                    self.complete -= 1
                if self.paused:
                    self._maybe_resume()
                if first:
                    first = False
                    text = frame.opcode is _TEXT
                    if decode is None:
                        decode = text
                    if decode:
                        decoder = _Utf8Decoder()
                done = frame.fin
                if decoder is not None:
                    yield decoder.decode(frame.data, frame.fin)
                else:
                    yield bytes(frame.data)
                if done:
                    return
        finally:
            self.get_in_progress = False
            if not first and not done:
                self._abandon()

    def _abandon(self) -> None:
        """Give up on a message read in part: drop the queue and close it."""
        self.abandoned = True
        self.frames.clear()
        self.complete = 0
        self.close()
        if self.paused:
            # Reading must go on, for the closing handshake.
            self.paused = False
            self.resume()
