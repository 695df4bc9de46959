"""Opening the gateway's store: the database with every capability's migrations, and the raw-mail folder."""

from __future__ import annotations

from sqlite_utils import Database

from gateway.cameras.schema import migrations as cameras_migrations
from gateway.classify.schema import migrations as classify_migrations
from gateway.config import Settings
from gateway.db import BlobStore, Migrations, connect
from gateway.db.migrations import migrate
from gateway.desk.schema import migrations as desk_migrations
from gateway.extract.schema import migrations as extract_migrations
from gateway.jobs.schema import migrations as jobs_migrations
from gateway.mail.schema import migrations as mail_migrations
from gateway.quote.schema import migrations as quote_migrations
from gateway.sensors.schema import migrations as sensors_migrations
from gateway.web.schema import migrations as web_migrations

MIGRATIONS: list[Migrations] = [jobs_migrations, mail_migrations, web_migrations, sensors_migrations, quote_migrations,
                                 classify_migrations,
                                 cameras_migrations,
                                 desk_migrations,
                                 extract_migrations]


def open_db(settings: Settings, *, migrate_schema: bool = True) -> Database:
    """A new connection to the gateway database, migrated to the current schema."""
    db = connect(settings.db_path, synchronous=settings.store.synchronous)
    if migrate_schema:
        migrate(db, MIGRATIONS)
    return db


def raw_store(settings: Settings) -> BlobStore:
    """The content-addressed folder of raw .eml files."""
    return BlobStore(settings.data_dir / "mail")
