"""The gateway's paho-mqtt 2.x client, built once from [mqtt]: MQTT v5, its broker user, optional TLS."""

from __future__ import annotations

import ssl
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from gateway.config import Settings


def ca_file(settings: Settings) -> Path | None:
    """[mqtt] ca_file, relative to the config file when not absolute."""
    ca = settings.mqtt.ca_file
    if ca is not None and not ca.is_absolute() and settings.source is not None:
        return settings.source.parent / ca
    return ca


def make_client(settings: Settings, client_id: str) -> mqtt.Client:
    """A client for the gateway's broker user (VERSION2 callbacks), with TLS when configured."""
    cfg = settings.mqtt
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv5)
    client.username_pw_set(cfg.username, cfg.password)
    if cfg.tls:
        ca = ca_file(settings)
        client.tls_set(ca_certs=str(ca) if ca else None, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    return client
