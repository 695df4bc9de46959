"""An email's date, one way for everyone: ISO 8601 when stored, read back from ISO or from a raw RFC 2822 header."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime


def iso_date(header: str | None) -> str | None:
    """A Date header as ISO 8601; the header unchanged when it cannot be read (nothing is lost)."""
    if not header:
        return None
    try:
        return parsedate_to_datetime(header).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return header


def sent_datetime(value: str | None) -> datetime | None:
    """The datetime of a stored `sent_at` (ISO 8601) or of a raw Date header; None when neither reads."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
