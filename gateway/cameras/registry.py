"""The cameras this gateway knows: add (with a fresh broker password), remove, list."""

from __future__ import annotations

import secrets
import sqlite3
import time
from dataclasses import dataclass

from sqlite_utils import Database

from gateway.cameras.broker import hash_password
from gateway.cameras.errors import RegistryError
from gateway.cameras.topics import ID_PATTERN, valid_camera_id
from gateway.db import transaction


@dataclass(frozen=True)
class Camera:
    """A registered camera."""

    cam_id: str
    password_hash: str
    note: str
    created_at: float


@dataclass(frozen=True)
class NewCamera:
    """A camera just added, with the one time its password is known in clear."""

    camera: Camera
    password: str


def add_camera(db: Database, cam_id: str, *, note: str = "", password: str | None = None) -> NewCamera:
    """Register `cam_id` with a random (or the given) broker password; RegistryError if invalid or taken."""
    if not valid_camera_id(cam_id):
        raise RegistryError(f"camera id {cam_id!r} must match {ID_PATTERN} (it is a topic level and a username)")
    password = password or secrets.token_urlsafe(18)
    camera = Camera(cam_id, hash_password(password), note, time.time())
    try:
        with transaction(db):
            db.execute("INSERT INTO cameras (cam_id, password_hash, note, created_at) VALUES (?, ?, ?, ?)",
                       [camera.cam_id, camera.password_hash, camera.note, camera.created_at])
    except sqlite3.IntegrityError:
        raise RegistryError(f"camera {cam_id!r} already exists (remove it first to issue new credentials)") from None
    return NewCamera(camera, password)


def remove_camera(db: Database, cam_id: str) -> None:
    """Forget `cam_id` (its stored frames age out under the disk budget); RegistryError if unknown."""
    with transaction(db):
        gone = db.execute("DELETE FROM cameras WHERE cam_id = ?", [cam_id]).rowcount
    if not gone:
        raise RegistryError(f"no camera {cam_id!r}")


def list_cameras(db: Database) -> list[Camera]:
    """Every registered camera, by id."""
    rows = db.execute("SELECT cam_id, password_hash, note, created_at FROM cameras ORDER BY cam_id").fetchall()
    return [Camera(*row) for row in rows]
