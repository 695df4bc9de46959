"""The generated mosquitto config, password file and ACL, enforced by a real mosquitto."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cameras.broker import hash_password, render_acl, verify_password
from gateway.cameras.broker import plan_for as broker_plan
from gateway.cameras.registry import remove_camera
from gateway.cli import cli
from gateway.config import Settings
from tests.conftest import require_binary
from tests.sensors.camera_fixtures import (
    GATEWAY_PASSWORD,
    CameraWorld,
    Client,
    camera_env,
    camera_extra_env,
    camera_world,
)

__all__ = ["camera_extra_env", "camera_world"]
NOT_AUTHORIZED = 0x87
T = "busybee/gw1/cam"


def delivered(client: Client, within: float = 1.0) -> list[tuple[str, bytes, bool]]:
    time.sleep(within)
    return list(client.received)


def test_hash_format_matches_mosquitto_passwd(world_dir: Path) -> None:
    path = world_dir / "pw"
    subprocess.run([require_binary("mosquitto_passwd"), "-c", "-b", str(path), "cam9", "s3cret"], check=True)
    theirs = path.read_text().strip().split(":", 1)[1]
    assert theirs.startswith("$7$") and verify_password("s3cret", theirs) and not verify_password("nope", theirs)
    ours = hash_password("s3cret")
    assert ours.split("$")[1:3] == theirs.split("$")[1:3]  # same scheme and iteration count
    assert verify_password("s3cret", ours) and not verify_password("s3creT", ours)


def test_acl_text_gives_each_camera_only_its_own_topics(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(env=camera_env(1883))
    acl = render_acl(broker_plan(settings, [("cam1", "h1"), ("cam2", "h2")]))
    cam1 = acl.split("user cam1\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert cam1 == [f"topic write {T}/cam1/frame", f"topic write {T}/cam1/status",
                    f"topic write {T}/cam1/availability", f"topic read {T}/cam1/cmd"]
    assert "pattern" not in acl and "#" not in "".join(cam1) and "+" not in "".join(cam1)


@pytest.mark.mqtt
def test_camera_cannot_publish_under_another_cameras_topic(camera_world: CameraWorld) -> None:
    gw = camera_world.gateway_client()
    gw.subscribe("busybee/gw1/#")
    cam1 = camera_world.camera("cam1", will=False)
    assert cam1.publish(f"{T}/cam1/frame", b"\xff\xd8ok").value == 0  # its own topic: accepted
    for topic in (f"{T}/cam2/frame", f"{T}/cam2/status", f"{T}/cam2/availability", f"{T}/cam1/cmd",
                  f"{T}/cam2/cmd", "busybee/gw1/sensors/x/state", "busybee/other/cam/cam1/frame"):
        assert cam1.publish(topic, b"spoof").value == NOT_AUTHORIZED, topic
    got = delivered(gw)
    assert [t for t, _, _ in got] == [f"{T}/cam1/frame"]
    assert "Denied PUBLISH" in camera_world.broker.log


@pytest.mark.mqtt
def test_camera_reads_only_its_own_cmd_topic(camera_world: CameraWorld) -> None:
    cam1 = camera_world.camera("cam1", will=False)
    cam1.subscribe(f"{T}/+/cmd")
    cam1.subscribe(f"{T}/cam2/frame")
    gw = camera_world.gateway_client()
    assert gw.publish(f"{T}/cam2/cmd", b'{"cmd":"snap"}').value == 0
    assert gw.publish(f"{T}/cam1/cmd", b'{"cmd":"snap","id":"a1"}').value == 0
    cam2 = camera_world.camera("cam2", will=False)
    cam2.publish(f"{T}/cam2/frame", b"frame of cam2")
    assert [t for t, _, _ in delivered(cam1)] == [f"{T}/cam1/cmd"]


@pytest.mark.mqtt
def test_gateway_user_cannot_impersonate_a_camera(camera_world: CameraWorld) -> None:
    gw = camera_world.gateway_client()
    assert gw.publish(f"{T}/cam1/frame", b"fake").value == NOT_AUTHORIZED
    assert gw.publish(f"{T}/cam1/availability", b"online").value == NOT_AUTHORIZED


@pytest.mark.mqtt
def test_wrong_password_and_removed_camera_are_refused(camera_world: CameraWorld) -> None:
    port = camera_world.broker.port
    bad = Client(port, "cam1", "wrong")
    assert bad.connect_rc.is_failure
    bad.close()
    remove_camera(camera_world.db, "cam2")
    camera_world.regenerate()
    gone = Client(port, "cam2", camera_world.passwords["cam2"])
    assert gone.connect_rc.is_failure
    gone.close()
    ok = Client(port, "gateway", GATEWAY_PASSWORD)
    assert not ok.connect_rc.is_failure
    ok.close()


def test_broker_config_command_writes_the_three_files(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(env=camera_env(1884))
    runner = CliRunner()
    env = {"BUSYBEE_CONFIG": str(settings.source), **camera_env(1884)}
    added = runner.invoke(cli, ["cameras", "add", "dock-1", "--note", "loading dock", "--json"], env=env)
    assert added.exit_code == 0, added.output
    creds = json.loads(added.stdout)
    password = creds["password"]
    assert creds["frame_topic"] == "busybee/gw1/cam/dock-1/frame" and creds["username"] == "dock-1"
    text = runner.invoke(cli, ["cameras", "add", "dock-2"], env=env).output
    assert "password" in text and "busybee/gw1/cam/dock-2/cmd" in text
    assert runner.invoke(cli, ["cameras", "add", "dock-1"], env=env).exit_code != 0  # taken
    assert runner.invoke(cli, ["cameras", "add", "bad/id"], env=env).exit_code != 0
    listed = runner.invoke(cli, ["cameras", "list"], env=env)
    assert "dock-1" in listed.output and "loading dock" in listed.output
    out = tmp_path / "broker"
    r = runner.invoke(cli, ["cameras", "broker-config", "--out", str(out), "--install-dir", "/etc/mosquitto/busybee"],
                      env=env)
    assert r.exit_code == 0, r.output
    conf = (out / "mosquitto.conf").read_text()
    assert "password_file /etc/mosquitto/busybee/passwd" in conf and "listener 1884 0.0.0.0" in conf
    assert "allow_anonymous false" in conf and "pid_file" not in conf  # a conf.d snippet
    line = next(x for x in (out / "passwd").read_text().splitlines() if x.startswith("dock-1:"))
    assert verify_password(password, line.split(":", 1)[1])
    assert (out / "passwd").stat().st_mode & 0o777 == 0o600
    assert "user dock-1" in (out / "acl").read_text()
    assert runner.invoke(cli, ["cameras", "remove", "dock-1"], env=env).exit_code == 0
    assert runner.invoke(cli, ["cameras", "remove", "dock-1"], env=env).exit_code != 0
    assert runner.invoke(cli, ["cameras", "remove", "dock-2"], env=env).exit_code == 0
    assert "no camera registered" in runner.invoke(cli, ["cameras", "list"], env=env).output


@pytest.mark.mqtt
def test_cameras_send_prints_the_cameras_echo(camera_world: CameraWorld) -> None:
    settings = camera_world.settings
    cam1 = camera_world.camera("cam1", will=False)
    cam1.subscribe(f"{T}/cam1/cmd")

    def board(cam: Client) -> None:  # apply the command and echo its id in the retained status
        deadline = time.monotonic() + 10
        while not cam.received and time.monotonic() < deadline:
            time.sleep(0.01)
        body = json.loads(cam.received[0][1])
        cam.publish(f"{T}/cam1/status", json.dumps({"quality": body["value"], "ack": body["id"]}), retain=True)

    thread = threading.Thread(target=board, args=(cam1,))
    thread.start()
    env = {"BUSYBEE_CONFIG": str(settings.source), **camera_env(camera_world.broker.port)}
    r = CliRunner().invoke(cli, ["cameras", "send", "cam1", "quality", "20"], env=env)
    thread.join(10)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["quality"] == 20
    silent = CliRunner().invoke(cli, ["cameras", "send", "cam2", "snap", "--wait", "0.5"], env=env)
    assert silent.exit_code != 0 and "no status from cam2" in silent.output
    bad = CliRunner().invoke(cli, ["cameras", "send", "cam1", "fps", "99"], env=env)
    assert bad.exit_code != 0 and "fps must be an integer from 1 to 30" in bad.output


@pytest.mark.mqtt
def test_broker_drops_packets_over_its_limit_and_passes_oversized_frames_below_it(camera_world: CameraWorld) -> None:
    gw = camera_world.gateway_client()
    gw.subscribe(f"{T}/cam1/frame")
    cam1 = camera_world.camera("cam1", will=False)
    assert cam1.publish(f"{T}/cam1/frame", b"\xff" * 100_000).value == 0  # over the gateway's 60 KB: for it to count
    huge = cam1.c.publish(f"{T}/cam1/frame", b"\xff" * 300_000, qos=1)  # over max_packet_size (256 KB)
    huge.wait_for_publish(1.5)  # never acknowledged: mosquitto drops the packet and the connection
    got = delivered(gw)
    assert [len(p) for _, p, _ in got] == [100_000]
