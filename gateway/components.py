"""Long-running components contributed by capabilities beyond the spool (IMAP accounts, sensors, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.runtime import Component, Runtime


def extra_components(runtime: Runtime) -> list[Component]:
    """Every configured component other than the spool folder."""
    found: list[Component] = []
    from gateway.mail.imap_source import ImapSource

    found.extend(ImapSource(runtime, account) for account in runtime.settings.mail.imap)
    if runtime.settings.mqtt.enabled:
        from gateway.cameras.mqtt_source import CameraSource

        cameras = CameraSource(runtime.settings, runtime.connect, runtime.metrics.registry)
        runtime.services["cameras"] = cameras
        found.append(cameras)
    if runtime.settings.sensors.serial.enabled:
        from gateway.sensors.serial_source import SerialSource

        serial_source = SerialSource(runtime.settings, runtime.connect, registry=runtime.metrics.registry)
        runtime.services["sensors"] = serial_source
        found.append(serial_source)
    if runtime.settings.alerts.email_to:
        from gateway.sensors.alert_email import alert_mailer

        found.append(alert_mailer(runtime))
    return found
