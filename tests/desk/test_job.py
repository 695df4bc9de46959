"""The desk's job handlers: payloads are checked, the desk can be switched off, classify queues the desk step."""

from __future__ import annotations

import json
import time

import pytest

from gateway.desk.job import enqueue_desk, make_desk_handlers
from gateway.jobs import Job, JobQueue, PermanentJobError
from tests.desk.conftest import DeskWorld
from tests.desk.test_desk import AIR_KO


def job(kind: str, payload: dict[str, object]) -> Job:
    now = time.time()
    return Job(1, kind, payload, None, "running", 1, 6, now, None, now, now)


def test_bad_payloads_are_dead_lettered_not_retried(desk_world: DeskWorld) -> None:
    handlers = make_desk_handlers(desk_world.settings, desk_world.desk)
    with pytest.raises(PermanentJobError):
        handlers["desk"](job("desk", {"email_id": "1"}), desk_world.db)
    with pytest.raises(PermanentJobError):
        handlers["desk_remind"](job("desk_remind", {"request_id": 1}), desk_world.db)


def test_the_desk_job_starts_the_request_and_can_be_switched_off(desk_world: DeskWorld) -> None:
    w = desk_world
    email_id, _ = w.receive(AIR_KO, subject="항공 견적 요청")  # the fixture runs the desk directly ...
    w.db.execute("DELETE FROM turns")
    w.db.execute("DELETE FROM requests")
    off = w.settings.model_copy(update={"desk": w.settings.desk.model_copy(update={"enabled": False})})
    make_desk_handlers(off, w.desk)["desk"](job("desk", {"email_id": email_id}), w.db)
    assert w.db.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 0
    make_desk_handlers(w.settings, w.desk)["desk"](job("desk", {"email_id": email_id}), w.db)  # ... and the job
    assert w.db.execute("SELECT state FROM requests").fetchone()[0] == "collecting"


def test_enqueue_desk_is_idempotent_per_email(desk_world: DeskWorld) -> None:
    jobs = desk_world.settings.jobs.model_copy(update={"max_attempts": 9})
    enqueue_desk(desk_world.db, 41, jobs)
    enqueue_desk(desk_world.db, 41, jobs)
    (queued,) = JobQueue(desk_world.db, desk_world.settings.jobs).list(kind="desk")
    assert queued.key == "desk:41" and queued.payload == {"email_id": 41}
    assert queued.max_attempts == 9  # the configured [jobs] budget, not a default
    assert json.dumps(queued.payload) == '{"email_id": 41}'
