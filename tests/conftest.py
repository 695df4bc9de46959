"""Shared fixtures: a gateway configured in a temp dir, and the rule that a missing service fails."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.config import Settings, load_settings
from gateway.initialize import config_template


def require_binary(name: str) -> str:
    """Path of a service binary the test needs; the test FAILS (never skips) when it is missing."""
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None
    )
    if path is None:
        pytest.fail(f"{name} is not installed: run `bash tests/run.sh` (it installs the test services)")
    return path


@pytest.fixture
def world_dir() -> Iterator[Path]:
    """A temp dir under /tmp that unprivileged service users (dovecot) can traverse."""
    d = Path(tempfile.mkdtemp(prefix="busybee-test.", dir="/tmp"))
    d.chmod(0o711)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Write busybee.toml (the shipped template plus `extra` TOML) in a temp dir and load it."""

    def make(extra: str = "", env: dict[str, str] | None = None, directory: Path | None = None) -> Settings:
        base = directory or tmp_path
        path = base / "busybee.toml"
        text = config_template().replace("[web]\nenabled = true", "[web]\nenabled = false")
        path.write_text(text + "\n" + extra, encoding="utf-8")
        return load_settings(path, env=env or {})

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """Default settings in a temp dir (web disabled)."""
    return make_settings()
