"""Fixtures for every test of the threading layer."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from types import FrameType

import pytest

PROXY_VARIABLES = [
    *("ws_proxy", "wss_proxy", "http_proxy", "https_proxy", "socks_proxy", "all_proxy"),
    "no_proxy",
]


@pytest.fixture(autouse=True)
def time_limit() -> Iterator[None]:
    """Fail a test that runs for more than a few seconds rather than hang the suite."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("test took too long")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 10)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def no_proxy_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connect directly whatever the environment of the test run says."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
