"""Tables of the warehouse sensors: boards, readings (raw and hourly), GPS fixes and alerts."""

from sqlite_utils import Database

from gateway.db.migrations import Migrations

migrations = Migrations("sensors")


@migrations
def create_boards(db: Database) -> None:
    """Health of each sensor board: identity, last seen, uptime and per-kind line counters."""
    db.execute(
        """
        CREATE TABLE sensor_boards (
            board_id TEXT PRIMARY KEY,
            firmware TEXT,
            port TEXT,
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL,
            last_hello REAL,
            uptime_s INTEGER,
            boots INTEGER NOT NULL DEFAULT 0,
            lines INTEGER NOT NULL DEFAULT 0,
            env_count INTEGER NOT NULL DEFAULT 0,
            fix_count INTEGER NOT NULL DEFAULT 0,
            bad_lines INTEGER NOT NULL DEFAULT 0,
            bad_checksum INTEGER NOT NULL DEFAULT 0,
            sensor_errors INTEGER NOT NULL DEFAULT 0,
            seq_gaps INTEGER NOT NULL DEFAULT 0,
            last_seq INTEGER,
            reconnects INTEGER NOT NULL DEFAULT 0,
            last_bad TEXT
        )
        """
    )


@migrations
def create_readings(db: Database) -> None:
    """Raw temperature/humidity readings, and their hourly min/avg/max once older than the retention."""
    db.execute(
        """
        CREATE TABLE sensor_readings (
            id INTEGER PRIMARY KEY,
            board_id TEXT NOT NULL,
            ts REAL NOT NULL,
            seq INTEGER,
            temp_c REAL,
            humidity REAL,
            status TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX sensor_readings_board_ts ON sensor_readings (board_id, ts)")
    db.execute("CREATE INDEX sensor_readings_ts ON sensor_readings (ts)")
    db.execute(
        """
        CREATE TABLE sensor_hourly (
            board_id TEXT NOT NULL,
            hour REAL NOT NULL,
            n INTEGER NOT NULL,
            errors INTEGER NOT NULL DEFAULT 0,
            temp_min REAL, temp_avg REAL, temp_max REAL,
            hum_min REAL, hum_avg REAL, hum_max REAL,
            PRIMARY KEY (board_id, hour)
        )
        """
    )


@migrations
def create_gps_fixes(db: Database) -> None:
    """GPS fixes: receive time, GPS time, position, speed, course, quality, satellites, HDOP."""
    db.execute(
        """
        CREATE TABLE gps_fixes (
            id INTEGER PRIMARY KEY,
            board_id TEXT NOT NULL,
            ts REAL NOT NULL,
            fix_time TEXT,
            lat REAL,
            lon REAL,
            speed_kn REAL,
            course REAL,
            fix_quality INTEGER,
            mode INTEGER,
            satellites INTEGER,
            hdop REAL,
            altitude_m REAL
        )
        """
    )
    db.execute("CREATE INDEX gps_fixes_board_ts ON gps_fixes (board_id, ts)")


@migrations
def create_alerts(db: Database) -> None:
    """Alerts: at most one open alert per key; closed ones are the history."""
    db.execute(
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL,
            message TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
            opened_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            closed_at REAL,
            updates INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute("CREATE UNIQUE INDEX alerts_one_open ON alerts (key) WHERE state = 'open'")
    db.execute("CREATE INDEX alerts_recent ON alerts (opened_at)")


@migrations
def create_alert_events(db: Database) -> None:
    """An outbox of alert changes (opened, escalated, closed) for the alert emails, written with the change."""
    db.execute(
        """
        CREATE TABLE alert_events (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
            event TEXT NOT NULL CHECK (event IN ('opened', 'escalated', 'closed')),
            severity TEXT NOT NULL,
            message TEXT NOT NULL,
            created_at REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'queued', 'skipped'))
        )
        """
    )
    db.execute("CREATE INDEX alert_events_pending ON alert_events (state, id)")
