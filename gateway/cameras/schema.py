"""Tables of the MQTT cameras: the registered cameras and their broker password hashes."""

from sqlite_utils import Database

from gateway.db.migrations import Migrations

migrations = Migrations("cameras")


@migrations
def create_cameras(db: Database) -> None:
    """One row per camera: its id (= broker username) and the mosquitto `$7$` hash of its password."""
    db.execute(
        """
        CREATE TABLE cameras (
            cam_id TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        )
        """
    )
