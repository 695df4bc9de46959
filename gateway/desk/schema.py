"""Tables of the quote desk: requests (one conversation each), their turns, and the Message-IDs we sent."""

from sqlite_utils import Database

from gateway.db.migrations import Migrations

migrations = Migrations("desk")


@migrations
def create_requests(db: Database) -> None:
    """Requests with their state, the shipment as known and as confirmed, and threading anchors."""
    db.execute(
        """
        CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            number TEXT UNIQUE,
            email_id INTEGER UNIQUE REFERENCES emails (id) ON DELETE SET NULL,
            kind TEXT NOT NULL CHECK (kind IN ('quote', 'order')),
            state TEXT NOT NULL DEFAULT 'collecting' CHECK (state IN
                ('collecting', 'confirming', 'quoted', 'booked', 'handed_over', 'closed')),
            language TEXT NOT NULL DEFAULT 'en',
            customer TEXT NOT NULL,
            customer_name TEXT,
            subject TEXT,
            known TEXT NOT NULL DEFAULT '{}',
            confirmed TEXT,
            unsupported TEXT NOT NULL DEFAULT '{}',
            reasks INTEGER NOT NULL DEFAULT 0,
            attention INTEGER NOT NULL DEFAULT 0,
            handover_reason TEXT,
            outcome TEXT,
            thread_refs TEXT NOT NULL DEFAULT '',
            prompted_at REAL,
            reminded_at REAL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX requests_state ON requests (state)")
    db.execute("CREATE INDEX requests_customer ON requests (customer)")


@migrations
def create_turns(db: Database) -> None:
    """Every message of a conversation: who, which channel, the text, the understood intent and fields."""
    db.execute(
        """
        CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
            at REAL NOT NULL,
            who TEXT NOT NULL CHECK (who IN ('customer', 'bot', 'staff')),
            channel TEXT NOT NULL CHECK (channel IN ('email', 'chat')),
            text TEXT NOT NULL,
            intent TEXT,
            fields TEXT,
            email_id INTEGER UNIQUE REFERENCES emails (id) ON DELETE SET NULL
        )
        """
    )
    db.execute("CREATE INDEX turns_request ON turns (request_id, id)")


@migrations
def create_request_messages(db: Database) -> None:
    """The Message-IDs of the emails we sent for a request, so that a reply finds its conversation."""
    db.execute(
        """
        CREATE TABLE request_messages (
            message_id TEXT PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
            purpose TEXT NOT NULL,
            created_at REAL NOT NULL
        )
        """
    )
