"""Tables of the quote desk: quotes and bookings (the audit trail), their day counters, and the outbox."""

from sqlite_utils import Database

from gateway.db.migrations import Migrations

migrations = Migrations("quote")


@migrations
def create_quotes(db: Database) -> None:
    """Quotes as issued (lines, total, basis, shipment, rate card version and hash) with gap-free day numbers."""
    db.execute(
        """
        CREATE TABLE number_counters (
            series TEXT NOT NULL,
            day TEXT NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (series, day)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE quotes (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            day TEXT NOT NULL,
            seq INTEGER NOT NULL,
            request_key TEXT UNIQUE,
            email_id INTEGER REFERENCES emails (id) ON DELETE SET NULL,
            mode TEXT NOT NULL,
            currency TEXT NOT NULL,
            total TEXT NOT NULL,
            lines TEXT NOT NULL,
            basis TEXT NOT NULL,
            shipment TEXT NOT NULL,
            ratecard_version TEXT NOT NULL,
            ratecard_sha256 TEXT NOT NULL,
            issued_on TEXT NOT NULL,
            valid_until TEXT NOT NULL,
            language TEXT,
            created_at REAL NOT NULL,
            UNIQUE (day, seq)
        )
        """
    )
    db.execute("CREATE INDEX quotes_email ON quotes (email_id)")


@migrations
def create_bookings(db: Database) -> None:
    """Bookings made from orders, with their shipment fields as columns and the whole shipment as JSON."""
    db.execute(
        """
        CREATE TABLE bookings (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            day TEXT NOT NULL,
            seq INTEGER NOT NULL,
            request_key TEXT UNIQUE,
            email_id INTEGER REFERENCES emails (id) ON DELETE SET NULL,
            quote_number TEXT,
            status TEXT NOT NULL DEFAULT 'confirmed',
            origin TEXT, destination TEXT, mode TEXT, weight_kg REAL, volume_cbm REAL, containers TEXT,
            packages INTEGER, commodity TEXT, ready_date TEXT, incoterm TEXT,
            shipment TEXT NOT NULL,
            language TEXT,
            created_at REAL NOT NULL,
            UNIQUE (day, seq)
        )
        """
    )
    db.execute("CREATE INDEX bookings_email ON bookings (email_id)")


@migrations
def create_outbox(db: Database) -> None:
    """Fully rendered outgoing emails, one per idempotency key, with their delivery state."""
    db.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL DEFAULT 'other',
            email_id INTEGER REFERENCES emails (id) ON DELETE SET NULL,
            message_id TEXT NOT NULL UNIQUE,
            to_addr TEXT NOT NULL,
            subject TEXT,
            raw BLOB NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            smtp_reply TEXT,
            created_at REAL NOT NULL,
            sent_at REAL
        )
        """
    )
    db.execute("CREATE INDEX outbox_state ON outbox (state)")
    db.execute("CREATE INDEX outbox_email ON outbox (email_id)")
