"""`busybee users add|passwd|remove|list`."""

from __future__ import annotations

import click

from gateway.cli import AppContext, pass_app
from gateway.web.users import UserError, add_user, generate_password, list_users, remove_user, set_password


@click.group()
def users() -> None:
    """Manage the dashboard's users."""


def _password(given: str | None, generate: bool) -> tuple[str, bool]:
    if generate:
        return generate_password(), True
    if given is not None:
        return given, False
    return click.prompt("Password", hide_input=True, confirmation_prompt=True), False


@users.command()
@click.argument("username")
@click.option("--admin", is_flag=True, help="May manage users.")
@click.option("--password", help="Password (default: prompt).")
@click.option("--generate", is_flag=True, help="Generate a password and print it once.")
@pass_app
def add(app: AppContext, username: str, admin: bool, password: str | None, generate: bool) -> None:
    """Add a user."""
    pw, show = _password(password, generate)
    try:
        add_user(app.db(), username, pw, admin=admin)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"added {username}" + (f" with password: {pw}" if show else ""))


@users.command()
@click.argument("username")
@click.option("--password", help="New password (default: prompt).")
@click.option("--generate", is_flag=True, help="Generate a password and print it once.")
@pass_app
def passwd(app: AppContext, username: str, password: str | None, generate: bool) -> None:
    """Change a user's password."""
    pw, show = _password(password, generate)
    try:
        set_password(app.db(), username, pw)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password changed for {username}" + (f": {pw}" if show else ""))


@users.command()
@click.argument("username")
@pass_app
def remove(app: AppContext, username: str) -> None:
    """Remove a user (never the last admin)."""
    try:
        remove_user(app.db(), username)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"removed {username}")


@users.command("list")
@pass_app
def list_cmd(app: AppContext) -> None:
    """List users."""
    for row in list_users(app.db()):
        click.echo(f"{row['username']}{'  (admin)' if row['is_admin'] else ''}")
