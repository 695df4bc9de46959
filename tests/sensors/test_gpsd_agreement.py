"""Our GPS fixes agree with gpsd's on the real u-blox logs (gpsd's `.chk` files are the oracle).

Tolerances: lat/lon 1e-6° (~0.1 m; both sides convert the same ddmm.mmmmm), speed 0.0006 m/s (gpsd prints
m/s to 3 decimals, we keep knots), course 0.01°, mode exact, time of day exact. Known gpsd differences,
each allowed at most once per log and counted: gpsd shifts neo-m8n's 2015 dates by 1024 GPS weeks (its
week-rollover guess), gpsd carries a previous epoch's speed into an epoch that has none (the spliced
lea-5h capture), and gpsd reports an epoch only once it sees its end, so a capture's cut-off last epoch
(or the splice point) is ours alone.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from gateway.sensors.gps import Fix
from gateway.sensors.stream import StreamParser
from tests.sensors.conftest import LOGS, gpsd_tpvs, log_bytes

KNOT = 0.514444  # m/s
GPS_WEEK_ROLLOVER = timedelta(weeks=1024)


def our_fixes(data: bytes, chunk: int = 37) -> list[Fix]:
    """Feed a capture in odd-sized chunks, as a serial port delivers it."""
    parser = StreamParser()
    events = []
    for i in range(0, len(data), chunk):
        events += parser.feed(data[i : i + chunk])
    events += parser.flush()
    return [e for e in events if isinstance(e, Fix)]


def _best_by_time(tpvs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """gpsd re-reports an epoch as sentences arrive; its fullest view of each epoch (highest mode) counts."""
    best: dict[str, dict[str, Any]] = {}
    for tpv in tpvs:
        if "time" in tpv:
            key = tpv["time"][11:23]
            if key not in best or tpv["mode"] >= best[key]["mode"]:
                best[key] = tpv
    return best


@pytest.mark.parametrize("name", LOGS)
def test_fixes_agree_with_gpsd(name: str) -> None:
    fixes = our_fixes(log_bytes(name))
    mine = {f.time.strftime("%H:%M:%S.%f")[:12]: f for f in fixes if f.time is not None}
    tpvs = gpsd_tpvs(name)
    theirs = _best_by_time(tpvs)
    stale_speed = shifted = 0
    for tod, tpv in theirs.items():
        assert tod in mine, f"{name}: gpsd has an epoch at {tod}, we do not"
        fix = mine[tod]
        assert fix.time is not None
        ours_date, their_date = fix.time.date(), _date(tpv["time"])
        if ours_date != their_date:
            assert their_date - ours_date == GPS_WEEK_ROLLOVER, (name, tod, ours_date, their_date)
            shifted += 1
        assert fix.mode == tpv["mode"], (name, tod, fix, tpv)
        if "lat" in tpv:
            assert fix.lat == pytest.approx(tpv["lat"], abs=1e-6) and fix.lon == pytest.approx(tpv["lon"], abs=1e-6)
        else:
            assert fix.lat is None
        if "speed" in tpv and fix.speed_kn is None:
            stale_speed += 1
        elif "speed" in tpv:
            assert fix.speed_kn is not None and abs(fix.speed_kn * KNOT - tpv["speed"]) <= 0.0006, (name, tod)
        if "track" in tpv:
            assert fix.course == pytest.approx(tpv["track"], abs=0.01)
    assert stale_speed <= 1
    assert shifted in (0, len(theirs)), "a week-rollover shift applies to a whole log or not at all"
    ours_only = [t for t, f in mine.items() if t not in theirs and f.has_position]
    assert len(ours_only) <= 1, f"{name}: positioned epochs gpsd never reported: {ours_only}"
    timeless = [t for t in tpvs if "time" not in t]
    for tpv in (t for t in timeless if "lat" in t):
        assert any(f.time is None and f.lat == pytest.approx(tpv["lat"], abs=1e-6) for f in fixes)
    if all(t["mode"] == 1 for t in tpvs):
        assert fixes and all(f.mode == 1 and f.lat is None for f in fixes)
    if theirs:
        assert len(set(theirs) & set(mine)) >= len(theirs)


def _date(iso: str) -> date:
    return date.fromisoformat(iso[:10])


def test_every_log_yields_fixes_and_counts_only_real_damage() -> None:
    counts = {}
    for name in LOGS:
        parser = StreamParser()
        parser.feed(log_bytes(name))
        parser.flush()
        counts[name] = (parser.stats.events["fix"], dict(parser.stats.bad))
    assert counts["ublox-8"][1] == {"noise": 1, "truncated": 1}  # the UBX binary prefix, the cut-off last line
    assert all(bad == {} for name, (_, bad) in counts.items() if name != "ublox-8"), counts
    assert counts["ublox-neo-m9n-nmea"][0] == 61 and counts["ublox-8"][0] == 72
