"""The quote desk's services: price a request, store the quote, queue its email; turn an order into a booking.

Each `issue_quote` / `create_booking` stores its audit row and queues its email in one transaction (joining the
caller's when one is open), under an idempotency key, so a step that reruns neither numbers nor sends twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from gateway.config import Settings
from gateway.extract.fields import Shipment
from gateway.jobs import JobQueue
from gateway.quote.errors import PricingError
from gateway.quote.outbox import email_row, queue_email, reply_skeleton
from gateway.quote.pricing import Quote, price
from gateway.quote.ratecard import RateCard, load_ratecard
from gateway.quote.render import render_booking, render_quote
from gateway.quote.store import atomic, save_booking, save_quote

if TYPE_CHECKING:
    from gateway.extract.gazetteer import Gazetteer

DistanceFn = Callable[[str, str], float]


class QuoteDesk:
    """Prices shipments with one rate card and issues quotes and bookings for stored requests."""

    def __init__(self, settings: Settings, card: RateCard | None = None, *, distance: DistanceFn | None = None,
                 today: Callable[[], date] = date.today) -> None:
        self.settings = settings
        self.card = card or load_ratecard(settings.quote.ratecard)
        self._distance = distance
        self._gazetteer: Gazetteer | None = None
        self.today = today

    def distance_km(self, origin: str | None, destination: str | None) -> float:
        """Great-circle km between two gazetteer places; PricingError when one is missing or unknown."""
        if not origin or not destination:
            raise PricingError("origin and destination are both needed to price")
        if self._distance is not None:
            return self._distance(origin, destination)
        from gateway.extract.gazetteer import Gazetteer, distance_km

        if self._gazetteer is None:
            self._gazetteer = Gazetteer.load()
        places = []
        for role, name in (("origin", origin), ("destination", destination)):
            place = self._gazetteer.by_name(name) or self._gazetteer.lookup(name)
            if place is None:
                raise PricingError(f"{role} {name!r} is not a place we can quote")
            places.append(place)
        return distance_km(places[0], places[1])

    def price(self, shipment: Shipment, *, today: date | None = None) -> Quote:
        """Price a shipment (not stored); PricingError when it cannot be."""
        distance = self.distance_km(shipment.origin, shipment.destination)
        return price(shipment, self.card, distance, today=today or self.today())

    def issue_quote(self, db: Database, email_id: int, shipment: Shipment, *, key: str | None = None,
                    language: str | None = None, request_ref: str | None = None,
                    today: date | None = None) -> Quote:
        """Price, store and queue the quote email to the request's sender; the same `key` returns the first quote."""
        quote = self.price(shipment, today=today)
        request = email_row(db, email_id)
        lang = language or request.get("language")
        with atomic(db):
            stored = save_quote(db, quote, email_id=email_id, prefix=self.settings.quote.number_prefix,
                                key=key or f"email:{email_id}:{_shipment_key(shipment)}", language=lang)
            assert stored.number is not None
            rendered = render_quote(stored, language=lang, customer_name=request.get("from_name"),
                                    request_subject=request.get("subject"), request_ref=request_ref)
            message = rendered.fill(reply_skeleton(db, self.settings, email_id, rendered.subject))
            queue_email(db, JobQueue(db, self.settings.jobs), message, key=f"quote:{stored.number}",
                        email_id=email_id, kind="quote", max_attempts=self.settings.quote.send_max_attempts)
        return stored

    def create_booking(self, db: Database, email_id: int, shipment: Shipment, *, key: str | None = None,
                       language: str | None = None, request_ref: str | None = None,
                       quote_number: str | None = None, today: date | None = None) -> str:
        """Store the order as a booking and queue its confirmation email; the same `key` returns the same number."""
        request = email_row(db, email_id)
        lang = language or request.get("language")
        with atomic(db):
            number, _created = save_booking(db, shipment, email_id=email_id, day=today or self.today(),
                                            prefix=self.settings.quote.booking_prefix,
                                            key=key or f"order:{email_id}", quote_number=quote_number,
                                            language=lang)
            rendered = render_booking(number, shipment, language=lang, customer_name=request.get("from_name"),
                                      request_subject=request.get("subject"), request_ref=request_ref,
                                      quote_number=quote_number)
            message = rendered.fill(reply_skeleton(db, self.settings, email_id, rendered.subject))
            queue_email(db, JobQueue(db, self.settings.jobs), message, key=f"booking:{number}",
                        email_id=email_id, kind="booking", max_attempts=self.settings.quote.send_max_attempts)
        return number


def _shipment_key(shipment: Shipment) -> str:
    """A short digest of the shipment: a corrected shipment is a new quote, the same one is not."""
    body = json.dumps(shipment.as_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def create_booking(db: Database, email_id: int, shipment: Shipment, *, settings: Settings,
                   **options: Any) -> str:
    """Store an order as a booking and queue its confirmation email (see QuoteDesk.create_booking)."""
    return QuoteDesk(settings).create_booking(db, email_id, shipment, **options)
