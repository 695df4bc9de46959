"""Alert emails: the outbox to the job queue to a real aiosmtpd on loopback; one per change, threaded, retried."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from gateway.config import AlertSettings, Settings, SmtpSettings
from gateway.jobs import JobQueue
from gateway.jobs.worker import WorkerPool
from gateway.sensors.alert_email import ALERT_EMAIL_JOB, make_alert_email_handler, queue_alert_emails
from gateway.sensors.alerts import AlertBook
from gateway.store import open_db

pytestmark = pytest.mark.smtp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    maildir = tmp_path / "Maildir"
    ctl = Controller(Mailbox(maildir), hostname="127.0.0.1", port=free_port())
    ctl.start()
    yield ctl.port, maildir
    ctl.stop()


def with_mail(settings: Settings, port: int, *to: str, **alerts: object) -> Settings:
    smtp = SmtpSettings(enabled=True, host="127.0.0.1", port=port, security="none", from_addr="gw1@busybee.test",
                        timeout_seconds=2)
    return settings.model_copy(update={"smtp": smtp, "alerts": AlertSettings(email_to=list(to), **alerts)})


def run_jobs(settings: Settings) -> JobQueue:
    db = open_db(settings)
    queue_alert_emails(db, settings)
    pool = WorkerPool(lambda: open_db(settings, migrate_schema=False), settings.jobs,
                      {ALERT_EMAIL_JOB: make_alert_email_handler(settings)})
    queue = JobQueue(db, settings.jobs)
    while pool.run_once(queue, "test"):
        pass
    return queue


def delivered(maildir: Path) -> list[email.message.Message]:
    new = maildir / "new"
    files = sorted(new.iterdir(), key=lambda p: p.stat().st_mtime_ns) if new.exists() else []
    return [email.message_from_bytes(p.read_bytes()) for p in files]


def test_open_update_escalate_close_sends_three_threaded_emails(
    settings: Settings, smtp_sink: tuple[int, Path]
) -> None:
    port, maildir = smtp_sink
    settings = with_mail(settings, port, "ops@warehouse.test", "boss@warehouse.test")
    book = AlertBook(open_db(settings))
    book.raise_("env:uno:temperature", "temperature", "warning", "temperature 9 °C above 8 °C for 5 min")
    for i in range(10):  # updates while the condition lasts: no email
        book.raise_("env:uno:temperature", "temperature", "warning", f"temperature 9.{i} °C above 8 °C")
    book.raise_("env:uno:temperature", "temperature", "critical", "temperature 12 °C above 8 °C for 20 min")
    book.clear("env:uno:temperature")
    queue = run_jobs(settings)
    assert queue.depth_by_kind()[ALERT_EMAIL_JOB]["done"] == 3
    mails = delivered(maildir)
    assert [m["Subject"].split("]")[1].split(":")[0].strip() for m in mails] == \
        ["ALERT warning", "WORSE critical", "RESOLVED critical"]
    assert all(m["X-RcptTo"] == "ops@warehouse.test, boss@warehouse.test" for m in mails)
    assert "°C" in mails[0].get_payload(decode=True).decode("utf-8")
    opened_id = mails[0]["Message-ID"]
    assert mails[1]["In-Reply-To"] == opened_id and mails[2]["References"] == opened_id
    assert len({m["Message-ID"] for m in mails}) == 3


def test_below_min_severity_and_close_can_be_silenced(
    settings: Settings, smtp_sink: tuple[int, Path]
) -> None:
    port, maildir = smtp_sink
    settings = with_mail(settings, port, "ops@warehouse.test", min_severity="critical", email_on_close=False)
    book = AlertBook(open_db(settings))
    book.raise_("a", "gps_fix_lost", "warning", "GPS of uno has no fix")
    book.raise_("b", "board_silent", "critical", "sensor board uno silent for 121 s")
    book.clear("b")
    run_jobs(settings)
    subjects = [m["Subject"] for m in delivered(maildir)]
    assert subjects == ["[BusyBee gw1] ALERT critical: sensor board uno silent for 121 s"]


def test_no_recipients_means_no_jobs_and_old_changes_are_not_mailed_later(
    settings: Settings, smtp_sink: tuple[int, Path]
) -> None:
    db = open_db(settings)
    book = AlertBook(db, lambda: 1_000_000.0)
    book.raise_("a", "board_silent", "critical", "silent")
    assert queue_alert_emails(db, settings) == 0
    assert JobQueue(db, settings.jobs).depth_by_kind() == {}
    book.raise_("b", "camera_offline", "warning", "Camera dock1 offline")  # emails were off at the time
    port, maildir = smtp_sink
    mailing = with_mail(settings, port, "ops@warehouse.test")
    assert queue_alert_emails(db, mailing, now=1_000_000.0 + 7200) == 0  # two hours later: skipped, no flood
    assert delivered(maildir) == []


def test_every_raiser_is_mailed_through_the_outbox_exactly_once(
    settings: Settings, smtp_sink: tuple[int, Path]
) -> None:
    port, maildir = smtp_sink
    settings = with_mail(settings, port, "ops@warehouse.test")
    db = open_db(settings)
    AlertBook(db).raise_("cam:dock1:offline", "camera_offline", "warning", "Camera dock1 offline")  # a camera
    AlertBook(db).raise_("disk", "disk_pressure", "critical", "frame store at 97 %\r\nof its budget")
    assert queue_alert_emails(db, settings) == 2
    assert queue_alert_emails(db, settings) == 0  # already queued
    run_jobs(settings)
    subjects = sorted(m["Subject"] for m in delivered(maildir))
    assert subjects == ["[BusyBee gw1] ALERT critical: frame store at 97 % of its budget",
                        "[BusyBee gw1] ALERT warning: Camera dock1 offline"]


def test_unreachable_server_retries_then_delivers(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    settings = with_mail(settings, port, "ops@warehouse.test")
    book = AlertBook(open_db(settings))
    book.raise_("b", "board_silent", "critical", "sensor board uno silent")
    queue = run_jobs(settings)
    (job,) = queue.list(kind=ALERT_EMAIL_JOB)
    assert job.state == "queued" and job.attempts == 1 and "cannot reach" in (job.last_error or "")
    ctl = Controller(Mailbox(tmp_path / "Maildir"), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        queue.db.execute("UPDATE jobs SET run_after = 0")
        run_jobs(settings)
    finally:
        ctl.stop()
    assert queue.get(job.id).state == "done"  # type: ignore[union-attr]
    assert len(delivered(tmp_path / "Maildir")) == 1
