"""Worker threads: claim a job, run its handler, finish it or back it off."""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from gateway.config import JobSettings
from gateway.jobs.queue import Job, JobQueue, PermanentJobError

log = logging.getLogger(__name__)

Handler = Callable[[Job, Database], None]


def _start_ticks(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "?"
    return stat.rsplit(")", 1)[1].split()[19]


def process_owner(pid: int | None = None) -> str:
    """An owner tag unique to this process incarnation: host, pid and the kernel's start time."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def owner_alive(owner: str) -> bool:
    """Whether the process named by an owner tag (optionally suffixed '/worker') still runs here."""
    host, _, rest = owner.partition(":")
    if host != socket.gethostname():
        return True  # another machine's worker: leave it to its lease
    pid_s, _, tail = rest.partition(":")
    if not pid_s.isdigit():
        return False
    ticks = tail.split("/", 1)[0]
    return _start_ticks(int(pid_s)) == ticks


@dataclass
class WorkerStats:
    """Counters a worker pool exposes to /metrics."""

    done: int = 0
    retried: int = 0
    dead: int = 0


class WorkerPool:
    """N threads, each with its own database connection, running handlers by job kind."""

    def __init__(
        self,
        connect: Callable[[], Database],
        settings: JobSettings,
        handlers: Mapping[str, Handler],
        on_result: Callable[[Job, str], None] | None = None,
    ) -> None:
        self.connect = connect
        self.settings = settings
        self.handlers = dict(handlers)
        self.on_result = on_result
        self.stats = WorkerStats()
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []
        self.owner = process_owner()

    def start(self) -> None:
        """Requeue what a killed process left running, then start the threads."""
        if not self.handlers or self.settings.workers == 0:
            return
        JobQueue(self.connect(), self.settings).recover_orphans(owner_alive)
        for i in range(self.settings.workers):
            t = threading.Thread(target=self._run, args=(f"{self.owner}/w{i}",), name=f"jobs-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def notify(self) -> None:
        """Wake idle workers (a job was just enqueued)."""
        with self._wake:
            self._wake.notify_all()

    def stop(self, timeout: float = 30.0) -> None:
        """Let running jobs finish, then stop; unfinished ones are requeued."""
        self._stop.set()
        self.notify()
        for t in self._threads:
            t.join(timeout)
        queue = JobQueue(self.connect(), self.settings)
        for i in range(len(self._threads)):
            queue.release_owner(f"{self.owner}/w{i}")

    def run_once(self, queue: JobQueue, owner: str) -> bool:
        """Claim and run one job; False when nothing was ready."""
        job = queue.claim(owner, self.handlers.keys())
        if job is None:
            return False
        try:
            self.handlers[job.kind](job, queue.db)
        except PermanentJobError as exc:
            state = queue.fail(job, f"{type(exc).__name__}: {exc}", permanent=True)
        except Exception as exc:
            log.warning("job failed", extra={"job_id": job.id, "kind": job.kind, "error": str(exc)})
            detail = "".join(traceback.format_exception_only(exc)).strip()
            state = queue.fail(job, detail)
        else:
            queue.complete(job)
            state = "done"
        if state == "done":
            self.stats.done += 1
        elif state == "dead":
            self.stats.dead += 1
            log.error("job dead-lettered", extra={"job_id": job.id, "kind": job.kind})
        else:
            self.stats.retried += 1
        if self.on_result:
            self.on_result(job, state)
        return True

    def _run(self, owner: str) -> None:
        queue = JobQueue(self.connect(), self.settings)
        while not self._stop.is_set():
            try:
                busy = self.run_once(queue, owner)
            except Exception:
                log.exception("worker loop error")
                busy = False
            if not busy:
                with self._wake:
                    self._wake.wait(self.settings.poll_seconds)
