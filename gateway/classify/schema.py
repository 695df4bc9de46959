"""The `classifications` table: one row per email with its label, confidence and model version."""

from sqlite_utils import Database

from gateway.db.migrations import Migrations

migrations = Migrations("classify")


@migrations
def create_classifications(db: Database) -> None:
    """The latest classification of each email (re-classifying replaces it)."""
    db.execute(
        """
        CREATE TABLE classifications (
            email_id INTEGER PRIMARY KEY REFERENCES emails (id) ON DELETE CASCADE,
            label TEXT NOT NULL,
            confidence REAL NOT NULL,
            scores TEXT NOT NULL,
            model_version TEXT NOT NULL,
            needs_review INTEGER NOT NULL DEFAULT 0,
            classified_at REAL NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX classifications_label ON classifications (label)")
    db.execute("CREATE INDEX classifications_review ON classifications (needs_review)")
