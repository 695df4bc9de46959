"""The `busybee` command: a thin click layer over the gateway's services."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from sqlite_utils import Database

from gateway import __version__
from gateway.config import ConfigError, Settings, find_config, load_settings
from gateway.db import StoreError


class AppContext:
    """Lazily loaded settings and database for the commands of one invocation."""

    def __init__(self, config: str | None) -> None:
        self.config_arg = config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """Settings found by the usual search order; a ConfigError becomes a clean exit."""
        if self._settings is None:
            try:
                self._settings = load_settings(find_config(self.config_arg))
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._settings

    def settings_or_defaults(self) -> Settings:
        """The configured settings, or the built-in defaults when no config exists (works straight after install)."""
        try:
            find_config(self.config_arg)
        except ConfigError as exc:
            if self.config_arg:
                raise click.ClickException(str(exc)) from exc
            return Settings()
        return self.settings

    def db(self) -> Database:
        """A migrated connection to the gateway database."""
        from gateway.store import open_db

        try:
            return open_db(self.settings)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc


pass_app = click.make_pass_decorator(AppContext)


def emit_json(obj: Any) -> None:
    """One JSON document per line on stdout."""
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    help="Config file (default: $BUSYBEE_CONFIG, ./busybee.toml, /etc/busybee/busybee.toml).",
)
@click.version_option(__version__, prog_name="busybee")
@click.pass_context
def cli(ctx: click.Context, config: str | None) -> None:
    """BusyBee gateway: reads the sales mailbox, answers quote requests, watches the warehouse."""
    ctx.obj = AppContext(config)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing busybee.toml.")
@click.option("--admin", default="admin", show_default=True, help="Name of the first admin user.")
def init(directory: Path, force: bool, admin: str) -> None:
    """Write DIRECTORY/busybee.toml (commented) and create the data directory and first admin."""
    from gateway.initialize import InitError, init_gateway

    try:
        result = init_gateway(directory, force=force, admin=admin)
    except (InitError, ConfigError, StoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {result.config}")
    click.echo(f"data directory {result.data_dir}")
    if result.admin_password:
        click.echo(f"created admin user {result.admin_user!r} with password: {result.admin_password}")
        click.echo("(shown only this once; change it with `busybee users passwd`)")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def status(app: AppContext, as_json: bool) -> None:
    """Emails by status, queue depth by kind, and the last poll of every mail account."""
    from gateway.status import gather_status

    report = gather_status(app.db(), app.settings)
    if as_json:
        emit_json(report)
        return
    click.echo("emails:")
    for name, n in sorted(report["emails"].items()) or [("(none)", 0)]:
        click.echo(f"  {name:14} {n}")
    click.echo("jobs (queued/running/done/dead):")
    for kind, counts in sorted(report["jobs"].items()) or [("(none)", {})]:
        click.echo(f"  {kind:14} " + "/".join(str(counts.get(s, 0)) for s in ("queued", "running", "done", "dead")))
    click.echo("mail sources:")
    for src in report["sources"]:
        line = f"  {src['name']:14} last poll {src['last_poll'] or 'never'}"
        click.echo(line + (f"  error: {src['last_error']}" if src.get("last_error") else ""))


@cli.command()
@pass_app
def run(app: AppContext) -> None:
    """Run everything configured (mail sources, job workers, web app) until SIGTERM/SIGINT."""
    from gateway.logs import setup_logging
    from gateway.runtime import Runtime

    settings = app.settings
    setup_logging(settings.log.level, settings.log.format)
    try:
        code = Runtime(settings).run_forever()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(code)


def _register() -> None:
    from gateway.cameras.commands import cameras
    from gateway.classify.commands import classify
    from gateway.extract.commands import extract
    from gateway.jobs.commands import jobs
    from gateway.mail.commands import ingest, mail
    from gateway.quote.commands import quote, quotes
    from gateway.sensors.commands import sensors
    from gateway.web.commands import users

    for command in (extract, cameras, classify, jobs, ingest, mail, quote, quotes, users, sensors):
        cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="busybee")
