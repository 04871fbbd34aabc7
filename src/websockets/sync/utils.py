"""Helpers for the threading layer."""

from __future__ import annotations

import time

__all__ = ["Deadline"]


class Deadline:
    """A time budget shared by successive blocking steps, e.g. connect, TLS, handshake.

    Args:
        timeout: Seconds from now until the deadline; None means no deadline.

    """

    def __init__(self, timeout: float | None) -> None:
        self.deadline: float | None = None if timeout is None else time.monotonic() + timeout
        """When the budget runs out, on the :func:`time.monotonic` clock; None if never."""

    def timeout(self, raise_if_elapsed: bool = True) -> float | None:
        """Return the seconds left, or None without a deadline.

        Raises:
            TimeoutError: If the deadline passed and ``raise_if_elapsed`` is True.

        """
        if self.deadline is None:
            return None
        timeout = self.deadline - time.monotonic()
        if raise_if_elapsed and timeout <= 0:
            raise TimeoutError("timed out")
        return timeout
