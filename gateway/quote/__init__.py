"""The quote desk's back office: rate card, pricing, quote/booking audit trail, outbox and sending.

Errors (gateway/quote/errors.py):

    QuoteError
    ├── RateCardError   the rate card file cannot be read or validated (names the key)
    ├── PricingError    this shipment cannot be priced with this card (mode not offered, data missing)
    ├── OutboxError     a reply cannot be addressed or queued (no usable sender address, unknown request)
    └── SendFailure     the SMTP server could not take a message now (the send job retries with backoff)
"""
