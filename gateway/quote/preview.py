"""What the gateway would answer to one .eml: parse → extract → price → the rendered quote (nothing stored or sent)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from gateway.config import Settings
from gateway.extract.fields import Shipment
from gateway.mail.dates import sent_datetime
from gateway.quote.errors import OutboxError, PricingError
from gateway.quote.outbox import recipient_for
from gateway.quote.pricing import Quote
from gateway.quote.render import Rendered, render_quote
from gateway.quote.service import QuoteDesk


@dataclass(frozen=True)
class Preview:
    """The outcome for one message: `status` is quote, missing, unsupported or unpriceable."""

    status: str
    shipment: Shipment
    missing: list[str] = field(default_factory=list)
    unsupported: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    to: str | None = None
    quote: Quote | None = None
    email: Rendered | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"status": self.status, "fields": self.shipment.as_dict(), "missing": self.missing,
                "unsupported": self.unsupported, "error": self.error, "to": self.to,
                "quote": self.quote.as_dict() if self.quote else None,
                "subject": self.email.subject if self.email else None,
                "text": self.email.text if self.email else None}




def preview_quote(raw: bytes, settings: Settings, desk: QuoteDesk, *, extractor: Any = None,
                  today: date | None = None) -> Preview:
    """Parse and read one raw message and, when its fields are complete, price and render the quote."""
    from gateway.extract.service import Extractor
    from gateway.mail.extract import SandboxExtractor
    from gateway.mail.parse import parse_message

    parsed = parse_message(raw, settings.limits, SandboxExtractor(settings.limits.max_text_chars))
    extractor = extractor or Extractor(settings)
    texts = [a.text for a in parsed.attachments if a.text]
    extraction = extractor.extract(parsed.subject, parsed.body_new, texts, sent_datetime(parsed.date))
    shipment = extraction.shipment
    unsupported = dict(extraction.unsupported)
    missing = list(extractor.missing(extraction))
    if unsupported:
        places = ", ".join(f"{k} {v!r}" for k, v in unsupported.items())
        return Preview("unsupported", shipment, missing, unsupported, f"we cannot quote to or from {places}")
    if missing:
        return Preview("missing", shipment, missing, error=f"missing: {', '.join(missing)}")
    try:
        quote = desk.price(shipment, today=today)
    except PricingError as exc:
        return Preview("unpriceable", shipment, error=str(exc))
    error: str | None = None
    try:
        to: str | None = recipient_for({"from_addr": parsed.from_addr, "reply_to": parsed.reply_to},
                                       settings.quote)
    except OutboxError as exc:
        to, error = None, str(exc)
    day = (today or desk.today()).strftime("%Y%m%d")
    quote = replace(quote, number=f"{settings.quote.number_prefix}-{day}-PREVIEW")
    rendered = render_quote(quote, language=parsed.language, customer_name=parsed.from_name,
                            request_subject=parsed.subject)
    return Preview("quote", shipment, error=error, to=to, quote=quote, email=rendered)
