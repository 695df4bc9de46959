"""The MQTT camera source: one paho-mqtt 2.x client that ingests frames, status and availability of every camera.

Frames are validated and made visible in memory on paho's network thread (headers only, microseconds), then
written to the bounded frame store; the PUBACK of a QoS 1 frame is sent only after that, so a slow disk
slows the cameras down instead of dropping frames. A second thread (`cameras-watch`) owns the database:
camera-offline and disk-pressure alerts, and Home Assistant discovery and sensor states.
paho reconnects by itself with exponential backoff; every (re)connect re-subscribes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from prometheus_client import CollectorRegistry
from sqlite_utils import Database

from gateway.cameras.connection import make_client
from gateway.cameras.errors import CameraError, CommandError, FrameRejected
from gateway.cameras.framestore import FrameStore
from gateway.cameras.homeassistant import Discovery, sensor_boards, sensor_states
from gateway.cameras.hub import CameraHub
from gateway.cameras.jpeg import validate_jpeg
from gateway.cameras.metrics import CameraMetrics
from gateway.cameras.registry import list_cameras
from gateway.cameras.topics import Command, Topics, parse_availability, parse_status
from gateway.config import Settings
from gateway.runtime import LoopThread
from gateway.sensors.alerts import AlertBook

log = logging.getLogger(__name__)

DISK_ALERT = "cameras:disk"
SESSION_EXPIRY_SECONDS = 3600  # the broker keeps our subscriptions and queued QoS 1 frames across short outages
REGISTRY_REFRESH_SECONDS = 10.0


def offline_key(cam: str) -> str:
    """The alert key of "camera offline"."""
    return f"camera:{cam}:offline"


def frame_store_for(settings: Settings) -> FrameStore:
    """The frame store configured in [cameras] (frames_dir is relative to the data directory)."""
    cfg = settings.cameras
    return FrameStore(settings.data_dir / cfg.frames_dir, cfg.disk_budget_bytes, cfg.min_free_bytes)


class CameraSource:
    """The runtime component of the MQTT cameras (see the module docstring)."""

    name = "cameras"

    def __init__(
        self,
        settings: Settings,
        connect: Callable[[], Database],
        registry: CollectorRegistry,
        *,
        store: FrameStore | None = None,
        clock: Callable[[], float] = time.time,
        watch_interval: float = 1.0,
    ) -> None:
        if settings.mqtt.password is None:
            raise CameraError("[mqtt] password is not set (the gateway's broker user needs one)")
        self.settings = settings
        self.mqtt_settings = settings.mqtt
        self.cam_settings = settings.cameras
        self.connect_db = connect
        self.clock = clock
        self.topics = Topics(settings.gateway.id)
        self.hub = CameraHub(clock)
        self.store = store or frame_store_for(settings)
        self.metrics = CameraMetrics(registry)
        self.metrics.watch_store(self.store.stats)
        ha = settings.cameras.homeassistant
        self.discovery = Discovery(settings.gateway.id, ha.prefix) if ha.enabled else None
        self.connected = threading.Event()
        self.last_error: str | None = None
        self.started_at = clock()
        self._announce = threading.Event()
        self._last_states = 0.0
        self._registered: list[str] = []
        self._registry_read = 0.0
        self.registry_refresh_seconds = REGISTRY_REFRESH_SECONDS
        self._alerting: set[str] | None = None
        self._refused_seen = 0
        self._announced: set[str] = set()
        self._stored_at: dict[str, float] = {}
        self._started = False
        self._db: Database | None = None
        self.client = self._make_client()
        self.watch = LoopThread("cameras-watch", self.watch_step, watch_interval)

    # --- MQTT I/O -------------------------------------------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        cfg = self.mqtt_settings
        client = make_client(self.settings, f"busybee-{self.settings.gateway.id}")
        client.reconnect_delay_set(min_delay=max(1, round(cfg.reconnect_min_seconds)),
                                   max_delay=max(1, round(cfg.reconnect_max_seconds)))
        client.will_set(self.topics.gateway_availability(), "offline", qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_message = self._on_message
        return client

    def start(self) -> None:
        """Connect in the background (paho retries until the broker answers) and start the watch thread."""
        cfg = self.mqtt_settings
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        self.client.connect_async(cfg.host, cfg.port, keepalive=cfg.keepalive_seconds,
                                  clean_start=mqtt.MQTT_CLEAN_START_FIRST_ONLY, properties=props)
        self.client.loop_start()
        self.watch.start()
        self._started = True
        log.info("mqtt camera source started", extra={"host": cfg.host, "port": cfg.port})

    def stop(self) -> None:
        """Say offline, disconnect, stop both threads."""
        if not self._started:
            return
        self._started = False
        if self.connected.is_set():
            self.client.publish(self.topics.gateway_availability(), "offline", qos=1, retain=True).wait_for_publish(2)
        self.client.disconnect()
        self.client.loop_stop()
        self.watch.stop()
        if self._db is not None:
            self._db.close()

    def health(self) -> dict[str, Any]:
        """Liveness for /healthz: the watch thread alive, the broker connection, the frame store."""
        stats = self.store.stats()
        return {**self.watch.health(), "connected": self.connected.is_set(), "mqtt_error": self.last_error,
                "cameras": len(self.hub.snapshot()), "store_bytes": stats.bytes, "store_files": stats.files}

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any) -> None:
        if reason_code.is_failure:
            self.last_error = f"broker refused the connection: {reason_code}"
            self.metrics.connects.labels("refused").inc()
            log.warning("mqtt connection refused", extra={"reason": str(reason_code)})
            return
        self.metrics.connects.labels("ok").inc()
        self.last_error = None
        subs = [(t, 1) for t in self.topics.subscriptions()]
        if self.discovery:
            subs.append((self.discovery.status_topic, 1))
            self._announce.set()
        client.subscribe(subs)
        client.publish(self.topics.gateway_availability(), "online", qos=1, retain=True)
        self.connected.set()
        log.info("mqtt connected", extra={"host": self.mqtt_settings.host})

    def _on_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        self.metrics.connects.labels("failed").inc()
        self.last_error = f"cannot connect to the broker at {self.mqtt_settings.host}:{self.mqtt_settings.port}"
        log.warning("mqtt connection failed; retrying with backoff", extra={"host": self.mqtt_settings.host})

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any) -> None:
        if self.connected.is_set():
            self.metrics.disconnects.inc()
        self.connected.clear()
        self.last_error = f"disconnected: {reason_code}"
        log.warning("mqtt disconnected; reconnecting with backoff", extra={"reason": str(reason_code)})

    def _on_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            self.handle(msg.topic, bytes(msg.payload))
        except Exception:  # a bug must not kill paho's network thread
            log.exception("camera message handling failed", extra={"topic": msg.topic[:200]})

    # --- pure-ish message handling ---------------------------------------------------------------------------

    def handle(self, topic: str, payload: bytes) -> str:
        """Ingest one MQTT message; returns what happened ("frame", "status", ..., or the rejection reason)."""
        if self.discovery and topic == self.discovery.status_topic:
            if payload.strip().lower() == b"online":
                self._announce.set()
            return "ha_status"
        parsed = self.topics.parse(topic)
        if parsed is None:
            self.metrics.rejected.labels("bad_topic").inc()
            return "bad_topic"
        cam, kind = parsed
        try:
            if kind == "frame":
                info = validate_jpeg(payload, self.cam_settings.max_frame_bytes)
                latest = self.hub.frame(cam, payload, info)
                if latest.received - self._stored_at.get(cam, float("-inf")) >= self.cam_settings.store_every_seconds:
                    self._stored_at[cam] = latest.received
                    self.store.put(cam, payload)
                self.metrics.frames.labels(cam).inc()
                self.metrics.frame_bytes.inc(len(payload))
            elif kind == "status":
                if not payload:  # a retained status being cleared
                    return "status_cleared"
                self.hub.status(cam, parse_status(payload))
            elif kind == "availability":
                self.hub.availability(cam, parse_availability(payload))
            else:
                return "ignored"
        except FrameRejected as exc:
            self.metrics.rejected.labels(exc.reason).inc()
            self.hub.rejected(cam, exc.reason)
            log.debug("payload rejected", extra={"camera": cam, "kind": kind, "reason": exc.reason})
            return exc.reason
        return kind

    def send_command(self, cam: str, command: Command) -> Command:
        """Publish `command` on the camera's cmd topic (QoS 1); CommandError when not connected."""
        if not self.connected.is_set():
            raise CommandError("not connected to the MQTT broker")
        info = self.client.publish(self.topics.cmd(cam), command.payload(), qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise CommandError(f"cannot publish the command: {mqtt.error_string(info.rc)}")
        self.metrics.commands.labels(command.cmd).inc()
        return command

    # --- the watch thread: alerts and Home Assistant ---------------------------------------------------------

    def _database(self) -> Database:
        if self._db is None:
            self._db = self.connect_db()
        return self._db

    def registered(self) -> list[str]:
        """Registered camera ids (re-read from the database every few seconds)."""
        now = self.clock()
        if now - self._registry_read >= self.registry_refresh_seconds or not self._registry_read:
            self._registered = [c.cam_id for c in list_cameras(self._database())]
            self._registry_read = now
        return self._registered

    def is_offline(self, cam: str, now: float) -> bool:
        """Availability says offline, or nothing heard for offline_after_seconds (counted from start)."""
        state = self.hub.get(cam)
        if state and state.availability == "offline":
            return True
        last = state.frame.received if state and state.frame else None
        return now - (last or self.started_at) > self.cam_settings.offline_after_seconds

    def watch_step(self) -> None:
        """One pass: open/close alerts on transitions, then Home Assistant announcements and states."""
        db = self._database()
        book = AlertBook(db, self.clock)
        if self._alerting is None:
            self._alerting = {a.key for a in book.open_alerts() if a.key.startswith("camera:") or a.key == DISK_ALERT}
        now = self.clock()
        for cam in sorted(set(self.registered()) | set(self.hub.snapshot())):
            self._camera_alert(book, cam, now)
        self._disk_alert(book)
        if self.discovery and self.connected.is_set():
            self._home_assistant(db, now)

    def _camera_alert(self, book: AlertBook, cam: str, now: float) -> None:
        assert self._alerting is not None
        key = offline_key(cam)
        if self.is_offline(cam, now):
            if key not in self._alerting:
                state = self.hub.get(cam)
                last = state.frame.received if state and state.frame else None
                why = "says it is offline" if state and state.availability == "offline" else (
                    f"sent no frame for {self.cam_settings.offline_after_seconds:.0f} s")
                book.raise_(key, "camera_offline", "warning", f"Camera {cam} {why}",
                            {"camera": cam, "last_frame": last, "availability": state.availability if state else None})
                self._alerting.add(key)
        elif key in self._alerting:
            book.clear(key)
            self._alerting.discard(key)

    def _disk_alert(self, book: AlertBook) -> None:
        assert self._alerting is not None
        s = self.store.stats()
        if s.pressure:
            severity = "critical" if s.refused else "warning"
            mb = 1024 * 1024
            message = (f"Frame store limited by free disk space: {s.free_bytes // mb} MB free "
                       f"(floor {s.min_free_bytes // mb} MB), {s.bytes // mb} MB of frames kept "
                       f"(budget {s.budget_bytes // mb} MB), {s.refused} frames not stored")
            detail = {"free_bytes": s.free_bytes, "store_bytes": s.bytes, "refused": s.refused,
                      "budget_bytes": s.budget_bytes, "min_free_bytes": s.min_free_bytes}
            if DISK_ALERT not in self._alerting or s.refused != self._refused_seen:  # update on news only
                book.raise_(DISK_ALERT, "disk_pressure", severity, message, detail)
                self._alerting.add(DISK_ALERT)
                self._refused_seen = s.refused
        elif DISK_ALERT in self._alerting:
            book.clear(DISK_ALERT)
            self._alerting.discard(DISK_ALERT)

    def _home_assistant(self, db: Database, now: float) -> None:
        assert self.discovery is not None
        publish_every = self.cam_settings.homeassistant.publish_seconds
        cams = set(self.registered()) | set(self.hub.snapshot())
        for gone in sorted(self._announced - cams):  # removed from the registry: remove the entity too
            self.client.publish(*self.discovery.withdrawal(gone), qos=1, retain=True)
            self._announced.discard(gone)
        if self._announce.is_set() or cams - self._announced:
            self._announce.clear()
            for topic, payload in self.discovery.announcements(cams, sensor_boards(db)):
                self.client.publish(topic, payload, qos=1, retain=True)
            self._announced = cams
            self._last_states = 0.0  # states right after the configs, so entities start with a value
        if now - self._last_states >= publish_every:
            for topic, payload in sensor_states(db, self.topics):
                self.client.publish(topic, payload, qos=1, retain=True)
            self._last_states = now


def frames_path(settings: Settings) -> Path:
    """Where the frames of this gateway are stored."""
    return settings.data_dir / settings.cameras.frames_dir
