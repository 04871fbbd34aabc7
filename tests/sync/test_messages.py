"""The Assembler of the threading layer: frames in, messages out, across threads."""

from __future__ import annotations

import threading

import pytest

from websockets.exceptions import ConcurrencyError
from websockets.frames import OP_BINARY, OP_CONT, OP_TEXT, Frame
from websockets.sync.messages import Assembler


class FlowControl:
    """Record the pause and resume calls of an Assembler."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def pause(self) -> None:
        self.calls.append("pause")

    def resume(self) -> None:
        self.calls.append("resume")


def assembler(high: int | None = None, low: int | None = None) -> tuple[Assembler, FlowControl]:
    flow = FlowControl()
    return Assembler(high, low, pause=flow.pause, resume=flow.resume), flow


def run_in_thread(target: object) -> threading.Thread:
    assert callable(target)
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


# -- get ---------------------------------------------------------------------------------


def test_get_text_and_binary() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_TEXT, "café".encode()))
    messages.put(Frame(OP_BINARY, b"\x01\x02"))
    assert messages.get() == "café"
    assert messages.get() == b"\x01\x02"


def test_get_decode_overrides() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_TEXT, b"text"))
    messages.put(Frame(OP_BINARY, b"binary"))
    assert messages.get(decode=False) == b"text"
    assert messages.get(decode=True) == "binary"


def test_get_fragmented_message() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_TEXT, b"ca", fin=False))
    messages.put(Frame(OP_CONT, "f\xe9".encode()[:2], fin=False))
    messages.put(Frame(OP_CONT, "f\xe9".encode()[2:]))
    assert messages.get() == "caf\xe9"


def test_get_waits_for_a_frame_from_another_thread() -> None:
    messages, _ = assembler()
    thread = run_in_thread(lambda: messages.put(Frame(OP_TEXT, b"later")))
    assert messages.get(timeout=5) == "later"
    thread.join(5)


def test_get_timeout_loses_nothing() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_TEXT, b"hel", fin=False))
    with pytest.raises(TimeoutError):
        messages.get(timeout=0.01)
    messages.put(Frame(OP_CONT, b"lo"))
    assert messages.get(timeout=0) == "hello"


def test_get_timeout_zero_returns_a_buffered_message() -> None:
    messages, _ = assembler()
    with pytest.raises(TimeoutError):
        messages.get(timeout=0)
    messages.put(Frame(OP_BINARY, b"ready"))
    assert messages.get(timeout=0) == b"ready"


def test_get_invalid_utf8_with_decode() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_BINARY, b"\xff"))
    with pytest.raises(UnicodeDecodeError):
        messages.get(decode=True)


def test_get_after_close_returns_queued_messages_then_eof() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_TEXT, b"last"))
    messages.put(Frame(OP_TEXT, b"partial", fin=False))
    messages.close()
    assert messages.get() == "last"
    with pytest.raises(EOFError):
        messages.get()


def test_close_wakes_up_a_waiting_reader() -> None:
    messages, _ = assembler()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            messages.get()
        except BaseException as exc:
            errors.append(exc)

    thread = run_in_thread(read)
    # Whether the reader is waiting yet or not, it must end with EOFError.
    messages.close()
    thread.join(5)
    assert not thread.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], EOFError)


def test_put_after_close_raises_eof() -> None:
    messages, _ = assembler()
    messages.close()
    messages.close()  # idempotent
    with pytest.raises(EOFError):
        messages.put(Frame(OP_TEXT, b"late"))


def test_concurrent_get_raises_concurrency_error() -> None:
    messages, _ = assembler()
    waiting = threading.Event()
    results: list[object] = []

    def read() -> None:
        results.append(messages.get(timeout=5))

    thread = run_in_thread(read)
    # The first reader marks itself as waiting under the lock, then sleeps on it.
    for _ in range(1000):
        with messages.mutex:
            if messages.get_in_progress:
                waiting.set()
                break
        threading.Event().wait(0.001)
    assert waiting.is_set()
    with pytest.raises(ConcurrencyError):
        messages.get(timeout=0)
    with pytest.raises(ConcurrencyError):
        next(messages.get_iter())
    messages.put(Frame(OP_TEXT, b"first reader"))
    thread.join(5)
    assert results == ["first reader"]


# -- get_iter ----------------------------------------------------------------------------


def test_get_iter_yields_fragments() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_TEXT, b"caf", fin=False))
    messages.put(Frame(OP_CONT, "é".encode()[:1], fin=False))
    messages.put(Frame(OP_CONT, "é".encode()[1:]))
    assert list(messages.get_iter()) == ["caf", "", "é"]


def test_get_iter_binary_and_decode() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_BINARY, b"a", fin=False))
    messages.put(Frame(OP_CONT, b"b"))
    messages.put(Frame(OP_TEXT, b"c"))
    assert list(messages.get_iter()) == [b"a", b"b"]
    assert list(messages.get_iter(decode=False)) == [b"c"]


def test_get_iter_waits_for_frames() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_TEXT, b"a", fin=False))
    fragments = messages.get_iter()
    assert next(fragments) == "a"
    thread = run_in_thread(lambda: messages.put(Frame(OP_CONT, b"b")))
    assert next(fragments) == "b"
    with pytest.raises(StopIteration):
        next(fragments)
    thread.join(5)


def test_get_iter_eof_mid_message() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_TEXT, b"a", fin=False))
    fragments = messages.get_iter()
    assert next(fragments) == "a"
    messages.close()
    with pytest.raises(EOFError):
        next(fragments)


def test_get_iter_stopped_early_drops_the_rest_and_closes() -> None:
    messages, flow = assembler(high=2, low=1)
    messages.put(Frame(OP_TEXT, b"a", fin=False))
    messages.put(Frame(OP_CONT, b"b", fin=False))
    messages.put(Frame(OP_CONT, b"c"))
    messages.put(Frame(OP_TEXT, b"next"))
    assert flow.calls == ["pause"]
    fragments = messages.get_iter()
    assert next(fragments) == "a"
    fragments.close()
    # The rest isn't returned as a new message: the stream is over.
    assert messages.closed
    assert not messages.frames
    assert flow.calls == ["pause", "resume"]
    with pytest.raises(EOFError):
        messages.get(timeout=0)
    with pytest.raises(EOFError):
        messages.put(Frame(OP_CONT, b"d"))


def test_get_iter_stopped_after_the_last_frame_keeps_the_queue() -> None:
    messages, _ = assembler()
    messages.put(Frame(OP_TEXT, b"a", fin=False))
    messages.put(Frame(OP_CONT, b"b"))
    messages.put(Frame(OP_TEXT, b"next"))
    fragments = messages.get_iter()
    assert next(fragments) == "a"
    assert next(fragments) == "b"
    fragments.close()  # the message was complete
    assert not messages.closed
    assert messages.get(timeout=0) == "next"


# -- Flow control ------------------------------------------------------------------------


def test_pause_above_high_and_resume_at_low() -> None:
    messages, flow = assembler(high=2, low=1)
    for _ in range(3):
        messages.put(Frame(OP_TEXT, b"x"))
    assert flow.calls == ["pause"]
    messages.put(Frame(OP_TEXT, b"x"))  # already paused
    assert flow.calls == ["pause"]
    messages.get()
    messages.get()
    assert flow.calls == ["pause"]
    messages.get()
    assert flow.calls == ["pause", "resume"]


def test_low_defaults_to_a_quarter_of_high() -> None:
    messages, _ = assembler(high=8)
    assert messages.low == 2
    messages, _ = assembler(low=3)
    assert messages.high == 12


def test_no_limit() -> None:
    messages, flow = assembler()
    for _ in range(100):
        messages.put(Frame(OP_TEXT, b"x"))
    assert flow.calls == []


def test_reader_waiting_for_a_long_message_resumes_reading() -> None:
    messages, flow = assembler(high=2, low=0)
    for _ in range(3):
        messages.put(Frame(OP_TEXT, b"x", fin=False))
    assert flow.calls == ["pause"]
    with pytest.raises(TimeoutError):
        messages.get(timeout=0.001)
    # The message can't complete unless reading resumes.
    assert flow.calls == ["pause", "resume"]


def test_close_resumes_reading() -> None:
    messages, flow = assembler(high=1, low=0)
    messages.put(Frame(OP_TEXT, b"x"))
    messages.put(Frame(OP_TEXT, b"x"))
    messages.close()
    assert flow.calls == ["pause", "resume"]


@pytest.mark.parametrize(("high", "low"), [(1, -1), (1, 2)])
def test_invalid_limits(high: int, low: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        Assembler(high, low)
