"""`busybee sensors replay|status|alerts|compact` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from gateway.config import Settings
from gateway.sensors.alerts import AlertBook
from gateway.sensors.nmea import Env, Hello, encode_env, encode_heartbeat, encode_hello, frame
from gateway.sensors.store import SensorStore
from gateway.store import open_db
from tests.sensors.conftest import NMEA_DIR

RMC = frame("GPRMC,083723.00,A,5155.55442,N,00434.65873,E,0.211,12.5,210810,,,A")
GGA = "$GPGGA,083723.00,5155.55442,N,00434.65873,E,1,06,2.51,-4.0,M,46.0,M,,*70"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_replay_json_prints_one_object_per_event(runner: CliRunner, tmp_path: Path) -> None:
    capture = tmp_path / "capture.log"
    lines = [encode_hello("1.3.0", "uno-42"), RMC, GGA, encode_env(7, 4.5, 61.0),
             encode_env(8, None, None, "TIMEOUT"), "$BBENV,9,4.5,61.0,OK*00", encode_heartbeat(3600), "$GPGGA,0837"]
    capture.write_bytes("\r\n".join(lines).encode())
    r = runner.invoke(cli, ["sensors", "replay", "--json", str(capture)])
    assert r.exit_code == 0, r.output
    objs = [json.loads(line) for line in r.output.splitlines()]
    assert objs[0] == {"kind": "hello", "firmware": "1.3.0", "board_id": "uno-42"}
    assert objs[1] == {"kind": "env", "seq": 7, "temp_c": 4.5, "humidity": 61.0, "status": "OK"}
    assert objs[2] == {"kind": "env", "seq": 8, "temp_c": None, "humidity": None, "status": "TIMEOUT"}
    assert objs[3]["kind"] == "bad" and objs[3]["reason"] == "bad_checksum" and objs[3]["line"].startswith("$BBENV,9")
    assert objs[4] == {"kind": "heartbeat", "uptime_s": 3600}
    fix = objs[5]
    assert fix["kind"] == "fix" and fix["time"] == "2010-08-21T08:37:23.000Z"
    assert fix["lat"] == pytest.approx(51.925907) and fix["lon"] == pytest.approx(4.5776455)
    assert (fix["speed_kn"], fix["course"], fix["fix_quality"], fix["satellites"], fix["hdop"]) == \
        (0.211, 12.5, 1, 6, 2.51)
    assert objs[6] == {"kind": "bad", "line": "$GPGGA,0837", "reason": "truncated"}
    assert len(objs) == 7


def test_replay_of_a_real_log_summarises(runner: CliRunner) -> None:
    r = runner.invoke(cli, ["sensors", "replay", str(NMEA_DIR / "ublox-8.log")])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == ("1009 lines: 72 fixes, 0 readings, 0 hello, 0 heartbeats, "
                                         "504 other GPS sentences; bad lines: noise 1, truncated 1")
    assert "fix   2017-01-10T00:09:41.000Z  44.068898, -121.314271" in r.output


def test_replay_reads_stdin_and_can_keep_comment_lines(runner: CliRunner) -> None:
    data = "# a note\n" + encode_heartbeat(1) + "\n"
    r = runner.invoke(cli, ["sensors", "replay", "--json", "-"], input=data)
    assert [json.loads(x)["kind"] for x in r.output.splitlines()] == ["heartbeat"]
    r = runner.invoke(cli, ["sensors", "replay", "--json", "--keep-comments", "-"], input=data)
    assert [json.loads(x)["reason"] for x in r.output.splitlines() if "reason" in x] == ["noise"]


def test_status_and_alerts(runner: CliRunner, settings: Settings) -> None:
    assert settings.source is not None
    cfg = ["--config", str(settings.source)]
    assert "no sensor board seen yet" in runner.invoke(cli, [*cfg, "sensors", "status"]).output
    db = open_db(settings)
    SensorStore(db).record("uno-42", "/dev/busybee-uno", [Hello("1.3.0", "uno-42"), Env(0, 4.5, 61.0, "OK")], 2)
    book = AlertBook(db)
    book.raise_("board:uno-42:silent", "board_silent", "critical", "sensor board uno-42 silent for 130 s")
    book.raise_("env:uno-42:temperature", "temperature", "warning", "temperature 9 °C above 8 °C for 5 min")
    book.clear("env:uno-42:temperature")
    out = runner.invoke(cli, [*cfg, "sensors", "status"]).output
    assert "uno-42  firmware 1.3.0" in out and "latest reading 4.5 °C 61.0 % OK" in out
    (board,) = [json.loads(x) for x in runner.invoke(cli, [*cfg, "sensors", "status", "--json"]).output.splitlines()]
    assert board["env_count"] == 1 and board["lines"] == 2
    open_out = runner.invoke(cli, [*cfg, "sensors", "alerts"]).output
    assert "board_silent" in open_out and "temperature" not in open_out
    listed = runner.invoke(cli, [*cfg, "sensors", "alerts", "--all", "--json"]).output
    history = [json.loads(x) for x in listed.splitlines()]
    assert [(a["kind"], a["state"]) for a in history] == [("temperature", "closed"), ("board_silent", "open")]
    assert "summarised 0 readings" in runner.invoke(cli, [*cfg, "sensors", "compact"]).output


@pytest.mark.parametrize("sub", ["replay", "status", "alerts", "compact"])
def test_every_sensors_command_has_help(runner: CliRunner, sub: str) -> None:
    r = runner.invoke(cli, ["sensors", sub, "--help"])
    assert r.exit_code == 0 and "Usage:" in r.output and len(r.output.splitlines()) > 3
