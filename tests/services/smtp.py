"""An aiosmtpd SMTP server on loopback for tests: a Maildir sink that can be down first, and a refusing mailbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP


class RefusingMailbox(Mailbox):
    """A Maildir sink that answers 550 for any recipient at refused.test."""

    async def handle_RCPT(self, server: SMTP, session, envelope, address: str, rcpt_options):  # type: ignore[no-untyped-def]
        if address.endswith("@refused.test"):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class Sink:
    """An aiosmtpd server writing to a Maildir; it can be down and come up later on the same port."""

    def __init__(self, maildir: Path, port: int) -> None:
        self.maildir = maildir
        self.port = port
        self.controller: Controller | None = None
        self._seen: set[str] = set()
        self.diagnose: Callable[[], str] = lambda: ""

    def start(self) -> Sink:
        self.controller = Controller(RefusingMailbox(self.maildir), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def all(self) -> list[EmailMessage]:
        """Every message received so far, in arrival order."""
        if not (self.maildir / "new").exists():
            return []
        files = sorted((self.maildir / "new").iterdir(), key=lambda p: (p.stat().st_mtime_ns, p.name))
        out = []
        for path in files:
            msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out

    def next(self, seconds: float = 60.0) -> EmailMessage:
        """The next message not returned before; fails the test when none arrives in time."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for msg in self.all():
                if str(msg["Message-ID"]) not in self._seen:
                    self._seen.add(str(msg["Message-ID"]))
                    return msg
            time.sleep(0.05)
        pytest.fail(f"no new message reached the SMTP sink within {seconds}s\n{self.diagnose()}")

    def quiet(self, seconds: float) -> None:
        """Assert that nothing new arrives for a while."""
        time.sleep(seconds)
        fresh = [m for m in self.all() if str(m["Message-ID"]) not in self._seen]
        assert not fresh, [str(m["Subject"]) for m in fresh]
