"""The desk's job kinds: `desk` (a classified email) and `desk_remind` (a delayed reminder to a quiet customer)."""

from __future__ import annotations

from sqlite_utils import Database

from gateway.config import JobSettings, Settings
from gateway.desk.service import DESK_JOB, REMIND_JOB, Desk
from gateway.jobs import Job, JobQueue, PermanentJobError
from gateway.jobs.worker import Handler


def enqueue_desk(db: Database, email_id: int, jobs: JobSettings) -> None:
    """Queue the desk step of a classified email (call inside the classify transaction; idempotent by key)."""
    JobQueue(db, jobs).enqueue(DESK_JOB, {"email_id": email_id}, key=f"{DESK_JOB}:{email_id}")


def build_desk(settings: Settings) -> Desk:
    """The desk with its real collaborators: extraction, the rate card and outbox, signed chat links."""
    from gateway.chat.links import ChatLinks
    from gateway.desk.wiring import ExtractReader, QuoteBackoffice

    return Desk(settings, ExtractReader(settings), QuoteBackoffice(settings), links=ChatLinks.for_settings(settings))


def make_desk_handlers(settings: Settings, desk: Desk | None = None) -> dict[str, Handler]:
    """Handlers for `desk` and `desk_remind` (the desk is built on the first job)."""
    holder: list[Desk] = [desk] if desk is not None else []

    def the_desk() -> Desk:
        if not holder:
            holder.append(build_desk(settings))
        return holder[0]

    def on_email(job: Job, db: Database) -> None:
        email_id = job.payload.get("email_id")
        if not isinstance(email_id, int):
            raise PermanentJobError(f"desk job {job.id}: payload has no integer email_id")
        if settings.desk.enabled:
            the_desk().on_email(db, JobQueue(db, settings.jobs), email_id)

    def on_remind(job: Job, db: Database) -> None:
        request_id, prompted_at = job.payload.get("request_id"), job.payload.get("prompted_at")
        if not isinstance(request_id, int) or not isinstance(prompted_at, int | float):
            raise PermanentJobError(f"desk_remind job {job.id}: payload needs request_id and prompted_at")
        the_desk().remind(db, JobQueue(db, settings.jobs), request_id, float(prompted_at))

    return {DESK_JOB: on_email, REMIND_JOB: on_remind}
