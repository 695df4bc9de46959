"""The classify job: ingest → parse → classify stores label, confidence, model version and the review flag."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.classify.holder import ModelHolder
from gateway.classify.job import CLASSIFY_JOB, ClassifyStep, email_input, make_classify_handler
from gateway.config import Settings
from gateway.jobs import JobQueue, PermanentJobError
from gateway.mail.ingest import Ingestor
from gateway.mail.parse_job import ParseStep
from gateway.store import open_db, raw_store
from tests.mail.builders import message, xlsx_of

QUOTE = ("부산에서 LA까지 40HC 2대 해상운임 견적 부탁드립니다. 품목은 자동차 부품, FOB 부산, "
         "다음 주 금요일 출고 예정입니다.\n\n"
         "2026년 3월 5일 (목) 오전 10:12, 영업팀 <sales@busybee.test>님이 작성:\n> 문의 감사합니다.")


def _parsed_email(settings: Settings, raw: bytes) -> tuple[Ingestor, int]:
    db = open_db(settings)
    queue = JobQueue(db, settings.jobs)
    ingestor = Ingestor(db, raw_store(settings), queue, max_message_bytes=settings.store.max_message_bytes)
    email_id = ingestor.ingest(raw, "t:1").email_id
    assert email_id is not None
    ParseStep(settings.limits, settings.jobs, raw_store(settings)).run(db, email_id)
    return ingestor, email_id


def test_classify_job_stores_the_result_and_marks_the_email(settings: Settings) -> None:
    ingestor, email_id = _parsed_email(settings, message(QUOTE, subject="부산-LA 견적 요청"))
    job = ingestor.queue.claim("test", kinds=[CLASSIFY_JOB])
    assert job is not None and job.payload == {"email_id": email_id}
    make_classify_handler(settings.classify)(job, ingestor.db)
    row = next(ingestor.db.query("SELECT * FROM classifications WHERE email_id = ?", [email_id]))
    assert row["label"] == "quote"
    assert row["confidence"] == pytest.approx(max(json.loads(row["scores"]).values()), abs=1e-5)
    assert row["model_version"] == ModelHolder().classify("x").model_version
    assert row["needs_review"] == int(row["confidence"] < settings.classify.review_below)
    status = ingestor.db.execute("SELECT status FROM emails WHERE id = ?", [email_id]).fetchone()[0]
    assert status == "classified"


def test_low_confidence_is_flagged_for_review_and_rerun_replaces(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(env={"BUSYBEE_CLASSIFY__REVIEW_BELOW": "0.95"})
    # a greeting with no request: no label fits well (a clear request scores 1.0 in float32)
    ingestor, email_id = _parsed_email(settings, message("hello", subject=""))
    step = ClassifyStep(ModelHolder(threads=settings.classify.threads), settings.classify)
    step.run(ingestor.db, email_id)
    step.run(ingestor.db, email_id)
    rows = list(ingestor.db.query("SELECT needs_review, confidence FROM classifications"))
    assert len(rows) == 1 and rows[0]["needs_review"] == 1, rows


def test_attachment_text_reaches_the_model(settings: Settings) -> None:
    form = xlsx_of([["PURCHASE ORDER", "PO-4471"], ["Qty", "300 cartons"], ["Ship", "Busan → Rotterdam"]])
    ingestor, email_id = _parsed_email(settings, message(
        "see attached", subject="PO", attachments=[("order_form.xlsx", form, "application/vnd.openxmlformats-"
                                                    "officedocument.spreadsheetml.sheet")]))
    text = email_input(ingestor.db, email_id)
    assert "[order_form.xlsx]" in text and "PO-4471" in text


def test_missing_email_is_permanent_and_a_broken_bundle_is_retried(settings: Settings, tmp_path: Path) -> None:
    db = open_db(settings)
    with pytest.raises(PermanentJobError, match="email 999 does not exist"):
        ClassifyStep(ModelHolder(), settings.classify).run(db, 999)
    ingestor, email_id = _parsed_email(settings, message(QUOTE))
    broken = ClassifyStep(ModelHolder(tmp_path / "no-bundle"), settings.classify)
    with pytest.raises(RuntimeError, match=r"cannot classify: .*no such bundle folder"):
        broken.run(ingestor.db, email_id)
    assert ingestor.db.execute("SELECT COUNT(*) FROM classifications").fetchone()[0] == 0


def test_settings_default_to_the_shipped_bundle_and_resolve_relative_paths(
        make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    assert make_settings().classify.bundle is None
    configured = make_settings(env={"BUSYBEE_CLASSIFY__BUNDLE": "models/x"}).classify.bundle
    assert configured == (tmp_path / "models/x").resolve()


def test_a_dropped_email_is_classified_by_the_running_gateway(settings: Settings) -> None:
    from gateway.runtime import Runtime

    runtime = Runtime(settings)
    runtime.build()
    settings.spool_dir.mkdir(parents=True, exist_ok=True)
    (settings.spool_dir / "q.eml").write_bytes(message(QUOTE, subject="부산-LA 견적 요청"))
    runtime.start()
    db = open_db(settings)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = list(db.query("SELECT c.label, e.status FROM classifications c JOIN emails e ON e.id = c.email_id"))
            if rows:
                break
            time.sleep(0.2)
    finally:
        runtime.stop()
    assert [r["label"] for r in rows] == ["quote"]
    assert rows[0]["status"] not in ("received", "parsed")  # classified (or a later step took it on)
