"""Hostile mail: each gives a readable error on that email, and the parse worker keeps going."""

from __future__ import annotations

import functools
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.jobs import JobQueue
from gateway.jobs.worker import WorkerPool
from gateway.mail.ingest import Ingestor
from gateway.mail.parse import parse_message
from gateway.mail.parse_job import make_parse_handler
from gateway.metrics import Metrics
from gateway.store import open_db, raw_store
from tests.mail.builders import (
    LIMITS,
    deep_mime,
    mark_encrypted,
    message,
    nested_zip,
    raw_text_part,
    zip_bomb,
    zip_of,
    zip_with_infos,
)


def _traversal_zip() -> bytes:
    link = zipfile.ZipInfo("po/link-to-shadow")
    link.external_attr = (0o120777 << 16)
    return mark_encrypted(zip_with_infos([
        (zipfile.ZipInfo("../../etc/passwd"), b"root:x:0:0::/root:/bin/bash\n"),
        (zipfile.ZipInfo("/etc/cron.d/evil"), b"* * * * * root sh\n"),
        (zipfile.ZipInfo("..\\..\\windows\\win.ini"), b"[x]\n"),
        (link, b"/etc/shadow"),
        (zipfile.ZipInfo("secret/prices.xlsx"), b"ciphertext"),
        (zipfile.ZipInfo("po/po1.txt"), b"PO 4711 2x40HC"),
    ]), "secret/prices.xlsx")


@functools.cache
def _office_bomb() -> bytes:
    """An .xlsx whose sheet XML inflates to 150 MB: the bytes look like Excel, the archive is a bomb."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            for _ in range(150):
                fh.write(b" " * (1 << 20))
    return buf.getvalue()


def _attach(name: str, data: bytes, ctype: str = "application/octet-stream") -> bytes:
    return message("Please see the attachment.", attachments=[(name, data, ctype)])


HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "zip bomb": (lambda: _attach("orders.zip", zip_bomb(), "application/zip"),
                 "zip bomb refused in orders.zip: expands to 157,286,400 bytes, over the 104,857,600-byte limit"),
    "ratio bomb": (lambda: _attach("small.zip", zip_bomb(40 * 1024 * 1024), "application/zip"),
                   "zip bomb refused in small.zip"),
    "Excel bomb": (lambda: _attach("prices.xlsx", _office_bomb()),
                   "zip bomb refused in prices.xlsx: expands to 157,286,"),
    "nested zip": (lambda: _attach("deep.zip", nested_zip(10), "application/zip"),
                   "deep.zip/level9.zip/level8.zip/level7.zip: archive nested deeper than 3 levels, not opened"),
    "traversal": (lambda: _attach("po.zip", _traversal_zip(), "application/zip"),
                  "po.zip/../../etc/passwd: refused (path traversal)"),
    "30 MB attachment": (lambda: _attach("scan.pdf", b"%PDF-1.4\n" + os.urandom(30 * 1024 * 1024), "application/pdf"),
                         "scan.pdf is 31,457,289 bytes, over the 26,214,400-byte attachment limit: not read"),
    "MIME 1000 deep": (lambda: deep_mime(1000), "MIME tree nested too deeply to parse: only the headers were read"),
    "MIME 60 deep": (lambda: deep_mime(60), "MIME tree deeper than 20 levels: truncated"),
    "PDF that is HTML": (lambda: _attach("invoice.pdf", b"<html><body>Your invoice</body></html>", "application/pdf"),
                         "invoice.pdf: claims to be PDF but its bytes are text/html: not read"),
    "PDF that is garbage": (lambda: _attach("quote.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 100, "application/pdf"),
                            "quote.pdf: unreadable PDF:"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_gives_a_readable_error(name: str) -> None:
    build, expected = HOSTILE[name]
    parsed = parse_message(build(), LIMITS)
    assert parsed.error is not None and expected in parsed.error, parsed.error


def test_traversal_archive_reports_every_bad_entry_and_reads_the_good_one() -> None:
    parsed = parse_message(_attach("po.zip", _traversal_zip(), "application/zip"), LIMITS)
    errors = {a.path: a.error for a in parsed.attachments}
    assert errors["po.zip/../../etc/passwd"] == "po.zip/../../etc/passwd: refused (path traversal)"
    assert errors["po.zip//etc/cron.d/evil"] == "po.zip//etc/cron.d/evil: refused (absolute path)"
    assert "path traversal" in (errors["po.zip/..\\..\\windows\\win.ini"] or "")
    assert "symbolic link" in (errors["po.zip/po/link-to-shadow"] or "")
    assert "encrypted entry, cannot be read without its password" in (errors["po.zip/secret/prices.xlsx"] or "")
    good = next(a for a in parsed.attachments if a.path == "po.zip/po/po1.txt")
    assert good.text == "PO 4711 2x40HC" and good.error is None
    assert not Path("/etc/cron.d/evil").exists()


def test_nested_zip_opens_three_levels_then_stops() -> None:
    parsed = parse_message(_attach("deep.zip", nested_zip(10), "application/zip"), LIMITS)
    assert [a.depth for a in parsed.attachments] == [0, 1, 2, 3]


def test_too_many_files_in_archives() -> None:
    limits = LIMITS.model_copy(update={"max_zip_files": 5})
    archive = zip_of({f"f{i}.txt": b"x" for i in range(20)})
    parsed = parse_message(_attach("many.zip", archive, "application/zip"), limits)
    assert "more than 5 files in this email's archives" in (parsed.error or "")
    assert len(parsed.attachments) == 6


def test_too_many_mime_parts() -> None:
    raw = message("x", attachments=[(f"{i}.txt", b"x", "text/plain") for i in range(30)])
    parsed = parse_message(raw, LIMITS.model_copy(update={"max_mime_parts": 10}))
    assert "more than 10 MIME parts: the rest ignored" in (parsed.error or "")


def test_invalid_utf8_headers_are_recovered_with_warnings() -> None:
    raw = raw_text_part(b"body text", "utf-8", subject=b"\xff\xfe\xc3\x28 quote \xed\xa0\x80 request")
    raw = raw.replace(b"From: a@example.com", b"From: \xc0\xaf\xe0\x80\xaf <a@example.com>")
    parsed = parse_message(raw, LIMITS)
    assert parsed.subject is not None and "quote" in parsed.subject and "request" in parsed.subject
    assert parsed.from_addr == "a@example.com"
    assert any(w.startswith("Subject header:") for w in parsed.warnings)
    assert any(w.startswith("From header:") for w in parsed.warnings)
    assert parsed.body_new == "body text"


def test_broken_transfer_encodings_do_not_raise() -> None:
    raw = raw_text_part(b"=E8=AB=8B=XX=\r\n=F0=9F broken qp", "utf-8", cte="quoted-printable")
    assert "broken qp" in parse_message(raw, LIMITS).body_new
    raw = raw_text_part(b"7Kyc7J2066W8!!!not base64===", "utf-8", cte="base64")
    parse_message(raw, LIMITS)


@pytest.mark.slow
def test_parse_worker_survives_every_hostile_email(settings: Settings) -> None:
    db = open_db(settings)
    queue = JobQueue(db, settings.jobs)
    ingestor = Ingestor(db, raw_store(settings), queue, max_message_bytes=settings.store.max_message_bytes)
    ids = {name: ingestor.ingest(build(), f"test:{name}").email_id for name, (build, _) in HOSTILE.items()}
    metrics = Metrics()
    handler = make_parse_handler(settings.limits, settings.jobs, raw_store(settings), metrics)
    pool = WorkerPool(lambda: open_db(settings, migrate_schema=False), settings.jobs, {"parse": handler})
    while pool.run_once(queue, "test-worker"):
        pass
    assert pool.stats.done == len(HOSTILE) and pool.stats.dead == pool.stats.retried == 0
    for name, email_id in ids.items():
        row = db.execute("SELECT status, error FROM emails WHERE id = ?", [email_id]).fetchone()
        assert row[0] == "parse_failed" and HOSTILE[name][1] in row[1], (name, row)
    assert metrics.parse_failures._value.get() == len(HOSTILE)
    assert len(queue.list(kind="classify")) == len(HOSTILE)


SLOW_FOR_THE_STDLIB = {
    "20,000 MIME parts": b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    + b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 20_000 + b"--b--\r\n",
    "header with 100,000 parameters": b"Content-Type: multipart/mixed;\r\n" + b"\ta=b;\r\n" * 100_000
    + b"\tboundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n",
    "RFC 2231 continuation bomb": b"Content-Type: application/pdf; "
    + b"".join(b"name*%d*=utf-8''a; " % i for i in range(20_000)) + b"\r\nContent-Disposition: attachment\r\n\r\nx",
    "50,000 nested comments in From": b"From: " + b"(" * 50_000 + b"a@example.com\r\nTo: " + b"(" * 3000
    + b"x@example.com\r\n\r\nx",
    "50,000 encoded words": b"Subject: " + b"=?utf-8?q?a?= " * 50_000 + b"\r\n\r\nx",
}


@pytest.mark.parametrize("name", list(SLOW_FOR_THE_STDLIB))
def test_inputs_that_make_the_stdlib_crawl_are_parsed_in_bounded_time(name: str) -> None:
    start = time.monotonic()
    parsed = parse_message(SLOW_FOR_THE_STDLIB[name], LIMITS)
    assert time.monotonic() - start < 3.0  # the modern policy alone takes 5-70 s on these (bench/parse.py)
    assert parsed.error or parsed.warnings or parsed.subject


def test_multipart_without_boundary_keeps_its_body_as_text() -> None:
    parsed = parse_message(b"Content-Type: multipart/mixed\r\nSubject: x\r\n\r\nhello there\r\n", LIMITS)
    assert parsed.body_new == "hello there" and parsed.attachments == ()
    assert "MIME defect NoBoundaryInMultipartDefect" in parsed.warnings
