"""Home Assistant MQTT discovery: camera, temperature/humidity sensor and GPS tracker entities, and their states.

Pure builders of (topic, JSON) pairs; the MQTT source publishes them (discovery retained, re-announced
when `<prefix>/status` says `online`). Sensor values come from the serial side's tables.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from gateway.cameras.topics import Topics

Message = tuple[str, bytes]
UERE_METERS = 5.0  # typical user-equivalent range error of a NEO-6M: accuracy ≈ HDOP × UERE


@dataclass(frozen=True)
class Discovery:
    """Names and ids of one gateway's Home Assistant entities."""

    gateway: str
    prefix: str = "homeassistant"

    @property
    def topics(self) -> Topics:
        """The gateway's topic names."""
        return Topics(self.gateway)

    @property
    def status_topic(self) -> str:
        """Where Home Assistant says `online` when it (re)starts."""
        return f"{self.prefix}/status"

    def _id(self, *parts: str) -> str:
        return "_".join(("busybee", self.gateway, *parts))

    def _gateway_device(self) -> dict[str, Any]:
        return {"identifiers": [self._id()], "name": f"BusyBee gateway {self.gateway}", "manufacturer": "BusyBee",
                "model": "gateway"}

    def _config_topic(self, platform: str, object_id: str) -> str:
        return f"{self.prefix}/{platform}/{object_id}/config"

    def camera(self, cam: str) -> Message:
        """The `camera` entity of one camera: its frame topic is the image."""
        uid = self._id(cam)
        cfg = {
            "name": None, "unique_id": uid, "object_id": uid, "topic": self.topics.frame(cam),
            "availability_topic": self.topics.availability(cam),
            "payload_available": "online", "payload_not_available": "offline",
            "device": {"identifiers": [uid], "name": f"BusyBee camera {cam}", "manufacturer": "BusyBee",
                       "model": "ESP32-CAM", "via_device": self._id()},
        }
        return self._config_topic("camera", uid), _json(cfg)

    def board(self, board: str) -> list[Message]:
        """Temperature and humidity sensors and the GPS tracker of one sensor board."""
        device = {"identifiers": [self._id(board)], "name": f"BusyBee sensors {board}", "manufacturer": "BusyBee",
                  "model": "Arduino Uno + DHT11 + NEO-6M", "via_device": self._id()}
        avail = {"availability_topic": self.topics.gateway_availability()}
        out = []
        for key, device_class, unit in (("temp_c", "temperature", "°C"), ("humidity", "humidity", "%")):
            uid = self._id(board, device_class)
            cfg = {"name": device_class.capitalize(), "unique_id": uid, "object_id": uid,
                   "state_topic": self.topics.sensor_state(board),
                   "value_template": f"{{{{ value_json.{key} }}}}",
                   "device_class": device_class, "unit_of_measurement": unit, "state_class": "measurement",
                   "device": device, **avail}
            out.append((self._config_topic("sensor", uid), _json(cfg)))
        uid = self._id(board, "gps")
        cfg = {"name": "GPS", "unique_id": uid, "object_id": uid, "source_type": "gps",
               "json_attributes_topic": self.topics.sensor_gps(board), "device": device, **avail}
        out.append((self._config_topic("device_tracker", uid), _json(cfg)))
        return out

    def announcements(self, cameras: Iterable[str], boards: Iterable[str]) -> list[Message]:
        """Every discovery config (published retained)."""
        out = [self.camera(cam) for cam in sorted(cameras)]
        for board in sorted(boards):
            out.extend(self.board(board))
        return out

    def withdrawal(self, cam: str) -> Message:
        """An empty retained config removes a camera's entity from Home Assistant."""
        return self.camera(cam)[0], b""


def _json(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def sensor_boards(db: Database) -> list[str]:
    """The sensor boards the serial side has seen."""
    if not db["sensor_boards"].exists():
        return []
    return [r[0] for r in db.execute("SELECT board_id FROM sensor_boards ORDER BY board_id")]


def sensor_states(db: Database, topics: Topics) -> list[Message]:
    """The latest temperature/humidity and GPS fix of every board, as state messages."""
    out: list[Message] = []
    if db["sensor_readings"].exists():
        rows = db.query(
            "SELECT r.board_id, r.ts, r.temp_c, r.humidity, r.status FROM sensor_readings r JOIN "
            "(SELECT board_id, MAX(id) AS id FROM sensor_readings WHERE status = 'OK' GROUP BY board_id) m "
            "ON r.id = m.id ORDER BY r.board_id"
        )
        for r in rows:
            body = {"temp_c": r["temp_c"], "humidity": r["humidity"], "time": _iso(r["ts"])}
            out.append((topics.sensor_state(r["board_id"]), _json(body)))
    if db["gps_fixes"].exists():
        rows = db.query(
            "SELECT f.* FROM gps_fixes f JOIN (SELECT board_id, MAX(id) AS id FROM gps_fixes "
            "WHERE lat IS NOT NULL AND lon IS NOT NULL GROUP BY board_id) m ON f.id = m.id ORDER BY f.board_id"
        )
        for r in rows:
            body = {"latitude": r["lat"], "longitude": r["lon"],
                    "gps_accuracy": round((r["hdop"] or 20.0) * UERE_METERS, 1), "speed_kn": r["speed_kn"],
                    "course": r["course"], "satellites": r["satellites"], "hdop": r["hdop"],
                    "fix_quality": r["fix_quality"], "time": _iso(r["ts"])}
            out.append((topics.sensor_gps(r["board_id"]), _json(body)))
    return out
