"""The helpers of the threading layer: Deadline."""

from __future__ import annotations

import time

import pytest

from websockets.sync.utils import Deadline


def test_no_deadline() -> None:
    deadline = Deadline(None)
    assert deadline.timeout() is None
    assert deadline.timeout(raise_if_elapsed=False) is None


def test_remaining_time_decreases() -> None:
    deadline = Deadline(10)
    first = deadline.timeout()
    assert first is not None
    assert 0 < first <= 10
    second = deadline.timeout()
    assert second is not None
    assert second <= first


def test_elapsed_deadline_raises() -> None:
    deadline = Deadline(0)
    with pytest.raises(TimeoutError):
        deadline.timeout()


def test_elapsed_deadline_without_raising() -> None:
    deadline = Deadline(-1)
    remaining = deadline.timeout(raise_if_elapsed=False)
    assert remaining is not None
    assert remaining <= -1


def test_deadline_is_on_the_monotonic_clock() -> None:
    before = time.monotonic()
    deadline = Deadline(5)
    assert deadline.deadline is not None
    assert before + 5 <= deadline.deadline <= time.monotonic() + 5
