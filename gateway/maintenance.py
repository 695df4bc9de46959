"""Housekeeping: raw-mail retention, finished-job purge, temp files left by a killed process."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlite_utils import Database

from gateway.config import Settings
from gateway.db import BlobStore, transaction
from gateway.jobs import JobQueue


@dataclass(frozen=True)
class SweepReport:
    """What one maintenance pass removed."""

    raw_deleted: int
    jobs_purged: int
    temp_removed: int


def expire_raw(db: Database, blobs: BlobStore, retention_days: int, now: float | None = None) -> int:
    """Delete raw .eml files of emails received more than `retention_days` ago (rows stay); 0 days keeps all."""
    if retention_days <= 0:
        return 0
    now = time.time() if now is None else now
    cutoff = now - retention_days * 86400
    rows = list(db.query("SELECT id, sha256 FROM emails WHERE received_at < ? AND raw_deleted_at IS NULL", [cutoff]))
    gone = 0
    for row in rows:
        shared = db.execute(
            "SELECT COUNT(*) FROM emails WHERE sha256 = ? AND raw_deleted_at IS NULL AND received_at >= ?",
            [row["sha256"], cutoff],
        ).fetchone()[0]
        if not shared:
            blobs.delete(row["sha256"])
        with transaction(db):
            db.execute("UPDATE emails SET raw_deleted_at = ? WHERE id = ?", [now, row["id"]])
        gone += 1
    return gone


def sweep(db: Database, blobs: BlobStore, settings: Settings, now: float | None = None) -> SweepReport:
    """One maintenance pass."""
    queue = JobQueue(db, settings.jobs)
    return SweepReport(
        raw_deleted=expire_raw(db, blobs, settings.store.retention_days, now),
        jobs_purged=queue.purge("done", settings.jobs.keep_done_days) if settings.jobs.keep_done_days else 0,
        temp_removed=blobs.sweep_temp(),
    )
