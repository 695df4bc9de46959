"""The chat link from a clarification email, opened in a real headless Chromium against `busybee run`'s web app."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.desk import records
from gateway.store import open_db
from tests.conftest import require_binary
from tests.desk.loop import start_loop, text_of
from tests.services.dovecot import Dovecot

pytestmark = [pytest.mark.browser, pytest.mark.imap, pytest.mark.smtp, pytest.mark.slow]


def test_missing_weight_answered_in_the_web_chat_then_yes_button(
        make_settings: Callable[..., Settings], world_dir: Path, tmp_path: Path) -> None:
    chromium = require_binary("chromium")
    imap = Dovecot(world_dir, require_binary("dovecot")).start()
    try:
        with start_loop(make_settings, imap, tmp_path, web=True) as loop:
            loop.customer("Hello,\nplease quote air freight from Incheon to Bangkok, 3 cartons, 0.5 cbm, "
                          "ready on 10 December 2026.\nThanks", subject="Air freight quote ICN-BKK",
                          sender="Ann Lee <ann@example.com>")
            ask = loop.sink.next()
            match = re.search(r"http://127\.0\.0\.1:\d+/chat/\S+", text_of(ask))
            assert match and "Gross weight" in text_of(ask)
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, headless=True,
                                            args=["--disable-gpu", "--disable-dev-shm-usage", "--disable-quic"])
                page = browser.new_page()
                errors: list[str] = []  # CSP refusals and script errors; failed loads are checked by URL
                page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                        and not m.text.startswith("Failed to load resource") else None)
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
                        and not r.url.endswith("/favicon.ico") else None)
                page.goto(match.group(0))
                page.wait_for_selector("#chat[data-connected=yes]")
                page.wait_for_selector("#turns li.bot")
                assert "Gross weight" in page.inner_text("#turns")
                assert page.is_hidden("#answer")  # no yes/no before there is something to confirm
                page.fill("#text", "The gross weight is 120 kg")
                page.click("#send")
                page.wait_for_selector("#chat[data-state=confirming]")
                assert "120 kg" in page.locator("#turns li.bot").last.inner_text()
                page.click("#yes")
                page.wait_for_selector("#chat[data-state=quoted]")
                assert "on its way by email" in page.locator("#turns li.bot").last.inner_text()
                page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
                browser.close()
            assert not errors, errors  # no CSP violation, no script error
            quote = loop.sink.next()
            assert quote["X-RcptTo"] == "ann@example.com" and "330" in text_of(quote)
            db = open_db(loop.runtime.settings, migrate_schema=False)
            turns = records.turns(db, 1)
            assert [t["channel"] for t in turns] == ["email", "email", "chat", "chat", "chat", "chat"]
            assert [t["intent"] for t in turns][-2:] == ["yes", "quote"]
    finally:
        imap.stop()
