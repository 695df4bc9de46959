"""Sensor storage: board health counters, readings, throttled fixes, retention into hourly summaries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.config import Settings
from gateway.sensors.gps import Fix
from gateway.sensors.nmea import Bad, Env, Heartbeat, Hello
from gateway.sensors.store import SensorStore
from gateway.store import open_db

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC


def a_fix(lat: float | None = 51.9, mode: int = 3) -> Fix:
    return Fix(datetime(2026, 1, 1, tzinfo=UTC), lat, 4.5 if lat is not None else None, 0.2, 90.0, 1, 7, 1.1, mode)


def test_board_health_counts_everything(settings: Settings) -> None:
    store = SensorStore(open_db(settings), gps_store_seconds=10)
    store.record("uno-1", "/dev/busybee-uno", [Hello("1.4.0", "uno-1"), Env(0, 5.0, 50.0, "OK"),
                                               Env(1, None, None, "TIMEOUT"), Env(3, 5.1, 50.0, "OK")], 4, T0)
    store.record("uno-1", "/dev/busybee-uno", [Bad("$BBHB,1*00", "bad_checksum"), Bad("xx", "noise"),
                                               Heartbeat(3600)], 3, T0 + 5)
    store.note_reconnect("uno-1", "/dev/busybee-uno", T0 + 6)
    (board,) = store.boards()
    assert board["firmware"] == "1.4.0" and board["boots"] == 1 and board["uptime_s"] == 3600
    assert (board["lines"], board["env_count"], board["bad_lines"], board["bad_checksum"]) == (7, 3, 2, 1)
    assert (board["sensor_errors"], board["seq_gaps"], board["reconnects"]) == (1, 1, 1)
    assert board["last_seen"] == T0 + 6 and board["first_seen"] == T0 and board["last_hello"] == T0
    assert board["last_bad"] == "noise: xx"
    assert board["reading"]["seq"] == 3 and board["reading"]["temp_c"] == 5.1
    assert store.board_for_port("/dev/busybee-uno") == "uno-1"
    # a new process continues the sequence check from the database
    again = SensorStore(open_db(settings))
    again.record("uno-1", "/dev/busybee-uno", [Env(4, 5.0, 50.0, "OK")], 1, T0 + 7)
    assert again.boards()[0]["seq_gaps"] == 1


def test_fixes_are_throttled_but_mode_changes_always_kept(settings: Settings) -> None:
    store = SensorStore(open_db(settings), gps_store_seconds=10)
    for i in range(30):  # one epoch a second
        fix = a_fix(None, 1) if 12 <= i < 15 else a_fix(51.9 + i * 1e-5)
        store.record("uno", "p", [fix], 1, T0 + i)
    kept = [r["ts"] - T0 for r in store.db.query("SELECT ts FROM gps_fixes ORDER BY ts")]
    assert kept == [0, 10, 12, 15, 25]
    assert store.boards()[0]["fix_count"] == 30
    track = store.track("uno", T0)
    assert [t["ts"] - T0 for t in track] == [0, 10, 15, 25]


def test_compaction_keeps_hourly_min_avg_max_and_merges_later_passes(settings: Settings) -> None:
    store = SensorStore(open_db(settings))
    events_at = [(T0 + m * 60, Env(m, 4.0 + (m % 10), 40.0 + m % 5, "OK")) for m in range(120)]
    events_at.append((T0 + 30, Env(999, None, None, "TIMEOUT")))
    for ts, ev in events_at:
        store.record("uno", "p", [ev], 1, ts)
    before = store.series("uno", T0, T0 + 2 * 3600, points=2)
    report = store.compact(retention_days=1, hourly_retention_days=0, now=T0 + 86400 + 3600 + 1)
    assert report.readings_summarised == 60 + 1  # only the first whole hour is old enough
    rows = list(store.db.query("SELECT * FROM sensor_hourly"))
    assert len(rows) == 1
    (h,) = rows
    assert (h["hour"], h["n"], h["errors"]) == (T0, 61, 1)
    assert (h["temp_min"], h["temp_max"], h["hum_min"], h["hum_max"]) == (4.0, 13.0, 40.0, 44.0)
    assert h["temp_avg"] == pytest.approx(sum(4.0 + m % 10 for m in range(60)) / 60)
    after = store.series("uno", T0, T0 + 2 * 3600, points=2)
    assert [(round(b["tmin"], 3), round(b["tavg"], 3), round(b["tmax"], 3)) for b in after] == \
        [(round(b["tmin"], 3), round(b["tavg"], 3), round(b["tmax"], 3)) for b in before]
    # a reading that lands in an already summarised hour later is merged, not lost or duplicated
    store.record("uno", "p", [Env(5000, 30.0, 90.0, "OK")], 1, T0 + 10)
    store.compact(retention_days=1, hourly_retention_days=0, now=T0 + 86400 + 3600 + 1)
    (h,) = store.db.query("SELECT * FROM sensor_hourly")
    assert (h["n"], h["temp_max"], h["hum_max"]) == (62, 30.0, 90.0)
    assert h["temp_avg"] == pytest.approx((sum(4.0 + m % 10 for m in range(60)) + 30.0) / 61)
    assert store.compact(1, 0, now=T0 + 86400 + 3600 + 1).readings_summarised == 0


def test_old_fixes_thin_to_one_per_hour_and_hourly_data_expires(settings: Settings) -> None:
    store = SensorStore(open_db(settings), gps_store_seconds=0)
    for i in range(0, 7200, 30):
        store.record("uno", "p", [a_fix(51.9 + i * 1e-6)], 1, T0 + i)
    store.record("uno", "p", [Env(1, 5.0, 50.0, "OK")], 1, T0)
    store.compact(retention_days=1, hourly_retention_days=0, now=T0 + 86400 + 7200)
    assert store.db.execute("SELECT COUNT(*) FROM gps_fixes").fetchone()[0] == 2
    report = store.compact(retention_days=1, hourly_retention_days=2, now=T0 + 3 * 86400)
    assert report.hours_expired == 1
    assert store.db.execute("SELECT COUNT(*) FROM gps_fixes").fetchone()[0] == 0
