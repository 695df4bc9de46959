"""Sending through a real aiosmtpd server on loopback: delivered, refused, unreachable."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from gateway.config import SmtpSettings
from gateway.mail.send import SendError, send
from tests.services.dovecot import free_port
from tests.services.smtp import RefusingMailbox

pytestmark = pytest.mark.smtp


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[SmtpSettings, Path]]:
    maildir = tmp_path / "Maildir"
    ctl = Controller(RefusingMailbox(maildir), hostname="127.0.0.1", port=free_port())
    ctl.start()
    settings = SmtpSettings(enabled=True, host="127.0.0.1", port=ctl.port, security="none", from_addr="gw@busybee.test")
    yield settings, maildir
    ctl.stop()


def message(to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = to
    msg["Subject"] = "견적 Q-1"
    msg.set_content("본문")
    return msg


def test_delivers_to_a_real_smtp_server(sink: tuple[SmtpSettings, Path]) -> None:
    settings, maildir = sink
    send(settings, message("kim@example.kr"))
    delivered = list((maildir / "new").iterdir())
    assert len(delivered) == 1
    body = delivered[0].read_text()
    assert "X-RcptTo: kim@example.kr" in body and "From: gw@busybee.test" in body


def test_refused_recipient_is_permanent(sink: tuple[SmtpSettings, Path]) -> None:
    settings, _ = sink
    with pytest.raises(SendError) as err:
        send(settings, message("nobody@refused.test"))
    assert not err.value.temporary


def test_unreachable_server_is_temporary() -> None:
    settings = SmtpSettings(enabled=True, host="127.0.0.1", port=free_port(), security="none", timeout_seconds=3)
    with pytest.raises(SendError) as err:
        send(settings, message("kim@example.kr"))
    assert err.value.temporary and "cannot reach" in str(err.value)


def test_disabled_smtp_is_a_clear_error() -> None:
    with pytest.raises(SendError, match="disabled"):
        send(SmtpSettings(), message("kim@example.kr"))
