"""The audit trail: quotes and bookings stored with gap-free numbers per day (`Q-YYYYMMDD-NNNN`, `B-…`).

A number is taken from `number_counters` in the same transaction that inserts its row, so a rolled-back
insert gives its number back and numbers stay gap-free; BEGIN IMMEDIATE serialises concurrent writers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from gateway.db import transaction
from gateway.extract.fields import FIELDS, Shipment
from gateway.quote.pricing import Basis, LineItem, Quote

QUOTE_SERIES = "quote"
BOOKING_SERIES = "booking"


@contextmanager
def atomic(db: Database) -> Iterator[Database]:
    """Join the caller's open transaction, or run in a new one."""
    if db.conn.in_transaction:
        yield db
    else:
        with transaction(db):
            yield db


def next_number(db: Database, series: str, prefix: str, day: date) -> tuple[str, int]:
    """The next number of `series` on `day` (call inside a transaction): ("Q-20261125-0001", 1)."""
    stamp = day.strftime("%Y%m%d")
    db.execute(
        "INSERT INTO number_counters (series, day, last) VALUES (?, ?, 1) "
        "ON CONFLICT (series, day) DO UPDATE SET last = last + 1",
        [series, stamp],
    )
    row = db.execute("SELECT last FROM number_counters WHERE series = ? AND day = ?", [series, stamp]).fetchone()
    seq = int(row[0])
    if seq > 9999:
        return f"{prefix}-{stamp}-{seq}", seq  # more than 9,999 in a day: the number just grows a digit
    return f"{prefix}-{stamp}-{seq:04d}", seq


def save_quote(db: Database, quote: Quote, *, email_id: int | None, prefix: str = "Q", key: str | None = None,
               language: str | None = None, clock: float | None = None) -> Quote:
    """Store `quote` with a new number (joins an open transaction); the same `key` returns the stored one."""
    with atomic(db):
        if key is not None:
            existing = quote_by_key(db, key)
            if existing is not None:
                return existing
        number, seq = next_number(db, QUOTE_SERIES, prefix, quote.issued_on)
        db.execute(
            "INSERT INTO quotes (number, day, seq, request_key, email_id, mode, currency, total, lines, basis, "
            "shipment, ratecard_version, ratecard_sha256, issued_on, valid_until, language, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [number, quote.issued_on.strftime("%Y%m%d"), seq, key, email_id, quote.basis.mode, quote.currency,
             str(quote.total), json.dumps([li.as_dict() for li in quote.lines], ensure_ascii=False),
             json.dumps(quote.basis.as_dict()), json.dumps(quote.shipment.as_dict(), ensure_ascii=False),
             quote.ratecard_version, quote.ratecard_sha256, quote.issued_on.isoformat(),
             quote.valid_until.isoformat(), language, clock if clock is not None else time.time()],
        )
    return _with_number(quote, number)


def _with_number(quote: Quote, number: str) -> Quote:
    return replace(quote, number=number)


def _quote_from_row(row: dict[str, Any]) -> Quote:
    basis = json.loads(row["basis"])
    for k in ("distance_km", "rated_km", "band_up_to_km", "chargeable_kg", "revenue_tons"):
        if basis.get(k) is not None:
            basis[k] = Decimal(basis[k])
    return Quote(
        shipment=Shipment(**json.loads(row["shipment"])),
        lines=tuple(LineItem.from_dict(li) for li in json.loads(row["lines"])),
        total=Decimal(row["total"]), currency=row["currency"],
        issued_on=date.fromisoformat(row["issued_on"]), valid_until=date.fromisoformat(row["valid_until"]),
        basis=Basis(**basis), ratecard_version=row["ratecard_version"], ratecard_sha256=row["ratecard_sha256"],
        number=row["number"],
    )


def load_quote(db: Database, number: str) -> Quote | None:
    """A stored quote by number."""
    rows = list(db.query("SELECT * FROM quotes WHERE number = ?", [number]))
    return _quote_from_row(rows[0]) if rows else None


def quote_by_key(db: Database, key: str) -> Quote | None:
    """The quote stored under an idempotency key."""
    rows = list(db.query("SELECT * FROM quotes WHERE request_key = ?", [key]))
    return _quote_from_row(rows[0]) if rows else None


def quotes_for_email(db: Database, email_id: int) -> list[Quote]:
    """Every quote answering one request, oldest first."""
    return [_quote_from_row(r) for r in db.query("SELECT * FROM quotes WHERE email_id = ? ORDER BY id", [email_id])]


def list_quotes(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    """Newest quotes first, as summary rows (number, email, mode, total, currency, valid until)."""
    return list(db.query(
        "SELECT q.number, q.email_id, e.from_addr, q.mode, q.total, q.currency, q.issued_on, q.valid_until, "
        "q.ratecard_version FROM quotes q LEFT JOIN emails e ON e.id = q.email_id ORDER BY q.id DESC LIMIT ?",
        [limit],
    ))


def save_booking(db: Database, shipment: Shipment, *, email_id: int | None, day: date, prefix: str = "B",
                 key: str | None = None, quote_number: str | None = None, language: str | None = None,
                 clock: float | None = None) -> tuple[str, bool]:
    """Store a booking with a new number (joins an open transaction); returns (number, created)."""
    with atomic(db):
        if key is not None:
            row = db.execute("SELECT number FROM bookings WHERE request_key = ?", [key]).fetchone()
            if row is not None:
                return str(row[0]), False
        number, seq = next_number(db, BOOKING_SERIES, prefix, day)
        values = shipment.as_dict()
        db.execute(
            f"INSERT INTO bookings (number, day, seq, request_key, email_id, quote_number, {', '.join(FIELDS)}, "
            "shipment, language, created_at) VALUES (" + ", ".join("?" * (len(FIELDS) + 9)) + ")",
            [number, day.strftime("%Y%m%d"), seq, key, email_id, quote_number, *(values[f] for f in FIELDS),
             json.dumps(values, ensure_ascii=False), language, clock if clock is not None else time.time()],
        )
    return number, True


def load_booking(db: Database, number: str) -> dict[str, Any] | None:
    """A stored booking row (its shipment decoded) by number."""
    rows = list(db.query("SELECT * FROM bookings WHERE number = ?", [number]))
    if not rows:
        return None
    row = dict(rows[0])
    row["shipment"] = Shipment(**json.loads(row["shipment"]))
    return row
