"""Raw messages kept content-addressed on disk (`<data>/mail/<sha256>.eml`), written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

from gateway.db.database import StoreError


class BlobStore:
    """A folder of immutable files named by the sha256 of their bytes."""

    def __init__(self, root: Path, suffix: str = ".eml") -> None:
        self.root = root
        self.suffix = suffix

    def path(self, sha256: str) -> Path:
        """Where the blob with this digest lives."""
        return self.root / f"{sha256}{self.suffix}"

    def put(self, data: bytes) -> str:
        """Store `data` durably (temp file, fsync, rename) and return its sha256; idempotent."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            dir_fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from exc
        return digest

    def get(self, sha256: str) -> bytes:
        """The stored bytes; StoreError when missing or unreadable."""
        try:
            return self.path(sha256).read_bytes()
        except OSError as exc:
            raise StoreError(f"raw message {sha256} unreadable: {exc.strerror or exc}") from exc

    def delete(self, sha256: str) -> None:
        """Remove a blob (retention)."""
        self.path(sha256).unlink(missing_ok=True)

    def sweep_temp(self, older_than_seconds: float = 3600) -> int:
        """Delete temp files a killed process left behind; returns how many."""
        if not self.root.exists():
            return 0
        cutoff = time.time() - older_than_seconds
        gone = 0
        for tmp in self.root.glob(".tmp-*"):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink(missing_ok=True)
                gone += 1
        return gone
