"""Stored frames under ONE disk budget shared by every camera: the oldest go first, the disk never fills.

Files live at `<root>/<cam>/<time_ns>.jpg`. Before each write the store deletes the oldest frames (of any
camera) until the new one fits under `budget_bytes` AND the filesystem keeps `min_free_bytes` free; if even an
empty store cannot keep that floor (the disk is filled by something else), the frame is not written and
counted as refused. Frames are disposable, so they are written without fsync; a crash loses at most the
last few.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".jpg"


def disk_free(path: Path) -> int:
    """Bytes available to this process on the filesystem holding `path`."""
    return shutil.disk_usage(path).free


@dataclass(frozen=True)
class StoredFrame:
    """One frame file."""

    cam: str
    path: Path
    size: int
    time_ns: int


@dataclass(frozen=True)
class StoreStats:
    """The store's occupancy and what it had to do to stay within bounds."""

    files: int
    bytes: int
    budget_bytes: int
    min_free_bytes: int
    free_bytes: int
    written: int
    evicted: int
    refused: int
    floor_evictions: int
    pressure: bool


class FrameStore:
    """A bounded folder of JPEG frames (thread-safe)."""

    def __init__(
        self,
        root: Path,
        budget_bytes: int,
        min_free_bytes: int,
        *,
        free: Callable[[Path], int] = disk_free,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.root = root
        self.budget_bytes = budget_bytes
        self.min_free_bytes = min_free_bytes
        self._free = free
        self._clock_ns = clock_ns
        self._lock = threading.Lock()
        self._frames: deque[StoredFrame] = deque()
        self._bytes = 0
        self._last_ns = 0
        self.written = self.evicted = self.refused = self.floor_evictions = 0
        self._pressure = False
        self._scan()

    def _scan(self) -> None:
        """Index the frames already on disk (oldest first) and drop temp files a crash left behind."""
        self.root.mkdir(parents=True, exist_ok=True)
        found: list[StoredFrame] = []
        for cam_dir in self.root.iterdir():
            if not cam_dir.is_dir():
                continue
            for f in cam_dir.iterdir():
                if f.name.startswith(".tmp"):
                    f.unlink(missing_ok=True)
                elif f.suffix == SUFFIX and f.stem.isdigit():
                    found.append(StoredFrame(cam_dir.name, f, f.stat().st_size, int(f.stem)))
        found.sort(key=lambda s: s.time_ns)
        self._frames.extend(found)
        self._bytes = sum(s.size for s in found)
        self._last_ns = found[-1].time_ns if found else 0

    def put(self, cam: str, data: bytes) -> StoredFrame | None:
        """Store one frame, evicting the oldest as needed; None when the disk floor cannot be kept."""
        need = len(data)
        with self._lock:
            floor_hit = False
            while self._frames and self._bytes + need > self.budget_bytes:
                self._evict_oldest()
            free = self._free(self.root)
            while self._frames and free - need < self.min_free_bytes:
                free += self._evict_oldest()
                self.floor_evictions += 1
                floor_hit = True
            if free - need < self.min_free_bytes or need > self.budget_bytes:
                self.refused += 1
                self._pressure = True
                return None
            stamp = max(self._clock_ns(), self._last_ns + 1)  # unique and ordered even if the clock steps back
            self._last_ns = stamp
            cam_dir = self.root / cam
            path = cam_dir / f"{stamp}{SUFFIX}"
            tmp = cam_dir / f".tmp-{stamp}"
            try:
                cam_dir.mkdir(exist_ok=True)
                tmp.write_bytes(data)
                os.replace(tmp, path)
            except OSError:
                tmp.unlink(missing_ok=True)
                self.refused += 1
                self._pressure = True
                return None
            frame = StoredFrame(cam, path, need, stamp)
            self._frames.append(frame)
            self._bytes += need
            self.written += 1
            self._pressure = floor_hit
            return frame

    def _evict_oldest(self) -> int:
        old = self._frames.popleft()
        with contextlib.suppress(OSError):
            old.path.unlink(missing_ok=True)
        self._bytes -= old.size
        self.evicted += 1
        return old.size

    def latest(self, cam: str) -> StoredFrame | None:
        """The newest stored frame of `cam` (after a restart, before any new frame arrives)."""
        with self._lock:
            for frame in reversed(self._frames):
                if frame.cam == cam:
                    return frame
        return None

    def stats(self) -> StoreStats:
        """Occupancy and counters; `pressure` is set while the disk floor, not the budget, limits the store."""
        with self._lock:
            return StoreStats(
                files=len(self._frames), bytes=self._bytes, budget_bytes=self.budget_bytes,
                min_free_bytes=self.min_free_bytes, free_bytes=self._free(self.root), written=self.written,
                evicted=self.evicted, refused=self.refused, floor_evictions=self.floor_evictions,
                pressure=self._pressure,
            )
