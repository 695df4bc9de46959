"""The job handlers of the mail pipeline, by job kind (each step after ingest is a job)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.classify.job import CLASSIFY_JOB, make_classify_handler
from gateway.desk.job import make_desk_handlers
from gateway.jobs.worker import Handler
from gateway.mail.parse_job import make_parse_handler
from gateway.quote.jobs import BOOK_JOB, SEND_JOB, make_book_handler, make_send_handler
from gateway.sensors.alert_email import ALERT_EMAIL_JOB, make_alert_email_handler

if TYPE_CHECKING:
    from gateway.runtime import Runtime


def build_handlers(runtime: Runtime) -> dict[str, Handler]:
    """Handlers for every job kind this gateway runs."""
    handlers: dict[str, Handler] = {}
    handlers["parse"] = make_parse_handler(runtime.settings.limits, runtime.settings.jobs, runtime.blobs,
                                           runtime.metrics)
    handlers[CLASSIFY_JOB] = make_classify_handler(runtime.settings.classify, jobs=runtime.settings.jobs)
    handlers[ALERT_EMAIL_JOB] = make_alert_email_handler(runtime.settings)
    handlers[SEND_JOB] = make_send_handler(runtime.settings)
    handlers[BOOK_JOB] = make_book_handler(runtime.settings)
    handlers.update(make_desk_handlers(runtime.settings))
    return handlers
