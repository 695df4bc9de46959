"""What `busybee status` and the dashboard report: emails by status, queue depth, mail source health."""

from __future__ import annotations

import time
from typing import Any

from sqlite_utils import Database

from gateway.config import Settings
from gateway.db import transaction
from gateway.jobs import JobQueue


def _when(ts: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(ts)) if ts else None


def record_poll(db: Database, name: str, error: str | None = None) -> None:
    """Remember when a source last polled (and how it went) for `busybee status`."""
    with transaction(db):
        db.execute(
            "INSERT INTO source_polls (name, last_poll, last_error) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET last_poll = excluded.last_poll, last_error = excluded.last_error",
            [name, time.time(), error],
        )


def gather_status(db: Database, settings: Settings) -> dict[str, Any]:
    """A JSON-ready snapshot of the gateway's state."""
    emails = {s: n for s, n in db.execute("SELECT status, COUNT(*) FROM emails GROUP BY status")}
    sources: list[dict[str, Any]] = []
    if settings.mail.spool.enabled:
        row = db.execute("SELECT last_poll, last_error FROM source_polls WHERE name = 'spool'").fetchone()
        sources.append({"name": "spool", "kind": "spool", "path": str(settings.spool_dir),
                        "last_poll": _when(row[0]) if row else None, "last_error": row[1] if row else None})
    folders = {
        (r["account"], r["folder"]): r for r in db.query("SELECT * FROM imap_folders ORDER BY account, folder")
    }
    for acct in settings.mail.imap:
        for folder in acct.folders:
            row = folders.get((acct.name, folder), {})
            sources.append(
                {
                    "name": f"{acct.name}/{folder}",
                    "kind": "imap",
                    "last_poll": _when(row.get("last_poll")),
                    "last_uid": row.get("last_uid"),
                    "last_error": row.get("last_error"),
                }
            )
    return {
        "emails": emails,
        "jobs": JobQueue(db, settings.jobs).depth_by_kind(),
        "sources": sources,
    }
