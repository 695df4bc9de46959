"""The whole sensors path inside the gateway's Runtime: a board on a pty goes out of band, staff get an email."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from gateway.config import Settings
from gateway.runtime import Runtime
from gateway.sensors.alerts import AlertBook
from gateway.sensors.nmea import encode_env, encode_hello
from gateway.store import open_db
from tests.sensors.pty_board import PtyBoard

pytestmark = pytest.mark.smtp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(cond: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_out_of_band_reading_reaches_staff_by_email(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    smtp = Controller(Mailbox(maildir), hostname="127.0.0.1", port=free_port())
    smtp.start()
    board = PtyBoard(tmp_path / "busybee-uno")
    env = {
        "BUSYBEE_WEB__ENABLED": "true", "BUSYBEE_WEB__PORT": "0",
        "BUSYBEE_SENSORS__SERIAL__ENABLED": "true", "BUSYBEE_SENSORS__SERIAL__PORT": f'"{board.link}"',
        "BUSYBEE_SENSORS__ENV__TEMP_MAX_C": "8.0", "BUSYBEE_SENSORS__ENV__GRACE_SECONDS": "0",
        "BUSYBEE_SMTP__ENABLED": "true", "BUSYBEE_SMTP__PORT": str(smtp.port), "BUSYBEE_SMTP__SECURITY": '"none"',
        "BUSYBEE_ALERTS__EMAIL_TO": '["cold-chain@warehouse.test"]',
    }
    settings = make_settings(env=env)
    runtime = Runtime(settings)
    runtime.build()
    assert {"sensors-serial", "alert-mail"} <= {c.name for c in runtime.components}
    runtime.start()
    try:
        health = f"http://127.0.0.1:{runtime.web_port}/healthz"
        wait_for(lambda: httpx.get(health).json()["components"]["sensors-serial"]["connected"])
        board.write((encode_hello("1.3.0", "uno-42") + "\r\n" + encode_env(0, 5.0, 50.0) + "\r\n").encode())
        board.write((encode_env(1, 11.5, 50.0) + "\r\n").encode())
        wait_for(lambda: (maildir / "new").exists() and any((maildir / "new").iterdir()))
        metrics = httpx.get(f"http://127.0.0.1:{runtime.web_port}/metrics").text
        assert "busybee_serial_connected 1.0" in metrics and 'busybee_serial_events_total{kind="env"} 2.0' in metrics
        assert 'busybee_alerts_open{kind="temperature",severity="warning"} 1.0' in metrics
        board.write((encode_env(2, 6.0, 50.0) + "\r\n").encode())
        wait_for(lambda: len(list((maildir / "new").iterdir())) == 2)
        report = httpx.get(health).json()
        assert report["ok"] and report["components"]["sensors-serial"]["board_id"] == "uno-42"
    finally:
        runtime.stop()
        board.close()
        smtp.stop()
    files = (maildir / "new").iterdir()
    mails = sorted((email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files),
                   key=lambda m: m["Subject"])
    assert [m["Subject"] for m in mails] == [
        "[BusyBee gw1] ALERT warning: temperature 11.5 °C above 8 °C for 0 min",
        "[BusyBee gw1] RESOLVED warning: temperature 11.5 °C above 8 °C for 0 min",
    ]
    assert mails[0]["X-RcptTo"] == "cold-chain@warehouse.test"
    (alert,) = AlertBook(open_db(settings)).history()
    assert alert.key == "env:uno-42:temperature" and alert.state == "closed"
