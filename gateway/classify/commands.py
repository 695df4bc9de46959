"""`busybee classify PATH... [--json]`: label .eml files, folders of them or Maildirs with the active bundle."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli import AppContext, emit_json, pass_app
from gateway.config import ConfigError


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
@click.option("--bundle", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Model bundle folder (default: [classify] bundle, else the shipped one).")
@click.option("--batch", default=32, show_default=True, type=click.IntRange(1, 1024), help="Emails per model run.")
@pass_app
def classify(app: AppContext, paths: tuple[Path, ...], as_json: bool, bundle: Path | None, batch: int) -> None:
    """Classify PATH... (.eml files, folders, Maildirs) as quote/order/inquiry/spam/other."""
    from gateway.classify.errors import ClassifyError
    from gateway.classify.features import email_text
    from gateway.classify.holder import ModelHolder
    from gateway.mail.commands import parsed_messages

    try:
        settings = app.settings_or_defaults()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    holder = ModelHolder(bundle or settings.classify.bundle, threads=settings.classify.threads)
    try:
        holder.load()
    except ClassifyError as exc:
        raise click.ClickException(str(exc)) from exc
    pending: list[tuple[Path, str | None, str]] = []

    def flush() -> None:
        try:
            preds = holder.classify_batch([text for _, _, text in pending])
        except ClassifyError as exc:
            raise click.ClickException(str(exc)) from exc
        for (path, message_id, _), pred in zip(pending, preds, strict=True):
            row = {"path": str(path), "message_id": message_id, "label": pred.label,
                   "confidence": round(pred.confidence, 4), "model_version": pred.model_version}
            if as_json:
                emit_json(row)
            else:
                click.echo(f"{path}: {pred.label} ({pred.confidence:.2f})")
        pending.clear()

    for path, parsed in parsed_messages(paths, settings.limits):
        atts = [(a.filename or a.path, a.text) for a in parsed.attachments]
        pending.append((path, parsed.message_id, email_text(parsed.subject, parsed.body_new, atts,
                                                            parsed.body_quoted)))
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
