"""The `parse` job: raw message → ParsedEmail → `emails`/`attachments` rows and a `classify` job, atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from gateway.config import JobSettings, LimitSettings
from gateway.db import BlobStore, transaction
from gateway.jobs import Job, JobQueue, PermanentJobError
from gateway.jobs.worker import Handler
from gateway.mail.attachments import Extractor
from gateway.mail.extract import SandboxExtractor
from gateway.mail.parse import ParsedEmail, parse_message
from gateway.metrics import Metrics

CLASSIFY_JOB = "classify"
# Statuses a (re)parse may overwrite; later steps' statuses are left alone when a parse job reruns.
_PARSE_STATUSES = ("received", "parsed", "parse_failed")


@dataclass(frozen=True)
class ParseOutcome:
    """What the parse step recorded for one email."""

    email_id: int
    status: str
    error: str | None
    attachments: int


def store_parsed(db: Database, queue: JobQueue, email_id: int, parsed: ParsedEmail) -> ParseOutcome:
    """Replace the email's parsed fields and attachments and queue `classify`, in one transaction."""
    status = "parse_failed" if parsed.error else "parsed"
    with transaction(db):
        db.execute("DELETE FROM attachments WHERE email_id = ?", [email_id])
        for a in parsed.attachments:
            db.execute(
                "INSERT INTO attachments (email_id, path, filename, declared_type, sniffed_type, size, sha256, "
                "depth, text, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [email_id, a.path, a.filename, a.declared_type, a.sniffed_type, a.size, a.sha256, a.depth,
                 a.text, a.error],
            )
        db.execute(
            "UPDATE emails SET subject = COALESCE(?, subject), from_addr = COALESCE(?, from_addr), "
            "from_name = COALESCE(?, from_name), to_addrs = COALESCE(?, to_addrs), reply_to = ?, "
            "sent_at = COALESCE(?, sent_at), in_reply_to = ?, refs = ?, language = ?, body_new = ?, "
            "body_quoted = ?, body_html_safe = ?, attachment_count = ?, warnings = ?, error = ?, "
            f"status = CASE WHEN status IN ({','.join('?' * len(_PARSE_STATUSES))}) THEN ? ELSE status END "
            "WHERE id = ?",
            [
                parsed.subject, parsed.from_addr, parsed.from_name, ", ".join(parsed.to_addrs) or None,
                parsed.reply_to, parsed.date, parsed.in_reply_to, " ".join(parsed.references) or None,
                parsed.language, parsed.body_new, parsed.body_quoted, parsed.body_html_safe,
                len(parsed.attachments), json.dumps(list(parsed.warnings), ensure_ascii=False), parsed.error,
                *_PARSE_STATUSES, status, email_id,
            ],
        )
        queue.enqueue(CLASSIFY_JOB, {"email_id": email_id}, key=f"{CLASSIFY_JOB}:{email_id}")
    return ParseOutcome(email_id, status, parsed.error, len(parsed.attachments))


class ParseStep:
    """Parses stored emails by id: the `parse` job handler, also run inline by `busybee ingest`."""

    def __init__(self, limits: LimitSettings, jobs: JobSettings, blobs: BlobStore,
                 metrics: Metrics | None = None, extract: Extractor | None = None) -> None:
        self.limits = limits
        self.jobs = jobs
        self.blobs = blobs
        self.metrics = metrics
        self.extract = extract or SandboxExtractor(limits.max_text_chars)

    def run(self, db: Database, email_id: int) -> ParseOutcome:
        """Parse one email; PermanentJobError when it cannot exist, StoreError (retried) when the disk failed."""
        row = db.execute("SELECT sha256, raw_deleted_at FROM emails WHERE id = ?", [email_id]).fetchone()
        if row is None:
            raise PermanentJobError(f"email {email_id} does not exist")
        if row[1] is not None:
            raise PermanentJobError(f"email {email_id}: raw message was deleted by retention, cannot parse")
        raw = self.blobs.get(row[0])
        parsed = parse_message(raw, self.limits, self.extract)
        outcome = store_parsed(db, JobQueue(db, self.jobs), email_id, parsed)
        if outcome.error and self.metrics is not None:
            self.metrics.parse_failures.inc()
        return outcome

    def handle(self, job: Job, db: Database) -> None:
        """The job handler: payload {"email_id": N}."""
        email_id = job.payload.get("email_id")
        if not isinstance(email_id, int):
            raise PermanentJobError(f"parse job {job.id}: payload has no integer email_id")
        self.run(db, email_id)


def make_parse_handler(limits: LimitSettings, jobs: JobSettings, blobs: BlobStore,
                       metrics: Metrics | None = None) -> Handler:
    """The `parse` handler for the worker pool."""
    return ParseStep(limits, jobs, blobs, metrics).handle
