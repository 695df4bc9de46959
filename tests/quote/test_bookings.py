"""Orders become bookings: `book_order` jobs for classified orders with complete fields, and create_booking."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from sqlite_utils import Database

from gateway.config import Settings
from gateway.extract.fields import Shipment
from gateway.jobs import JobQueue
from gateway.jobs.worker import WorkerPool
from gateway.mail.ingest import Ingestor
from gateway.mail.parse_job import ParseStep
from gateway.quote.jobs import BOOK_JOB, make_book_handler
from gateway.quote.outbox import outbox_rows
from gateway.quote.service import create_booking
from gateway.quote.store import load_booking
from gateway.store import open_db, raw_store

ORDER = """From: Somchai <somchai@shipper.co.th>
To: sales@busybee.test
Subject: Booking order
Message-ID: <order-{n}@shipper.co.th>
Date: Wed, 25 Nov 2026 09:00:00 +0700
Content-Type: text/plain; charset=utf-8

Please book 1x40HC from Bangkok to Busan, commodity rice, cargo ready 2026-12-03, FOB.
"""


def stored_email(settings: Settings, db: Database, n: int, label: str = "order", text: str = ORDER) -> int:
    raw = text.format(n=n).replace("\n", "\r\n").encode()
    result = Ingestor(db, raw_store(settings), JobQueue(db, settings.jobs), max_message_bytes=10**6).ingest(
        raw, f"t:{n}")
    assert result.email_id is not None
    ParseStep(settings.limits, settings.jobs, raw_store(settings)).run(db, result.email_id)
    db.execute("INSERT INTO classifications (email_id, label, confidence, scores, model_version, classified_at) "
               "VALUES (?, ?, 0.99, '{}', 'test', ?)", [result.email_id, label, time.time()])
    return result.email_id


def run_book(settings: Settings, db: Database, payload: dict[str, object]) -> str:
    queue = JobQueue(db, settings.jobs)
    job_id = queue.enqueue(BOOK_JOB, payload)
    pool = WorkerPool(lambda: open_db(settings, migrate_schema=False), settings.jobs,
                      {BOOK_JOB: make_book_handler(settings)})
    assert pool.run_once(queue, "w1")
    job = queue.get(job_id)
    assert job is not None
    return job.state + (f": {job.last_error}" if job.last_error else "")


@pytest.fixture
def gw(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


def test_order_from_the_email_text_is_booked_and_confirmed(gw: Settings) -> None:
    db = open_db(gw)
    email_id = stored_email(gw, db, 1)
    assert run_book(gw, db, {"email_id": email_id}) == "done"
    row = db.execute("SELECT number FROM bookings WHERE email_id = ?", [email_id]).fetchone()
    booking = load_booking(db, row[0])
    assert booking is not None
    assert (booking["origin"], booking["destination"], booking["containers"], booking["ready_date"]) == (
        "Bangkok", "Busan", "1x40HC", "2026-12-03")
    [mail] = outbox_rows(db)
    assert mail["kind"] == "booking" and mail["to_addr"] == "somchai@shipper.co.th" and row[0] in mail["subject"]
    assert run_book(gw, db, {"email_id": email_id}) == "done"  # a rerun books nothing new
    assert db.execute("SELECT COUNT(*) FROM bookings").fetchone()[0] == 1 and len(outbox_rows(db)) == 1


def test_payload_fields_are_validated(gw: Settings) -> None:
    db = open_db(gw)
    email_id = stored_email(gw, db, 2)
    good = {"origin": "Bangkok", "destination": "Busan", "mode": "air", "weight_kg": 300, "ready_date": "2026-12-04"}
    assert run_book(gw, db, {"email_id": email_id, "shipment": good, "quote_number": "Q-20261120-0001"}) == "done"
    booking = db.execute("SELECT weight_kg, quote_number, shipment FROM bookings").fetchone()
    assert booking[0] == 300 and booking[1] == "Q-20261120-0001" and json.loads(booking[2])["mode"] == "air"
    bad = run_book(gw, db, {"email_id": stored_email(gw, db, 3), "shipment": {**good, "containers": "9x99ZZ"}})
    assert bad.startswith("dead: PermanentJobError: order fields rejected: containers:")


def test_incomplete_or_unclassified_orders_are_not_booked(gw: Settings) -> None:
    db = open_db(gw)
    incomplete = stored_email(gw, db, 4, text=ORDER.replace(", cargo ready 2026-12-03", ""))
    assert run_book(gw, db, {"email_id": incomplete}) == (
        f"dead: PermanentJobError: order {incomplete} cannot be booked yet, missing: ready_date")
    quote = stored_email(gw, db, 5, label="quote")
    assert run_book(gw, db, {"email_id": quote}) == (
        f"dead: PermanentJobError: email {quote} is not classified as an order (quote)")
    assert db.execute("SELECT COUNT(*) FROM bookings").fetchone()[0] == 0 and outbox_rows(db) == []


def test_create_booking_for_the_desk(gw: Settings) -> None:
    db = open_db(gw)
    email_id = stored_email(gw, db, 6)
    s = Shipment(origin="Bangkok", destination="Busan", mode="sea", containers="1x20GP", ready_date="2026-12-03")
    number = create_booking(db, email_id, s, settings=gw, language="th")
    assert number.startswith("B-") and load_booking(db, number)["language"] == "th"  # type: ignore[index]
    [mail] = outbox_rows(db)
    assert "ยืนยันการจอง" in mail["subject"]
