"""The `classify` job: a parsed email from the DB → label, confidence, model version, review flag."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from sqlite_utils import Database

from gateway.classify.errors import BundleError, InferenceError
from gateway.classify.features import email_text
from gateway.classify.holder import ModelHolder
from gateway.classify.model import Prediction
from gateway.config import ClassifySettings, JobSettings
from gateway.db import transaction
from gateway.desk.job import enqueue_desk
from gateway.jobs import Job, PermanentJobError
from gateway.jobs.worker import Handler

CLASSIFY_JOB = "classify"
CLASSIFIED = "classified"
# Statuses classification may overwrite; later steps' statuses are left alone when a classify job reruns.
_CLASSIFY_STATUSES = ("parsed", CLASSIFIED)


def email_input(db: Database, email_id: int) -> str:
    """The model input text of a stored, parsed email; PermanentJobError when the email does not exist."""
    rows = list(db.query("SELECT subject, body_new, body_quoted FROM emails WHERE id = ?", [email_id]))
    if not rows:
        raise PermanentJobError(f"email {email_id} does not exist")
    atts = [(r["filename"] or r["path"], r["text"]) for r in
            db.query("SELECT filename, path, text FROM attachments WHERE email_id = ? ORDER BY id", [email_id])]
    row = rows[0]
    return email_text(row["subject"], row["body_new"], atts, row["body_quoted"])


def store_prediction(db: Database, email_id: int, pred: Prediction, review_below: float, now: float,
                     jobs: JobSettings | None = None) -> None:
    """Upsert the classification, mark the email classified and queue its desk step, in one transaction."""
    with transaction(db):
        db.execute(
            "INSERT INTO classifications (email_id, label, confidence, scores, model_version, needs_review, "
            "classified_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email_id) DO UPDATE SET label = excluded.label, "
            "confidence = excluded.confidence, scores = excluded.scores, model_version = excluded.model_version, "
            "needs_review = excluded.needs_review, classified_at = excluded.classified_at",
            [email_id, pred.label, pred.confidence, json.dumps(pred.scores), pred.model_version,
             int(pred.confidence < review_below), now],
        )
        db.execute(
            f"UPDATE emails SET status = ? WHERE id = ? AND status IN ({','.join('?' * len(_CLASSIFY_STATUSES))})",
            [CLASSIFIED, email_id, *_CLASSIFY_STATUSES],
        )
        # the quote desk decides: a quote/order, a reply to one of its requests, or nothing
        enqueue_desk(db, email_id, jobs or JobSettings())


class ClassifyStep:
    """Classifies stored emails by id with the holder's active model."""

    def __init__(self, holder: ModelHolder, settings: ClassifySettings,
                 clock: Callable[[], float] = time.time, jobs: JobSettings | None = None) -> None:
        self.holder = holder
        self.settings = settings
        self.clock = clock
        self.jobs = jobs or JobSettings()

    def run(self, db: Database, email_id: int) -> Prediction:
        """Classify one email and store the result."""
        text = email_input(db, email_id)
        try:
            pred = self.holder.classify(text)
        except (BundleError, InferenceError) as exc:
            raise RuntimeError(f"email {email_id}: cannot classify: {exc}") from exc  # retried with backoff
        store_prediction(db, email_id, pred, self.settings.review_below, self.clock(), self.jobs)
        return pred

    def handle(self, job: Job, db: Database) -> None:
        """The job handler: payload {"email_id": N}."""
        email_id = job.payload.get("email_id")
        if not isinstance(email_id, int):
            raise PermanentJobError(f"classify job {job.id}: payload has no integer email_id")
        self.run(db, email_id)


def make_classify_handler(settings: ClassifySettings, holder: ModelHolder | None = None,
                          jobs: JobSettings | None = None) -> Handler:
    """The `classify` handler for the worker pool (the model loads on the first job)."""
    holder = holder or ModelHolder(settings.bundle, threads=settings.threads)
    return ClassifyStep(holder, settings, jobs=jobs).handle
