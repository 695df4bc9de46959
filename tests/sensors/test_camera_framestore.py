"""The frame store: one disk budget for every camera, oldest deleted first, a free-space floor, restart-safe."""

from __future__ import annotations

from pathlib import Path

from gateway.cameras.framestore import FrameStore


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.jpg"))


def du(root: Path) -> int:
    return sum(p.stat().st_size for p in files(root))


def test_budget_is_shared_by_all_cameras_and_oldest_go_first(tmp_path: Path) -> None:
    store = FrameStore(tmp_path, budget_bytes=10_000, min_free_bytes=0)
    written = []
    for i in range(30):
        cam = f"cam{i % 3}"
        frame = store.put(cam, bytes([i]) * 1000)
        assert frame is not None
        written.append(frame.path)
        assert du(tmp_path) <= 10_000
    kept = files(tmp_path)
    assert len(kept) == 10 and set(kept) == set(written[-10:])  # exactly the newest ten, of every camera
    s = store.stats()
    assert (s.files, s.bytes, s.written, s.evicted, s.refused, s.pressure) == (10, 10_000, 30, 20, 0, False)


def test_free_space_floor_evicts_below_the_budget_and_flags_pressure(tmp_path: Path) -> None:
    disk = {"free": 100_000}
    store = FrameStore(tmp_path, budget_bytes=1_000_000, min_free_bytes=95_000, free=lambda _p: disk["free"])
    for _ in range(5):
        assert store.put("cam1", b"x" * 1000) is not None
        disk["free"] -= 1000
    assert store.stats().pressure is False
    disk["free"] = 95_500  # something else filled the disk
    assert store.put("cam1", b"y" * 1000) is not None  # made room by deleting old frames, budget not reached
    s = store.stats()
    assert s.pressure and s.floor_evictions >= 1 and s.files < 6


def test_frame_refused_when_even_an_empty_store_cannot_keep_the_floor(tmp_path: Path) -> None:
    store = FrameStore(tmp_path, budget_bytes=1_000_000, min_free_bytes=10_000, free=lambda _p: 10_500)
    assert store.put("cam1", b"z" * 1000) is None
    s = store.stats()
    assert (s.refused, s.files, s.pressure) == (1, 0, True)
    assert files(tmp_path) == []


def test_restart_indexes_existing_frames_in_age_order(tmp_path: Path) -> None:
    first = FrameStore(tmp_path, budget_bytes=5_000, min_free_bytes=0)
    paths = [first.put("cam1" if i % 2 else "cam2", b"a" * 1000) for i in range(5)]
    (tmp_path / "cam1" / ".tmp-123").write_bytes(b"half")  # a crash mid-write
    again = FrameStore(tmp_path, budget_bytes=5_000, min_free_bytes=0)
    assert again.stats().bytes == 5_000 and not (tmp_path / "cam1" / ".tmp-123").exists()
    assert again.latest("cam1") == paths[3] and again.latest("cam2") == paths[4]
    again.put("cam3", b"b" * 1000)
    assert paths[0] is not None and not paths[0].path.exists() and all(p and p.path.exists() for p in paths[1:])


def test_clock_stepping_back_keeps_names_unique_and_ordered(tmp_path: Path) -> None:
    ticks = iter([5_000, 4_000, 4_000, 6_000])
    store = FrameStore(tmp_path, budget_bytes=10_000, min_free_bytes=0, clock_ns=lambda: next(ticks))
    names = [store.put("cam1", b"c" * 10).path.name for _ in range(4)]  # type: ignore[union-attr]
    assert names == ["5000.jpg", "5001.jpg", "5002.jpg", "6000.jpg"]
