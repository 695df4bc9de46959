"""A gateway store with the real desk (extraction, rate card, outbox) and a way to receive customer mail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlite_utils import Database

from gateway.config import Settings
from gateway.desk import records
from gateway.desk.job import build_desk
from gateway.desk.records import Request
from gateway.desk.service import Desk
from gateway.jobs import JobQueue
from gateway.mail.ingest import Ingestor
from gateway.mail.parse_job import ParseStep
from gateway.store import open_db, raw_store
from tests.desk.helpers import customer_mail, outbox_messages, write_ratecard

DESK_ENV = {"BUSYBEE_DESK__PUBLIC_BASE_URL": "https://gw.example", "BUSYBEE_SMTP__FROM_ADDR": "desk@busybee.test"}


@dataclass
class DeskWorld:
    """The desk over a fresh store; `receive` stores, parses, labels and hands an email to the desk."""

    settings: Settings
    db: Database
    desk: Desk
    ingestor: Ingestor
    parse: ParseStep

    @property
    def queue(self) -> JobQueue:
        return JobQueue(self.db, self.settings.jobs)

    def receive(self, body: str, *, subject: str, label: str = "quote", confidence: float = 0.99,
                **kwargs: object) -> tuple[int, str]:
        """Deliver a customer email; returns its id and Message-ID."""
        raw, mid = customer_mail(body, subject=subject, **kwargs)  # type: ignore[arg-type]
        email_id = self.ingestor.ingest(raw, f"test:{mid}").email_id
        assert email_id is not None
        self.parse.run(self.db, email_id)
        review = int(confidence < self.settings.classify.review_below)
        self.db.execute("INSERT OR REPLACE INTO classifications (email_id, label, confidence, scores, model_version, "
                        "needs_review, classified_at) VALUES (?, ?, ?, '{}', 'test', ?, 0)",
                        [email_id, label, confidence, review])
        self.desk.on_email(self.db, self.queue, email_id)
        return email_id, mid

    def sent(self) -> list[EmailMessage]:
        return outbox_messages(self.db)

    def request(self, request_id: int = 1) -> Request:
        return records.get(self.db, request_id)


@pytest.fixture
def desk_world(make_settings: Callable[..., Settings], tmp_path: Path) -> Iterator[DeskWorld]:
    card = write_ratecard(tmp_path)
    settings = make_settings(env={**DESK_ENV, "BUSYBEE_QUOTE__RATECARD": str(card)})
    db = open_db(settings)
    ingestor = Ingestor(db, raw_store(settings), JobQueue(db, settings.jobs), max_message_bytes=10_000_000)
    parse = ParseStep(settings.limits, settings.jobs, raw_store(settings))
    yield DeskWorld(settings, db, build_desk(settings), ingestor, parse)
    db.close()
