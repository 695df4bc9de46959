"""The live state of every camera, in memory: latest frame, status, availability (thread-safe, no I/O)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from gateway.cameras.jpeg import JpegInfo
from gateway.cameras.topics import Status


@dataclass(frozen=True)
class LatestFrame:
    """The newest valid frame of a camera."""

    data: bytes
    info: JpegInfo
    received: float
    seq: int


@dataclass(frozen=True)
class CameraState:
    """What the gateway currently knows about one camera."""

    cam: str
    availability: str | None = None
    availability_at: float | None = None
    status: Status | None = None
    status_at: float | None = None
    frame: LatestFrame | None = None
    frames: int = 0
    rejected: int = 0
    last_reject: str | None = None

    @property
    def last_seen(self) -> float | None:
        """The newest of its last frame, status and availability messages."""
        stamps = [t for t in (self.frame.received if self.frame else None, self.status_at, self.availability_at) if t]
        return max(stamps) if stamps else None


class CameraHub:
    """Latest frame and state per camera; `wait_ack` lets a command wait for the camera's status echo."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._states: dict[str, CameraState] = {}
        self._changed = threading.Condition()

    def _update(self, cam: str, **changes: object) -> CameraState:
        with self._changed:
            state = replace(self._states.get(cam) or CameraState(cam), **changes)  # type: ignore[arg-type]
            self._states[cam] = state
            self._changed.notify_all()
            return state

    def frame(self, cam: str, data: bytes, info: JpegInfo) -> LatestFrame:
        """Record a valid frame as the camera's latest."""
        with self._changed:
            old = self._states.get(cam) or CameraState(cam)
            latest = LatestFrame(data, info, self.clock(), old.frames + 1)
            self._states[cam] = replace(old, frame=latest, frames=old.frames + 1)
            return latest

    def status(self, cam: str, status: Status) -> None:
        """Record the camera's (retained) status."""
        self._update(cam, status=status, status_at=self.clock())

    def availability(self, cam: str, value: str) -> None:
        """Record `online` / `offline`."""
        self._update(cam, availability=value, availability_at=self.clock())

    def rejected(self, cam: str, reason: str) -> None:
        """Count a payload of this camera that was rejected."""
        with self._changed:
            old = self._states.get(cam) or CameraState(cam)
            self._states[cam] = replace(old, rejected=old.rejected + 1, last_reject=reason)

    def get(self, cam: str) -> CameraState | None:
        """The state of one camera; None if never heard of."""
        with self._changed:
            return self._states.get(cam)

    def latest(self, cam: str) -> LatestFrame | None:
        """The latest frame of one camera."""
        state = self.get(cam)
        return state.frame if state else None

    def snapshot(self) -> dict[str, CameraState]:
        """Every camera heard of."""
        with self._changed:
            return dict(self._states)

    def wait_ack(self, cam: str, command_id: str, timeout: float) -> Status | None:
        """Block until the camera's status echoes `command_id` (its `ack`), or None after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                state = self._states.get(cam)
                if state and state.status and state.status.ack == command_id:
                    return state.status
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)
