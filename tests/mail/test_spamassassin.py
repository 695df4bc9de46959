"""Every message of the SpamAssassin sample (../shared/data/spamassassin, read at test time) parses."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from gateway.mail.extract import SandboxExtractor
from gateway.mail.parse import parse_message
from tests.mail.builders import LIMITS

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "spamassassin"


def _kind(warning: str) -> str:
    if "undecodable bytes replaced" in warning:
        return "charset: undecodable bytes replaced"
    if "declared charset" in warning and "failed" in warning:
        return "charset: declared charset wrong"
    if "unknown charset" in warning:
        return "charset: unknown charset name"
    if "no charset declared" in warning or "8-bit" in warning:
        return "charset: undeclared 8-bit text, detected"
    if warning.startswith("MIME defect"):
        return "structure: " + warning.split(" (")[0]
    if warning.startswith("HTML"):
        return "structure: HTML unconvertible, tags stripped"
    if "compat32" in warning:
        return "structure: oversized header cut"
    return "other: " + warning


@pytest.mark.slow
def test_whole_spamassassin_sample_parses() -> None:
    files = sorted(p for p in CORPUS.glob("*/*") if p.is_file())
    assert len(files) >= 1999, f"corpus missing at {CORPUS}"
    extract = SandboxExtractor(LIMITS.max_text_chars)
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    start = time.monotonic()
    for path in files:
        parsed = parse_message(path.read_bytes(), LIMITS, extract)
        counts["messages"] += 1
        found = {_kind(w) for w in parsed.warnings}
        kinds.update(found)
        counts["charset problems"] += any(k.startswith("charset") for k in found)
        counts["structure problems"] += any(k.startswith("structure") for k in found)
        counts["with warnings"] += bool(parsed.warnings)
        counts["with error"] += parsed.error is not None
        counts["html body"] += parsed.body_html_safe is not None
        counts["attachments"] += len(parsed.attachments)
        counts["empty body"] += not (parsed.body_new or parsed.body_quoted)
        counts[f"language {parsed.language}"] += 1
    elapsed = time.monotonic() - start
    print(f"\nspamassassin: {dict(counts)}; {elapsed:.1f} s, {1000 * elapsed / len(files):.1f} ms/message")
    print("messages per warning kind:\n  " + "\n  ".join(f"{n:4}  {k}" for k, n in sorted(kinds.items())))
    assert counts["messages"] == len(files)
    charset = sum(n for k, n in kinds.items() if k.startswith("charset"))
    structure = sum(n for k, n in kinds.items() if k.startswith("structure"))
    assert charset >= 10 and structure >= 10  # the corpus has both; we must notice them
    assert counts["empty body"] <= len(files) // 100
    assert counts["language en"] >= len(files) * 0.8
