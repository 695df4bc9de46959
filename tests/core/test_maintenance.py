"""Retention: old raw mail is deleted (rows kept), finished jobs purged, temp files swept."""

from __future__ import annotations

import time

from gateway.config import Settings
from gateway.jobs import JobQueue
from gateway.mail.ingest import Ingestor
from gateway.maintenance import expire_raw, sweep
from gateway.store import open_db, raw_store


def test_expire_raw_keeps_rows_and_recent_mail(settings: Settings) -> None:
    db = open_db(settings)
    blobs = raw_store(settings)
    ing = Ingestor(db, blobs, JobQueue(db, settings.jobs), max_message_bytes=10**7, clock=lambda: 1_000.0)
    old = ing.ingest(b"Subject: old\r\n\r\nold\r\n", "t:1")
    ing.clock = time.time
    new = ing.ingest(b"Subject: new\r\n\r\nnew\r\n", "t:2")
    assert expire_raw(db, blobs, retention_days=0) == 0
    assert expire_raw(db, blobs, retention_days=30) == 1
    rows = {r["id"]: r for r in db.query("SELECT id, sha256, raw_deleted_at FROM emails")}
    assert rows[old.email_id]["raw_deleted_at"] is not None and rows[new.email_id]["raw_deleted_at"] is None
    assert not blobs.path(rows[old.email_id]["sha256"]).exists()
    assert blobs.path(rows[new.email_id]["sha256"]).exists()
    assert expire_raw(db, blobs, retention_days=30) == 0


def test_sweep_purges_done_jobs_and_stale_temp_files(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings("", env={"BUSYBEE_JOBS__KEEP_DONE_DAYS": "1"})
    db = open_db(settings)
    blobs = raw_store(settings)
    q = JobQueue(db, settings.jobs, clock=lambda: time.time() - 3 * 86400)
    q.enqueue("parse", {}, key="old")
    job = q.claim("w")
    assert job is not None
    q.complete(job)
    blobs.root.mkdir(parents=True, exist_ok=True)
    stale = blobs.root / ".tmp-killed"
    stale.write_bytes(b"half")
    import os

    os.utime(stale, (1, 1))
    report = sweep(db, blobs, settings)
    assert (report.jobs_purged, report.temp_removed) == (1, 1)
    assert not stale.exists()
