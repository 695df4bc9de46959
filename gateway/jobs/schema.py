"""Tables of the job queue."""

from sqlite_utils import Database

from gateway.db.migrations import Migrations

migrations = Migrations("jobs")


@migrations
def create_jobs(db: Database) -> None:
    """Jobs with kind, payload, idempotency key, attempts, backoff and a dead-letter state."""
    db.execute(
        """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            key TEXT UNIQUE,
            state TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'running', 'done', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL,
            run_after REAL NOT NULL,
            last_error TEXT,
            owner TEXT,
            lease_until REAL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            finished_at REAL
        )
        """
    )
    db.execute("CREATE INDEX jobs_ready ON jobs (state, run_after)")
    db.execute("CREATE INDEX jobs_kind ON jobs (kind, state)")
