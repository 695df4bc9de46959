"""Ingest stores raw mail content-addressed, records each email once and queues its parse job once."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gateway.config import Settings
from gateway.jobs import JobQueue
from gateway.mail.ingest import Ingestor, dedupe_key, read_envelope
from gateway.mail.spool import poll_spool
from gateway.store import open_db, raw_store

MSG = (
    b"From: =?utf-8?b?6rmA66+87IiY?= <Minsu@Example.KR>\r\nTo: sales@busybee.test\r\n"
    b"Subject: =?utf-8?q?=EA=B2=AC=EC=A0=81?=\r\nMessage-ID: <abc@example.kr>\r\n"
    b"Date: Thu, 05 Mar 2026 10:12:00 +0900\r\n\r\nBusan to LA 2x40HC\r\n"
)


def make(settings: Settings, max_bytes: int = 10_000_000) -> Ingestor:
    db = open_db(settings)
    return Ingestor(db, raw_store(settings), JobQueue(db, settings.jobs), max_message_bytes=max_bytes)


def test_stores_raw_by_sha_and_queues_parse_once(settings: Settings) -> None:
    ing = make(settings)
    r = ing.ingest(MSG, "test:1")
    assert r.outcome == "stored"
    sha = hashlib.sha256(MSG).hexdigest()
    assert (settings.data_dir / "mail" / f"{sha}.eml").read_bytes() == MSG
    row = next(ing.db.query("SELECT * FROM emails"))
    assert row["from_addr"] == "minsu@example.kr" and row["from_name"] == "김민수" and row["subject"] == "견적"
    assert [j.kind for j in ing.queue.list()] == ["parse"]


def test_same_source_twice_is_already_seen(settings: Settings) -> None:
    ing = make(settings)
    first = ing.ingest(MSG, "imap:a:INBOX:1:7")
    again = ing.ingest(MSG, "imap:a:INBOX:1:7")
    assert again.outcome == "already_seen" and again.email_id == first.email_id


def test_same_mail_in_two_folders_and_redelivered_is_one_email(settings: Settings) -> None:
    ing = make(settings)
    a = ing.ingest(MSG, "imap:a:INBOX:1:7")
    b = ing.ingest(MSG, "imap:a:Archive:9:3")
    redelivered = b"Received: from mx2 by mx1; Thu, 05 Mar 2026 10:13:00 +0900\r\n" + MSG.replace(b"\r\n", b"\n")
    c = ing.ingest(redelivered, "imap:b:INBOX:4:1")
    assert (b.outcome, c.outcome) == ("duplicate", "duplicate")
    assert a.email_id == b.email_id == c.email_id
    assert ing.db.execute("SELECT COUNT(*) FROM emails").fetchone()[0] == 1
    assert ing.db.execute("SELECT COUNT(*) FROM sightings").fetchone()[0] == 3
    assert len(ing.queue.list()) == 1


def test_reused_message_id_with_different_content_is_not_lost(settings: Settings) -> None:
    ing = make(settings)
    ing.ingest(MSG, "s:1")
    other = MSG.replace(b"2x40HC", b"3x20GP")
    r = ing.ingest(other, "s:2")
    assert r.outcome == "stored"
    assert ing.db.execute("SELECT COUNT(*) FROM emails").fetchone()[0] == 2


def test_oversized_mail_is_kept_but_not_parsed(settings: Settings) -> None:
    ing = make(settings, max_bytes=50)
    r = ing.ingest(MSG, "s:1")
    assert r.outcome == "too_large"
    row = next(ing.db.query("SELECT status, error FROM emails"))
    assert row["status"] == "too_large" and "limit" in row["error"]
    assert ing.queue.list() == []


def test_envelope_of_garbage_never_raises() -> None:
    for raw in (b"", b"\x00\xff\xfe" * 100, b"Subject: \xff\xfe\r\n\r\n", b"From: <<<@@@>>>\n\nx"):
        env = read_envelope(raw)
        assert dedupe_key(env).startswith(("mid:", "fp:"))


def test_spool_moves_files_aside(settings: Settings) -> None:
    spool = settings.spool_dir
    spool.mkdir(parents=True)
    (spool / "a.eml").write_bytes(MSG)
    (spool / "notes.txt").write_text("not mail")
    import os

    os.utime(spool / "a.eml", (1, 1))
    results = poll_spool(make(settings), spool)
    assert [getattr(r, "outcome", None) for r in results] == ["stored"]
    assert not (spool / "a.eml").exists()
    assert [p.name.endswith("-a.eml") for p in (spool / "processed").iterdir()] == [True]
    assert (spool / "notes.txt").exists()


def test_spool_waits_for_a_file_still_being_written(settings: Settings, tmp_path: Path) -> None:
    spool = settings.spool_dir
    spool.mkdir(parents=True)
    (spool / "fresh.eml").write_bytes(MSG)
    assert poll_spool(make(settings), spool) == []
