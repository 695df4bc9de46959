"""Write a bundle's manifest.json: hashes of every file, tokenizer fingerprint, golden examples, metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

from gateway.classify.manifest import (
    MANIFEST,
    SIGNATURE,
    TOKENIZER_FILE,
    FileEntry,
    Golden,
    Manifest,
    sha256_file,
    tokenizer_fingerprint,
)

NAME = "busybee-intent"


def file_entries(out: Path) -> dict[str, FileEntry]:
    """sha256 and size of every regular file in the bundle except the manifest and its signature."""
    return {
        p.name: FileEntry(sha256=sha256_file(p), bytes=p.stat().st_size)
        for p in sorted(out.iterdir())
        if p.is_file() and p.name not in (MANIFEST, SIGNATURE) and not p.name.startswith(".")
    }


def write_manifest(out: Path, *, version: str, labels: list[str], max_tokens: int,
                   golden: list[tuple[str, str]], metrics: dict[str, Any], training: dict[str, Any],
                   min_confidence: dict[str, float] | None = None, char_input: str | None = None,
                   max_chars: int = 0) -> Manifest:
    """Hash the bundle's files and write manifest.json (atomically); returns what was written."""
    tokenizer = Tokenizer.from_file(str(out / TOKENIZER_FILE))
    manifest = Manifest(
        name=NAME, version=version, labels=labels, max_tokens=max_tokens, files=file_entries(out),
        tokenizer_fingerprint=tokenizer_fingerprint(tokenizer.get_vocab(with_added_tokens=True)),
        golden=[Golden(text=t, label=lab) for t, lab in golden], metrics=metrics, training=training,
        min_confidence=min_confidence or {}, char_input=char_input, max_chars=max_chars,
    )
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    tmp.replace(out / MANIFEST)
    stale = out / SIGNATURE
    stale.unlink(missing_ok=True)  # a signature over an older manifest would be wrong
    return manifest
