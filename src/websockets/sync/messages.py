"""Reassemble the frames of incoming messages for the threading layer."""

from __future__ import annotations

import codecs
import threading
from collections import deque
from collections.abc import Callable, Generator
from typing import Literal, overload

from .._water_marks import water_marks
from ..exceptions import ConcurrencyError
from ..frames import Frame, Opcode
from ..typing import Data
from .utils import Deadline

__all__ = ["Assembler"]

_Utf8Decoder = codecs.getincrementaldecoder("utf-8")
_TEXT = Opcode.TEXT


class Assembler:
    """A thread-safe queue of incoming frames, read one message at a time.

    The thread reading the network adds frames with :meth:`put`; another thread reads
    messages with :meth:`get` or :meth:`get_iter`. When more than ``high`` frames wait,
    ``pause`` is called to stop reading from the network; once ``low`` or fewer remain,
    ``resume`` is called. Without ``high``, the queue has no limit. Both callbacks run
    with the queue's lock held: they must return quickly and not call the queue.

    """

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

        # Guards every attribute below; readers wait on it for frames.
        self.mutex: threading.Condition = threading.Condition()
        self.frames: deque[Frame] = deque()
        # Number of frames in the queue that end a message: get() needs one.
        self.complete: int = 0
        # A reader is blocked waiting for frames: pausing would starve it.
        self.waiting: bool = False
        self.get_in_progress: bool = False
        self.closed: bool = False

    def put(self, frame: Frame) -> None:
        """Add a data frame to the queue.

        Raises:
            EOFError: If the queue was closed.

        """
        with self.mutex:
            if self.closed:
                raise EOFError("stream of frames ended")
            self.frames.append(frame)
            if frame.fin:
                self.complete += 1
            if self.waiting:
                self.mutex.notify()
            elif self.high is not None and not self.paused and len(self.frames) > self.high:
                self.paused = True
                self.pause()

    def close(self) -> None:
        """End the stream of frames: once the queue is empty, readers get EOFError.

        Reading from the network resumes, if it was paused, so that the connection can
        see the end of the stream.

        """
        with self.mutex:
            if self.closed:
                return
            self.closed = True
            self.mutex.notify_all()
            if self.paused:
                self.paused = False
                self.resume()

    def _discard(self) -> None:
        """Drop the queued frames and close the queue, as a reader abandoned a message."""
        with self.mutex:
            self.frames.clear()
            self.complete = 0
        self.close()

    def _wait(self, timeout: float | None) -> None:
        """Wait until a frame arrives or the queue closes; the mutex must be held."""
        if self.paused:
            # The reader needs frames that only come if reading resumes, e.g. the rest
            # of a message longer than the queue: the size limit of messages bounds
            # memory then.
            self.paused = False
            self.resume()
        self.waiting = True
        try:
            self.mutex.wait(timeout)
        finally:
            self.waiting = False

    def _maybe_resume(self) -> None:
        if self.paused and self.low is not None and len(self.frames) <= self.low:
            self.paused = False
            self.resume()

    @overload
    def get(self, timeout: float | None, decode: Literal[True]) -> str: ...

    @overload
    def get(self, timeout: float | None, decode: Literal[False]) -> bytes: ...

    @overload
    def get(self, timeout: float | None = None, decode: bool | None = None) -> Data: ...

    def get(self, timeout: float | None = None, decode: bool | None = None) -> Data:
        """Read the next message, waiting at most ``timeout`` seconds for it.

        Text messages come as :class:`str` and binary ones as :class:`bytes`, unless
        ``decode`` is False (always bytes) or True (always str). With ``timeout=0``,
        only a message already received is returned.

        A timeout loses nothing: frames are only taken from the queue once the whole
        message is there.

        Raises:
            EOFError: If the stream of frames ended before a whole message.
            TimeoutError: If no whole message arrived within ``timeout``.
            ConcurrencyError: If another thread is reading already.
            UnicodeDecodeError: If ``decode`` is True and a binary message isn't UTF-8.

        """
        with self.mutex:
            if self.get_in_progress:
                raise ConcurrencyError("get() or get_iter() is already running")
            if not self.complete:
                deadline = Deadline(timeout)
                self.get_in_progress = True
                try:
                    while not self.complete:
                        if self.closed:
                            raise EOFError("stream of frames ended")
                        remaining = deadline.timeout(raise_if_elapsed=False)
                        if remaining is not None and remaining <= 0:
                            raise TimeoutError(f"timed out after {timeout} seconds")
                        self._wait(remaining)
                finally:
                    self.get_in_progress = False
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
            self._maybe_resume()
        # Decoding may take a while: the network thread can queue frames meanwhile.
        if decode is None:
            decode = text
        if decode:
            return bytes(data).decode() if type(data) is not bytes else data.decode()
        return data if type(data) is bytes else bytes(data)

    def get_iter(self, decode: bool | None = None) -> Generator[Data]:
        """Stream the next message, one frame at a time.

        Iterate until the end. Stopping early, i.e. closing the iterator before the
        last frame, drops every queued frame and closes the queue: later reads raise
        :exc:`EOFError`, rather than return the rest of the message as a new one.

        Raises:
            EOFError: If the stream of frames ended before the end of the message.
            ConcurrencyError: If another thread is reading already.
            UnicodeDecodeError: If ``decode`` is True and a binary message isn't UTF-8.

        """
        with self.mutex:
            if self.get_in_progress:
                raise ConcurrencyError("get() or get_iter() is already running")
            self.get_in_progress = True
        last = False
        try:
            decoder: codecs.IncrementalDecoder | None = None
            first = True
            while True:
                with self.mutex:
                    while not self.frames:
                        if self.closed:
                            raise EOFError("stream of frames ended")
                        self._wait(None)
                    frame = self.frames.popleft()
                    if frame.fin:
                        self.complete -= 1
                    self._maybe_resume()
                if first:
                    first = False
                    if decode is None:
                        decode = frame.opcode is _TEXT
                    if decode:
                        decoder = _Utf8Decoder()
                last = frame.fin
                if decoder is not None:
                    yield decoder.decode(frame.data, frame.fin)
                else:
                    yield bytes(frame.data)
                if last:
                    return
        except GeneratorExit:
            if not last:
                self._discard()
            raise
        finally:
            with self.mutex:
                self.get_in_progress = False
