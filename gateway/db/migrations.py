"""Schema as code: named migration functions, applied once each, in order, inside a transaction."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlite_utils import Database

MigrationFn = Callable[[Database], None]


@dataclass(frozen=True)
class Migration:
    """One named schema step."""

    name: str
    fn: MigrationFn


@dataclass
class Migrations:
    """An ordered set of named migrations owned by one capability (jobs, mail, users, ...)."""

    app: str
    steps: list[Migration] = field(default_factory=list)

    def __call__(self, fn: MigrationFn) -> MigrationFn:
        """Register `fn` as the next migration, named after the function."""
        name = f"{self.app}:{fn.__name__}"
        if any(m.name == name for m in self.steps):
            raise ValueError(f"migration {name} registered twice")
        self.steps.append(Migration(name, fn))
        return fn


def _ensure_table(db: Database) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")


def applied(db: Database) -> list[str]:
    """Names of the migrations already applied, oldest first."""
    if not db["_migrations"].exists():
        return []
    return [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid").fetchall()]


def pending(db: Database, groups: Iterable[Migrations]) -> list[Migration]:
    """Migrations not yet applied, in the order they would run."""
    done = set(applied(db))
    return [m for g in groups for m in g.steps if m.name not in done]


def migrate(db: Database, groups: Iterable[Migrations]) -> list[str]:
    """Apply every pending migration, each in its own transaction; return the names applied."""
    _ensure_table(db)
    ran = []
    for step in pending(db, list(groups)):
        db.execute("BEGIN IMMEDIATE")
        try:
            if step.name in set(applied(db)):  # another process won the race
                db.execute("ROLLBACK")
                continue
            step.fn(db)
            db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [step.name, time.time()])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        ran.append(step.name)
    return ran
