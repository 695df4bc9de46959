"""The serial source over a real pseudo-terminal: real u-blox logs interleaved with the board's sentences,
noise, truncation, bad checksums and UBX binary, and an unplug/replug in the middle."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.sensors.alerts import AlertBook
from gateway.sensors.gps import Fix
from gateway.sensors.nmea import encode_env, encode_heartbeat, encode_hello
from gateway.sensors.serial_source import SerialSource, open_port
from gateway.sensors.store import SensorStore
from gateway.sensors.stream import StreamParser
from gateway.store import open_db
from tests.sensors.conftest import log_bytes
from tests.sensors.pty_board import PtyBoard

UBX = bytes.fromhex("b562010724000000000000000000000000000000000000000000000000000000000000000000000000004f2d")


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


@pytest.fixture
def board(tmp_path: Path) -> Iterator[PtyBoard]:
    b = PtyBoard(tmp_path / "busybee-uno")
    yield b
    b.close()


def serial_settings(settings: Settings, port: Path, **sensors: object) -> Settings:
    serial = settings.sensors.serial.model_copy(update={"enabled": True, "port": str(port),
                                                        "reconnect_min_seconds": 0.05,
                                                        "reconnect_max_seconds": 0.2})
    return settings.model_copy(update={"sensors": settings.sensors.model_copy(
        update={"serial": serial, "gps_store_seconds": 0.0, **sensors})})


def board_stream(gps_lines: list[bytes], first_seq: int, hello: bool) -> tuple[bytes, dict[str, int]]:
    """GPS lines with $BB sentences and damage mixed in; returns the bytes and what was injected."""
    out = [encode_hello("1.3.0", "uno-42").encode() + b"\r\n"] if hello else []
    injected = {"env": 0, "hb": 0, "bad_checksum": 0, "truncated": 0, "noise": 0, "ubx": 0}
    seq = first_seq
    for i, line in enumerate(gps_lines):
        if i % 7 == 3:
            out.append(encode_env(seq, 4.0 + (seq % 5) / 10, 55.0).encode() + b"\r\n")
            seq += 1
            injected["env"] += 1
        if i % 29 == 5:
            out.append(encode_heartbeat(seq * 2).encode() + b"\r\n")
            injected["hb"] += 1
        if i % 41 == 7:
            bad = encode_env(9999, 99.0, 1.0)
            out.append(bad[:-2].encode() + (b"00" if not bad.endswith("00") else b"01") + b"\r\n")
            injected["bad_checksum"] += 1
        if i % 53 == 11:
            out.append(b"$GPGGA,12345")  # cut off mid-sentence: the next sentence follows on the same line
            injected["truncated"] += 1
        if i % 61 == 13:
            out.append(UBX + b"\r\n")  # u-blox binary protocol bytes on the line
            injected["ubx"] += 1
        if i % 67 == 17:
            out.append(b"\xff\x00\xfe line noise ~~~\r\n")
            injected["noise"] += 1
        out.append(line)
    return b"".join(out), injected


def gps_lines(name: str) -> list[bytes]:
    return [ln if ln.endswith(b"\n") else ln + b"\r\n" for ln in log_bytes(name).splitlines(keepends=True)]


def reference_fixes(*parts: bytes) -> list[Fix]:
    """What the pure parser makes of the same bytes, with a flush where the cable was pulled."""
    parser = StreamParser()
    fixes: list[Fix] = []
    for part in parts:
        fixes += [e for e in parser.feed(part) + parser.flush() if isinstance(e, Fix)]
    return fixes


@pytest.mark.slow
def test_replayed_logs_through_a_pty_with_an_unplug_in_the_middle(settings: Settings, board: PtyBoard) -> None:
    lines = gps_lines("ublox-lea-4h") + gps_lines("ublox-neo-m9n-nmea")
    cut = next(i for i in range(len(lines) // 2, len(lines)) if b"RMC," in lines[i])  # an epoch boundary
    part1, inj1 = board_stream(lines[:cut], 0, hello=True)
    part2, inj2 = board_stream(lines[cut:], 0, hello=True)  # the board rebooted: HELLO, sequence from 0
    s = serial_settings(settings, board.link)
    source = SerialSource(s, lambda: open_db(s, migrate_schema=False))
    open_db(s).close()
    source.start()
    try:
        wait_for(lambda: source.connected)
        board.write(part1)
        wait_for(lambda: source.parser.stats.events["env"] >= inj1["env"])
        board.unplug()
        wait_for(lambda: not source.connected)
        time.sleep(0.15)  # a few reconnect attempts hit the missing device
        board.plug()
        wait_for(lambda: source.connected and source.connects == 2)
        board.write(part2)
        wait_for(lambda: source.parser.stats.events["env"] >= inj1["env"] + inj2["env"])
        time.sleep(0.1)
    finally:
        source.stop()
    db = open_db(s)
    boards = SensorStore(db).boards()
    (row,) = boards
    assert row["board_id"] == "uno-42" and row["firmware"] == "1.3.0" and row["boots"] == 2
    assert row["reconnects"] == 1
    assert row["env_count"] == inj1["env"] + inj2["env"]
    assert row["seq_gaps"] == 0 and row["sensor_errors"] == 0
    assert row["bad_checksum"] == inj1["bad_checksum"] + inj2["bad_checksum"]
    # a UBX frame holding a 0x24 byte reads as noise, then a `$` sentence that never ends: two bad parts
    expected_bad = sum(inj1[k] + inj2[k] for k in ("bad_checksum", "truncated", "noise"))
    expected_bad += 2 * (inj1["ubx"] + inj2["ubx"])
    assert row["bad_lines"] == expected_bad == source.parser.stats.bad_total
    seqs = [r[0] for r in db.execute("SELECT seq FROM sensor_readings ORDER BY id")]
    assert seqs == list(range(inj1["env"])) + list(range(inj2["env"]))
    stored = list(db.query("SELECT * FROM gps_fixes ORDER BY id"))
    expected = reference_fixes(part1, part2)
    assert len(stored) == len(expected) > 60
    for got, want in zip(stored, expected, strict=True):
        assert got["fix_time"] == (want.time.isoformat() if want.time else None)
        assert (got["lat"], got["lon"], got["mode"], got["satellites"]) == (want.lat, want.lon, want.mode,
                                                                          want.satellites)
        assert (got["speed_kn"], got["course"], got["hdop"], got["fix_quality"]) == (
            want.speed_kn, want.course, want.hdop, want.fix_quality)
    assert source.health()["alive"] is False


def test_missing_port_is_retried_with_backoff_not_a_busy_loop(settings: Settings, tmp_path: Path) -> None:
    attempts: list[float] = []

    def opener(path: str, baud: int):  # type: ignore[no-untyped-def]
        attempts.append(time.monotonic())
        return open_port(path, baud)

    s = serial_settings(settings, tmp_path / "no-such-board")
    open_db(s).close()
    source = SerialSource(s, lambda: open_db(s, migrate_schema=False), opener=opener)
    cpu = time.process_time()
    source.start()
    time.sleep(1.5)
    source.stop()
    cpu = time.process_time() - cpu
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert 3 <= len(attempts) <= 12, attempts  # 0.05, 0.1, 0.2, then capped at 0.2: about 9 in 1.5 s
    assert gaps[0] >= 0.045 and gaps[1] >= 0.095 and all(g >= 0.19 for g in gaps[2:]), gaps
    assert cpu < 0.5
    assert "cannot open" in (source.health()["last_error"] or "")


def test_silent_board_alert_opens_while_unplugged_and_closes_on_replug(settings: Settings, board: PtyBoard) -> None:
    s = serial_settings(settings, board.link, silent_seconds=0.6)
    store = SensorStore(open_db(s))
    store.record("uno-7", str(board.link), [], 0)  # known board on this port: no provisional id
    open_db(s).close()
    source = SerialSource(s, lambda: open_db(s, migrate_schema=False))
    book = AlertBook(open_db(s))
    source.start()
    try:
        wait_for(lambda: source.connected)
        board.write(encode_hello("1.3.0", "uno-7").encode() + b"\r\n" + encode_env(0, 5.0, 50.0).encode() + b"\r\n")
        wait_for(lambda: source.parser.stats.events["env"] == 1)
        board.unplug()
        wait_for(lambda: [a.key for a in book.open_alerts()] == ["board:uno-7:silent"])
        board.plug()
        wait_for(lambda: source.connected)
        board.write(encode_heartbeat(5).encode() + b"\r\n")
        wait_for(lambda: book.open_alerts() == [])
    finally:
        source.stop()
    (alert,) = book.history()
    assert alert.kind == "board_silent" and alert.severity == "critical" and alert.state == "closed"


def test_a_board_that_says_hello_takes_over_the_ports_provisional_alerts(settings: Settings, board: PtyBoard) -> None:
    s = serial_settings(settings, board.link, silent_seconds=0.5)
    open_db(s).close()
    source = SerialSource(s, lambda: open_db(s, migrate_schema=False))
    book = AlertBook(open_db(s))
    source.start()
    try:
        wait_for(lambda: [a.key for a in book.open_alerts()] == ["board:busybee-uno:silent"])
        board.write(encode_hello("2.0.0", "uno-9").encode() + b"\r\n")
        wait_for(lambda: book.open_alerts() == [] and source.board_id == "uno-9")
        history = [(a.key, a.state) for a in book.history()]
    finally:
        source.stop()
    assert history == [("board:busybee-uno:silent", "closed")]
