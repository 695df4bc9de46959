"""The outbox: fully rendered replies stored with a stable Message-ID, sent by the `send_email` job.

Delivery guarantees. A reply is stored and its send job queued in the caller's transaction, so it exists
exactly when the step that produced it committed. The job marks the row sent in the same transaction as
its own completion. An SMTP outage (temporary SendError) is retried with the job queue's backoff; a
permanent refusal dead-letters the job with the server's answer and marks the row failed. The one window
left: if the process dies after the server's 250 and before that commit, the job runs again and the
message goes out a second time — with the same Message-ID, which mail clients and most servers use to drop
the duplicate. The recipient is never taken from the message body or from extracted/LLM data: it is
`recipient_for()` of the request, re-checked when the message is sent.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr, formatdate, getaddresses
from typing import Any

from sqlite_utils import Database

from gateway.config import QuoteSettings, Settings, SmtpSettings
from gateway.db import transaction
from gateway.jobs import Job, JobQueue, PermanentJobError
from gateway.jobs.worker import Handler
from gateway.mail.send import SendError, send
from gateway.quote.errors import OutboxError, SendFailure
from gateway.quote.store import atomic

SEND_JOB = "send_email"
_ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]\\]{1,64}@[A-Za-z0-9.-]{1,253}\.?[A-Za-z0-9-]*$")
Sender = Callable[[SmtpSettings, EmailMessage], str]


def _clean_address(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    pairs = getaddresses([value])
    if len(pairs) != 1:
        return None
    addr = pairs[0][1].strip().lower()
    return addr if _ADDRESS.match(addr) and ".." not in addr else None


def recipient_for(email_row: Mapping[str, Any], settings: Settings | QuoteSettings) -> str:
    """The one address a reply to this request may go to: its From, or its Reply-To when that is honoured.

    The only place a reply's recipient is decided: never from the body, extracted fields or an LLM.
    """
    if isinstance(settings, Settings):
        settings = settings.quote
    if settings.reply_to_honoured:
        reply_to = _clean_address(email_row.get("reply_to"))
        if reply_to:
            return reply_to
    sender = _clean_address(email_row.get("from_addr"))
    if sender is None:
        raise OutboxError(f"email {email_row.get('id')} has no usable sender address to reply to")
    return sender


def email_row(db: Database, email_id: int) -> dict[str, Any]:
    """The stored request a reply answers; OutboxError when it does not exist."""
    rows = list(db.query("SELECT * FROM emails WHERE id = ?", [email_id]))
    if not rows:
        raise OutboxError(f"email {email_id} does not exist")
    return dict(rows[0])


def message_id_for(key: str, from_addr: str) -> str:
    """A Message-ID derived from the outbox key alone, so a resent message carries the same one."""
    domain = from_addr.rpartition("@")[2].strip(" >") or "busybee.invalid"
    return f"<busybee.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def reply_skeleton(db: Database, settings: Settings, email_id: int, subject: str,
                   *, from_name: str | None = None) -> EmailMessage:
    """A reply to stored email `email_id`: From, To (recipient_for), Subject, threading headers; no body yet."""
    row = email_row(db, email_id)
    msg = EmailMessage()
    msg["From"] = formataddr((from_name, settings.smtp.from_addr)) if from_name else settings.smtp.from_addr
    msg["To"] = recipient_for(row, settings.quote)
    msg["Subject"] = subject.replace("\r", " ").replace("\n", " ")
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Auto-Submitted"] = "auto-replied"  # RFC 3834: auto-responders must not answer this
    if row.get("message_id"):
        parent = f"<{row['message_id']}>"
        refs = [f"<{r.strip('<>')}>" for r in (row.get("refs") or "").split() if r.strip("<>")]
        msg["In-Reply-To"] = parent
        msg["References"] = " ".join([*refs[-10:], parent])
    return msg


def queue_email(db: Database, queue: JobQueue, message: EmailMessage, *, key: str, email_id: int | None = None,
                kind: str = "other", max_attempts: int | None = None, clock: float | None = None) -> int:
    """Store `message` fully rendered and queue its `send:<key>` job (joins an open transaction); returns its id.

    The same `key` returns the stored row without queueing anything again. The message must have exactly one
    To address and no Cc/Bcc; when `email_id` is given the send job re-checks that address against the request.
    """
    to = _clean_address(message["To"]) if message["To"] else None
    if to is None or message["Cc"] or message["Bcc"]:
        raise OutboxError(f"outbox {key}: a reply needs exactly one To address and no Cc/Bcc")
    with atomic(db):
        row = db.execute("SELECT id FROM outbox WHERE key = ?", [key]).fetchone()
        if row is not None:
            return int(row[0])
        if message["Message-ID"] is None:
            message["Message-ID"] = message_id_for(key, str(message["From"] or "busybee@busybee.invalid"))
        raw = message.as_bytes(policy=policy.SMTP)
        cur = db.execute(
            "INSERT INTO outbox (key, kind, email_id, message_id, to_addr, subject, raw, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [key, kind, email_id, str(message["Message-ID"]), to, str(message["Subject"] or ""), raw,
             clock if clock is not None else time.time()],
        )
        outbox_id = int(cur.lastrowid or 0)
        queue.enqueue(SEND_JOB, {"outbox_id": outbox_id}, key=f"send:{key}", max_attempts=max_attempts)
    return outbox_id


def outbox_rows(db: Database, state: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Outbox rows without their raw bytes, newest first."""
    sql = "SELECT id, key, kind, email_id, message_id, to_addr, subject, state, attempts, last_error, " \
          "smtp_reply, created_at, sent_at FROM outbox"
    args: list[Any] = []
    if state:
        sql += " WHERE state = ?"
        args.append(state)
    return list(db.query(sql + " ORDER BY id DESC LIMIT ?", [*args, limit]))


class SendStep:
    """The `send_email` job: one outbox row to the SMTP server, exactly once as far as we can tell."""

    def __init__(self, settings: Settings, sender: Sender = send, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.sender = sender
        self.clock = clock

    def handle(self, job: Job, db: Database) -> None:
        """Payload {"outbox_id": N}."""
        outbox_id = job.payload.get("outbox_id")
        if not isinstance(outbox_id, int):
            raise PermanentJobError(f"send_email job {job.id}: payload has no integer outbox_id")
        rows = list(db.query("SELECT * FROM outbox WHERE id = ?", [outbox_id]))
        if not rows:
            raise PermanentJobError(f"outbox message {outbox_id} does not exist")
        row = rows[0]
        if row["state"] == "sent":
            return
        message = BytesParser(policy=policy.default).parsebytes(row["raw"])
        if not isinstance(message, EmailMessage):
            raise PermanentJobError(f"outbox message {outbox_id}: stored bytes are not a message")
        to = self._checked_recipient(db, row, message)
        try:
            reply = self.sender(self.settings.smtp, message)
        except SendError as exc:
            self._failed(db, outbox_id, str(exc), final=not exc.temporary or job.attempts >= job.max_attempts)
            if exc.temporary:
                raise SendFailure(f"{to}: {exc} (attempt {job.attempts} of {job.max_attempts})") from exc
            raise PermanentJobError(f"the SMTP server refused the message to {to}: {exc}") from exc
        now = self.clock()

        def mark_sent() -> None:
            db.execute("UPDATE outbox SET state = 'sent', sent_at = ?, smtp_reply = ?, attempts = attempts + 1, "
                       "last_error = NULL WHERE id = ?", [now, str(reply)[:500], outbox_id])
            if row["email_id"] is not None:
                self._queue_staff_copies(db, row, message)

        JobQueue(db, self.settings.jobs).complete(job, then=mark_sent)

    def _queue_staff_copies(self, db: Database, row: Mapping[str, Any], message: EmailMessage) -> None:
        """One copy per staff address, each its own outbox row: a refused or unreachable staff mailbox can
        neither block nor repeat the customer's delivery (a Bcc in the same transaction could do both)."""
        for addr in self.settings.quote.staff_bcc:
            copy = BytesParser(policy=policy.default).parsebytes(row["raw"])
            if not isinstance(copy, EmailMessage):
                continue
            del copy["To"], copy["Message-ID"]
            copy["To"] = addr
            copy["X-BusyBee-Copy-Of"] = f"{row['message_id']} to {row['to_addr']}"
            queue_email(db, JobQueue(db, self.settings.jobs), copy, key=f"{row['key']}:copy:{addr}",
                        kind="staff-copy", max_attempts=self.settings.quote.send_max_attempts)

    def _checked_recipient(self, db: Database, row: Mapping[str, Any], message: EmailMessage) -> str:
        to = _clean_address(message["To"]) if message["To"] else None
        if to is None or message["Cc"] or message["Bcc"]:
            raise PermanentJobError(f"outbox message {row['id']}: needs exactly one To address and no Cc/Bcc")
        if row["email_id"] is not None:
            try:
                allowed = recipient_for(email_row(db, row["email_id"]), self.settings.quote)
            except OutboxError as exc:
                raise PermanentJobError(str(exc)) from exc
            if to != allowed:
                raise PermanentJobError(f"outbox message {row['id']}: refusing to send to {to}, "
                                        f"the request came from {allowed}")
        return to

    def _failed(self, db: Database, outbox_id: int, error: str, *, final: bool) -> None:
        with transaction(db):
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, state = CASE WHEN ? THEN 'failed' "
                "ELSE state END WHERE id = ?", [error[:2000], final, outbox_id])


def make_send_handler(settings: Settings, sender: Sender = send) -> Handler:
    """The `send_email` handler for the worker pool."""
    return SendStep(settings, sender).handle
