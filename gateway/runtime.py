"""`busybee run`: every configured part in one process — mail sources, job workers, web app — until SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import uvicorn
from sqlite_utils import Database

from gateway.config import Settings
from gateway.db import StoreError
from gateway.jobs import Job, JobQueue
from gateway.jobs.worker import WorkerPool
from gateway.mail.ingest import Ingestor, IngestResult
from gateway.mail.spool import SpoolFailure, poll_spool
from gateway.maintenance import sweep
from gateway.metrics import Metrics
from gateway.pipeline import build_handlers
from gateway.status import record_poll
from gateway.store import open_db, raw_store

log = logging.getLogger("gateway.runtime")
POLL_RECORD_SECONDS = 60.0


class Component(Protocol):
    """A long-running part of the gateway with its own thread."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def health(self) -> dict[str, Any]: ...


class LoopThread:
    """Runs `step()` every `interval` seconds in a thread until stopped; errors are logged, never fatal."""

    def __init__(self, name: str, step: Callable[[], object], interval: float) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.last_ok: float | None = None
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def health(self) -> dict[str, Any]:
        return {"alive": self._thread.is_alive(), "last_ok": self.last_ok, "last_error": self.last_error}

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
                self.last_ok, self.last_error = time.time(), None
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("component step failed", extra={"component": self.name})
            self._stop.wait(self.interval)


class Runtime:
    """Assembles and supervises the gateway's components."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics(queue_depth=self._queue_depth)
        self.blobs = raw_store(settings)
        self.components: list[Component] = []
        self.services: dict[str, Any] = {}  # components the web app talks to, by name
        self.pool: WorkerPool | None = None
        self._stop = threading.Event()
        self._metrics_db: Database | None = None
        self._web: uvicorn.Server | None = None
        self._web_thread: threading.Thread | None = None

    def connect(self) -> Database:
        """A new connection (one per thread)."""
        return open_db(self.settings, migrate_schema=False)

    def _queue_depth(self) -> dict[str, dict[str, int]]:
        if self._metrics_db is None:
            self._metrics_db = self.connect()
        return JobQueue(self._metrics_db, self.settings.jobs).depth_by_kind()

    def ingestor(self, db: Database) -> Ingestor:
        """An Ingestor on `db` that wakes the workers when something new is queued."""
        return Ingestor(
            db, self.blobs, JobQueue(db, self.settings.jobs),
            max_message_bytes=self.settings.store.max_message_bytes,
            notify=self.pool.notify if self.pool else None,
        )

    def count(self, result: IngestResult | SpoolFailure, source_kind: str) -> None:
        """Update metrics for one ingest outcome."""
        if isinstance(result, IngestResult):
            if result.outcome in ("stored", "too_large"):
                self.metrics.emails_ingested.labels(source_kind).inc()
            elif result.outcome == "duplicate":
                self.metrics.emails_duplicate.labels(source_kind).inc()

    def _on_job(self, job: Job, state: str) -> None:
        if state == "done":
            self.metrics.jobs_done.labels(job.kind).inc()
        else:
            self.metrics.job_failures.labels(job.kind, "dead" if state == "dead" else "retry").inc()

    def build(self) -> None:
        """Create the schema and every configured component (nothing starts yet)."""
        open_db(self.settings).close()
        self.blobs.sweep_temp()
        self.pool = WorkerPool(self.connect, self.settings.jobs, build_handlers(self), on_result=self._on_job)
        spool = self.settings.mail.spool
        if spool.enabled:
            self.settings.spool_dir.mkdir(parents=True, exist_ok=True)
            spool_db = self.connect()
            ingestor = self.ingestor(spool_db)

            recorded: list[tuple[float, str | None]] = []  # when the last poll was written, and its error

            def spool_step() -> None:
                error = None
                try:
                    for result in poll_spool(ingestor, self.settings.spool_dir):
                        self.count(result, "spool")
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    raise
                finally:
                    # an idle spool polls every few seconds: write (and fsync) its state only when the outcome
                    # changes or once a minute, not on every pass (SD cards wear out)
                    now = time.monotonic()
                    if not recorded or recorded[-1][1] != error or now - recorded[-1][0] >= POLL_RECORD_SECONDS:
                        record_poll(spool_db, "spool", error)
                        recorded[:] = [(now, error)]

            self.components.append(LoopThread("spool", spool_step, spool.poll_seconds))
        maintenance_db = self.connect()
        self.components.append(
            LoopThread("maintenance", lambda: sweep(maintenance_db, self.blobs, self.settings), 3600.0)
        )
        for extra in _extra_components(self):
            self.components.append(extra)

    def health(self) -> dict[str, Any]:
        """Liveness of the database and of every component."""
        report: dict[str, Any] = {"ok": True, "components": {}}
        try:
            db = self.connect()
            try:
                db.execute("SELECT 1").fetchone()
            finally:
                db.close()
            report["database"] = "ok"
        except Exception as exc:
            report["ok"], report["database"] = False, str(exc)
        for comp in self.components:
            h = comp.health()
            report["components"][comp.name] = h
            if not h.get("alive", True):
                report["ok"] = False
        return report

    def start(self) -> None:
        """Start workers, sources and the web app."""
        assert self.pool is not None
        self.pool.start()
        for comp in self.components:
            comp.start()
        if self.settings.web.enabled:
            self._start_web()
        log.info("gateway started", extra={"gateway": self.settings.gateway.id,
                                           "components": ",".join(c.name for c in self.components)})

    def _start_web(self) -> None:
        from gateway.web.app import WebState, create_app

        app = create_app(WebState(self.settings, self.connect, self.metrics, self.health, self.services))
        config = uvicorn.Config(app, host=self.settings.web.host, port=self.settings.web.port,
                                log_config=None, access_log=False, lifespan="on")
        self._web = uvicorn.Server(config)
        self._web_thread = threading.Thread(target=self._web.run, name="web", daemon=True)
        self._web_thread.start()
        deadline = time.monotonic() + 15
        while not self._web.started and self._web_thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self._web.started:
            raise StoreError(f"web app could not listen on {self.settings.web.host}:{self.settings.web.port}")
        log.info("web app listening", extra={"host": self.settings.web.host, "port": self.web_port})

    @property
    def web_port(self) -> int | None:
        """The port actually bound (useful with port = 0)."""
        if self._web is None or not self._web.servers:
            return None
        return int(self._web.servers[0].sockets[0].getsockname()[1])

    def stop(self) -> None:
        """Stop sources first (nothing new arrives), then the web app, then let workers finish."""
        for comp in reversed(self.components):
            comp.stop()
        if self._web is not None:
            self._web.should_exit = True
            if self._web_thread:
                self._web_thread.join(15)
        if self.pool is not None:
            self.pool.stop()
        log.info("gateway stopped")

    def request_stop(self, *_: object) -> None:
        """Signal handler: begin a clean shutdown."""
        self._stop.set()

    def run_forever(self) -> int:
        """Build, start, wait for SIGTERM/SIGINT, stop; returns the exit status."""
        self.build()
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        self.start()
        while not self._stop.wait(1.0):
            pass
        log.info("shutdown requested")
        self.stop()
        return 0


def _extra_components(runtime: Runtime) -> list[Component]:
    """Components contributed by other capabilities (IMAP accounts, sensors, ...)."""
    from gateway.components import extra_components

    return extra_components(runtime)
