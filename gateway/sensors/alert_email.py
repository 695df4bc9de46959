"""Alert emails to staff: alert changes in the `alert_events` outbox become `alert_email` jobs; a worker sends.

Whoever raises an alert (sensor rules, cameras, disk budget), the AlertBook writes the change to the outbox in
the same transaction, so no change is lost or doubled. `queue_alert_emails` (run every few seconds by the
alert-mail component) filters by severity and age and queues one job per change, keyed by the event id; the
Message-ID is fixed per event so a send retried after a crash threads as the same message in mail clients.
"""

from __future__ import annotations

import json
import time
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from gateway.config import Settings
from gateway.db import transaction
from gateway.jobs import Job, JobQueue, PermanentJobError
from gateway.jobs.worker import Handler
from gateway.mail.send import SendError, send
from gateway.sensors.alerts import SEVERITIES

if TYPE_CHECKING:
    from gateway.runtime import Component, Runtime

ALERT_EMAIL_JOB = "alert_email"
EVENT_WORDS = {"opened": "ALERT", "escalated": "WORSE", "closed": "RESOLVED"}
MAX_EVENT_AGE = 3600.0  # older unsent changes are skipped (email was off, or the gateway was down): no flood
OUTBOX_POLL_SECONDS = 2.0


def queue_alert_emails(db: Database, settings: Settings, now: float | None = None) -> int:
    """Turn pending alert changes into `alert_email` jobs (or skip them); returns how many were queued."""
    cfg = settings.alerts
    now = time.time() if now is None else now
    floor = SEVERITIES.index(cfg.min_severity)
    queue = JobQueue(db, settings.jobs)
    queued = 0
    with transaction(db):
        rows = list(db.query(
            "SELECT e.id, e.event, e.severity, e.message, e.created_at, a.id AS alert_id, a.key, a.kind, "
            "a.detail, a.opened_at, a.closed_at FROM alert_events e JOIN alerts a ON a.id = e.alert_id "
            "WHERE e.state = 'pending' ORDER BY e.id LIMIT 500"
        ))
        for row in rows:
            wanted = (bool(cfg.email_to) and now - row["created_at"] <= MAX_EVENT_AGE
                      and SEVERITIES.index(row["severity"]) >= floor
                      and (row["event"] != "closed" or cfg.email_on_close))
            if wanted:
                payload = {
                    "event_id": row["id"], "alert_id": row["alert_id"], "key": row["key"], "kind": row["kind"],
                    "severity": row["severity"], "message": row["message"], "event": row["event"],
                    "detail": _detail(row["detail"]), "opened_at": row["opened_at"],
                    "closed_at": row["closed_at"] if row["event"] == "closed" else None,
                    "gateway": settings.gateway.id,
                }
                queue.enqueue(ALERT_EMAIL_JOB, payload, key=f"{ALERT_EMAIL_JOB}:{row['id']}")
                queued += 1
            db.execute("UPDATE alert_events SET state = ? WHERE id = ?",
                       ["queued" if wanted else "skipped", row["id"]])
    return queued


def _detail(text: str | None) -> dict[str, Any]:
    value = json.loads(text or "{}")
    return value if isinstance(value, dict) else {}


def _message_id(payload: dict[str, Any], event: str) -> str:
    tag = payload["alert_id"] if event == "opened" else f"{payload['alert_id']}-{payload['event_id']}"
    return f"<alert-{tag}-{event}.{payload['gateway']}@busybee.invalid>"


def build_message(payload: dict[str, Any], settings: Settings) -> EmailMessage:
    """The email for one alert event."""
    event = payload["event"]
    msg = EmailMessage()
    msg["From"] = settings.smtp.from_addr
    msg["To"] = ", ".join(settings.alerts.email_to)
    word = EVENT_WORDS.get(event, event.upper())
    one_line = " ".join(str(payload["message"]).split())
    msg["Subject"] = f"[BusyBee {payload['gateway']}] {word} {payload['severity']}: {one_line}"
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = _message_id(payload, event)
    if event != "opened":
        first = _message_id(payload, "opened")
        msg["In-Reply-To"] = first
        msg["References"] = first
    opened = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(payload["opened_at"]))
    lines = [
        f"{word}: {payload['message']}",
        "",
        f"gateway:  {payload['gateway']}",
        f"alert:    {payload['kind']} ({payload['key']}), severity {payload['severity']}",
        f"opened:   {opened}",
    ]
    if payload.get("closed_at"):
        lines.append(f"closed:   {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(payload['closed_at']))}")
    lines += [f"{k}: {v}" for k, v in sorted((payload.get("detail") or {}).items())]
    lines += ["", "Open alerts and history are on the dashboard's Sensors page."]
    msg.set_content("\n".join(lines) + "\n")
    return msg


def make_alert_email_handler(settings: Settings) -> Handler:
    """The `alert_email` job handler: send, retry temporary failures, dead-letter permanent ones."""

    def handle(job: Job, _db: Database) -> None:
        if not settings.alerts.email_to:
            raise PermanentJobError("no [alerts] email_to configured")
        try:
            send(settings.smtp, build_message(job.payload, settings))
        except SendError as exc:
            if exc.temporary:
                raise
            raise PermanentJobError(str(exc)) from exc

    return handle


def alert_mailer(runtime: Runtime) -> Component:
    """The component that moves alert changes from the outbox into the job queue and wakes the workers."""
    from gateway.runtime import LoopThread

    db = runtime.connect()

    def step() -> None:
        if queue_alert_emails(db, runtime.settings) and runtime.pool is not None:
            runtime.pool.notify()

    return LoopThread("alert-mail", step, OUTBOX_POLL_SECONDS)
