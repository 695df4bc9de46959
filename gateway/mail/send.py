"""Sending mail with aiosmtplib: one function, errors translated into SendError (temporary or not)."""

from __future__ import annotations

import asyncio
import ssl
from email.message import EmailMessage

import aiosmtplib

from gateway.config import SmtpSettings


class SendError(Exception):
    """The message was not accepted; `temporary` says whether retrying later can help."""

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)


async def send_async(settings: SmtpSettings, message: EmailMessage) -> str:
    """Send `message` (recipients from its headers); returns the server's reply."""
    if not settings.enabled:
        raise SendError("outgoing mail is disabled ([smtp] enabled = false)", temporary=False)
    if message["From"] is None:
        message["From"] = settings.from_addr
    try:
        _errors, reply = await aiosmtplib.send(
            message,
            hostname=settings.host,
            port=settings.effective_port,
            username=settings.username,
            password=settings.password,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            tls_context=_tls_context(settings) if settings.security != "none" else None,
            timeout=settings.timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise SendError(f"all recipients refused: {exc}", temporary=False) from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise SendError(f"SMTP authentication failed: {exc.message}", temporary=False) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise SendError(f"SMTP {exc.code}: {exc.message}", temporary=400 <= exc.code < 500) from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise SendError(f"cannot reach {settings.host}:{settings.effective_port}: {exc}", temporary=True) from exc
    return reply


def send(settings: SmtpSettings, message: EmailMessage) -> str:
    """Blocking wrapper for job handlers (which run in worker threads)."""
    return asyncio.run(send_async(settings, message))
