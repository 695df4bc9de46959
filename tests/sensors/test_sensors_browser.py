"""The sensors page in a real headless Chromium: charts and track render, nothing trips the CSP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.metrics import Metrics
from gateway.store import open_db
from gateway.web.app import WebState, create_app
from gateway.web.users import add_user
from tests.conftest import require_binary
from tests.sensors.test_sensors_web import fill
from tests.services.live_app import serve

pytestmark = pytest.mark.browser


@pytest.fixture
def live_sensors(settings: Settings) -> Iterator[str]:
    add_user(open_db(settings), "clerk", "warehouse-pass")
    fill(settings, time.time())
    app = create_app(WebState(settings, lambda: open_db(settings, migrate_schema=False), Metrics()))
    with serve(app) as url:
        yield url


def test_sensors_page_renders_in_chromium(live_sensors: str, tmp_path: Path) -> None:
    chromium = require_binary("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--disable-gpu", "--disable-dev-shm-usage", "--disable-quic"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        problems: list[str] = []
        page.on("console", lambda msg: problems.append(f"{msg.text} {msg.location.get('url')}")
                if msg.type in ("error", "warning") and not msg.location.get("url", "").endswith("/favicon.ico")
                else None)
        page.goto(f"{live_sensors}/sensors")
        page.fill("input[name=username]", "clerk")
        page.fill("input[name=password]", "warehouse-pass")
        page.click("button[type=submit]")
        page.wait_for_selector("section.sensors-board")
        assert page.url == f"{live_sensors}/sensors"
        chart = page.locator("svg.chart").first.bounding_box()
        track = page.locator("svg.track").first.bounding_box()
        path = page.locator("svg.track polyline.path").bounding_box()
        assert chart and chart["width"] > 300 and chart["height"] > 60
        assert track and track["width"] > 200 and path and path["width"] > 50 and path["height"] > 50
        assert "temperature 10.9 °C above 8 °C" in page.inner_text("#open-alerts")
        page.click("text=7 days")
        page.wait_for_url("**/sensors?hours=168")
        page.screenshot(path=str(tmp_path / "sensors.png"), full_page=True)
        browser.close()
    assert problems == [], problems
