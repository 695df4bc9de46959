"""The [sensors] and [alerts] settings: defaults from the shipped template, validation with the key named."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gateway.config import ConfigError, Settings


def test_template_defaults(settings: Settings) -> None:
    s = settings.sensors
    assert (s.serial.enabled, s.serial.port, s.serial.baud) == (False, "/dev/busybee-uno", 9600)
    assert (s.env.temp_min_c, s.env.temp_max_c, s.env.grace_seconds) == (2.0, 30.0, 300.0)
    assert (s.silent_seconds, s.retention_days) == (120.0, 7)
    assert settings.alerts.email_to == [] and settings.alerts.min_severity == "warning"


def test_environment_overrides(make_settings: Callable[..., Settings]) -> None:
    s = make_settings(env={"BUSYBEE_SENSORS__SERIAL__PORT": "/dev/ttyACM3", "BUSYBEE_SENSORS__ENV__TEMP_MAX_C": "8",
                           "BUSYBEE_ALERTS__EMAIL_TO": '["ops@example.com"]'})
    assert s.sensors.serial.port == "/dev/ttyACM3" and s.sensors.env.temp_max_c == 8.0
    assert s.alerts.email_to == ["ops@example.com"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BUSYBEE_SENSORS__ENV__TEMP_MIN_C": "9", "BUSYBEE_SENSORS__ENV__TEMP_MAX_C": "8"}, "min < max"),
        ({"BUSYBEE_SENSORS__SERIAL__BAUD": "12"}, "sensors.serial.baud"),
        ({"BUSYBEE_ALERTS__EMAIL_TO": '["not an address"]'}, "not an email address"),
        ({"BUSYBEE_ALERTS__MIN_SEVERITY": "panic"}, "alerts.min_severity"),
        ({"BUSYBEE_SENSORS__SILENT_SECONDS": "0"}, "sensors.silent_seconds"),
    ],
)
def test_bad_values_name_the_key(make_settings: Callable[..., Settings], env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_settings(env=env)
