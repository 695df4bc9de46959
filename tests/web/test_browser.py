"""The inbox in a real headless Chromium (Debian's, driven by Playwright): log in, read Korean/Japanese/Thai."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.jobs import JobQueue
from gateway.mail.ingest import Ingestor
from gateway.metrics import Metrics
from gateway.store import open_db, raw_store
from gateway.web.app import WebState, create_app
from gateway.web.users import add_user
from tests.conftest import require_binary
from tests.services.live_app import serve

pytestmark = pytest.mark.browser

SUBJECTS = ["부산→LA 40HC 2대 견적 부탁드립니다", "横浜から釜山 ２０ＧＰ 見積依頼", "ขอราคาส่งของ แหลมฉบัง-โตเกียว"]


@pytest.fixture
def live_inbox(settings: Settings) -> Iterator[str]:
    db = open_db(settings)
    add_user(db, "clerk", "warehouse-pass")
    ingestor = Ingestor(db, raw_store(settings), JobQueue(db, settings.jobs), max_message_bytes=10_000_000)
    for i, subject in enumerate(SUBJECTS):
        raw = (f"From: sender{i}@example.com\r\nSubject: {subject}\r\nMessage-ID: <b{i}@x>\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n").encode()
        ingestor.ingest(raw, f"t:{i}")
    app = create_app(WebState(settings, lambda: open_db(settings, migrate_schema=False), Metrics()))
    with serve(app) as url:
        yield url


def test_login_and_inbox_in_chromium(live_inbox: str, tmp_path: Path) -> None:
    chromium = require_binary("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--disable-gpu", "--disable-dev-shm-usage", "--disable-quic"])
        page = browser.new_page()
        page.goto(f"{live_inbox}/inbox")
        assert page.url.startswith(f"{live_inbox}/login")
        page.fill("input[name=username]", "clerk")
        page.fill("input[name=password]", "wrong-password")
        page.click("button[type=submit]")
        assert "Wrong username or password" in page.inner_text("[role=alert]")
        page.fill("input[name=username]", "clerk")
        page.fill("input[name=password]", "warehouse-pass")
        page.click("button[type=submit]")
        page.wait_for_selector("#inbox")
        assert page.url == f"{live_inbox}/inbox"
        rows = page.locator("#inbox tbody tr")
        assert rows.count() == 3
        text = page.inner_text("#inbox")
        for subject in SUBJECTS:
            assert subject in text
        page.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)
        page.click(f"text={SUBJECTS[1]}")
        page.wait_for_selector("#body-new")
        assert SUBJECTS[1] in page.inner_text("h1")
        browser.close()
