"""`busybee jobs list|retry|purge`."""

from __future__ import annotations

import time

import click

from gateway.cli import AppContext, emit_json, pass_app
from gateway.jobs.queue import STATES, JobQueue


@click.group()
def jobs() -> None:
    """Inspect the job queue, retry dead-lettered jobs, purge finished ones."""


@jobs.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only jobs in this state (dead = the dead-letter list).")
@click.option("--kind", help="Only jobs of this kind (parse, classify, ...).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per job.")
@pass_app
def list_jobs(app: AppContext, state: str | None, kind: str | None, limit: int, as_json: bool) -> None:
    """List jobs, newest first."""
    queue = JobQueue(app.db(), app.settings.jobs)
    found = queue.list(state=state, kind=kind, limit=limit)
    for job in found:
        if as_json:
            emit_json(job.__dict__)
            continue
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(job.updated_at))
        err = f"  last error: {job.last_error.splitlines()[-1]}" if job.last_error else ""
        click.echo(f"{job.id:>7} {job.kind:10} {job.state:8} try {job.attempts}/{job.max_attempts} {when}{err}")
    if not found and not as_json:
        click.echo("no jobs")


@jobs.command()
@click.argument("job_ids", nargs=-1, type=int)
@click.option("--all", "all_dead", is_flag=True, help="Retry every dead job.")
@click.option("--kind", help="With --all: only dead jobs of this kind.")
@pass_app
def retry(app: AppContext, job_ids: tuple[int, ...], all_dead: bool, kind: str | None) -> None:
    """Requeue dead-lettered jobs (by id, or --all) with a fresh attempt budget."""
    if not job_ids and not all_dead:
        raise click.UsageError("give job ids or --all")
    n = JobQueue(app.db(), app.settings.jobs).retry(None if all_dead else job_ids, kind=kind)
    click.echo(f"requeued {n} job(s)")


@jobs.command()
@click.option("--state", type=click.Choice(["done", "dead"]), default="done", show_default=True)
@click.option("--older-than", "days", type=float, default=None, help="Days; default: jobs.keep_done_days.")
@pass_app
def purge(app: AppContext, state: str, days: float | None) -> None:
    """Delete finished jobs older than the retention."""
    days = app.settings.jobs.keep_done_days if days is None else days
    n = JobQueue(app.db(), app.settings.jobs).purge(state, days)
    click.echo(f"purged {n} {state} job(s)")
