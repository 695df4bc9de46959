"""The web app over the desk's store: the chat page, its WebSocket and the staff's /requests pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.chat.links import ChatLinks
from gateway.metrics import Metrics
from gateway.store import open_db
from gateway.web.app import WebState, create_app
from gateway.web.users import add_user
from tests.desk.conftest import DeskWorld, desk_world  # noqa: F401  (the fixture, shared)

PASSWORD = "correct horse battery"


@pytest.fixture
def client(desk_world: DeskWorld) -> Iterator[TestClient]:  # noqa: F811
    add_user(desk_world.db, "clerk", PASSWORD)
    settings = desk_world.settings
    app = create_app(WebState(settings, lambda: open_db(settings, migrate_schema=False), Metrics()))
    with TestClient(app) as c:
        yield c


def token_for(world: DeskWorld, request_id: int = 1) -> str:
    """A valid chat token of a request."""
    return ChatLinks.for_settings(world.settings).token(request_id)


def login(client: TestClient) -> None:
    """Log the clerk in."""
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
