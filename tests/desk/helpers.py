"""Builders for the desk tests: a customer's email, a rate card with hand-checkable totals, outbox readers."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path

from sqlite_utils import Database

# Air: one band, 2.50 USD per chargeable kg + 10 % fuel; sea: 1,000 USD per 40HC + 10 % fuel.
RATECARD = """
version = "desk-test-1"
currency = "USD"
validity_days = 14

[sea]
fuel_surcharge_pct = 10
minimum_charge = 100

[[sea.bands]]
up_to_km = 20000
lcl_per_wm = 50
fcl = { 20GP = 600, 40GP = 900, 40HC = 1000 }

[air]
fuel_surcharge_pct = 10
minimum_charge = 50

[[air.bands]]
up_to_km = 20000
per_kg = 2.50
"""
SENT_AT = 1795510800  # 2026-11-24 09:00 UTC: relative dates in the test mail count from here


def write_ratecard(directory: Path) -> Path:
    """The test rate card as a file."""
    path = directory / "ratecard.toml"
    path.write_text(RATECARD, encoding="utf-8")
    return path


def customer_mail(body: str, *, subject: str, sender: str = "Kim Minsu <minsu@example.kr>",
                  in_reply_to: str | None = None, references: str | None = None,
                  extra: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A customer's plain-text email and its Message-ID (without brackets)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "sales@busybee.test"
    msg["Subject"] = subject
    msg["Date"] = formatdate(SENT_AT, localtime=False)
    mid = make_msgid(domain="example.kr")
    msg["Message-ID"] = mid
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to.strip('<>')}>"
        msg["References"] = references or f"<{in_reply_to.strip('<>')}>"
    for name, value in (extra or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes(), mid.strip("<>")


def outbox_messages(db: Database) -> list[EmailMessage]:
    """Every message the gateway queued for sending, oldest first."""
    out = []
    for (raw,) in db.execute("SELECT raw FROM outbox ORDER BY id"):
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(msg, EmailMessage)
        out.append(msg)
    return out


def text_of(msg: EmailMessage) -> str:
    """The plain-text body of a message."""
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]
