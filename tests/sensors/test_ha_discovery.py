"""Home Assistant MQTT discovery: entities announced (retained), re-announced when HA comes online, states published."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest
from prometheus_client import CollectorRegistry

from gateway.cameras.homeassistant import Discovery, sensor_states
from gateway.cameras.mqtt_source import CameraSource
from gateway.cameras.topics import Topics
from gateway.store import open_db
from tests.sensors.camera_fixtures import CameraWorld, Client, camera_world

__all__ = ["camera_world"]
HA_PASSWORD = "ha-secret-pw"


@pytest.fixture
def camera_extra_env() -> dict[str, str]:
    return {"BUSYBEE_CAMERAS__HOMEASSISTANT__ENABLED": "true",
            "BUSYBEE_CAMERAS__HOMEASSISTANT__PUBLISH_SECONDS": "0.5",
            "BUSYBEE_CAMERAS__HOMEASSISTANT__BROKER_USERNAME": "homeassistant",
            "BUSYBEE_CAMERAS__HOMEASSISTANT__BROKER_PASSWORD": HA_PASSWORD}


def wait_for(cond: Callable[[], object], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def seed_sensors(world: CameraWorld) -> None:
    db = world.db
    now = time.time()
    db.execute("INSERT INTO sensor_boards (board_id, firmware, first_seen, last_seen) VALUES ('uno1', '1.0', ?, ?)",
               [now, now])
    db.execute("INSERT INTO sensor_readings (board_id, ts, seq, temp_c, humidity, status) VALUES "
               "('uno1', ?, 1, 4.5, 61.0, 'OK'), ('uno1', ?, 2, NULL, NULL, 'TIMEOUT')", [now - 5, now])
    db.execute("INSERT INTO gps_fixes (board_id, ts, lat, lon, speed_kn, course, fix_quality, satellites, hdop) "
               "VALUES ('uno1', ?, 35.1796, 129.0756, 0.4, 91.0, 1, 8, 1.2)", [now])


def test_discovery_payloads_follow_home_assistants_schema() -> None:
    d = Discovery("gw1", "ha")
    topic, payload = d.camera("cam1")
    cfg = json.loads(payload)
    assert topic == "ha/camera/busybee_gw1_cam1/config"
    assert cfg["topic"] == "busybee/gw1/cam/cam1/frame" and cfg["unique_id"] == "busybee_gw1_cam1"
    assert cfg["availability_topic"] == "busybee/gw1/cam/cam1/availability"
    by_topic = {t: json.loads(p) for t, p in d.board("uno1")}
    temp = by_topic["ha/sensor/busybee_gw1_uno1_temperature/config"]
    assert temp["state_topic"] == "busybee/gw1/sensors/uno1/state" and temp["unit_of_measurement"] == "°C"
    assert temp["value_template"] == "{{ value_json.temp_c }}" and temp["device_class"] == "temperature"
    gps = by_topic["ha/device_tracker/busybee_gw1_uno1_gps/config"]
    assert gps["json_attributes_topic"] == "busybee/gw1/sensors/uno1/gps" and gps["source_type"] == "gps"


@pytest.fixture
def ha_source(camera_world: CameraWorld) -> Iterator[CameraSource]:
    settings = camera_world.settings
    src = CameraSource(settings, lambda: open_db(settings, migrate_schema=False), CollectorRegistry(),
                       watch_interval=0.1)
    yield src
    src.stop()


def test_latest_sensor_values_come_from_the_serial_tables(camera_world: CameraWorld) -> None:
    seed_sensors(camera_world)
    states = {t: json.loads(p) for t, p in sensor_states(camera_world.db, Topics("gw1"))}
    assert states["busybee/gw1/sensors/uno1/state"]["temp_c"] == 4.5  # the last GOOD reading, not the TIMEOUT
    fix = states["busybee/gw1/sensors/uno1/gps"]
    assert (fix["latitude"], fix["longitude"], fix["satellites"], fix["gps_accuracy"]) == (35.1796, 129.0756, 8, 6.0)


@pytest.mark.mqtt
def test_entities_are_announced_and_reannounced_when_home_assistant_restarts(camera_world: CameraWorld,
                                                                             ha_source: CameraSource) -> None:
    seed_sensors(camera_world)
    ha = camera_world.gateway_client("homeassistant", HA_PASSWORD)
    ha.subscribe("homeassistant/#")
    ha.subscribe("busybee/gw1/sensors/#")
    ha_source.start()
    want = {"homeassistant/camera/busybee_gw1_cam1/config", "homeassistant/camera/busybee_gw1_cam2/config",
            "homeassistant/sensor/busybee_gw1_uno1_temperature/config",
            "homeassistant/sensor/busybee_gw1_uno1_humidity/config",
            "homeassistant/device_tracker/busybee_gw1_uno1_gps/config",
            "busybee/gw1/sensors/uno1/state", "busybee/gw1/sensors/uno1/gps"}
    wait_for(lambda: want <= {t for t, _, _ in ha.received})
    ha.received.clear()
    # Home Assistant restarts: it says online and expects every config again
    ha.publish("homeassistant/status", b"online")
    wait_for(lambda: {t for t, _, _ in ha.received if t.endswith("/config")} >= {w for w in want if "config" in w})
    # a fresh subscriber gets the configs as retained messages
    late = Client(camera_world.broker.port, "homeassistant", HA_PASSWORD)
    camera_world.clients.append(late)
    late.subscribe("homeassistant/camera/#")
    wait_for(lambda: len(late.received) >= 2)
    assert all(retained for _, _, retained in late.received)
    # a camera removed from the registry disappears from Home Assistant (empty retained config)
    from gateway.cameras.registry import remove_camera

    ha.received.clear()
    ha_source.registry_refresh_seconds = 0.1
    remove_camera(camera_world.db, "cam2")
    wait_for(lambda: ("homeassistant/camera/busybee_gw1_cam2/config", b"", False) in ha.received
             or ("homeassistant/camera/busybee_gw1_cam2/config", b"", True) in ha.received)
    # Home Assistant's broker user only reads the gateway's topics
    assert ha.publish("busybee/gw1/cam/cam1/cmd", b'{"cmd":"snap"}').value == 0x87
