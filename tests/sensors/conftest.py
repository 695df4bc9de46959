"""Sensor test helpers: the real u-blox logs beside the repository, and gpsd's expected fixes for them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

NMEA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nmea"
LOGS = ("neo-m8n", "ublox-8", "ublox-lea-4h", "ublox-lea-5h", "ublox-lea-5q", "ublox-neo-m9n-nmea")


def log_bytes(name: str) -> bytes:
    """A capture as the receiver sent it: the gpsd header comment lines (`#...`) removed."""
    path = NMEA_DIR / f"{name}.log"
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared data folder must sit beside the repository")
    return b"".join(line for line in path.read_bytes().splitlines(keepends=True) if not line.startswith(b"#"))


def gpsd_tpvs(name: str) -> list[dict[str, Any]]:
    """gpsd's TPV reports for a log, in order."""
    out = []
    for line in (NMEA_DIR / f"{name}.log.chk").read_text(encoding="utf-8").splitlines():
        if line.startswith("{"):
            obj = json.loads(line)
            if obj.get("class") == "TPV":
                out.append(obj)
    return out
