"""The alert book: each alert opens once per key, is updated while the condition lasts, and closes.

`raise_(key, ...)` opens the alert with that key or updates the one already open (never a duplicate: a
unique index on open keys backs this up); `clear(key)` closes it. Closed alerts are the history.
Each "opened", "escalated" and "closed" change is also written to `alert_events` in the same transaction
(an outbox: gateway/sensors/alert_email.py turns it into emails, whoever raised the alert), and an optional
`notify` hook runs inside that transaction too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from gateway.db import transaction

SEVERITIES = ("info", "warning", "critical")
Notify = Callable[["Alert", str], None]


@dataclass(frozen=True)
class Alert:
    """One alert, open or closed."""

    id: int
    key: str
    kind: str
    severity: str
    message: str
    detail: dict[str, Any]
    state: str
    opened_at: float
    updated_at: float
    closed_at: float | None
    updates: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Alert:
        """Build from an `alerts` row."""
        return cls(
            id=row["id"], key=row["key"], kind=row["kind"], severity=row["severity"], message=row["message"],
            detail=json.loads(row["detail"] or "{}"), state=row["state"], opened_at=row["opened_at"],
            updated_at=row["updated_at"], closed_at=row["closed_at"], updates=row["updates"],
        )

    @property
    def is_open(self) -> bool:
        """Whether the condition still holds."""
        return self.state == "open"


class AlertBook:
    """Alerts stored in the `alerts` table of one database connection."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time, *, notify: Notify | None = None) -> None:
        self.db = db
        self.clock = clock
        self.notify = notify

    def raise_(self, key: str, kind: str, severity: str, message: str, detail: dict[str, Any] | None = None) -> Alert:
        """Open the alert `key`, or update the open one (message, detail, severity); never duplicates."""
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
        now = self.clock()
        body = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
        with transaction(self.db):
            current = self._open(key)
            if current is None:
                self.db.execute(
                    "INSERT INTO alerts (key, kind, severity, message, detail, state, opened_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
                    [key, kind, severity, message, body, now, now],
                )
                alert = self._open(key)
                assert alert is not None
                event: str | None = "opened"
            else:
                self.db.execute(
                    "UPDATE alerts SET kind = ?, severity = ?, message = ?, detail = ?, updated_at = ?, "
                    "updates = updates + 1 WHERE id = ?",
                    [kind, severity, message, body, now, current.id],
                )
                alert = self._open(key)
                assert alert is not None
                worse = SEVERITIES.index(severity) > SEVERITIES.index(current.severity)
                event = "escalated" if worse else None
            if event:
                self._event(alert, event, now)
        return alert

    def clear(self, key: str) -> Alert | None:
        """Close the open alert `key`; None when nothing was open."""
        now = self.clock()
        with transaction(self.db):
            current = self._open(key)
            if current is None:
                return None
            self.db.execute(
                "UPDATE alerts SET state = 'closed', closed_at = ?, updated_at = ? WHERE id = ?", [now, now, current.id]
            )
            alert = self.get(current.id)
            assert alert is not None
            self._event(alert, "closed", now)
        return alert

    def get(self, alert_id: int) -> Alert | None:
        """One alert by id."""
        rows = list(self.db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
        return Alert.from_row(rows[0]) if rows else None

    def is_open(self, key: str) -> bool:
        """Whether an alert with this key is open."""
        return self._open(key) is not None

    def open_alerts(self) -> list[Alert]:
        """Open alerts, most severe first, then oldest first."""
        rows = self.db.query(
            "SELECT * FROM alerts WHERE state = 'open' ORDER BY "
            "CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, opened_at, id"
        )
        return [Alert.from_row(r) for r in rows]

    def history(self, limit: int = 50) -> list[Alert]:
        """Every alert, open or closed, newest first."""
        return [Alert.from_row(r) for r in self.db.query("SELECT * FROM alerts ORDER BY id DESC LIMIT ?", [limit])]

    def _event(self, alert: Alert, event: str, now: float) -> None:
        self.db.execute(
            "INSERT INTO alert_events (alert_id, event, severity, message, created_at) VALUES (?, ?, ?, ?, ?)",
            [alert.id, event, alert.severity, alert.message, now],
        )
        if self.notify:
            self.notify(alert, event)

    def _open(self, key: str) -> Alert | None:
        rows = list(self.db.query("SELECT * FROM alerts WHERE key = ? AND state = 'open'", [key]))
        return Alert.from_row(rows[0]) if rows else None
