"""The parse job: stored results, one transaction with the classify job, idempotent reruns, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from gateway.config import Settings
from gateway.db import StoreError
from gateway.jobs import JobQueue, PermanentJobError
from gateway.mail.ingest import Ingestor
from gateway.mail.parse_job import ParseStep
from gateway.metrics import Metrics
from gateway.store import open_db, raw_store
from tests.mail.builders import message, nested_zip, xlsx_of, zip_bomb, zip_of

QUOTE = ("부산에서 LA까지 40피트 2개 견적 부탁드립니다.\n\n"
         "2026년 3월 5일 (목) 오전 10:12, 영업팀 <sales@busybee.test>님이 작성:\n> 문의 감사합니다.")


def _setup(settings: Settings) -> tuple[Ingestor, ParseStep, Metrics]:
    db = open_db(settings)
    queue = JobQueue(db, settings.jobs)
    metrics = Metrics()
    ingestor = Ingestor(db, raw_store(settings), queue, max_message_bytes=settings.store.max_message_bytes)
    return ingestor, ParseStep(settings.limits, settings.jobs, raw_store(settings), metrics), metrics


def test_parse_stores_fields_attachments_and_queues_classify(settings: Settings) -> None:
    ingestor, step, metrics = _setup(settings)
    archive = zip_of({"po/po1.xlsx": xlsx_of([["PO", 4711]])})
    email_id = ingestor.ingest(message(QUOTE, attachments=[("orders.zip", archive, "application/zip")]), "t:1").email_id
    assert email_id is not None
    outcome = step.run(ingestor.db, email_id)
    assert (outcome.status, outcome.error, outcome.attachments) == ("parsed", None, 2)
    row = next(ingestor.db.query("SELECT * FROM emails WHERE id = ?", [email_id]))
    assert row["status"] == "parsed" and row["language"] == "ko" and row["error"] is None
    assert row["body_new"] == "부산에서 LA까지 40피트 2개 견적 부탁드립니다."
    assert row["body_quoted"].endswith("> 문의 감사합니다.")
    assert json.loads(row["warnings"]) == [] and row["attachment_count"] == 2
    atts = list(ingestor.db.query("SELECT path, depth, sniffed_type, text FROM attachments ORDER BY id"))
    assert [(a["path"], a["depth"]) for a in atts] == [("orders.zip", 0), ("orders.zip/po/po1.xlsx", 1)]
    assert "PO\t4711" in atts[1]["text"]
    jobs = ingestor.queue.list(kind="classify")
    assert [(j.key, j.payload) for j in jobs] == [(f"classify:{email_id}", {"email_id": email_id})]
    assert metrics.parse_failures._value.get() == 0


def test_rerun_does_not_duplicate_attachments_or_classify_jobs(settings: Settings) -> None:
    ingestor, step, _ = _setup(settings)
    raw = message("x", attachments=[("a.zip", zip_of({"1.txt": b"a", "2.txt": b"b"}), "application/zip")])
    email_id = ingestor.ingest(raw, "t:1").email_id
    assert email_id is not None
    for _ in range(3):
        step.run(ingestor.db, email_id)
    assert ingestor.db.execute("SELECT COUNT(*) FROM attachments").fetchone()[0] == 3
    assert len(ingestor.queue.list(kind="classify")) == 1


def test_rerun_leaves_a_later_status_alone(settings: Settings) -> None:
    ingestor, step, _ = _setup(settings)
    email_id = ingestor.ingest(message("x"), "t:1").email_id
    assert email_id is not None
    step.run(ingestor.db, email_id)
    ingestor.db.execute("UPDATE emails SET status = 'classified' WHERE id = ?", [email_id])
    step.run(ingestor.db, email_id)
    assert ingestor.db.execute("SELECT status FROM emails").fetchone()[0] == "classified"


def test_hostile_attachment_is_parse_failed_with_error_and_still_classified(settings: Settings) -> None:
    ingestor, step, metrics = _setup(settings)
    email_id = ingestor.ingest(message(QUOTE, attachments=[("orders.zip", zip_bomb(), "application/zip")]),
                               "t:1").email_id
    assert email_id is not None
    outcome = step.run(ingestor.db, email_id)
    assert outcome.status == "parse_failed" and "zip bomb refused in orders.zip" in (outcome.error or "")
    row = ingestor.db.execute("SELECT status, error, body_new FROM emails").fetchone()
    assert row[0] == "parse_failed" and row[1] == outcome.error and row[2].startswith("부산에서")
    assert metrics.parse_failures._value.get() == 1
    assert len(ingestor.queue.list(kind="classify")) == 1


def test_failure_inside_the_transaction_leaves_nothing_half_done(settings: Settings) -> None:
    ingestor, step, _ = _setup(settings)
    email_id = ingestor.ingest(message("x", attachments=[("a.txt", b"abc", "text/plain")]), "t:1").email_id
    assert email_id is not None
    ingestor.db.execute("CREATE TRIGGER no_classify BEFORE INSERT ON jobs WHEN NEW.kind = 'classify' "
                        "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        step.run(ingestor.db, email_id)
    assert ingestor.db.execute("SELECT status FROM emails").fetchone()[0] == "received"
    assert ingestor.db.execute("SELECT COUNT(*) FROM attachments").fetchone()[0] == 0


def test_missing_email_is_permanent_missing_raw_is_retried(settings: Settings) -> None:
    ingestor, step, _ = _setup(settings)
    with pytest.raises(PermanentJobError):
        step.run(ingestor.db, 999)
    email_id = ingestor.ingest(message("x"), "t:1").email_id
    assert email_id is not None
    sha = ingestor.db.execute("SELECT sha256 FROM emails").fetchone()[0]
    raw_store(settings).delete(sha)
    with pytest.raises(StoreError):
        step.run(ingestor.db, email_id)


def _cli(settings: Settings, *args: str) -> list[str]:
    assert settings.source is not None
    result = CliRunner().invoke(cli, ["--config", str(settings.source), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()


def test_ingest_command_parses_inline_and_prints_the_status(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(message(QUOTE, attachments=[("orders.zip", zip_bomb(), "application/zip")]))
    (tmp_path / "b.eml").write_bytes(message("plain quote request"))
    (tmp_path / "c.eml").write_bytes(message("x", attachments=[("deep.zip", nested_zip(6), "application/zip")]))
    out = _cli(settings, "ingest", str(tmp_path / "a.eml"), str(tmp_path / "b.eml"))
    assert out[0].startswith(f"{tmp_path / 'a.eml'}: stored (email 1), parse_failed: zip bomb refused in orders.zip")
    assert out[1] == f"{tmp_path / 'b.eml'}: stored (email 2), parsed"
    queue = JobQueue(open_db(settings), settings.jobs)
    assert {j.state for j in queue.list(kind="parse")} == {"done"}
    out = _cli(settings, "ingest", "--no-parse", str(tmp_path / "c.eml"))
    assert out == [f"{tmp_path / 'c.eml'}: stored (email 3)"]
    assert queue.list(kind="parse")[0].state == "queued"
