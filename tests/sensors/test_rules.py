"""Alert rules: grace periods, escalation, one raise per condition, clears, silence and GPS watchdogs."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.config import EnvBandSettings, SensorSettings
from gateway.sensors.gps import Fix
from gateway.sensors.nmea import Env
from gateway.sensors.rules import BandRule, BoardRules, FaultRule, restore

SETTINGS = SensorSettings(env=EnvBandSettings(temp_min_c=2, temp_max_c=8, grace_seconds=300),
                          silent_seconds=120, gps_lost_seconds=60)


def fix(has_position: bool) -> Fix:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    if has_position:
        return Fix(when, 51.9, 4.5, 0.1, None, 1, 7, 1.2, 3)
    return Fix(when, None, None, None, None, 0, 0, 99.0, 1)


def test_short_excursion_within_grace_raises_nothing() -> None:
    band = BandRule("k", "temperature", "temperature", "°C", 2, 8, 300)
    actions = [a for t in range(0, 290, 10) for a in band.observe(9.5, 1000 + t)]
    actions += band.observe(7.0, 1300)
    assert actions == []


def test_band_raises_after_grace_updates_when_worse_escalates_and_clears_once() -> None:
    band = BandRule("env:uno:temperature", "temperature", "temperature", "°C", 2, 8, 300)
    seen = []
    for t in range(0, 1300, 10):  # 9.0 °C for 1300 s, a reading every 10 s
        seen += [(t, a) for a in band.observe(9.0 if t < 600 else 11.0, float(t))]
    raises = [(t, a.severity) for t, a in seen if a.op == "raise"]
    assert raises[0] == (300, "warning")
    assert (600, "warning") in raises  # got worse: the open alert is updated at once
    assert next(t for t, sev in raises if sev == "critical") == 1200  # 4 grace periods out of band
    assert len(raises) <= 2 + 1300 // 60 + 1  # updates are rate-limited, no storm
    assert seen[0][1].message == "temperature 9 °C above 8 °C for 5 min"
    after = band.observe(5.0, 1310) + band.observe(5.0, 1320)
    assert [a.op for a in after] == ["clear"]


def test_failed_reads_neither_start_nor_end_an_excursion_but_a_run_of_them_is_a_fault() -> None:
    rules = BoardRules("uno", SETTINGS, 0)
    acts = rules.env(Env(1, 12.0, 50.0, "OK"), 0)
    for i in range(2, 8):
        acts += rules.env(Env(i, None, None, "TIMEOUT"), i * 60.0)
    assert [(a.op, a.key) for a in acts] == [("raise", "env:uno:sensor")]
    acts = rules.env(Env(9, 12.0, 50.0, "OK"), 500.0)
    assert [(a.op, a.key, a.severity) for a in acts] == [("clear", "env:uno:sensor", "warning"),
                                                         ("raise", "env:uno:temperature", "warning")]


def test_fault_rule_counts_consecutive_only() -> None:
    rule = FaultRule("k", after=3)
    statuses = ["TIMEOUT", "TIMEOUT", "OK", "CHECKSUM", "TIMEOUT", "TIMEOUT", "TIMEOUT"]
    ops = [a.op for s in statuses for a in rule.observe(s)]
    assert ops == ["raise"]


def test_silent_board_raises_once_and_clears_on_the_next_line() -> None:
    rules = BoardRules("uno", SETTINGS, 0)
    assert rules.tick(100) == []
    first = rules.tick(121)
    assert [(a.op, a.key, a.severity) for a in first] == [("raise", "board:uno:silent", "critical")]
    assert rules.tick(500) == []
    assert [a.op for a in rules.line(501)] == ["clear"]


def test_gps_lost_only_after_a_fix_and_not_while_the_board_is_silent() -> None:
    rules = BoardRules("uno", SETTINGS, 0)
    assert rules.fix(fix(False), 100) == []  # never had a fix: a GPS still searching is not an alert
    rules.line(150)
    assert rules.fix(fix(True), 150) == []
    rules.line(200)
    assert rules.fix(fix(False), 200) == []
    rules.line(215)
    lost = rules.fix(fix(False), 215)
    assert [(a.op, a.key) for a in lost] == [("raise", "gps:uno:fix_lost")]
    assert [a.op for a in rules.fix(fix(True), 230)] == ["clear"]
    rules.line(240)
    assert rules.tick(300) == []  # the board went quiet: no GPS alert for it ...
    assert [a.key for a in rules.tick(400)] == ["board:uno:silent"]  # ... only the board alert
    assert rules.tick(500) == []


def test_gps_lost_while_board_lines_keep_coming() -> None:
    rules = BoardRules("uno", SETTINGS, 0)
    rules.fix(fix(True), 10)
    acts = []
    for t in range(12, 120, 2):  # only $BBENV lines, the GPS module is unplugged
        acts += rules.line(t) + rules.tick(t)
    assert [(a.op, a.key) for a in acts] == [("raise", "gps:uno:fix_lost")]


def test_restored_open_alerts_clear_when_the_condition_ends() -> None:
    rules = BoardRules("uno", SETTINGS, 0)
    restore(rules.rules(), {"env:uno:temperature", "gps:uno:fix_lost"}, 0)
    acts = rules.env(Env(1, 5.0, 50.0, "OK"), 1) + rules.fix(fix(True), 1)
    assert sorted((a.op, a.key) for a in acts) == [("clear", "env:uno:temperature"), ("clear", "gps:uno:fix_lost")]
