"""The whole loop with real servers: dovecot in, `busybee run`'s components in between, an aiosmtpd sink out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from gateway.config import Settings
from gateway.runtime import Runtime
from tests.desk.helpers import customer_mail, write_ratecard
from tests.services.dovecot import Dovecot, free_port
from tests.services.smtp import Sink

FROM = "desk@busybee.test"


@dataclass
class Loop:
    """A running gateway between a dovecot mailbox and an SMTP sink."""

    runtime: Runtime
    dovecot: Dovecot
    sink: Sink
    web_port: int
    sent: list[str] = field(default_factory=list)

    def customer(self, body: str, *, subject: str, sender: str = "Kim Minsu <minsu@example.kr>",
                 reply_to: EmailMessage | None = None, extra: dict[str, str] | None = None) -> str:
        """Deliver a customer's email to the sales mailbox (a reply threads under our message); its Message-ID."""
        parent = str(reply_to["Message-ID"]) if reply_to is not None else None
        refs = f"{reply_to['References'] or ''} {parent}".strip() if reply_to is not None else None
        raw, mid = customer_mail(body, subject=subject, sender=sender, in_reply_to=parent, references=refs,
                                 extra=extra)
        self.dovecot.deliver("alice", raw)
        self.sent.append(mid)
        return mid


def text_of(msg: EmailMessage) -> str:
    """The plain-text body."""
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


@contextmanager
def start_loop(make_settings: Callable[..., Settings], dovecot: Dovecot, directory: Path, *,
               sink_up: bool = True, web: bool = False, env: dict[str, str] | None = None) -> Iterator[Loop]:
    """Start a gateway configured like `busybee run` (IMAP source, workers, optional web) around the servers."""
    sink = Sink(directory / "sink", free_port())
    if sink_up:
        sink.start()
    web_port = free_port()
    # poll_seconds bounds how long a message delivered between a fetch and the next IDLE can wait
    settings = make_settings(dovecot.account_toml(poll_seconds=2.0), env={
        "BUSYBEE_MAIL__SPOOL__ENABLED": "false", "BUSYBEE_JOBS__WORKERS": "2", "BUSYBEE_JOBS__POLL_SECONDS": "0.1",
        "BUSYBEE_JOBS__BACKOFF_BASE_SECONDS": "0.5", "BUSYBEE_JOBS__BACKOFF_MAX_SECONDS": "1.0",
        "BUSYBEE_SMTP__ENABLED": "true", "BUSYBEE_SMTP__HOST": "127.0.0.1", "BUSYBEE_SMTP__PORT": str(sink.port),
        "BUSYBEE_SMTP__SECURITY": '"none"', "BUSYBEE_SMTP__FROM_ADDR": FROM, "BUSYBEE_SMTP__TIMEOUT_SECONDS": "5",
        "BUSYBEE_QUOTE__RATECARD": str(write_ratecard(directory)),
        "BUSYBEE_WEB__ENABLED": "true" if web else "false", "BUSYBEE_WEB__PORT": str(web_port),
        "BUSYBEE_DESK__PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}", **(env or {}),
    })
    runtime = Runtime(settings)
    runtime.build()
    runtime.start()
    sink.diagnose = lambda: _dump(settings)
    try:
        yield Loop(runtime, dovecot, sink, web_port)
    finally:
        runtime.stop()
        sink.stop()


def _dump(settings: Settings) -> str:
    """The jobs, emails, turns and outbox rows, to tell why a message did not arrive."""
    from gateway.store import open_db

    db = open_db(settings, migrate_schema=False)
    out = []
    for sql in ("SELECT id, kind, state, attempts, key, last_error FROM jobs ORDER BY id",
                "SELECT e.id, e.status, e.in_reply_to, e.subject, c.label FROM emails e "
                "LEFT JOIN classifications c ON c.email_id = e.id ORDER BY e.id",
                "SELECT request_id, who, channel, intent, substr(text, 1, 60) AS text FROM turns ORDER BY id",
                "SELECT id, kind, state, attempts, last_error FROM outbox ORDER BY id"):
        out.append("\n  ".join([sql.split(" FROM ")[1].split()[0], *map(str, db.query(sql))]))
    db.close()
    return "\n".join(out)
