"""Text from PDF, XLSX and DOCX, run in a child process bounded by a timeout and a memory rlimit.

Errors: ExtractError (the file could not be read: corrupt, too slow, too big in memory); the message
is readable and names the cause. Nothing from pdfminer/openpyxl/python-docx leaks past this module.

PDF library choice, measured on Korean and Japanese PDFs drawn with reportlab's CID fonts
(HYSMyeongJo-Medium, HeiseiMin-W3; tests/mail/test_attachments.py builds them):
- pypdf 7.1: plain strings come out right, but text placed glyph by glyph (common in ERP/government
  generators) comes out one glyph per line ("견\\n적\\n \\n요\\n청"); its layout mode inserts spaces
  at random places ("견적  요청 : 부산에서  로 스앤 젤레 스까 지").
- pdfminer.six 20260107: text placed glyph by glyph is joined correctly, but letter-spaced text
  (Tc > 0.1 em) gets a space between every glyph ("견 적   요 청"), and raising word_margin for
  everything would glue Latin words together.
- Chosen: pdfminer.six, reading its character boxes and dropping the spaces *it inserted* where
  the gap is no wider than the line's usual gap between glyphs (so letter-spacing is not mistaken
  for word breaks; spaces actually drawn are kept). All six variants then come out as written.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing
import resource
import statistics
import threading
import warnings
import zlib
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SANDBOXED_TYPES = frozenset({PDF, XLSX, DOCX})

MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024
# Imported once in the fork server so that each child starts warm.
_PRELOAD = ("gateway.mail.extract", "pdfminer.high_level", "pdfminer.layout", "openpyxl", "docx")


class ExtractError(Exception):
    """The file's text could not be extracted; the message says why."""


class _Out:
    """Collects text up to a character budget."""

    def __init__(self, max_chars: int) -> None:
        self.parts: list[str] = []
        self.left = max_chars

    @property
    def full(self) -> bool:
        return self.left <= 0

    def add(self, text: str) -> None:
        if self.left > 0:
            self.parts.append(text[: self.left])
            self.left -= len(text)

    def text(self) -> str:
        return "".join(self.parts).strip()


def _is_cjk(ch: str) -> bool:
    o = ord(ch) if len(ch) == 1 else 0
    return (0x3000 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7A3 or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF
            or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F)


def _line_text(line: Any) -> str:
    """A pdfminer text line without the spaces pdfminer guessed inside letter-spaced or glyph-placed text."""
    from pdfminer.layout import LTChar

    items = list(line)
    chars = [it for it in items if isinstance(it, LTChar) and not it.get_text().isspace()]
    gaps = [b.x0 - a.x1 for a, b in itertools.pairwise(chars)]
    usual = max(statistics.median(gaps), 0.0) if gaps else 0.0
    out = []
    for i, it in enumerate(items):
        text = it.get_text()
        if isinstance(it, LTChar):
            out.append(text)
            continue
        if text != " ":
            continue
        prev = next((items[j] for j in range(i - 1, -1, -1) if isinstance(items[j], LTChar)), None)
        nxt = next((items[j] for j in range(i + 1, len(items)) if isinstance(items[j], LTChar)), None)
        if prev is None or nxt is None:
            continue
        a, b = prev.get_text(), nxt.get_text()
        if a.isspace() or b.isspace():
            continue
        # A word gap is wider than the line's usual gap between glyphs (which letter-spacing widens).
        margin = (0.2 if _is_cjk(a) and _is_cjk(b) else 0.1) * max(prev.size, 1.0)
        if nxt.x0 - prev.x1 <= usual + margin:
            continue
        out.append(" ")
    return "".join(out).rstrip()


def pdf_text(data: bytes, max_chars: int) -> str:
    """Text of a PDF with pdfminer.six (CJK-aware spacing), up to max_chars."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer, LTTextLine

    out = _Out(max_chars)
    for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
        for box in page:
            if not isinstance(box, LTTextContainer):
                continue
            lines = [ln for ln in box if isinstance(ln, LTTextLine)]
            out.add("\n".join(_line_text(ln) for ln in lines) + "\n\n")
        if out.full:
            break
    return out.text()


def xlsx_text(data: bytes, max_chars: int) -> str:
    """Cell values of every sheet (openpyxl read-only), tab-separated rows, up to max_chars."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = _Out(max_chars)
    try:
        for ws in wb.worksheets:
            out.add(f"# {ws.title}\n")
            for row in ws.iter_rows(values_only=True):
                cells = ["" if v is None else str(v) for v in row]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    out.add("\t".join(cells) + "\n")
                if out.full:
                    return out.text()
            out.add("\n")
    finally:
        wb.close()
    return out.text()


def docx_text(data: bytes, max_chars: int) -> str:
    """Paragraphs and table cells of a Word document (python-docx), up to max_chars."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    out = _Out(max_chars)
    for para in doc.paragraphs:
        out.add(para.text + "\n")
        if out.full:
            return out.text()
    for table in doc.tables:
        for row in table.rows:
            out.add("\t".join(cell.text for cell in row.cells) + "\n")
            if out.full:
                return out.text()
    return out.text()


EXTRACTORS: dict[str, Callable[[bytes, int], str]] = {PDF: pdf_text, XLSX: xlsx_text, DOCX: docx_text}


def _extract_one(kind: str, data: bytes, max_chars: int, memory: int) -> tuple[str, str, bool]:
    """(status, text or error message, whether this helper may serve again) for one request."""
    mib = memory // (1024 * 1024)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", EXTRACTORS[kind](data, max_chars), True
    except MemoryError:
        return "error", f"needed more than {mib} MiB of memory", False
    except zlib.error as exc:
        if "Error -4" in str(exc):  # Z_MEM_ERROR: the rlimit hit inside zlib
            return "error", f"needed more than {mib} MiB of memory", False
        return "error", f"zlib: {exc}", True
    except RecursionError:
        return "error", "structure nested too deeply", False
    except Exception as exc:  # any parser failure on hostile bytes is a readable error, not a crash
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        return "error", f"{type(exc).__name__}{': ' + detail if detail else ''}", True


def _serve(conn: Connection, memory: int) -> None:
    """Helper process: cap memory once, then answer (kind, data, max_chars) requests until told to stop."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        while True:
            try:
                kind, data, max_chars = conn.recv()
            except EOFError:
                return
            result = _extract_one(kind, data, max_chars, memory)
            del data
            conn.send(result)
            if not result[2]:
                return
    finally:
        conn.close()


class _Helper:
    """One warm helper process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, memory: int) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, memory), daemon=True, name="busybee-extract")
        self.proc.start()
        child.close()
        self.served = 0

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()
        if self.proc.exitcode is not None:
            self.proc.close()


class SandboxExtractor:
    """Runs extractors in warm helper processes (forkserver) with a memory rlimit; a helper that exceeds
    `timeout` is killed and replaced. Starting a fresh process per file cost 30-300 ms (the child re-imports
    the parent's __main__); a warm helper answers in a few ms and is retired after `max_tasks` files."""

    def __init__(self, max_chars: int, memory_bytes: int = MEMORY_LIMIT_BYTES, max_tasks: int = 50) -> None:
        self.max_chars = max_chars
        self.memory_bytes = memory_bytes
        self.max_tasks = max_tasks
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(list(_PRELOAD))
        self._idle: list[_Helper] = []
        self._lock = threading.Lock()

    @property
    def idle_helpers(self) -> int:
        """Helper processes alive and waiting for work."""
        with self._lock:
            return sum(h.proc.is_alive() for h in self._idle)

    def _take(self) -> _Helper:
        with self._lock:
            while self._idle:
                helper = self._idle.pop()
                if helper.proc.is_alive():
                    return helper
                helper.stop()
        return _Helper(self._ctx, self.memory_bytes)

    def _give_back(self, helper: _Helper, reusable: bool) -> None:
        if reusable and helper.served < self.max_tasks and helper.proc.is_alive():
            with self._lock:
                self._idle.append(helper)
        else:
            helper.stop()

    def __call__(self, kind: str, data: bytes, timeout: float) -> str:
        """The text of `data` (a `kind` in SANDBOXED_TYPES); ExtractError on failure or timeout."""
        if kind not in EXTRACTORS:
            raise ExtractError(f"no extractor for {kind}")
        try:
            helper = self._take()
        except OSError as exc:
            raise ExtractError(f"extractor could not start: {exc}") from exc
        try:
            helper.conn.send((kind, data, self.max_chars))
            if not helper.conn.poll(timeout):
                helper.stop()
                raise ExtractError(f"gave up after {timeout:g} s (extraction too slow)")
            status, value, reusable = helper.conn.recv()
        except (EOFError, OSError) as exc:
            helper.proc.join(5)
            code = helper.proc.exitcode
            helper.stop()
            raise ExtractError(f"extractor died (exit code {code})") from exc
        helper.served += 1
        self._give_back(helper, reusable)
        if status != "ok":
            raise ExtractError(value)
        return str(value)

    def close(self) -> None:
        """Stop every idle helper."""
        with self._lock:
            helpers, self._idle = self._idle, []
        for helper in helpers:
            helper.stop()
