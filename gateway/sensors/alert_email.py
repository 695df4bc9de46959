"""Alert emails to staff: an `alert_email` job is queued in the alert's own transaction, a worker sends it.

Queueing inside the AlertBook transaction means an alert change and its email stand or fall together;
the job key (alert id, event, update count) keeps a retried change from queueing a second email, and the
Message-ID is fixed per job so a send retried after a crash threads as the same message in mail clients.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from sqlite_utils import Database

from gateway.config import Settings
from gateway.jobs import Job, JobQueue, PermanentJobError
from gateway.jobs.worker import Handler
from gateway.mail.send import SendError, send
from gateway.sensors.alerts import SEVERITIES, Alert, AlertBook, Notify

ALERT_EMAIL_JOB = "alert_email"
EVENT_WORDS = {"opened": "ALERT", "escalated": "WORSE", "closed": "RESOLVED"}


def notifier(settings: Settings, db: Database) -> Notify | None:
    """A notify hook for AlertBook that queues alert emails; None when no staff address is configured."""
    cfg = settings.alerts
    if not cfg.email_to:
        return None
    queue = JobQueue(db, settings.jobs)
    floor = SEVERITIES.index(cfg.min_severity)

    def notify(alert: Alert, event: str) -> None:
        if SEVERITIES.index(alert.severity) < floor or (event == "closed" and not cfg.email_on_close):
            return
        payload = {
            "alert_id": alert.id, "key": alert.key, "kind": alert.kind, "severity": alert.severity,
            "message": alert.message, "detail": alert.detail, "event": event, "opened_at": alert.opened_at,
            "closed_at": alert.closed_at, "gateway": settings.gateway.id, "updates": alert.updates,
        }
        queue.enqueue(ALERT_EMAIL_JOB, payload, key=f"{ALERT_EMAIL_JOB}:{alert.id}:{event}:{alert.updates}")

    return notify


def alert_book(db: Database, settings: Settings, clock: Callable[[], float] = time.time) -> AlertBook:
    """The gateway's AlertBook on `db`, emailing staff as configured."""
    return AlertBook(db, clock, notify=notifier(settings, db))


def _message_id(payload: dict[str, Any], event: str) -> str:
    return f"<alert-{payload['alert_id']}-{event}-{payload.get('updates', 0)}.{payload['gateway']}@busybee.invalid>"


def build_message(payload: dict[str, Any], settings: Settings) -> EmailMessage:
    """The email for one alert event."""
    event = payload["event"]
    msg = EmailMessage()
    msg["From"] = settings.smtp.from_addr
    msg["To"] = ", ".join(settings.alerts.email_to)
    word = EVENT_WORDS.get(event, event.upper())
    msg["Subject"] = f"[BusyBee {payload['gateway']}] {word} {payload['severity']}: {payload['message']}"
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = _message_id(payload, event)
    if event != "opened":
        first = _message_id({**payload, "updates": 0}, "opened")
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
