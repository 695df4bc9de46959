"""Dashboard users: argon2-hashed passwords, generated first admin."""

from __future__ import annotations

import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database

from gateway.db import transaction

_hasher = PasswordHasher()


class UserError(Exception):
    """A user operation that cannot be done (unknown user, exists already, weak password)."""


def generate_password() -> str:
    """A random password good enough to print once."""
    return secrets.token_urlsafe(12)


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise UserError("password must be at least 8 characters")


def add_user(db: Database, username: str, password: str, *, admin: bool = False) -> None:
    """Create a user; UserError if the name is taken."""
    _check_password(password)
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise UserError("username must be 1-64 printable characters without spaces")
    now = time.time()
    with transaction(db):
        if db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
            raise UserError(f"user {username!r} already exists")
        db.execute(
            "INSERT INTO users (username, password_hash, is_admin, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            [username, _hasher.hash(password), int(admin), now, now],
        )


def set_password(db: Database, username: str, password: str) -> None:
    """Change a user's password; UserError if unknown."""
    _check_password(password)
    with transaction(db):
        cur = db.execute(
            "UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?",
            [_hasher.hash(password), time.time(), username],
        )
        if cur.rowcount == 0:
            raise UserError(f"no user {username!r}")


def remove_user(db: Database, username: str) -> None:
    """Delete a user; refuses to remove the last admin."""
    with transaction(db):
        row = db.execute("SELECT is_admin FROM users WHERE username = ?", [username]).fetchone()
        if row is None:
            raise UserError(f"no user {username!r}")
        admins = db.execute("SELECT COUNT(*) FROM users WHERE is_admin = 1").fetchone()[0]
        if row[0] and admins <= 1:
            raise UserError(f"{username!r} is the last admin: add another admin first")
        db.execute("DELETE FROM users WHERE username = ?", [username])


def list_users(db: Database) -> list[dict[str, object]]:
    """Usernames with their admin flag."""
    return list(db.query("SELECT username, is_admin, created_at FROM users ORDER BY username"))


def verify(db: Database, username: str, password: str) -> bool:
    """Whether the password is right (constant work whether or not the user exists)."""
    row = db.execute("SELECT password_hash FROM users WHERE username = ?", [username]).fetchone()
    stored = row[0] if row else _hasher.hash(secrets.token_hex(8))
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(ok and row)
