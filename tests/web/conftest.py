"""A web app over a fresh gateway store, with one admin user and a few stored emails."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from gateway.config import Settings
from gateway.jobs import JobQueue
from gateway.mail.ingest import Ingestor
from gateway.metrics import Metrics
from gateway.store import open_db, raw_store
from gateway.web.app import WebState, create_app
from gateway.web.users import add_user

PASSWORD = "correct horse battery"


@dataclass
class WebWorld:
    settings: Settings
    client: TestClient
    ingestor: Ingestor

    def login(self, username: str = "admin", password: str = PASSWORD) -> None:
        page = self.client.get("/login")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = self.client.post("/login", data={"username": username, "password": password, "csrf": csrf},
                             follow_redirects=False)
        assert r.status_code == 303, r.text


@pytest.fixture
def web(settings: Settings) -> Iterator[WebWorld]:
    db = open_db(settings)
    add_user(db, "admin", PASSWORD, admin=True)
    ingestor = Ingestor(db, raw_store(settings), JobQueue(db, settings.jobs), max_message_bytes=10_000_000)
    state = WebState(settings, lambda: open_db(settings, migrate_schema=False), Metrics())
    with TestClient(create_app(state)) as client:
        yield WebWorld(settings, client, ingestor)
