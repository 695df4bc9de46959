"""Sensor data in SQLite: board health, readings (raw, then hourly min/avg/max), GPS fixes, and queries."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from gateway.db import transaction
from gateway.sensors.gps import Fix
from gateway.sensors.nmea import Bad, Env, Heartbeat, Hello
from gateway.sensors.stream import Event

HOUR = 3600.0


@dataclass
class _BoardDelta:
    lines: int = 0
    env: int = 0
    fixes: int = 0
    bad: int = 0
    bad_checksum: int = 0
    sensor_errors: int = 0
    seq_gaps: int = 0
    boots: int = 0
    last_bad: str | None = None
    firmware: str | None = None
    uptime: int | None = None
    hello: bool = False
    readings: list[tuple[Any, ...]] = field(default_factory=list)
    fix_rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class CompactReport:
    """What one retention pass did."""

    readings_summarised: int
    hours_written: int
    fixes_thinned: int
    hours_expired: int


class SensorStore:
    """Reads and writes the sensor tables on one connection."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time, gps_store_seconds: float = 10.0) -> None:
        self.db = db
        self.clock = clock
        self.gps_store_seconds = gps_store_seconds
        self._last_seq: dict[str, int | None] = {}
        self._last_fix: dict[str, tuple[float, int]] = {}

    def board_for_port(self, port: str) -> str | None:
        """The board last seen on this port (its id is known before it says HELLO again)."""
        row = self.db.execute(
            "SELECT board_id FROM sensor_boards WHERE port = ? ORDER BY last_seen DESC LIMIT 1", [port]
        ).fetchone()
        return None if row is None else str(row[0])

    def record(self, board_id: str, port: str, events: Sequence[Event], lines: int, now: float | None = None) -> None:
        """Store one batch of parsed events of a board in one transaction, and bump its counters."""
        now = self.clock() if now is None else now
        delta = _BoardDelta(lines=lines)
        if board_id not in self._last_seq:
            row = self.db.execute("SELECT last_seq FROM sensor_boards WHERE board_id = ?", [board_id]).fetchone()
            self._last_seq[board_id] = None if row is None else row[0]
        for event in events:
            self._account(board_id, event, now, delta)
        with transaction(self.db):
            self._upsert_board(board_id, port, now, delta)
            if delta.readings:
                self.db.conn.executemany(
                    "INSERT INTO sensor_readings (board_id, ts, seq, temp_c, humidity, status) VALUES (?,?,?,?,?,?)",
                    delta.readings,
                )
            if delta.fix_rows:
                self.db.conn.executemany(
                    "INSERT INTO gps_fixes (board_id, ts, fix_time, lat, lon, speed_kn, course, fix_quality, mode, "
                    "satellites, hdop, altitude_m) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    delta.fix_rows,
                )

    def note_reconnect(self, board_id: str, port: str, now: float | None = None) -> None:
        """Count a reconnection of the board's port."""
        now = self.clock() if now is None else now
        with transaction(self.db):
            self._upsert_board(board_id, port, now, _BoardDelta())
            self.db.execute("UPDATE sensor_boards SET reconnects = reconnects + 1 WHERE board_id = ?", [board_id])

    def _account(self, board_id: str, event: Event, now: float, d: _BoardDelta) -> None:
        if isinstance(event, Env):
            d.env += 1
            if event.status != "OK":
                d.sensor_errors += 1
            last = self._last_seq.get(board_id)
            if last is not None and event.seq != last + 1 and event.seq != 0:
                d.seq_gaps += 1
            self._last_seq[board_id] = event.seq
            d.readings.append((board_id, now, event.seq, event.temp_c, event.humidity, event.status))
        elif isinstance(event, Fix):
            d.fixes += 1
            last_ts, last_mode = self._last_fix.get(board_id, (float("-inf"), -1))
            if now - last_ts >= self.gps_store_seconds or event.mode != last_mode:
                self._last_fix[board_id] = (now, event.mode)
                d.fix_rows.append((
                    board_id, now, event.time.isoformat() if event.time else None, event.lat, event.lon,
                    event.speed_kn, event.course, event.fix_quality, event.mode, event.satellites, event.hdop,
                    event.altitude_m,
                ))
        elif isinstance(event, Bad):
            d.bad += 1
            d.bad_checksum += event.reason == "bad_checksum"
            d.last_bad = f"{event.reason}: {event.line[:80]}"
        elif isinstance(event, Hello):
            d.hello, d.boots, d.firmware = True, d.boots + 1, event.firmware
            self._last_seq[board_id] = None  # a reboot restarts the sequence
        elif isinstance(event, Heartbeat):
            d.uptime = event.uptime_s

    def _upsert_board(self, board_id: str, port: str, now: float, d: _BoardDelta) -> None:
        self.db.execute(
            "INSERT INTO sensor_boards (board_id, port, first_seen, last_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (board_id) DO NOTHING",
            [board_id, port, now, now],
        )
        self.db.execute(
            "UPDATE sensor_boards SET port = ?, last_seen = ?, lines = lines + ?, env_count = env_count + ?, "
            "fix_count = fix_count + ?, bad_lines = bad_lines + ?, bad_checksum = bad_checksum + ?, "
            "sensor_errors = sensor_errors + ?, seq_gaps = seq_gaps + ?, boots = boots + ?, "
            "last_seq = ?, last_bad = COALESCE(?, last_bad), firmware = COALESCE(?, firmware), "
            "uptime_s = COALESCE(?, uptime_s), last_hello = CASE WHEN ? THEN ? ELSE last_hello END "
            "WHERE board_id = ?",
            [port, now, d.lines, d.env, d.fixes, d.bad, d.bad_checksum, d.sensor_errors, d.seq_gaps, d.boots,
             self._last_seq.get(board_id), d.last_bad, d.firmware, d.uptime, d.hello, now, board_id],
        )

    # ---- queries -------------------------------------------------------------------------------------

    def boards(self) -> list[dict[str, Any]]:
        """Every board with its health counters and latest reading and fix."""
        out = []
        for board in self.db.query("SELECT * FROM sensor_boards ORDER BY board_id"):
            bid = board["board_id"]
            board["reading"] = next(iter(self.db.query(
                "SELECT ts, seq, temp_c, humidity, status FROM sensor_readings WHERE board_id = ? "
                "ORDER BY ts DESC, id DESC LIMIT 1", [bid])), None)
            board["fix"] = next(iter(self.db.query(
                "SELECT * FROM gps_fixes WHERE board_id = ? ORDER BY ts DESC, id DESC LIMIT 1", [bid])), None)
            out.append(board)
        return out

    def series(self, board_id: str, since: float, until: float, points: int = 240) -> list[dict[str, Any]]:
        """Temperature and humidity min/avg/max in `points` buckets over [since, until), raw and hourly data."""
        width = max((until - since) / points, 1.0)
        raw = self.db.query(
            "SELECT CAST((ts - ?) / ? AS INTEGER) AS b, COUNT(*) AS n, "
            "MIN(temp_c) AS tmin, AVG(temp_c) AS tavg, MAX(temp_c) AS tmax, "
            "MIN(humidity) AS hmin, AVG(humidity) AS havg, MAX(humidity) AS hmax "
            "FROM sensor_readings WHERE board_id = ? AND ts >= ? AND ts < ? AND status = 'OK' GROUP BY b",
            [since, width, board_id, since, until],
        )
        hourly = self.db.query(
            "SELECT CAST((hour + 1800 - ?) / ? AS INTEGER) AS b, SUM(n - errors) AS n, "
            "MIN(temp_min) AS tmin, SUM(temp_avg * (n - errors)) / SUM(n - errors) AS tavg, MAX(temp_max) AS tmax, "
            "MIN(hum_min) AS hmin, SUM(hum_avg * (n - errors)) / SUM(n - errors) AS havg, MAX(hum_max) AS hmax "
            "FROM sensor_hourly WHERE board_id = ? AND hour + 1800 >= ? AND hour + 1800 < ? AND n > errors "
            "GROUP BY b",
            [since, width, board_id, since, until],
        )
        buckets: dict[int, dict[str, Any]] = {}
        for row in [*hourly, *raw]:
            b = row.pop("b")
            row["t"] = since + (b + 0.5) * width
            prev = buckets.get(b)
            buckets[b] = row if prev is None else _merge(prev, row)
        return [buckets[b] for b in sorted(buckets)]

    def track(self, board_id: str, since: float, limit: int = 2000) -> list[dict[str, Any]]:
        """Positioned fixes since a time, oldest first (at most `limit`, evenly thinned)."""
        total = self.db.execute(
            "SELECT COUNT(*) FROM gps_fixes WHERE board_id = ? AND ts >= ? AND lat IS NOT NULL", [board_id, since]
        ).fetchone()[0]
        step = max(1, -(-int(total) // limit))
        return list(self.db.query(
            "SELECT ts, fix_time, lat, lon, speed_kn, course, mode, satellites, hdop FROM ("
            "SELECT *, ROW_NUMBER() OVER (ORDER BY ts, id) - 1 AS rn FROM gps_fixes "
            "WHERE board_id = ? AND ts >= ? AND lat IS NOT NULL) WHERE rn % ? = 0 ORDER BY ts",
            [board_id, since, step],
        ))

    # ---- retention -----------------------------------------------------------------------------------

    def compact(self, retention_days: int, hourly_retention_days: int, now: float | None = None) -> CompactReport:
        """Raw readings older than the retention become hourly min/avg/max; fixes thin to one per hour."""
        now = self.clock() if now is None else now
        cutoff = (now - retention_days * 86400) // HOUR * HOUR  # whole hours only
        with transaction(self.db):
            summarised = self.db.execute("SELECT COUNT(*) FROM sensor_readings WHERE ts < ?", [cutoff]).fetchone()[0]
            hours = self.db.execute(
                """
                INSERT INTO sensor_hourly (board_id, hour, n, errors, temp_min, temp_avg, temp_max,
                                           hum_min, hum_avg, hum_max)
                SELECT board_id, CAST(ts / 3600 AS INTEGER) * 3600 AS h, COUNT(*),
                       SUM(status != 'OK'),
                       MIN(CASE WHEN status = 'OK' THEN temp_c END), AVG(CASE WHEN status = 'OK' THEN temp_c END),
                       MAX(CASE WHEN status = 'OK' THEN temp_c END),
                       MIN(CASE WHEN status = 'OK' THEN humidity END), AVG(CASE WHEN status = 'OK' THEN humidity END),
                       MAX(CASE WHEN status = 'OK' THEN humidity END)
                FROM sensor_readings WHERE ts < ? GROUP BY board_id, h
                ON CONFLICT (board_id, hour) DO UPDATE SET
                    temp_min = MIN(COALESCE(temp_min, excluded.temp_min), COALESCE(excluded.temp_min, temp_min)),
                    temp_max = MAX(COALESCE(temp_max, excluded.temp_max), COALESCE(excluded.temp_max, temp_max)),
                    hum_min = MIN(COALESCE(hum_min, excluded.hum_min), COALESCE(excluded.hum_min, hum_min)),
                    hum_max = MAX(COALESCE(hum_max, excluded.hum_max), COALESCE(excluded.hum_max, hum_max)),
                    temp_avg = (COALESCE(temp_avg, 0) * (n - errors)
                                + COALESCE(excluded.temp_avg, 0) * (excluded.n - excluded.errors))
                               / NULLIF(n - errors + excluded.n - excluded.errors, 0),
                    hum_avg = (COALESCE(hum_avg, 0) * (n - errors)
                               + COALESCE(excluded.hum_avg, 0) * (excluded.n - excluded.errors))
                              / NULLIF(n - errors + excluded.n - excluded.errors, 0),
                    n = n + excluded.n, errors = errors + excluded.errors
                """,
                [cutoff],
            ).rowcount
            self.db.execute("DELETE FROM sensor_readings WHERE ts < ?", [cutoff])
            thinned = self.db.execute(
                "DELETE FROM gps_fixes WHERE ts < ? AND id NOT IN (SELECT MIN(id) FROM gps_fixes WHERE ts < ? "
                "GROUP BY board_id, CAST(ts / 3600 AS INTEGER), lat IS NULL)",
                [cutoff, cutoff],
            ).rowcount
            expired = 0
            if hourly_retention_days > 0:
                old = now - hourly_retention_days * 86400
                expired = self.db.execute("DELETE FROM sensor_hourly WHERE hour < ?", [old]).rowcount
                self.db.execute("DELETE FROM gps_fixes WHERE ts < ?", [old])
        return CompactReport(int(summarised), max(hours, 0), thinned, expired)


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    n = (a["n"] or 0) + (b["n"] or 0)

    def avg(k: str) -> float | None:
        parts = [(r[k], r["n"] or 0) for r in (a, b) if r[k] is not None]
        total = sum(w for _, w in parts)
        return sum(v * w for v, w in parts) / total if total else None

    def pick(k: str, fn: Callable[..., float]) -> float | None:
        vals = [r[k] for r in (a, b) if r[k] is not None]
        return fn(vals) if vals else None

    return {"t": a["t"], "n": n, "tmin": pick("tmin", min), "tavg": avg("tavg"), "tmax": pick("tmax", max),
            "hmin": pick("hmin", min), "havg": avg("havg"), "hmax": pick("hmax", max)}
