"""Tables of the web app: dashboard users."""

from sqlite_utils import Database

from gateway.db.migrations import Migrations

migrations = Migrations("web")


@migrations
def create_users(db: Database) -> None:
    """Staff accounts with argon2 password hashes."""
    db.execute(
        """
        CREATE TABLE users (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            is_admin INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )
        """
    )
