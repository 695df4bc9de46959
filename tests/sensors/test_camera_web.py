"""The cameras page: login required, live latest frame from memory, state for the refresh script, commands."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from gateway.cameras.mqtt_source import CameraSource
from gateway.config import Settings
from gateway.metrics import Metrics
from gateway.store import open_db
from gateway.web.app import WebState, create_app
from gateway.web.users import add_user
from tests.sensors.camera_fixtures import CameraWorld, Client, camera_env, camera_extra_env, camera_world, make_jpeg

__all__ = ["camera_extra_env", "camera_world"]
PASSWORD = "correct horse battery"
T = "busybee/gw1/cam"


@dataclass
class Page:
    client: TestClient
    source: CameraSource

    def login(self) -> None:
        page = self.client.get("/login")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = self.client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf},
                             follow_redirects=False)
        assert r.status_code == 303

    def csrf(self) -> str:
        return self.client.get("/cameras").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def make_page(settings: Settings) -> Iterator[Page]:
    db = open_db(settings)
    add_user(db, "admin", PASSWORD, admin=True)
    metrics = Metrics()
    source = CameraSource(settings, lambda: open_db(settings, migrate_schema=False), metrics.registry,
                          watch_interval=3600)
    state = WebState(settings, lambda: open_db(settings, migrate_schema=False), metrics, services={"cameras": source})
    with TestClient(create_app(state)) as client:
        yield Page(client, source)


@pytest.fixture
def page(make_settings: Callable[..., Settings]) -> Iterator[Page]:
    yield from make_page(make_settings(env=camera_env(1)))


def test_every_camera_route_needs_login(page: Page) -> None:
    page.source.handle(f"{T}/cam1/frame", make_jpeg())
    for path in ("/cameras", "/cameras/state.json", "/cameras/cam1/latest.jpg"):
        r = page.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    r = page.client.post("/cameras/cam1/cmd", data={"cmd": "snap"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_latest_frame_is_served_from_memory_with_an_etag(page: Page) -> None:
    page.login()
    assert page.client.get("/cameras/cam1/latest.jpg").status_code == 404
    first, second = make_jpeg(seed=1), make_jpeg(seed=2)
    page.source.handle(f"{T}/cam1/frame", first)
    r = page.client.get("/cameras/cam1/latest.jpg")
    assert r.status_code == 200 and r.content == first and r.headers["content-type"] == "image/jpeg"
    assert r.headers["x-frame-seq"] == "1" and r.headers["cache-control"] == "no-store"
    assert page.client.get("/cameras/cam1/latest.jpg", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    page.source.handle(f"{T}/cam1/frame", second)
    r = page.client.get("/cameras/cam1/latest.jpg", headers={"If-None-Match": r.headers["etag"]})
    assert r.status_code == 200 and r.content == second
    assert page.client.get("/cameras/..%2F..%2Fetc/latest.jpg").status_code == 404


def test_page_lists_cameras_with_state_and_hostile_status_is_escaped(page: Page) -> None:
    page.source.handle(f"{T}/cam1/frame", make_jpeg(640, 480))
    page.source.handle(f"{T}/cam1/availability", b"online")
    page.source.handle(f"{T}/cam1/status", json.dumps({"fw": "<script>alert(1)</script>", "fps": 5}).encode())
    page.source.handle(f"{T}/cam2/availability", b"offline")
    page.login()
    html = page.client.get("/cameras").text
    assert 'data-camera="cam1"' in html and 'data-camera="cam2"' in html and "640x480" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert '<script src="/cameras/static/cameras.js"></script>' in html and "<script>" not in html
    state = page.client.get("/cameras/state.json").json()
    cams = {c["camera"]: c for c in state["cameras"]}
    assert cams["cam1"]["online"] and cams["cam1"]["seq"] == 1 and cams["cam1"]["status"]["fps"] == 5
    assert not cams["cam2"]["online"] and cams["cam2"]["availability"] == "offline"
    js = page.client.get("/cameras/static/cameras.js")
    assert js.status_code == 200 and "state.json" in js.text and "javascript" in js.headers["content-type"]


def test_command_needs_the_csrf_token_and_a_valid_value(page: Page) -> None:
    page.source.handle(f"{T}/cam1/availability", b"online")
    page.login()
    assert page.client.post("/cameras/cam1/cmd", data={"cmd": "fps", "value": "5", "csrf": "forged"}).status_code == 403
    r = page.client.post("/cameras/cam1/cmd", data={"cmd": "fps", "value": "500", "csrf": page.csrf()},
                         follow_redirects=False)
    assert r.status_code == 303 and "error=" in r.headers["location"]
    assert "fps must be an integer from 1 to 30" in page.client.get(r.headers["location"]).text


@pytest.mark.mqtt
def test_command_button_reaches_the_camera_and_shows_its_confirmation(camera_world: CameraWorld) -> None:
    for p in make_page(camera_world.settings):
        p.source.start()
        try:
            deadline = time.monotonic() + 10
            while not p.source.connected.is_set():
                assert time.monotonic() < deadline
                time.sleep(0.02)
            cam1 = camera_world.camera("cam1")
            cam1.subscribe(f"{T}/cam1/cmd")

            def board(cam: Client) -> None:  # the camera applies the command, echoes its id in its status
                while not cam.received:
                    time.sleep(0.01)
                body = json.loads(cam.received[0][1])
                cam.publish(f"{T}/cam1/status", json.dumps({"resolution": body["value"], "ack": body["id"]}),
                             retain=True)

            t = threading.Thread(target=board, args=(cam1,))
            t.start()
            p.login()
            r = p.client.post("/cameras/cam1/cmd", data={"cmd": "resolution", "value": "vga", "csrf": p.csrf()},
                              follow_redirects=False)
            t.join(10)
            assert r.status_code == 303 and "acked=yes" in r.headers["location"]
            assert json.loads(cam1.received[0][1])["value"] == "VGA"
            assert "the camera confirmed it" in p.client.get(r.headers["location"]).text
        finally:
            p.source.stop()


def test_open_camera_alerts_show_on_the_page_and_unknown_cameras_get_404(page: Page) -> None:
    from gateway.sensors.alerts import AlertBook

    settings = page.source.settings
    db = open_db(settings, migrate_schema=False)
    AlertBook(db).raise_("camera:cam7:offline", "camera_offline", "warning", "Camera cam7 sent no frame for 60 s")
    AlertBook(db).raise_("sensor:uno1:temp", "temperature", "critical", "Not a camera alert")
    page.login()
    html = page.client.get("/cameras").text
    assert 'data-alert="camera:cam7:offline"' in html and "Camera cam7 sent no frame" in html
    assert "Not a camera alert" not in html
    r = page.client.post("/cameras/ghost/cmd", data={"cmd": "snap", "csrf": page.csrf()}, follow_redirects=False)
    assert r.status_code == 404
