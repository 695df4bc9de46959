"""One command to one camera from outside the running gateway (the CLI): connect, publish, wait for the echo."""

from __future__ import annotations

import os
import threading

import paho.mqtt.client as mqtt

from gateway.cameras.connection import make_client
from gateway.cameras.errors import CommandError, FrameRejected
from gateway.cameras.topics import Command, Status, Topics, parse_status
from gateway.config import Settings


def send_once(settings: Settings, cam: str, command: Command, timeout: float = 5.0) -> Status | None:
    """Publish `command` to `cam` as the gateway's broker user; the camera's status echoing it, or None."""
    cfg = settings.mqtt
    if not cfg.password:
        raise CommandError("[mqtt] password is not set")
    topics = Topics(settings.gateway.id)
    # never the running gateway's client id: the broker would disconnect the gateway to let us in
    client = make_client(settings, f"busybee-{settings.gateway.id}-cli-{os.getpid()}")
    ready, echoed = threading.Event(), threading.Event()
    found: list[Status] = []
    refused: list[str] = []

    def on_connect(c: mqtt.Client, _u: object, _f: object, rc: mqtt.ReasonCode, _p: object) -> None:
        if rc.is_failure:
            refused.append(str(rc))
            ready.set()
            return
        c.subscribe(topics.status(cam), qos=1)

    def on_subscribe(_c: mqtt.Client, _u: object, _mid: int, _rcs: object, _p: object) -> None:
        ready.set()

    def on_message(_c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        try:
            status = parse_status(bytes(msg.payload))
        except FrameRejected:
            return
        if status.ack == command.id:
            found.append(status)
            echoed.set()

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    try:
        client.connect(cfg.host, cfg.port, keepalive=cfg.keepalive_seconds)
    except OSError as exc:
        raise CommandError(f"cannot reach the broker at {cfg.host}:{cfg.port}: {exc.strerror or exc}") from exc
    client.loop_start()
    try:
        if not ready.wait(timeout) or refused:
            raise CommandError(f"broker did not accept the gateway user: {refused[0] if refused else 'no answer'}")
        client.publish(topics.cmd(cam), command.payload(), qos=1).wait_for_publish(timeout)
        echoed.wait(timeout)
    finally:
        client.disconnect()
        client.loop_stop()
    return found[0] if found else None
