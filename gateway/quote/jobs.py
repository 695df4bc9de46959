"""Job handlers of the quote desk: `send_email` (the outbox) and `book_order` (an order with complete fields)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

from gateway.config import Settings
from gateway.extract.fields import Shipment, shipment_from_dict
from gateway.jobs import Job, PermanentJobError
from gateway.jobs.worker import Handler
from gateway.mail.dates import sent_datetime
from gateway.quote.errors import QuoteError
from gateway.quote.outbox import SEND_JOB, make_send_handler
from gateway.quote.service import QuoteDesk

BOOK_JOB = "book_order"
ORDER_LABEL = "order"

__all__ = ["BOOK_JOB", "SEND_JOB", "BookOrderStep", "make_book_handler", "make_send_handler"]




class BookOrderStep:
    """Books a classified order whose shipment fields are complete, and queues the confirmation."""

    def __init__(self, settings: Settings, desk: QuoteDesk | None = None) -> None:
        self.settings = settings
        self._desk = desk
        self._extractor: Any = None

    @property
    def desk(self) -> QuoteDesk:
        """The QuoteDesk (rate card loaded on first use)."""
        if self._desk is None:
            self._desk = QuoteDesk(self.settings)
        return self._desk

    def shipment_of(self, db: Database, email_id: int, given: dict[str, Any] | None) -> tuple[Shipment, list[str]]:
        """The order's shipment (from the payload, else extracted from the email) and its missing fields."""
        from gateway.extract.missing import missing_fields
        from gateway.extract.service import Extractor, requirements_from

        if given is not None:
            shipment, problems = shipment_from_dict(given)
            if problems:
                raise PermanentJobError("order fields rejected: " + "; ".join(f"{k}: {v}" for k, v in problems.items()))
            return shipment, missing_fields(shipment, None, requirements_from(self.settings.extract))
        if self._extractor is None:
            self._extractor = Extractor(self.settings, db)
        row = db.execute("SELECT subject, body_new, sent_at FROM emails WHERE id = ?", [email_id]).fetchone()
        texts = [r[0] for r in db.execute(
            "SELECT text FROM attachments WHERE email_id = ? AND text IS NOT NULL ORDER BY id", [email_id])]
        extraction = self._extractor.extract(row[0], row[1], texts, sent_datetime(row[2]) or date.today())
        missing = list(self._extractor.missing(extraction))
        missing += [f"{k} ({v}: unsupported)" for k, v in extraction.unsupported.items()]
        return extraction.shipment, missing

    def handle(self, job: Job, db: Database) -> None:
        """Payload {"email_id": N, "shipment": {...} optional, "quote_number": optional}."""
        email_id = job.payload.get("email_id")
        if not isinstance(email_id, int):
            raise PermanentJobError(f"book_order job {job.id}: payload has no integer email_id")
        label = db.execute("SELECT label FROM classifications WHERE email_id = ?", [email_id]).fetchone()
        if label is None or label[0] != ORDER_LABEL:
            raise PermanentJobError(f"email {email_id} is not classified as an order ({label[0] if label else 'none'})")
        shipment, missing = self.shipment_of(db, email_id, job.payload.get("shipment"))
        if missing:
            raise PermanentJobError(f"order {email_id} cannot be booked yet, missing: {', '.join(missing)}")
        try:
            self.desk.create_booking(db, email_id, shipment, quote_number=job.payload.get("quote_number"))
        except QuoteError as exc:
            raise PermanentJobError(str(exc)) from exc


def make_book_handler(settings: Settings) -> Handler:
    """The `book_order` handler for the worker pool."""
    return BookOrderStep(settings).handle
