"""`busybee ingest`: one-shot ingestion of .eml files, folders and Maildirs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from gateway.cli import AppContext, emit_json, pass_app
from gateway.config import LimitSettings
from gateway.db import StoreError
from gateway.jobs import JobQueue, PermanentJobError
from gateway.mail.ingest import PARSE_JOB, Ingestor
from gateway.mail.parse import ParsedEmail, parse_message
from gateway.mail.parse_job import ParseStep
from gateway.store import raw_store


def iter_messages(paths: tuple[Path, ...]) -> Iterator[Path]:
    """Every message file named: .eml files, and the files of folders/Maildirs (recursively)."""
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and (p.suffix.lower() == ".eml" or p.parent.name in ("cur", "new")):
                    yield p
        else:
            yield path


def parsed_messages(paths: tuple[Path, ...], limits: LimitSettings) -> Iterator[tuple[Path, ParsedEmail]]:
    """Every message file named, parsed; an unreadable file is reported on stderr and skipped."""
    for path in iter_messages(paths):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            click.echo(f"{path}: unreadable: {exc.strerror or exc}", err=True)
            continue
        yield path, parse_message(raw, limits)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
@click.option("--parse/--no-parse", "parse", default=True, show_default=True,
              help="Parse what was just stored right away (otherwise the gateway's workers will).")
@pass_app
def ingest(app: AppContext, paths: tuple[Path, ...], as_json: bool, parse: bool) -> None:
    """Ingest FILE|DIR... once. Exits non-zero only when the store itself failed."""
    settings = app.settings
    db = app.db()
    queue = JobQueue(db, settings.jobs)
    ingestor = Ingestor(db, raw_store(settings), queue, max_message_bytes=settings.store.max_message_bytes)
    step = ParseStep(settings.limits, settings.jobs, raw_store(settings)) if parse else None
    for path in iter_messages(paths):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            _report(as_json, {"path": str(path), "outcome": "unreadable", "error": exc.strerror or str(exc)})
            continue
        try:
            result = ingestor.ingest(raw, f"cli:{path.resolve()}:{len(raw)}")
        except StoreError as exc:
            raise click.ClickException(f"{path}: store failed: {exc}") from exc
        row: dict[str, object] = {"path": str(path), "outcome": result.outcome, "email_id": result.email_id}
        if step is not None and result.outcome == "stored" and result.email_id is not None:
            row.update(_parse_now(step, queue, result.email_id))
        _report(as_json, row)


def _parse_now(step: ParseStep, queue: JobQueue, email_id: int) -> dict[str, object]:
    """Run the email's queued parse job inline and mark it done; on failure leave it to the workers."""
    found = queue.db.execute("SELECT id FROM jobs WHERE key = ? AND state = 'queued'",
                             [f"{PARSE_JOB}:{email_id}"]).fetchone()
    job = queue.get(found[0]) if found else None
    try:
        outcome = step.run(queue.db, email_id)
    except (StoreError, PermanentJobError) as exc:
        return {"parse": "not parsed", "parse_error": str(exc)}
    if job is not None:
        queue.complete(job)
    return {"parse": outcome.status, "parse_error": outcome.error, "attachments": outcome.attachments}


def _report(as_json: bool, row: dict[str, object]) -> None:
    if as_json:
        emit_json(row)
        return
    extra = f" (email {row['email_id']})" if row.get("email_id") else f": {row.get('error', '')}"
    if row.get("parse"):
        extra += f", {row['parse']}" + (f": {row['parse_error']}" if row.get("parse_error") else "")
    click.echo(f"{row['path']}: {row['outcome']}{extra}")


@click.group()
def mail() -> None:
    """Mail sources: test the connection of IMAP accounts."""


@mail.command("check")
@click.argument("account", required=False)
@pass_app
def check(app: AppContext, account: str | None) -> None:
    """Check ACCOUNT (default: every IMAP account): DNS, TCP, TLS, login, folders; exit 1 on the first failure."""
    from gateway.mail.check import check_account

    accounts = app.settings.mail.imap
    if account is not None:
        accounts = [a for a in accounts if a.name == account]
        if not accounts:
            names = ", ".join(a.name for a in app.settings.mail.imap) or "none configured"
            raise click.ClickException(f"no IMAP account named {account!r} (accounts: {names})")
    if not accounts:
        raise click.ClickException("no IMAP accounts configured ([[mail.imap]] in the config file)")
    for acct in accounts:
        for step in check_account(acct):
            mark = "ok" if step.ok else "FAIL"
            click.echo(f"{acct.name}: {step.name:<6} {mark:<4} {step.detail}")
            if not step.ok:
                raise SystemExit(1)
    click.echo("all checks passed")
