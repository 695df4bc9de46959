"""The quote package's one exception tree (drawn in gateway/quote/__init__.py)."""

from __future__ import annotations


class QuoteError(Exception):
    """Base of every error raised by gateway.quote."""


class RateCardError(QuoteError):
    """The rate card cannot be read or validated; the message names the file and the key."""


class PricingError(QuoteError):
    """The shipment cannot be priced with this rate card (mode not offered, data missing, out of range)."""


class OutboxError(QuoteError):
    """A reply cannot be addressed or queued (no usable sender address, unknown request)."""


class SendFailure(QuoteError):
    """The SMTP server could not take a message now; its `send_email` job is retried with backoff."""
