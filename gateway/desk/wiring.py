"""The desk's real collaborators: gateway/extract for reading, gateway/quote for pricing, bookings and the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage

from sqlite_utils import Database

from gateway.config import Settings
from gateway.desk.errors import CannotSettle
from gateway.desk.records import Request
from gateway.desk.service import Reading
from gateway.extract.fields import Shipment
from gateway.jobs import JobQueue, PermanentJobError
from gateway.mail.dates import sent_datetime


class ExtractReader:
    """Reads customer messages with gateway.extract's Extractor (rules, plus the LLM when configured)."""

    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        from gateway.extract.service import Extractor

        self.extractor = Extractor(settings, db)

    def read(self, subject: str, body: str, attachments: list[str], sent_at: str | None) -> Reading:
        """The fields and unplaceable places in one message."""
        found = self.extractor.extract(subject, body, attachments, sent_datetime(sent_at))
        return Reading(found.shipment, dict(found.unsupported))

    def missing(self, shipment: Shipment, unsupported: Mapping[str, str]) -> list[str]:
        """Required fields still missing, by the [extract] requirements."""
        from gateway.extract.missing import missing_fields

        return missing_fields(shipment, unsupported, self.extractor.requirements)


class QuoteBackoffice:
    """Issues quotes and bookings with gateway.quote's QuoteDesk and queues the desk's emails in its outbox."""

    def __init__(self, settings: Settings) -> None:
        from gateway.quote.service import QuoteDesk

        self.settings = settings
        self.desk = QuoteDesk(settings)

    def settle(self, db: Database, queue: JobQueue, request: Request, shipment: Shipment) -> tuple[str, str]:
        """Issue the quote (or book the order) and queue its email; (its number, the email's Message-ID).

        CannotSettle when the rate card cannot price it: the desk hands the request over.
        """
        from gateway.quote.errors import QuoteError
        from gateway.quote.outbox import message_id_for

        if request.email_id is None:
            raise CannotSettle(f"request {request.number} has no original email to answer")
        try:
            if request.kind == "order":
                number = self.desk.create_booking(db, request.email_id, shipment, language=request.language,
                                                  request_ref=request.number)
                key = f"booking:{number}"
            else:
                quote = self.desk.issue_quote(db, request.email_id, shipment, language=request.language,
                                              request_ref=request.number)
                number, key = quote.number or "", f"quote:{quote.number}"
        except QuoteError as exc:
            raise CannotSettle(str(exc)) from exc
        return number, message_id_for(key, self.settings.smtp.from_addr).strip("<>")

    def reply(self, db: Database, request: Request, subject: str, parent: str | None) -> EmailMessage:
        """A message to the request's original sender (recipient_for), threaded under `parent`."""
        from gateway.quote.outbox import reply_skeleton

        if request.email_id is None:
            raise PermanentJobError(f"request {request.number} has no original email to answer")
        message = reply_skeleton(db, self.settings, request.email_id, subject)
        if parent:
            refs = [f"<{r}>" for r in request.thread_refs if r != parent][-9:]
            del message["In-Reply-To"], message["References"]
            message["In-Reply-To"] = f"<{parent}>"
            message["References"] = " ".join([*refs, f"<{parent}>"])
        return message

    def queue(self, db: Database, queue: JobQueue, request: Request, message: EmailMessage, key: str, *,
              kind: str = "desk") -> str:
        """Queue in the outbox (joining the transaction), re-checked against the original sender; the Message-ID."""
        from gateway.quote.outbox import message_id_for, queue_email

        if message["Message-ID"] is None:
            message["Message-ID"] = message_id_for(key, self.settings.smtp.from_addr)
        queue_email(db, queue, message, key=key, email_id=request.email_id, kind=kind,
                    max_attempts=self.settings.quote.send_max_attempts)
        return str(message["Message-ID"]).strip("<>")
