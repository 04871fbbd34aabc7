"""The high and low water marks of the queues of incoming messages, shared by both layers."""

from __future__ import annotations

__all__ = ["water_marks"]


def water_marks(high: int | None, low: int | None) -> tuple[int | None, int | None]:
    """Complete and check a ``(high, low)`` pair; None for both means no limit.

    A missing mark is derived from the other one: ``low`` is a quarter of ``high``.

    Raises:
        ValueError: If ``low`` is negative or above ``high``.

    """
    if high is not None and low is None:
        low = high // 4
    if high is None and low is not None:
        high = low * 4
    if high is not None and low is not None:
        if low < 0:
            raise ValueError("low must be positive or equal to zero")
        if high < low:
            raise ValueError("high must be greater than or equal to low")
    return high, low
