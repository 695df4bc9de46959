"""`busybee run` as a real process: spool ingest, /healthz, /metrics, JSON logs, clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gateway.initialize import init_gateway


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(pred, timeout: float = 20.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = pred()
        except (httpx.HTTPError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_run_ingests_serves_and_stops_cleanly(tmp_path: Path) -> None:
    init_gateway(tmp_path)
    port = free_port()
    env = {**os.environ, "BUSYBEE_WEB__PORT": str(port), "BUSYBEE_MAIL__SPOOL__POLL_SECONDS": "0.2",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    cfg = str(tmp_path / "busybee.toml")
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "--config", cfg, "run"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(f"{base}/healthz").json()["ok"], what="/healthz")
        spool = tmp_path / "data" / "spool"
        (spool / "one.eml").write_bytes(b"From: a@b.c\r\nSubject: hello\r\nMessage-ID: <r1@x>\r\n\r\nhi\r\n")
        wait_for(lambda: 'busybee_emails_ingested_total{source="spool"} 1.0' in httpx.get(f"{base}/metrics").text,
                 what="metrics to count the spool email")
        assert (spool / "processed").is_dir() and not (spool / "one.eml").exists()
        metrics = httpx.get(f"{base}/metrics").text
        assert 'busybee_jobs{kind="parse"' in metrics
        assert httpx.get(f"{base}/inbox", follow_redirects=False).status_code == 303
        status = subprocess.run([sys.executable, "-m", "gateway", "--config", cfg, "status", "--json"], env=env,
                                capture_output=True, text=True, check=True)
        report = json.loads(status.stdout)
        assert sum(report["emails"].values()) == 1
        spool_source = next(src for src in report["sources"] if src["name"] == "spool")
        assert spool_source["last_poll"] and spool_source["last_error"] is None
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    messages = [entry["msg"] for entry in lines]
    assert "gateway started" in messages and "shutdown requested" in messages and messages[-1] == "gateway stopped"
    assert all({"ts", "level", "logger", "msg"} <= set(entry) for entry in lines)


def test_run_refuses_a_bad_config_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "busybee.toml").write_text("[jobs]\nworkers = 'many'\n")
    proc = subprocess.run([sys.executable, "-m", "gateway", "--config", str(tmp_path / "busybee.toml"), "run"],
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert proc.returncode != 0
    assert "jobs.workers" in proc.stderr and "busybee.toml" in proc.stderr
