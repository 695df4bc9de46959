"""Attachments: type sniffed from bytes, safe recursive unzip, text extraction, all within LimitSettings.

Errors never escape: each problem (zip bomb, path traversal, encrypted entry, corrupt file, timeout,
over a limit) becomes the `error` of the Attachment it concerns, naming the file.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import filetype

from gateway.config import LimitSettings
from gateway.mail.charsets import decode_bytes
from gateway.mail.extract import DOCX, PDF, SANDBOXED_TYPES, XLSX, ExtractError
from gateway.mail.html import html_to_text

ZIP = "application/zip"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
OCTET = "application/octet-stream"
_OOXML = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
_EXTENSIONS = {".pdf": PDF, ".xlsx": XLSX, ".docx": DOCX, ".zip": ZIP}
_RATIO_FLOOR = 1024 * 1024  # small members compress absurdly well for honest reasons
_SNIFF = 8192

Extractor = Callable[[str, bytes, float], str]


@dataclass(frozen=True)
class Attachment:
    """One attachment, or one file found inside an archive attachment."""

    path: str
    filename: str | None
    declared_type: str | None
    sniffed_type: str
    size: int
    sha256: str | None
    depth: int
    text: str | None = None
    error: str | None = None


@dataclass
class _Budget:
    """What one email may still spend on archives and extraction."""

    limits: LimitSettings
    deadline: float
    files: int = 0
    expanded: int = 0
    found: list[Attachment] = field(default_factory=list)


def _looks_text(sample: bytes) -> bool:
    if not sample or b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 9 or (13 < b < 32 and b != 27))
    return controls <= len(sample) // 100


def _looks_csv(text: str) -> bool:
    lines = [ln for ln in text.splitlines()[:21] if ln.strip()][:-1] or text.splitlines()[:1]
    if len(lines) < 2:
        return False
    for delim in (",", ";", "\t", "|"):
        counts = {ln.count(delim) for ln in lines}
        if len(counts) == 1 and counts.pop() >= 1:
            return True
    return False


def _zip_kind(data: bytes) -> str:
    """application/zip, or the OOXML type when the archive is a Word/Excel/PowerPoint file."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return ZIP
    if "[Content_Types].xml" in names:
        for member, kind in _OOXML:
            if member in names:
                return kind
    return ZIP


def sniff(data: bytes) -> str:
    """The MIME type of `data` judged from its bytes alone (never from a name or a header)."""
    head = data[:_SNIFF]
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    if _looks_text(head):
        text = decode_bytes(head).text
        lowered = text.lstrip().lower()
        if lowered.startswith(("<!doctype html", "<html")):
            return "text/html"
        return "text/csv" if _looks_csv(text) else "text/plain"
    return OCTET


def _claimed(filename: str | None, declared: str | None) -> str | None:
    """The extractable type the name or the header claims (to catch a "PDF" that is not a PDF)."""
    if declared in (PDF, XLSX, DOCX):
        return declared
    m = re.search(r"\.[A-Za-z0-9]{1,5}$", filename or "")
    return _EXTENSIONS.get(m.group(0).lower()) if m else None


def _unsafe_name(name: str) -> str | None:
    """Why an archive member name must not be used, or None."""
    norm = name.replace("\\", "/")
    if "\x00" in norm:
        return "NUL byte in name"
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm):
        return "absolute path"
    if ".." in norm.split("/"):
        return "path traversal"
    return None


def _text_of(kind: str, data: bytes, path: str, budget: _Budget, extract: Extractor) -> tuple[str | None, str | None]:
    """(text, error) of one file by its sniffed type."""
    limits = budget.limits
    if kind in ("text/plain", "text/csv"):
        decoded = decode_bytes(data[: limits.max_text_chars * 4])
        return decoded.text[: limits.max_text_chars], None
    if kind == "text/html":
        text, _ = html_to_text(decode_bytes(data[: limits.max_text_chars * 5]).text, limits.max_text_chars)
        return text, None
    if kind not in SANDBOXED_TYPES:
        return None, None
    left = budget.deadline - time.monotonic()
    if left <= 0:
        return None, f"{path}: not read, the time budget for this email's attachments is used up"
    if kind != PDF:
        problem = _zip_problem(data, path, limits, 0)
        if problem:
            return None, problem
    try:
        return extract(kind, data, min(limits.extract_timeout_seconds, left)), None
    except ExtractError as exc:
        return None, f"{path}: unreadable {_LABELS.get(kind, kind)}: {exc}"


_LABELS = {PDF: "PDF", XLSX: "Excel file", DOCX: "Word file"}


def _zip_problem(data: bytes, path: str, limits: LimitSettings, already: int) -> str | None:
    """Why the archive must not be expanded at all (zip bomb by declared sizes), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        return f"{path}: corrupt archive ({exc})"
    total = sum(i.file_size for i in infos)
    if already + total > limits.max_zip_total_bytes:
        return (f"zip bomb refused in {path}: expands to {total:,} bytes, over the "
                f"{limits.max_zip_total_bytes:,}-byte limit")
    if total > _RATIO_FLOOR and total / max(len(data), 1) > limits.max_zip_ratio:
        return (f"zip bomb refused in {path}: {len(data):,} bytes expand to {total:,} "
                f"(ratio {total / max(len(data), 1):,.0f}, limit {limits.max_zip_ratio:g})")
    for i in infos:
        if i.file_size > _RATIO_FLOOR and i.file_size / max(i.compress_size, 1) > limits.max_zip_ratio:
            return (f"zip bomb refused in {path}: {i.filename} expands {i.file_size / max(i.compress_size, 1):,.0f}"
                    f"-fold (limit {limits.max_zip_ratio:g})")
    return None


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, path: str) -> bytes:
    """A member's bytes, never more than it declared or the email's remaining expansion budget allows."""
    cap = min(info.file_size, budget.limits.max_zip_total_bytes - budget.expanded)
    chunks, n = [], 0
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 16):
            n += len(chunk)
            if n > cap:
                raise _Refused(f"zip bomb refused in {path}: expands beyond its declared size or the limit")
            chunks.append(chunk)
    budget.expanded += n
    return b"".join(chunks)


class _Refused(Exception):
    """An archive member that must not be read (internal to this module)."""


def _expand(path: str, data: bytes, depth: int, budget: _Budget, extract: Extractor) -> str | None:
    """Record every member of the zip `data` (recursively); returns the archive's own error, if any."""
    limits = budget.limits
    if depth >= limits.max_zip_depth:
        return f"{path}: archive nested deeper than {limits.max_zip_depth} levels, not opened"
    problem = _zip_problem(data, path, limits, budget.expanded)
    if problem:
        return problem
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            member = f"{path}/{info.filename}"
            name = info.filename.replace("\\", "/").rsplit("/", 1)[-1] or None
            budget.files += 1
            if budget.files > limits.max_zip_files:
                return f"{path}: more than {limits.max_zip_files} files in this email's archives, the rest not read"
            unsafe = _unsafe_name(info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                unsafe = "symbolic link"
            if info.flag_bits & 0x1:
                unsafe = "encrypted entry, cannot be read without its password"
            if unsafe:
                err = f"{member}: refused ({unsafe})"
                budget.found.append(Attachment(member, name, None, OCTET, info.file_size, None, depth + 1, None, err))
                continue
            try:
                content = _read_member(zf, info, budget, path)
            except _Refused as exc:
                return str(exc)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, EOFError, OSError,
                    ValueError) as exc:
                err = f"{member}: unreadable in the archive ({exc})"
                budget.found.append(Attachment(member, name, None, OCTET, info.file_size, None, depth + 1, None, err))
                continue
            _examine(member, name, None, content, depth + 1, budget, extract)
    return None


def _examine(path: str, filename: str | None, declared: str | None, data: bytes, depth: int, budget: _Budget,
             extract: Extractor) -> None:
    """Record one file (and, for an archive, what is inside it)."""
    limits = budget.limits
    digest = hashlib.sha256(data).hexdigest()
    kind = sniff(data)
    index = len(budget.found)
    text = error = None
    claimed = _claimed(filename, declared)
    if len(data) > limits.max_attachment_bytes:
        error = (f"{path} is {len(data):,} bytes, over the {limits.max_attachment_bytes:,}-byte attachment "
                 f"limit: not read")
    elif claimed and claimed != kind and not (claimed == ZIP and kind in (DOCX, XLSX, PPTX)):
        error = f"{path}: claims to be {_LABELS.get(claimed, claimed)} but its bytes are {kind}: not read"
    elif kind == ZIP:
        budget.found.append(Attachment(path, filename, declared, kind, len(data), digest, depth))
        error = _expand(path, data, depth, budget, extract)
    else:
        text, error = _text_of(kind, data, path, budget, extract)
    record = Attachment(path, filename, declared, kind, len(data), digest, depth, text, error)
    if kind == ZIP and index < len(budget.found) and budget.found[index].path == path:
        budget.found[index] = record
    else:
        budget.found.append(record)


def read_attachments(
    items: list[tuple[str | None, str | None, bytes]], limits: LimitSettings, extract: Extractor
) -> list[Attachment]:
    """Attachment records for (filename, declared type, bytes) items, archives expanded, in order."""
    budget = _Budget(limits, deadline=time.monotonic() + 3 * limits.extract_timeout_seconds)
    used: set[str] = set()
    for n, (filename, declared, data) in enumerate(items, 1):
        base = (filename or f"attachment-{n}").replace("/", "_").replace("\\", "_")
        path, k = base, 2
        while path in used:
            path, k = f"{base} ({k})", k + 1
        used.add(path)
        _examine(path, filename, declared, data, 0, budget, extract)
    return budget.found
