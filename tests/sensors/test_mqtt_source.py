"""The MQTT camera source against a real mosquitto running the generated config: frames, rejections, commands,
availability and alerts, and a broker restart."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest
from prometheus_client import CollectorRegistry

from gateway.cameras.broker import plan_for
from gateway.cameras.mqtt_source import DISK_ALERT, CameraSource, frames_path, offline_key
from gateway.cameras.registry import list_cameras
from gateway.cameras.topics import make_command
from gateway.config import Settings
from gateway.sensors.alerts import AlertBook
from gateway.store import open_db
from tests.sensors.camera_fixtures import (
    CameraWorld,
    camera_env,
    camera_extra_env,
    camera_world,
    jpeg_of_size,
    make_jpeg,
)
from tests.services.dovecot import make_cert, wait_port

__all__ = ["camera_extra_env", "camera_world"]
pytestmark = pytest.mark.mqtt
T = "busybee/gw1/cam"


def wait_for(cond: Callable[[], object], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


@pytest.fixture
def source(camera_world: CameraWorld) -> Iterator[CameraSource]:
    settings = camera_world.settings
    src = CameraSource(settings, lambda: open_db(settings, migrate_schema=False), CollectorRegistry(),
                       watch_interval=3600)
    src.start()
    wait_for(src.connected.is_set)
    wait_for(lambda: src.watch.last_ok is not None or src.watch.last_error is not None)
    assert src.watch.last_error is None
    yield src
    src.stop()


def metric(src: CameraSource, name: str, **labels: str) -> float:
    return src.metrics.registry.get_sample_value(name, labels) or 0.0


def test_frames_are_validated_stored_and_latest_kept_in_memory(camera_world: CameraWorld,
                                                               source: CameraSource) -> None:
    cam1 = camera_world.camera("cam1")
    frames = [jpeg_of_size(30_000 + i) for i in range(5)]
    for f in frames:
        assert cam1.publish(f"{T}/cam1/frame", f).value == 0
    wait_for(lambda: metric(source, "busybee_camera_frames_total", camera="cam1") == 5)
    latest = source.hub.latest("cam1")
    assert latest is not None and latest.data == frames[-1] and latest.seq == 5
    assert (latest.info.width, latest.info.height) == (320, 240)
    stored = sorted((frames_path(camera_world.settings) / "cam1").glob("*.jpg"))
    assert [p.read_bytes() for p in stored] == frames
    assert source.health()["connected"] is True


def test_garbage_and_oversized_payloads_are_rejected_and_counted(camera_world: CameraWorld,
                                                                 source: CameraSource) -> None:
    cam1 = camera_world.camera("cam1")
    good = make_jpeg()
    cam1.publish(f"{T}/cam1/frame", good)
    cam1.publish(f"{T}/cam1/frame", jpeg_of_size(70_000))  # over the 60,000-byte limit, under the broker's
    cam1.publish(f"{T}/cam1/frame", b"\x00garbage" * 100)
    cam1.publish(f"{T}/cam1/frame", good[: len(good) // 2])
    cam1.publish(f"{T}/cam1/status", b"{not json")
    cam1.publish(f"{T}/cam1/status", json.dumps({"fps": 500}))
    cam1.publish(f"{T}/cam1/availability", b"maybe")
    wait_for(lambda: metric(source, "busybee_camera_rejected_total", reason="bad_availability") == 1)
    counts = {r: metric(source, "busybee_camera_rejected_total", reason=r)
              for r in ("too_large", "not_jpeg", "truncated", "bad_status", "bad_availability")}
    assert counts == {"too_large": 1, "not_jpeg": 1, "truncated": 1, "bad_status": 2, "bad_availability": 1}
    state = source.hub.get("cam1")
    assert state is not None and state.frame is not None and state.frame.data == good and state.rejected == 6
    assert metric(source, "busybee_camera_frames_total", camera="cam1") == 1
    assert len(list((frames_path(camera_world.settings) / "cam1").glob("*.jpg"))) == 1
    assert b"busybee_camera_rejected_total" in __import__("prometheus_client").generate_latest(source.metrics.registry)


def test_command_is_published_and_the_cameras_retained_status_echoes_it(camera_world: CameraWorld,
                                                                        source: CameraSource) -> None:
    cam1 = camera_world.camera("cam1")
    cam1.subscribe(f"{T}/cam1/cmd")
    command = source.send_command("cam1", make_command("fps", "10"))
    wait_for(lambda: cam1.received)
    topic, payload, retained = cam1.received[0]
    assert topic == f"{T}/cam1/cmd" and not retained
    body = json.loads(payload)
    assert body == {"id": command.id, "cmd": "fps", "value": 10}
    # the board applies it and republishes its retained status with the command id
    cam1.publish(f"{T}/cam1/status", json.dumps({"fw": "0.3.1", "fps": 10, "quality": 12, "resolution": "QVGA",
                                                 "ack": body["id"]}), retain=True)
    status = source.hub.wait_ack("cam1", command.id, 5)
    assert status is not None and status.fps == 10 and status.fw == "0.3.1"
    assert source.hub.wait_ack("cam1", "never-sent", 0.2) is None
    assert metric(source, "busybee_camera_commands_total", cmd="fps") == 1


def test_retained_status_and_availability_are_seen_at_startup(camera_world: CameraWorld) -> None:
    cam2 = camera_world.camera("cam2")
    cam2.publish(f"{T}/cam2/status", json.dumps({"fw": "1.0", "resolution": "VGA"}), retain=True)
    cam2.publish(f"{T}/cam2/availability", b"online", retain=True)
    settings = camera_world.settings
    src = CameraSource(settings, lambda: open_db(settings, migrate_schema=False), CollectorRegistry(),
                       watch_interval=3600)
    src.start()
    try:
        wait_for(lambda: (s := src.hub.get("cam2")) is not None and s.status is not None and s.availability)
        state = src.hub.get("cam2")
        assert state and state.status and state.status.resolution == "VGA" and state.availability == "online"
    finally:
        src.stop()


def test_offline_camera_raises_an_alert_that_closes_when_frames_return(camera_world: CameraWorld,
                                                                        source: CameraSource) -> None:
    book = AlertBook(camera_world.db)
    cam1 = camera_world.camera("cam1")
    cam1.publish(f"{T}/cam1/availability", b"online", retain=True)
    cam1.publish(f"{T}/cam1/frame", make_jpeg())
    wait_for(lambda: source.hub.latest("cam1") is not None)
    source.watch_step()
    assert not book.is_open(offline_key("cam1"))
    # the board dies without saying goodbye: mosquitto publishes its last will
    cam1.c.socket().close()
    wait_for(lambda: (s := source.hub.get("cam1")) is not None and s.availability == "offline", 60)
    source.watch_step()
    source.watch_step()
    alerts = [a for a in book.open_alerts() if a.key == offline_key("cam1")]
    assert len(alerts) == 1 and "offline" in alerts[0].message and alerts[0].kind == "camera_offline"
    back = camera_world.camera("cam1")
    back.publish(f"{T}/cam1/availability", b"online", retain=True)
    back.publish(f"{T}/cam1/frame", make_jpeg(seed=3))
    wait_for(lambda: (s := source.hub.get("cam1")) is not None and s.availability == "online")
    source.watch_step()
    assert not book.is_open(offline_key("cam1"))
    assert book.history()[0].closed_at is not None


def test_silent_camera_goes_offline_after_the_configured_time(camera_world: CameraWorld) -> None:
    settings = camera_world.settings.model_copy(update={"cameras": camera_world.settings.cameras.model_copy(
        update={"offline_after_seconds": 5.0})})
    now = [1000.0]
    src = CameraSource(settings, lambda: open_db(settings, migrate_schema=False), CollectorRegistry(),
                       clock=lambda: now[0], watch_interval=3600)
    book = AlertBook(camera_world.db)
    src.watch_step()
    assert not book.is_open(offline_key("cam2"))
    now[0] += 6
    src.watch_step()
    assert book.is_open(offline_key("cam2")) and book.is_open(offline_key("cam1"))  # registered, never heard


def test_disk_pressure_raises_and_clears_an_alert(camera_world: CameraWorld) -> None:
    from gateway.cameras.framestore import FrameStore

    settings = camera_world.settings
    disk = {"free": 10_000_000}
    store = FrameStore(frames_path(settings), 1_000_000, 9_990_000, free=lambda _p: disk["free"])
    src = CameraSource(settings, lambda: open_db(settings, migrate_schema=False), CollectorRegistry(), store=store,
                       watch_interval=3600)
    book = AlertBook(camera_world.db)
    frame = make_jpeg()
    assert src.handle(f"{T}/cam1/frame", frame) == "frame"
    src.watch_step()
    assert not book.is_open(DISK_ALERT)
    disk["free"] = 9_985_000  # something else filled the disk: even an empty store cannot keep the floor
    assert src.handle(f"{T}/cam1/frame", frame) == "frame"  # still shown live, but not stored
    src.watch_step()
    alert = next(a for a in book.open_alerts() if a.key == DISK_ALERT)
    assert alert.severity == "critical" and alert.detail["refused"] == 1
    assert src.hub.latest("cam1") is not None
    disk["free"] = 50_000_000
    src.handle(f"{T}/cam1/frame", frame)
    src.watch_step()
    assert not book.is_open(DISK_ALERT)


@pytest.mark.slow
def test_broker_restart_is_survived_without_losing_the_subscriber(camera_world: CameraWorld,
                                                                  source: CameraSource) -> None:
    cam1 = camera_world.camera("cam1", will=False)
    cam1.publish(f"{T}/cam1/frame", make_jpeg(seed=1))
    wait_for(lambda: metric(source, "busybee_camera_frames_total", camera="cam1") == 1)
    cam1.close()
    camera_world.clients.remove(cam1)
    camera_world.broker.restart(down_seconds=1.5)
    wait_for(lambda: not source.connected.is_set() or metric(source, "busybee_mqtt_disconnects_total") >= 1)
    wait_for(source.connected.is_set, 30)
    cam1 = camera_world.camera("cam1", will=False)
    second = make_jpeg(seed=2)
    cam1.publish(f"{T}/cam1/frame", second)
    wait_for(lambda: metric(source, "busybee_camera_frames_total", camera="cam1") == 2, 15)
    latest = source.hub.latest("cam1")
    assert latest is not None and latest.data == second
    assert metric(source, "busybee_mqtt_connects_total", outcome="ok") >= 2
    assert metric(source, "busybee_mqtt_disconnects_total") >= 1


def tls_broker(world: CameraWorld) -> dict[str, str]:
    """Restart the broker with a TLS listener too; the env that points the gateway at it."""
    broker = world.broker
    broker.configure(plan_for(world.settings, [(c.cam_id, c.password_hash) for c in list_cameras(world.db)]),
                     tls=True)
    broker.restart(down_seconds=0.1)
    assert broker.tls_port is not None
    wait_port(broker.tls_port)
    return camera_env(broker.tls_port, BUSYBEE_MQTT__TLS="true", BUSYBEE_MQTT__CA_FILE=str(broker.root / "cert.pem"))


def test_gateway_connects_over_tls(camera_world: CameraWorld, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(env=tls_broker(camera_world), directory=camera_world.settings.data_dir.parent)
    src = CameraSource(settings, lambda: open_db(settings, migrate_schema=False), CollectorRegistry(),
                       watch_interval=3600)
    src.start()
    try:
        wait_for(src.connected.is_set)
        camera_world.camera("cam1").publish(f"{T}/cam1/frame", make_jpeg())  # the camera stays on plain MQTT
        wait_for(lambda: src.hub.latest("cam1") is not None)
    finally:
        src.stop()


# paho-mqtt 2.2 does not close the SSL socket whose handshake failed (client.py `_ssl_wrap_socket`); the
# garbage collector does, with a ResourceWarning
@pytest.mark.filterwarnings("ignore:Exception ignored in. <ssl.SSLSocket:pytest.PytestUnraisableExceptionWarning")
def test_gateway_refuses_a_broker_certificate_from_an_unknown_ca(camera_world: CameraWorld,
                                                                 make_settings: Callable[..., Settings]) -> None:
    env = tls_broker(camera_world)
    base = camera_world.settings.data_dir.parent
    (base / "other-ca").mkdir()
    other_ca, _ = make_cert(base / "other-ca")
    wrong = make_settings(env={**env, "BUSYBEE_MQTT__CA_FILE": str(other_ca)}, directory=base)
    bad = CameraSource(wrong, lambda: open_db(wrong, migrate_schema=False), CollectorRegistry(), watch_interval=3600)
    bad.start()
    try:
        wait_for(lambda: metric(bad, "busybee_mqtt_connects_total", outcome="failed") >= 1)
        assert not bad.connected.is_set() and "cannot connect" in (bad.health()["mqtt_error"] or "")
    finally:
        bad.stop()


def test_store_every_seconds_thins_what_is_written_but_not_what_is_shown(camera_world: CameraWorld) -> None:
    cams = camera_world.settings.cameras.model_copy(update={"store_every_seconds": 1.0})
    settings = camera_world.settings.model_copy(update={"cameras": cams})
    now = [100.0]
    src = CameraSource(settings, lambda: open_db(settings, migrate_schema=False), CollectorRegistry(),
                       clock=lambda: now[0], watch_interval=3600)
    for i in range(10):  # 5 fps for 2 s
        assert src.handle(f"{T}/cam1/frame", make_jpeg(seed=i)) == "frame"
        now[0] += 0.2
    assert src.store.stats().written == 2
    latest = src.hub.latest("cam1")
    assert latest is not None and latest.seq == 10 and latest.data == make_jpeg(seed=9)
