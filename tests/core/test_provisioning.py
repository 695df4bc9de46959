"""Provisioning files agree with the gateway's defaults."""

from __future__ import annotations

import re
from pathlib import Path

from gateway.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_udev_rule_creates_the_default_serial_port_name() -> None:
    rules = (ROOT / "provisioning" / "udev" / "99-busybee.rules").read_text()
    default = Settings().sensors.serial.port
    names = set(re.findall(r'SYMLINK\+="([^"]+)"', rules))
    assert names == {default.removeprefix("/dev/")}
    for line in (ln for ln in rules.splitlines() if ln and not ln.startswith("#")):
        assert 'SUBSYSTEM=="tty"' in line and re.search(r'ATTRS\{idVendor\}=="[0-9a-f]{4}"', line), line
