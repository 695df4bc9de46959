"""Attachments: sniffing from bytes, safe unzip, text from PDF/XLSX/DOCX/CSV, sandbox bounds."""

from __future__ import annotations

import io
import multiprocessing
import time
import zipfile

import pytest

from gateway.mail.attachments import ZIP, read_attachments, sniff
from gateway.mail.extract import DOCX, PDF, XLSX, ExtractError, SandboxExtractor, pdf_text
from tests.mail.builders import LIMITS, cjk_pdf, docx_of, xlsx_of, zip_of

KO_LINE = "견적 요청: 부산에서 로스앤젤레스까지 40피트 2개"
JA_LINE = "見積依頼：東京から大阪まで、パレット3枚"


@pytest.fixture(scope="module")
def sandbox() -> SandboxExtractor:
    return SandboxExtractor(LIMITS.max_text_chars)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", PDF),
        (b"\xef\xbb\xbfjunk before %PDF-1.4", PDF),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png"),
        ("품목,수량\n파렛트,3\n박스,12\n".encode("cp949"), "text/csv"),
        ("こんにちは\n見積をお願いします".encode("cp932"), "text/plain"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "text/html"),
        (bytes(range(256)) * 4, "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_sniff_from_bytes(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


def test_sniff_office_files_inside_zip() -> None:
    assert sniff(xlsx_of([["a"]])) == XLSX
    assert sniff(docx_of(["a"])) == DOCX
    assert sniff(zip_of({"a.txt": b"x"})) == ZIP


@pytest.mark.parametrize("mode", ["plain", "spaced", "glyphs"])
@pytest.mark.parametrize(("font", "line"), [("HYSMyeongJo-Medium", KO_LINE), ("HeiseiMin-W3", JA_LINE)])
def test_cjk_pdf_text_has_no_space_between_glyphs(font: str, line: str, mode: str) -> None:
    pdf = cjk_pdf([line, "Total 12,000 kg"], font=font, mode=mode)
    text = pdf_text(pdf, 10_000)
    assert line in text, text


def test_pdf_library_choice_still_holds() -> None:
    """Why pdfminer.six: pypdf puts glyph-by-glyph text one glyph per line (see gateway/mail/extract.py)."""
    from pdfminer.high_level import extract_text
    from pypdf import PdfReader

    glyphs = cjk_pdf([KO_LINE], mode="glyphs")
    spaced = cjk_pdf([KO_LINE], mode="spaced")
    assert KO_LINE not in (PdfReader(io.BytesIO(glyphs)).pages[0].extract_text() or "")
    assert KO_LINE not in extract_text(io.BytesIO(spaced))  # pdfminer alone spaces every glyph
    assert KO_LINE in pdf_text(glyphs, 1000) and KO_LINE in pdf_text(spaced, 1000)


def test_office_and_pdf_text_through_the_sandbox(sandbox: SandboxExtractor) -> None:
    assert "부산\tLA\t2" in sandbox(XLSX, xlsx_of([["출발", "도착", "수량"], ["부산", "LA", 2]]), 30)
    text = sandbox(DOCX, docx_of(["見積をお願いします。"], [["品目", "数量"], ["パレット", "3"]]), 30)
    assert "見積をお願いします。" in text and "パレット\t3" in text
    assert JA_LINE in sandbox(PDF, cjk_pdf([JA_LINE], font="HeiseiMin-W3"), 30)


def test_extractor_output_is_bounded(sandbox: SandboxExtractor) -> None:
    small = SandboxExtractor(max_chars=50)
    text = small(XLSX, xlsx_of([[f"row {i}", "x" * 20] for i in range(500)]), 30)
    assert len(text) <= 50


def _helpers() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.name == "busybee-extract" and p.pid}


def test_sandbox_kills_a_slow_extraction_and_recovers() -> None:
    before = _helpers()
    box = SandboxExtractor(10_000)
    pdf = cjk_pdf([KO_LINE] * 30, mode="glyphs")
    assert KO_LINE in box(PDF, pdf, 30)
    slow = _helpers() - before
    start = time.monotonic()
    with pytest.raises(ExtractError, match=r"gave up after 0\.01 s"):
        box(PDF, pdf, 0.01)
    assert time.monotonic() - start < 5
    assert box.idle_helpers == 0 and not (slow & _helpers())  # the busy helper was killed, not returned
    assert KO_LINE in box(PDF, pdf, 30)  # and the next file gets a fresh one
    box.close()
    assert _helpers() <= before


def test_sandbox_reuses_a_warm_helper() -> None:
    before = _helpers()
    box = SandboxExtractor(10_000)
    sheet = xlsx_of([["a"]])
    box(XLSX, sheet, 30)
    mine = _helpers() - before
    start = time.monotonic()
    for _ in range(10):
        box(XLSX, sheet, 30)
    assert time.monotonic() - start < 2.0
    assert len(mine) == 1 and _helpers() - before == mine and box.idle_helpers == 1
    box.close()
    assert _helpers() <= before


def test_sandbox_memory_limit_is_enforced() -> None:
    with pytest.raises(ExtractError, match=r"MiB of memory|extractor died"):
        SandboxExtractor(10_000, memory_bytes=64 * 1024 * 1024)(XLSX, xlsx_of([["x"] * 50] * 2000), 30)


def test_zip_members_are_listed_with_paths_and_text(sandbox: SandboxExtractor) -> None:
    archive = zip_of({"po/po1.xlsx": xlsx_of([["PO", 4711]]), "po/notes.txt": "메모: 냉장 보관".encode("cp949"),
                      "empty/": b""})
    found = read_attachments([("orders.zip", "application/zip", archive)], LIMITS, sandbox)
    assert [a.path for a in found] == ["orders.zip", "orders.zip/po/po1.xlsx", "orders.zip/po/notes.txt"]
    top, sheet, notes = found
    assert (top.sniffed_type, top.depth, top.error) == (ZIP, 0, None)
    assert (sheet.filename, sheet.sniffed_type, sheet.depth) == ("po1.xlsx", XLSX, 1)
    assert "PO\t4711" in (sheet.text or "")
    assert notes.text == "메모: 냉장 보관"


def test_same_name_twice_gets_distinct_paths(sandbox: SandboxExtractor) -> None:
    found = read_attachments([("a.txt", "text/plain", b"one"), ("a.txt", "text/plain", b"two")], LIMITS, sandbox)
    assert [a.path for a in found] == ["a.txt", "a.txt (2)"]


def test_corrupt_zip_is_an_error_not_a_crash(sandbox: SandboxExtractor) -> None:
    data = zip_of({"a.txt": b"x" * 1000})
    broken = data[:30] + b"\x00" * 50 + data[80:]
    found = read_attachments([("a.zip", None, broken)], LIMITS, sandbox)
    assert found[0].path == "a.zip"
    assert any(a.error for a in found)


def test_stored_members_need_no_ratio_exemption(sandbox: SandboxExtractor) -> None:
    data = zip_of({"big.txt": b"A" * 2_000_000}, compression=zipfile.ZIP_STORED)
    found = read_attachments([("big.zip", None, data)], LIMITS, sandbox)
    assert [a.error for a in found] == [None, None]
