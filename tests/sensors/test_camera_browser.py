"""The cameras page in a real headless Chromium: the refresh script runs under the CSP and swaps in new frames."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.cameras.mqtt_source import CameraSource
from gateway.config import Settings
from gateway.metrics import Metrics
from gateway.store import open_db
from gateway.web.app import WebState, create_app
from gateway.web.users import add_user
from tests.conftest import require_binary
from tests.sensors.camera_fixtures import camera_env, make_jpeg
from tests.services.live_app import serve

pytestmark = pytest.mark.browser
T = "busybee/gw1/cam"


@dataclass
class Live:
    url: str
    source: CameraSource


@pytest.fixture
def live(make_settings: Callable[..., Settings]) -> Iterator[Live]:
    settings = make_settings(env=camera_env(1))
    db = open_db(settings)
    add_user(db, "clerk", "warehouse-pass")
    metrics = Metrics()
    source = CameraSource(settings, lambda: open_db(settings, migrate_schema=False), metrics.registry)
    app = create_app(WebState(settings, lambda: open_db(settings, migrate_schema=False), metrics,
                              services={"cameras": source}))
    with serve(app) as url:
        yield Live(url, source)


def until(page: Any, script: str, seconds: float = 10.0) -> None:
    """Poll a JS expression from outside the page (the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"never true: {script}"
        time.sleep(0.05)


def test_cameras_page_refreshes_frames_and_state_in_chromium(live: Live) -> None:
    chromium = require_binary("chromium")
    from playwright.sync_api import sync_playwright

    live.source.handle(f"{T}/cam1/availability", b"online")
    live.source.handle(f"{T}/cam1/frame", make_jpeg(320, 240))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--disable-gpu", "--disable-dev-shm-usage", "--disable-quic"])
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" and
                "Failed to load resource" not in m.text else None)  # failed loads: checked by status below
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and
                not r.url.endswith("/favicon.ico") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{live.url}/cameras")
        page.fill("input[name=username]", "clerk")
        page.fill("input[name=password]", "warehouse-pass")
        page.click("button[type=submit]")
        page.wait_for_selector("section.camera[data-camera=cam1]")
        img = "section.camera[data-camera=cam1] img.cam-frame"
        until(page, f"document.querySelector('{img}').naturalWidth === 320")
        # a new, bigger frame and a status arrive while the page is open: the script swaps them in
        live.source.handle(f"{T}/cam1/frame", make_jpeg(640, 480, seed=5))
        live.source.handle(f"{T}/cam1/status", b'{"fw": "0.4.0", "fps": 7}')
        until(page, f"document.querySelector('{img}').naturalWidth === 640")
        assert page.get_attribute(img, "data-seq") == "2"
        until(page, "document.querySelector('.cam-status').textContent.includes('fw=0.4.0')")
        assert "640x480" in page.inner_text("section.camera[data-camera=cam1] .cam-info")
        live.source.handle(f"{T}/cam1/availability", b"offline")
        until(page, "document.querySelector('.cam-availability').textContent === 'offline'")
        browser.close()
    assert problems == []
