"""The spool folder: .eml files dropped in are ingested, then moved aside to processed/ or failed/."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from gateway.db import StoreError
from gateway.mail.ingest import Ingestor, IngestResult

log = logging.getLogger(__name__)

PROCESSED = "processed"
FAILED = "failed"


@dataclass(frozen=True)
class SpoolFailure:
    """A spool file that could not be read (moved to failed/ with a note)."""

    path: Path
    error: str


def _aside(path: Path, folder: str) -> Path:
    dest_dir = path.parent / folder
    dest_dir.mkdir(exist_ok=True)
    dest = dest_dir / f"{time.strftime('%Y%m%dT%H%M%S')}-{path.name}"
    n = 1
    while dest.exists():
        dest = dest_dir / f"{time.strftime('%Y%m%dT%H%M%S')}-{n}-{path.name}"
        n += 1
    path.replace(dest)
    return dest


def ready_files(spool: Path, settle_seconds: float = 0.5) -> list[Path]:
    """The .eml files in `spool` that have not been modified for `settle_seconds` (done being written)."""
    if not spool.is_dir():
        return []
    cutoff = time.time() - settle_seconds
    found = []
    for p in spool.iterdir():
        try:
            if p.suffix.lower() == ".eml" and p.is_file() and p.stat().st_mtime <= cutoff:
                found.append(p)
        except OSError:
            continue
    return sorted(found)


def ingest_file(ingestor: Ingestor, path: Path) -> IngestResult | SpoolFailure:
    """Ingest one file and move it aside; StoreError propagates and leaves the file in place."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        err = f"cannot read: {exc.strerror or exc}"
        try:
            dest = _aside(path, FAILED)
            dest.with_name(dest.name + ".error").write_text(err + "\n")
        except OSError:
            pass
        return SpoolFailure(path, err)
    result = ingestor.ingest(raw, f"spool:{path.name}:{len(raw)}:{path.stat().st_mtime_ns}")
    try:
        _aside(path, PROCESSED)
    except OSError as exc:
        log.warning("cannot move spool file aside", extra={"path": str(path), "error": str(exc)})
    return result


def poll_spool(ingestor: Ingestor, spool: Path) -> list[IngestResult | SpoolFailure]:
    """One pass over the spool folder."""
    results: list[IngestResult | SpoolFailure] = []
    for path in ready_files(spool):
        try:
            results.append(ingest_file(ingestor, path))
        except StoreError:
            raise
        except FileNotFoundError:
            continue  # someone else moved it
    return results
