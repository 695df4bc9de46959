"""Helpers for the classifier tests: a private copy of the shipped bundle that a test may break."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gateway.classify.holder import shipped_bundle
from gateway.classify.manifest import MANIFEST, sha256_file

SHIPPED = shipped_bundle()


def rewrite_manifest(bundle: Path, change: Callable[[dict[str, Any]], None], rehash: bool = True) -> None:
    """Edit manifest.json with `change`, refreshing the files' sizes and hashes unless told not to."""
    path = bundle / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    if rehash:
        for name, entry in data["files"].items():
            entry["sha256"] = sha256_file(bundle / name)
            entry["bytes"] = (bundle / name).stat().st_size
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of the shipped bundle in a temp dir."""
    assert (SHIPPED / MANIFEST).is_file(), f"no shipped bundle at {SHIPPED}: run python -m cloud.intent.train"
    dest = tmp_path / "intent"
    shutil.copytree(SHIPPED, dest)
    return dest
