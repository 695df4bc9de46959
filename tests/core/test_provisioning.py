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


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    import subprocess

    from tests.conftest import require_binary

    analyze = require_binary("systemd-analyze")
    unit = (ROOT / "systemd" / "busybee-gateway.service").read_text()
    assert "ExecStart=/opt/busybee/.venv/bin/busybee run" in unit and "NoNewPrivileges=yes" in unit
    copy = tmp_path / "busybee-gateway.service"
    copy.write_text(unit.replace("/opt/busybee/.venv/bin/busybee run", "/bin/true"))
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    problems = [ln for ln in (result.stdout + result.stderr).splitlines() if "busybee-gateway" in ln]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_wheel_ships_the_whole_intent_bundle(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("busybee-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    manifest = json.loads((ROOT / "models" / "intent" / "manifest.json").read_text())
    for name in [*manifest["files"], "manifest.json"]:
        assert f"busybee-0.1.0.data/data/share/busybee/models/intent/{name}" in names, name
    for packaged in ("gateway/web/templates/inbox.html", "gateway/config_template.toml",
                     "gateway/quote/default_ratecard.toml", "gateway/locale/th/LC_MESSAGES/desk.mo"):
        assert packaged in names, packaged
