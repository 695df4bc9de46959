"""The job queue: enqueue idempotently, claim atomically, finish, back off, dead-letter, retry, purge."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from gateway.config import JobSettings
from gateway.db import transaction

STATES = ("queued", "running", "done", "dead")


class PermanentJobError(Exception):
    """A handler's verdict that retrying cannot help: the job goes straight to the dead-letter list."""


@dataclass(frozen=True)
class Job:
    """One claimed or listed job."""

    id: int
    kind: str
    payload: dict[str, Any]
    key: str | None
    state: str
    attempts: int
    max_attempts: int
    run_after: float
    last_error: str | None
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        """Build from a `jobs` row."""
        return cls(
            id=row["id"],
            kind=row["kind"],
            payload=json.loads(row["payload"]),
            key=row["key"],
            state=row["state"],
            attempts=row["attempts"],
            max_attempts=row["max_attempts"],
            run_after=row["run_after"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


def backoff_seconds(attempts: int, settings: JobSettings) -> float:
    """Delay before the next try after `attempts` failures: base * 2^(n-1), capped."""
    return float(min(settings.backoff_max_seconds, settings.backoff_base_seconds * 2 ** max(attempts - 1, 0)))


class JobQueue:
    """Jobs stored in the `jobs` table of one database connection."""

    def __init__(self, db: Database, settings: JobSettings, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        delay: float = 0.0,
        max_attempts: int | None = None,
    ) -> int:
        """Add a job, or return the existing one's id when `key` was already used. Joins an open transaction."""
        now = self.clock()
        body = json.dumps(payload or {}, ensure_ascii=False, sort_keys=True)
        self.db.execute(
            "INSERT INTO jobs (kind, payload, key, max_attempts, run_after, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            [kind, body, key, max_attempts or self.settings.max_attempts, now + delay, now, now],
        )
        row = (
            self.db.execute("SELECT id FROM jobs WHERE key = ?", [key]).fetchone()
            if key is not None
            else self.db.execute("SELECT last_insert_rowid()").fetchone()
        )
        return int(row[0])

    def claim(self, owner: str, kinds: Iterable[str] | None = None) -> Job | None:
        """Atomically take the next ready job (queued and due, or running with an expired lease)."""
        now = self.clock()
        kinds = list(kinds) if kinds is not None else None
        kind_sql = f" AND kind IN ({','.join('?' * len(kinds))})" if kinds else ""
        with transaction(self.db):
            row = self.db.execute(
                "SELECT id FROM jobs WHERE ((state = 'queued' AND run_after <= ?) "
                "OR (state = 'running' AND lease_until < ?))" + kind_sql + " ORDER BY run_after, id LIMIT 1",
                [now, now, *(kinds or [])],
            ).fetchone()
            if row is None:
                return None
            self.db.execute(
                "UPDATE jobs SET state = 'running', owner = ?, attempts = attempts + 1, lease_until = ?, "
                "updated_at = ? WHERE id = ?",
                [owner, now + self.settings.lease_seconds, now, row[0]],
            )
            return self.get(row[0])

    def get(self, job_id: int) -> Job | None:
        """One job by id."""
        rows = list(self.db.query("SELECT * FROM jobs WHERE id = ?", [job_id]))
        return Job.from_row(rows[0]) if rows else None

    def complete(self, job: Job, then: Callable[[], None] | None = None) -> None:
        """Mark done; `then` runs inside the same transaction (to enqueue the next step exactly once)."""
        now = self.clock()
        with transaction(self.db):
            if then is not None:
                then()
            self.db.execute(
                "UPDATE jobs SET state = 'done', owner = NULL, lease_until = NULL, last_error = NULL, "
                "updated_at = ?, finished_at = ? WHERE id = ?",
                [now, now, job.id],
            )

    def fail(self, job: Job, error: str, *, permanent: bool = False) -> str:
        """Record a failure: back off and requeue, or dead-letter; returns the new state."""
        now = self.clock()
        current = self.get(job.id)
        attempts = current.attempts if current else job.attempts
        dead = permanent or attempts >= job.max_attempts
        state = "dead" if dead else "queued"
        run_after = now if dead else now + backoff_seconds(attempts, self.settings)
        with transaction(self.db):
            self.db.execute(
                "UPDATE jobs SET state = ?, run_after = ?, last_error = ?, owner = NULL, lease_until = NULL, "
                "updated_at = ?, finished_at = ? WHERE id = ?",
                [state, run_after, error[:4000], now, now if dead else None, job.id],
            )
        return state

    def release_owner(self, owner: str) -> int:
        """Requeue every job a (dead or stopping) owner was running; returns how many."""
        with transaction(self.db):
            cur = self.db.execute(
                "UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL, updated_at = ? "
                "WHERE state = 'running' AND owner = ?",
                [self.clock(), owner],
            )
        return cur.rowcount

    def recover_orphans(self, is_alive: Callable[[str], bool]) -> int:
        """Requeue running jobs whose owner process is gone (the gateway was killed); returns how many."""
        owners = [r[0] for r in self.db.execute("SELECT DISTINCT owner FROM jobs WHERE state = 'running'")]
        return sum(self.release_owner(o) for o in owners if o and not is_alive(o))

    def list(self, state: str | None = None, kind: str | None = None, limit: int = 100) -> list[Job]:
        """Jobs, newest first, optionally filtered."""
        where, args = [], []
        if state:
            where.append("state = ?")
            args.append(state)
        if kind:
            where.append("kind = ?")
            args.append(kind)
        sql = "SELECT * FROM jobs" + (" WHERE " + " AND ".join(where) if where else "")
        return [Job.from_row(r) for r in self.db.query(sql + " ORDER BY id DESC LIMIT ?", [*args, limit])]

    def retry(self, job_ids: Iterable[int] | None = None, kind: str | None = None) -> int:
        """Put dead jobs back in the queue with a fresh attempt budget; all dead ones when no ids."""
        ids = list(job_ids) if job_ids is not None else None
        sql = "UPDATE jobs SET state = 'queued', attempts = 0, run_after = ?, updated_at = ?, finished_at = NULL "
        sql += "WHERE state = 'dead'"
        args: list[Any] = [self.clock(), self.clock()]
        if ids is not None:
            sql += f" AND id IN ({','.join('?' * len(ids))})"
            args += ids
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        with transaction(self.db):
            return self.db.execute(sql, args).rowcount

    def purge(self, state: str = "done", older_than_days: float = 0.0) -> int:
        """Delete finished jobs (done or dead) older than the given age; returns how many."""
        if state not in ("done", "dead"):
            raise ValueError("only done or dead jobs can be purged")
        cutoff = self.clock() - older_than_days * 86400
        with transaction(self.db):
            return self.db.execute(
                "DELETE FROM jobs WHERE state = ? AND COALESCE(finished_at, updated_at) <= ?", [state, cutoff]
            ).rowcount

    def depth_by_kind(self) -> dict[str, dict[str, int]]:
        """Counts per kind and state."""
        out: dict[str, dict[str, int]] = {}
        for kind, state, n in self.db.execute("SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state"):
            out.setdefault(kind, {s: 0 for s in STATES})[state] = n
        return out
