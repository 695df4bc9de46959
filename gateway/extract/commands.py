"""`busybee extract PATH... [--json]`: shipment fields and missing fields of .eml files, folders or Maildirs."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli import AppContext, emit_json, pass_app
from gateway.config import ConfigError
from gateway.mail.dates import sent_datetime


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message: path, label, fields, missing.")
@pass_app
def extract(app: AppContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Read the shipment fields (origin, destination, mode, weight, ...) of PATH... and list what is missing."""
    from gateway.classify.errors import ClassifyError
    from gateway.classify.features import email_text
    from gateway.classify.holder import ModelHolder
    from gateway.extract.service import Extractor
    from gateway.mail.commands import parsed_messages

    try:
        settings = app.settings_or_defaults()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    holder = ModelHolder(settings.classify.bundle, threads=settings.classify.threads)
    extractor = Extractor(settings)
    for path, parsed in parsed_messages(paths, settings.limits):
        atts = [a.text or "" for a in parsed.attachments if a.text]
        try:
            label = holder.classify(email_text(parsed.subject, parsed.body_new,
                                               [(a.filename or a.path, a.text) for a in parsed.attachments],
                                               parsed.body_quoted)).label
        except ClassifyError as exc:
            raise click.ClickException(str(exc)) from exc
        result = extractor.extract(parsed.subject, parsed.body_new, atts, sent_datetime(parsed.date))
        missing = extractor.missing(result)
        if as_json:
            emit_json({"path": str(path), "label": label, "fields": result.shipment.as_dict(), "missing": missing,
                       "unsupported": result.unsupported})
            continue
        known = ", ".join(f"{k}={v}" for k, v in result.shipment.as_dict().items() if v is not None)
        click.echo(f"{path}: {label}: {known or '(nothing found)'}")
        if missing:
            click.echo(f"  missing: {', '.join(missing)}")
        for name, value in result.unsupported.items():
            click.echo(f"  unsupported {name}: {value}")
