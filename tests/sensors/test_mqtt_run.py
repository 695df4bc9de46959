"""`busybee run` with [mqtt] on, as a real process: the camera component connects, frames reach the web page."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gateway.web.users import add_user
from tests.sensors.camera_fixtures import CameraWorld, camera_env, camera_extra_env, camera_world, make_jpeg
from tests.services.dovecot import free_port

__all__ = ["camera_extra_env", "camera_world"]
pytestmark = pytest.mark.mqtt


def test_busybee_run_ingests_camera_frames_and_serves_them(camera_world: CameraWorld) -> None:
    settings = camera_world.settings
    add_user(camera_world.db, "admin", "run-test-password")
    port = free_port()
    assert settings.source is not None
    env = {**os.environ, **camera_env(camera_world.broker.port), "BUSYBEE_CONFIG": str(settings.source),
           "BUSYBEE_WEB__ENABLED": "true", "BUSYBEE_WEB__PORT": str(port), "BUSYBEE_LOG__LEVEL": "warning"}
    log = Path(settings.data_dir) / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gateway", "run"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    web = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                cams = web.get("/healthz").json()["components"].get("cameras", {})
                if cams.get("connected"):
                    break
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        frame = make_jpeg(seed=9)
        camera_world.camera("cam1").publish("busybee/gw1/cam/cam1/frame", frame)
        csrf = web.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        web.post("/login", data={"username": "admin", "password": "run-test-password", "csrf": csrf})
        deadline = time.monotonic() + 10
        while (r := web.get("/cameras/cam1/latest.jpg")).status_code != 200:
            assert time.monotonic() < deadline, r.text
            time.sleep(0.05)
        assert r.content == frame
        assert 'data-camera="cam1"' in web.get("/cameras").text
        assert 'busybee_camera_frames_total{camera="cam1"} 1.0' in web.get("/metrics").text
        # the gateway's own availability is retained online while it runs, offline after a clean stop
        watcher = camera_world.gateway_client()
        watcher.subscribe("busybee/gw1/availability")
        deadline = time.monotonic() + 5
        while not watcher.received:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert watcher.received[-1][1] == b"online"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        deadline = time.monotonic() + 5
        while watcher.received[-1][1] != b"offline":
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        web.close()
