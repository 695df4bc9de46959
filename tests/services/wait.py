"""Waiting for something a real service does, with a test failure (not a hang) when it never happens."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_for(predicate: Callable[[], object], seconds: float = 10.0, what: str = "condition") -> None:
    """Poll `predicate` until truthy; fail the test with `what` on timeout."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds}s waiting for {what}")
        time.sleep(0.05)
