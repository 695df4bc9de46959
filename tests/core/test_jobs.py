"""The durable job queue: idempotent enqueue, atomic claims, backoff, dead letters, crash recovery."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from gateway.config import JobSettings, Settings
from gateway.jobs import JobQueue, PermanentJobError
from gateway.jobs.queue import backoff_seconds
from gateway.jobs.worker import WorkerPool, owner_alive, process_owner
from gateway.store import open_db


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def queue(settings: Settings) -> JobQueue:
    return JobQueue(open_db(settings), JobSettings(backoff_base_seconds=10, max_attempts=3), clock=Clock())


def test_enqueue_is_idempotent_by_key(queue: JobQueue) -> None:
    a = queue.enqueue("parse", {"email_id": 1}, key="parse:1")
    b = queue.enqueue("parse", {"email_id": 1}, key="parse:1")
    assert a == b
    assert len(queue.list()) == 1


def test_backoff_grows_then_dead_letters(queue: JobQueue) -> None:
    clock = queue.clock
    assert isinstance(clock, Clock)
    queue.enqueue("parse", {}, key="k")
    job = queue.claim("w")
    assert job is not None and job.attempts == 1
    assert queue.fail(job, "boom") == "queued"
    assert queue.claim("w") is None  # backing off for 10 s
    clock.now += 10
    job = queue.claim("w")
    assert job is not None and job.attempts == 2
    queue.fail(job, "boom again")
    clock.now += 19
    assert queue.claim("w") is None  # second delay is 20 s
    clock.now += 1
    job = queue.claim("w")
    assert job is not None
    assert queue.fail(job, "third strike") == "dead"
    dead = queue.list(state="dead")
    assert [j.last_error for j in dead] == ["third strike"]
    assert queue.retry() == 1
    again = queue.claim("w")
    assert again is not None and again.attempts == 1


def test_backoff_is_capped() -> None:
    s = JobSettings(backoff_base_seconds=5, backoff_max_seconds=60)
    assert [backoff_seconds(n, s) for n in (1, 2, 3, 4, 5, 9)] == [5, 10, 20, 40, 60, 60]


def test_expired_lease_is_reclaimed(queue: JobQueue) -> None:
    queue.enqueue("parse", {}, key="k")
    assert queue.claim("dead-worker") is not None
    assert queue.claim("other") is None
    assert isinstance(queue.clock, Clock)
    queue.clock.now += queue.settings.lease_seconds + 1
    job = queue.claim("other")
    assert job is not None and job.attempts == 2


def test_claims_are_atomic_across_threads(settings: Settings) -> None:
    q = JobQueue(open_db(settings), settings.jobs)
    for i in range(200):
        q.enqueue("parse", {"i": i}, key=f"k{i}")
    claimed: list[int] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        mine = JobQueue(open_db(settings), settings.jobs)
        while (job := mine.claim(name)) is not None:
            with lock:
                claimed.append(job.id)
            mine.complete(job)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 200


def test_job_of_a_killed_process_is_retried(settings: Settings) -> None:
    q = JobQueue(open_db(settings), settings.jobs)
    q.enqueue("parse", {}, key="k")
    code = (
        "import os,sys; from gateway.config import load_settings; from gateway.store import open_db;"
        "from gateway.jobs import JobQueue; from gateway.jobs.worker import process_owner;"
        f"s=load_settings(__import__('pathlib').Path({str(settings.source)!r}), env={{}});"
        "q=JobQueue(open_db(s), s.jobs); j=q.claim(process_owner()+'/w0'); assert j; os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    job = q.list()[0]
    assert job.state == "running"
    assert q.recover_orphans(owner_alive) == 1
    assert q.claim("me") is not None


def test_owner_alive_tells_this_process_from_a_dead_one() -> None:
    assert owner_alive(process_owner() + "/w0")
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert not owner_alive(process_owner(int(proc.stdout)).replace(":?", ":1"))


def test_worker_pool_runs_handlers_and_dead_letters_permanent_errors(settings: Settings) -> None:
    db = open_db(settings)
    q = JobQueue(db, settings.jobs)
    seen: list[int] = []
    done = threading.Event()

    def ok(job, _db):  # type: ignore[no-untyped-def]
        seen.append(job.payload["n"])

    def bad(job, _db):  # type: ignore[no-untyped-def]
        raise PermanentJobError("cannot ever work")

    results: list[str] = []

    def on_result(job, state):  # type: ignore[no-untyped-def]
        results.append(state)
        if len(results) == 3:
            done.set()

    q.enqueue("ok", {"n": 1}, key="a")
    q.enqueue("ok", {"n": 2}, key="b")
    q.enqueue("bad", {}, key="c")
    pool = WorkerPool(lambda: open_db(settings), settings.jobs, {"ok": ok, "bad": bad}, on_result=on_result)
    pool.start()
    assert done.wait(10)
    pool.stop()
    assert sorted(seen) == [1, 2]
    assert [j.kind for j in q.list(state="dead")] == ["bad"]
    assert "cannot ever work" in (q.list(state="dead")[0].last_error or "")
