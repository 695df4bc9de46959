"""`busybee init`: write a commented config, create the data directory, the schema and the first admin."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from gateway.config import CONFIG_NAME, load_settings
from gateway.store import open_db
from gateway.web.users import add_user, generate_password


class InitError(Exception):
    """The target already holds a configuration (and --force was not given)."""


@dataclass(frozen=True)
class InitResult:
    """What init created."""

    config: Path
    data_dir: Path
    admin_user: str | None
    admin_password: str | None


def config_template() -> str:
    """The commented default configuration."""
    return files("gateway").joinpath("config_template.toml").read_text(encoding="utf-8")


def init_gateway(directory: Path, *, force: bool = False, admin: str = "admin") -> InitResult:
    """Create DIR/busybee.toml and the data directory; make the first admin when there are no users."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / CONFIG_NAME
    if config.exists() and not force:
        raise InitError(f"{config} already exists (use --force to overwrite it)")
    config.write_text(config_template(), encoding="utf-8")
    settings = load_settings(config, env={})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.spool_dir.mkdir(parents=True, exist_ok=True)
    db = open_db(settings)
    password = None
    if db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0:
        password = generate_password()
        add_user(db, admin, password, admin=True)
    db.close()
    return InitResult(config, settings.data_dir, admin if password else None, password)
