"""Ingest: keep the raw bytes, record the email once, queue its parse job once — in one transaction."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr

from sqlite_utils import Database

from gateway.db import BlobStore, transaction
from gateway.jobs import JobQueue
from gateway.mail.dates import iso_date

PARSE_JOB = "parse"
_TRANSIT = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class IngestResult:
    """What happened to one incoming message."""

    email_id: int | None
    outcome: str  # stored | duplicate | already_seen | too_large
    source: str


@dataclass(frozen=True)
class Envelope:
    """The few header values read at ingest time (full parsing is a job)."""

    message_id: str | None
    from_addr: str | None
    from_name: str | None
    to_addrs: str | None
    subject: str | None
    date: str | None
    fingerprint: str


def _header(msg: object, name: str) -> str | None:
    try:
        value = msg.get(name)  # type: ignore[attr-defined]
    except Exception:
        return None
    if value is None:
        return None
    text = str(value).replace("\r", " ").replace("\n", " ").strip()
    return text[:2000] or None


def read_envelope(raw: bytes) -> Envelope:
    """Header values for the store; never raises, however broken the message."""
    try:
        msg = BytesHeaderParser(policy=default_policy).parsebytes(raw[:256 * 1024])
    except Exception:
        msg = None
    mid = _header(msg, "Message-ID") if msg is not None else None
    if mid:
        mid = mid.strip().strip("<>").strip() or None
    frm = _header(msg, "From") if msg is not None else None
    name, addr = parseaddr(frm or "")
    to = _header(msg, "To") if msg is not None else None
    to_addrs = ", ".join(a for _, a in getaddresses([to])) if to else None
    subject = _header(msg, "Subject") if msg is not None else None
    date = iso_date(_header(msg, "Date")) if msg is not None else None
    parts = _TRANSIT.split(raw, maxsplit=1)
    body = parts[1] if len(parts) > 1 else b""
    body = body.replace(b"\r\n", b"\n").rstrip(b"\n")
    digest = hashlib.sha256()
    for piece in (mid or "", frm or "", date or "", subject or ""):
        digest.update(piece.encode("utf-8", "replace") + b"\0")
    digest.update(body)
    return Envelope(mid, addr.lower() or None, name or None, to_addrs, subject, date, digest.hexdigest())


def dedupe_key(env: Envelope) -> str:
    """Same Message-ID *and* same content is the same email; a reused Message-ID with new content is not."""
    if env.message_id:
        return f"mid:{env.message_id}:{env.fingerprint[:16]}"
    return f"fp:{env.fingerprint}"


class Ingestor:
    """Stores incoming raw messages exactly once and queues their next step."""

    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        queue: JobQueue,
        *,
        max_message_bytes: int,
        notify: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.queue = queue
        self.max_message_bytes = max_message_bytes
        self.notify = notify
        self.clock = clock

    def seen(self, source: str) -> bool:
        """Whether this exact source (spool file, IMAP UID) was already recorded."""
        return self.db.execute("SELECT 1 FROM sightings WHERE source = ?", [source]).fetchone() is not None

    def ingest(self, raw: bytes, source: str) -> IngestResult:
        """Keep `raw`, record it (deduplicated) and queue its parse job; StoreError if the store failed."""
        if self.seen(source):
            row = self.db.execute("SELECT email_id FROM sightings WHERE source = ?", [source]).fetchone()
            return IngestResult(row[0], "already_seen", source)
        env = read_envelope(raw)
        sha = self.blobs.put(raw)  # durable before the row that points at it
        key = dedupe_key(env)
        now = self.clock()
        too_large = len(raw) > self.max_message_bytes
        with transaction(self.db):
            row = self.db.execute("SELECT id FROM emails WHERE dedupe_key = ?", [key]).fetchone()
            if row is not None:
                email_id, outcome = int(row[0]), "duplicate"
            else:
                email_id = self._insert(env, key, sha, len(raw), now, too_large)
                outcome = "too_large" if too_large else "stored"
                if not too_large:
                    self.queue.enqueue(PARSE_JOB, {"email_id": email_id}, key=f"{PARSE_JOB}:{email_id}")
            self.db.execute(
                "INSERT INTO sightings (source, email_id, seen_at, note) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source) DO NOTHING",
                [source, email_id, now, outcome],
            )
        if outcome == "stored" and self.notify:
            self.notify()
        return IngestResult(email_id, outcome, source)

    def _insert(self, env: Envelope, key: str, sha: str, size: int, now: float, too_large: bool) -> int:
        cur = self.db.execute(
            "INSERT INTO emails (dedupe_key, sha256, size, message_id, received_at, sent_at, from_addr, "
            "from_name, to_addrs, subject, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                key, sha, size, env.message_id, now, env.date, env.from_addr, env.from_name, env.to_addrs,
                env.subject, "too_large" if too_large else "received",
                f"message is {size} bytes, over the {self.max_message_bytes}-byte limit: kept, not parsed"
                if too_large else None,
            ],
        )
        return int(cur.lastrowid or 0)
