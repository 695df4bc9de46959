"""Camera test helpers: real JPEG frames, MQTT clients as the cameras, and a gateway with a generated broker."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from PIL import Image
from sqlite_utils import Database

from gateway.cameras.broker import plan_for
from gateway.cameras.registry import add_camera, list_cameras
from gateway.config import Settings
from gateway.store import open_db
from tests.conftest import require_binary
from tests.services.mosquitto import Mosquitto

GATEWAY_PASSWORD = "gateway-secret-pw"


def make_jpeg(width: int = 320, height: int = 240, quality: int = 80, seed: int = 0, noise: bool = False) -> bytes:
    """A real JPEG from Pillow (noise makes it big, flat colour makes it small)."""
    if noise:
        img = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        img = Image.new("RGB", (width, height), ((seed * 40) % 256, 120, 200))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def jpeg_of_size(target: int, width: int = 320, height: int = 240) -> bytes:
    """A valid JPEG padded (COM segments) to exactly `target` bytes."""
    base = make_jpeg(width, height)
    pad = target - len(base)
    segments = b""
    while pad > 0:
        body = min(pad - 4, 65533)
        if 0 < pad - (body + 4) < 4:  # leave room for a whole last segment
            body -= 4
        assert body >= 0, f"cannot pad {len(base)} bytes to {target}"
        segments += b"\xff\xfe" + (body + 2).to_bytes(2, "big") + b"x" * body
        pad -= body + 4
    frame = base[:2] + segments + base[2:]
    assert len(frame) == target, (len(frame), target)
    return frame


class Client:
    """A paho-mqtt 2.x client (MQTT v5) that records what it receives and the PUBACK reason of each publish."""

    def __init__(self, port: int, username: str, password: str, *, will: tuple[str, bytes] | None = None,
                 protocol: MQTTProtocolVersion = MQTTProtocolVersion.MQTTv5) -> None:
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{username}-{os.getpid()}-{id(self)}",
                             protocol=protocol)
        self.c.username_pw_set(username, password)
        if will:
            self.c.will_set(will[0], will[1], qos=1, retain=True)
        self.received: list[tuple[str, bytes, bool]] = []
        self.got = threading.Event()
        self.connected = threading.Event()
        self.subacked = threading.Event()
        self.connect_rc: Any = None
        self.pubacks: dict[int, Any] = {}
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.c.on_publish = self._on_publish
        self.c.on_subscribe = lambda *_a: self.subacked.set()
        self.c.connect("127.0.0.1", port, keepalive=30)
        self.c.loop_start()
        assert self.connected.wait(10), "no CONNACK"

    def _on_connect(self, _c: Any, _u: Any, _f: Any, rc: Any, _p: Any) -> None:
        self.connect_rc = rc
        self.connected.set()

    def _on_message(self, _c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self.received.append((msg.topic, bytes(msg.payload), bool(msg.retain)))
        self.got.set()

    def _on_publish(self, _c: Any, _u: Any, mid: int, rc: Any, _p: Any) -> None:
        self.pubacks[mid] = rc

    def subscribe(self, topic: str) -> None:
        self.subacked.clear()
        self.c.subscribe(topic, qos=1)
        assert self.subacked.wait(5)

    def publish(self, topic: str, payload: bytes | str, *, retain: bool = False, qos: int = 1) -> Any:
        """Publish and wait for the PUBACK; returns its reason code (0x87 = not authorized under v5)."""
        info = self.c.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(10)
        return self.pubacks.get(info.mid)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


@dataclass
class CameraWorld:
    """A gateway configured for MQTT, two registered cameras, and a mosquitto running the generated files."""

    settings: Settings
    broker: Mosquitto
    passwords: dict[str, str]
    db: Database
    clients: list[Client] = field(default_factory=list)

    def camera(self, cam: str, *, will: bool = True) -> Client:
        """Connect as camera `cam` (last will: availability offline)."""
        topic = f"busybee/{self.settings.gateway.id}/cam/{cam}/availability"
        c = Client(self.broker.port, cam, self.passwords[cam], will=(topic, b"offline") if will else None)
        self.clients.append(c)
        return c

    def gateway_client(self, username: str = "gateway", password: str = GATEWAY_PASSWORD) -> Client:
        c = Client(self.broker.port, username, password)
        self.clients.append(c)
        return c

    def regenerate(self) -> None:
        """Write the broker files again from the registry and make mosquitto re-read them."""
        self.broker.configure(plan_for(self.settings, [(c.cam_id, c.password_hash) for c in list_cameras(self.db)]))
        self.broker.reload()


def camera_env(port: int, **extra: str) -> dict[str, str]:
    """Environment overrides that turn MQTT on against 127.0.0.1:port."""
    env = {"BUSYBEE_MQTT__ENABLED": "true", "BUSYBEE_MQTT__PORT": str(port),
           "BUSYBEE_MQTT__PASSWORD": GATEWAY_PASSWORD, "BUSYBEE_MQTT__RECONNECT_MAX_SECONDS": "2"}
    env.update(extra)
    return env


@pytest.fixture
def camera_extra_env() -> dict[str, str]:
    """More BUSYBEE_* overrides for `camera_world` (a test module overrides this fixture)."""
    return {}


@pytest.fixture
def camera_world(world_dir: Path, make_settings: Callable[..., Settings],
                 camera_extra_env: dict[str, str]) -> Iterator[CameraWorld]:
    """Settings + registry (cam1, cam2) + a started mosquitto with the generated config."""
    broker = Mosquitto(world_dir, require_binary("mosquitto"))
    settings = make_settings(env=camera_env(broker.port, **camera_extra_env))
    db = open_db(settings)
    passwords = {cam: add_camera(db, cam).password for cam in ("cam1", "cam2")}
    broker.configure(plan_for(settings, [(c.cam_id, c.password_hash) for c in list_cameras(db)]))
    broker.start()
    world = CameraWorld(settings, broker, passwords, db)
    try:
        yield world
    finally:
        for c in world.clients:
            c.close()
        broker.stop()
        db.close()
