"""When sensor alerts open and close: bands with a grace period, silent boards, lost GPS fixes. Pure.

The rules never touch the database: they return `Action`s (raise or clear an alert key) that the serial
source applies to the AlertBook. A condition is raised once when it starts to count, re-raised (an update
of the same open alert) when it gets worse, and cleared once when it ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from gateway.config import SensorSettings
from gateway.sensors.gps import Fix
from gateway.sensors.nmea import Env

CRITICAL_AFTER = 4  # out of band for this many grace periods turns a warning critical
FAULT_AFTER = 5  # consecutive failed sensor reads before "sensor failing"
UPDATE_EVERY = 60.0  # seconds between updates of an open band alert while nothing gets worse


@dataclass(frozen=True)
class Action:
    """Raise (open or update) or clear one alert."""

    op: Literal["raise", "clear"]
    key: str
    kind: str = ""
    severity: str = "warning"
    message: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def _clear(key: str) -> Action:
    return Action("clear", key)


class BandRule:
    """A value that must stay within [low, high]; outside for longer than `grace` seconds raises."""

    def __init__(self, key: str, kind: str, label: str, unit: str, low: float, high: float, grace: float) -> None:
        self.key, self.kind, self.label, self.unit = key, kind, label, unit
        self.low, self.high, self.grace = low, high, grace
        self.out_since: float | None = None
        self.raised = False
        self.severity = ""
        self.worst = 0.0
        self.last_update = 0.0

    def observe(self, value: float | None, now: float) -> list[Action]:
        """One reading (None: the sensor failed; it neither starts nor ends the condition)."""
        if value is None:
            return []
        if self.low <= value <= self.high:
            self.out_since = None
            if self.raised:
                self.raised = False
                return [_clear(self.key)]
            return []
        if self.out_since is None:
            self.out_since, self.worst = now, 0.0
        out_for = now - self.out_since
        if out_for < self.grace:
            return []
        excess = value - self.high if value > self.high else self.low - value
        severity = "critical" if out_for >= CRITICAL_AFTER * self.grace and self.grace > 0 else "warning"
        worse = not self.raised or excess > self.worst or severity != self.severity
        if not worse and now - self.last_update < UPDATE_EVERY:
            return []
        self.raised, self.severity, self.last_update = True, severity, now
        self.worst = max(self.worst, excess)
        side = "above" if value > self.high else "below"
        limit = self.high if value > self.high else self.low
        message = f"{self.label} {value:g} {self.unit} {side} {limit:g} {self.unit} for {out_for / 60:.0f} min"
        detail = {"value": value, "low": self.low, "high": self.high, "out_since": self.out_since,
                  "out_seconds": round(out_for, 1)}
        return [Action("raise", self.key, self.kind, severity, message, detail)]


class TimeoutRule:
    """Something that must be seen at least every `timeout` seconds once it has been seen (`armed`)."""

    def __init__(self, key: str, kind: str, severity: str, message: str, timeout: float) -> None:
        self.key, self.kind, self.severity, self.message, self.timeout = key, kind, severity, message, timeout
        self.last_seen: float | None = None
        self.raised = False

    def seen(self, now: float) -> list[Action]:
        """The thing showed up."""
        self.last_seen = now
        if self.raised:
            self.raised = False
            return [_clear(self.key)]
        return []

    def tick(self, now: float) -> list[Action]:
        """Time passes; raise once when the silence exceeds the timeout."""
        if self.last_seen is None or self.raised or now - self.last_seen <= self.timeout:
            return []
        self.raised = True
        silent = now - self.last_seen
        return [Action("raise", self.key, self.kind, self.severity, f"{self.message} for {silent:.0f} s",
                       {"last_seen": self.last_seen, "timeout": self.timeout})]


class FaultRule:
    """A run of failed sensor reads (DHT timeouts or checksum errors)."""

    def __init__(self, key: str, after: int = FAULT_AFTER) -> None:
        self.key, self.after = key, after
        self.run = 0
        self.raised = False

    def observe(self, status: str) -> list[Action]:
        """One reading's status."""
        if status == "OK":
            self.run = 0
            if self.raised:
                self.raised = False
                return [_clear(self.key)]
            return []
        self.run += 1
        if self.run < self.after or self.raised:
            return []
        self.raised = True
        return [Action("raise", self.key, "sensor_fault", "warning",
                       f"{self.run} failed sensor reads in a row (last: {status})", {"status": status})]


class BoardRules:
    """Every alert rule of one sensor board."""

    def __init__(self, board_id: str, settings: SensorSettings, now: float) -> None:
        env = settings.env
        self.board_id = board_id
        self.temp = BandRule(f"env:{board_id}:temperature", "temperature", "temperature", "°C",
                             env.temp_min_c, env.temp_max_c, env.grace_seconds)
        self.humidity = BandRule(f"env:{board_id}:humidity", "humidity", "humidity", "%",
                                 env.humidity_min, env.humidity_max, env.grace_seconds)
        self.fault = FaultRule(f"env:{board_id}:sensor")
        self.silent = TimeoutRule(f"board:{board_id}:silent", "board_silent", "critical",
                                  f"sensor board {board_id} silent", settings.silent_seconds)
        self.gps = TimeoutRule(f"gps:{board_id}:fix_lost", "gps_fix_lost", "warning",
                               f"GPS of {board_id} has no fix", settings.gps_lost_seconds)
        self.silent.seen(now)  # silence counts from when we start listening

    def rules(self) -> list[BandRule | TimeoutRule | FaultRule]:
        """All rules (to restore which ones are already raised after a restart)."""
        return [self.temp, self.humidity, self.fault, self.silent, self.gps]

    def line(self, now: float) -> list[Action]:
        """Any line (even a bad one) proves the board is alive."""
        return self.silent.seen(now)

    def env(self, reading: Env, now: float) -> list[Action]:
        """A temperature/humidity reading."""
        return self.fault.observe(reading.status) + self.temp.observe(reading.temp_c, now) + \
            self.humidity.observe(reading.humidity, now)

    def fix(self, fix: Fix, now: float) -> list[Action]:
        """A GPS epoch: a fix with a position feeds the watchdog; one without lets it run."""
        if fix.has_position:
            return self.gps.seen(now)
        return self.gps.tick(now)

    def tick(self, now: float) -> list[Action]:
        """Time passes; a board going quiet is one alert (board silent), not also a GPS alert."""
        silent = self.silent.tick(now)
        last_line = self.silent.last_seen
        if self.silent.raised or last_line is None or now - last_line > self.silent.timeout / 4:
            return silent
        return self.gps.tick(now)  # lines keep coming but no positioned fix: the GPS itself is lost


def restore(rules: Iterable[BandRule | TimeoutRule | FaultRule], open_keys: set[str], now: float) -> None:
    """After a restart: alerts still open are known as raised, so they clear when the condition ends."""
    for rule in rules:
        if rule.key in open_keys:
            rule.raised = True
            if isinstance(rule, TimeoutRule) and rule.last_seen is None:
                rule.last_seen = now
