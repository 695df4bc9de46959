"""`busybee quote PATH` (what would be sent) and `busybee quotes list|show|outbox` (the audit trail)."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli import AppContext, emit_json, pass_app
from gateway.quote.errors import QuoteError


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (fields, missing, quote, text).")
@pass_app
def quote(app: AppContext, path: Path, as_json: bool) -> None:
    """Print the quote email the gateway would send for the .eml at PATH (nothing is stored or sent).

    Exits 1 with the reason when fields are missing, a place is unsupported or the rate card cannot price it.
    """
    from gateway.quote.preview import preview_quote
    from gateway.quote.service import QuoteDesk

    try:
        desk = QuoteDesk(app.settings)
        result = preview_quote(path.read_bytes(), app.settings, desk)
    except (OSError, QuoteError) as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    if as_json:
        emit_json({"path": str(path), **result.as_dict()})
    elif result.email is not None:
        click.echo(f"To: {result.to or '(no usable sender address: ' + str(result.error) + ')'}")
        click.echo(f"Subject: {result.email.subject}")
        click.echo("")
        click.echo(result.email.text, nl=False)
    else:
        known = ", ".join(f"{k}={v}" for k, v in result.shipment.as_dict().items() if v is not None)
        click.echo(f"{path}: no quote ({result.status}): {result.error}", err=True)
        click.echo(f"  understood: {known or 'nothing'}", err=True)
    if result.status != "quote":
        raise SystemExit(1)


@click.group()
def quotes() -> None:
    """Issued quotes, bookings and the outbox of emails to send."""


@quotes.command("list")
@click.option("--limit", default=50, show_default=True, help="How many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per quote.")
@pass_app
def list_(app: AppContext, limit: int, as_json: bool) -> None:
    """Issued quotes: number, request, customer, mode, total, validity."""
    from gateway.quote.store import list_quotes

    rows = list_quotes(app.db(), limit)
    for row in rows:
        if as_json:
            emit_json(row)
        else:
            click.echo(f"{row['number']}  email {row['email_id'] or '-':>5}  {row['from_addr'] or '-':30}  "
                       f"{row['mode']:4}  {row['total']:>12} {row['currency']}  valid until {row['valid_until']}")
    if not rows and not as_json:
        click.echo("(no quotes yet)")


@quotes.command("show")
@click.argument("number")
@pass_app
def show(app: AppContext, number: str) -> None:
    """One quote with its line items, basis and rate card version, as JSON."""
    from gateway.quote.store import load_quote

    found = load_quote(app.db(), number)
    if found is None:
        raise click.ClickException(f"no quote {number}")
    emit_json(found.as_dict())


@quotes.command("outbox")
@click.option("--state", type=click.Choice(["queued", "sent", "failed"]), help="Only this state.")
@click.option("--limit", default=50, show_default=True)
@pass_app
def outbox(app: AppContext, state: str | None, limit: int) -> None:
    """Emails queued, sent or failed, with the last SMTP error."""
    from gateway.quote.outbox import outbox_rows

    for row in outbox_rows(app.db(), state, limit):
        line = f"{row['id']:>5}  {row['state']:6}  {row['kind']:8}  {row['to_addr']:30}  {row['subject']}"
        click.echo(line + (f"  error: {row['last_error']}" if row["last_error"] else ""))
