"""Tables of the mail path: emails, their attachments, where each was seen, and IMAP bookkeeping."""

from sqlite_utils import Database

from gateway.db.migrations import Migrations

migrations = Migrations("mail")


@migrations
def create_emails(db: Database) -> None:
    """One row per distinct email (deduplicated by Message-ID, else by content hash)."""
    db.execute(
        """
        CREATE TABLE emails (
            id INTEGER PRIMARY KEY,
            dedupe_key TEXT NOT NULL UNIQUE,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            message_id TEXT,
            received_at REAL NOT NULL,
            sent_at TEXT,
            from_addr TEXT,
            from_name TEXT,
            to_addrs TEXT,
            reply_to TEXT,
            subject TEXT,
            in_reply_to TEXT,
            refs TEXT,
            language TEXT,
            body_new TEXT,
            body_quoted TEXT,
            body_html_safe TEXT,
            attachment_count INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'received',
            error TEXT,
            warnings TEXT NOT NULL DEFAULT '[]',
            raw_deleted_at REAL
        )
        """
    )
    db.execute("CREATE INDEX emails_status ON emails (status)")
    db.execute("CREATE INDEX emails_received ON emails (received_at)")
    db.execute("CREATE INDEX emails_sha ON emails (sha256)")


@migrations
def create_attachments(db: Database) -> None:
    """Attachments (and files found inside archives), with their extracted text or the error."""
    db.execute(
        """
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            email_id INTEGER NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            filename TEXT,
            declared_type TEXT,
            sniffed_type TEXT,
            size INTEGER NOT NULL,
            sha256 TEXT,
            depth INTEGER NOT NULL DEFAULT 0,
            text TEXT,
            error TEXT
        )
        """
    )
    db.execute("CREATE INDEX attachments_email ON attachments (email_id)")


@migrations
def create_sightings(db: Database) -> None:
    """Every place an email was seen: spool file or IMAP account/folder/UIDVALIDITY/UID."""
    db.execute(
        """
        CREATE TABLE sightings (
            source TEXT PRIMARY KEY,
            email_id INTEGER REFERENCES emails (id) ON DELETE SET NULL,
            seen_at REAL NOT NULL,
            note TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE imap_folders (
            account TEXT NOT NULL,
            folder TEXT NOT NULL,
            uidvalidity INTEGER NOT NULL,
            last_uid INTEGER NOT NULL DEFAULT 0,
            last_poll REAL,
            last_error TEXT,
            PRIMARY KEY (account, folder)
        )
        """
    )


@migrations
def create_source_polls(db: Database) -> None:
    """Last poll and last error of sources that have no folder state of their own (the spool)."""
    db.execute("CREATE TABLE source_polls (name TEXT PRIMARY KEY, last_poll REAL NOT NULL, last_error TEXT)")
