"""The training data: hand-written JSONL emails, the held-out file, and SpamAssassin read at training time.

Splits are deterministic functions of an email's id (a hash), never of file order, so adding emails to
the corpus does not move the others between train and validation.
"""

from __future__ import annotations

import email
import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.policy import compat32
from pathlib import Path

from gateway.classify.features import email_text

LABELS = ("quote", "order", "inquiry", "spam", "other")
LANGS = ("ko", "en", "ja", "th")
REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "models" / "corpus"
SHARED_DATA = REPO.parent / "shared" / "data"
SPAMASSASSIN = SHARED_DATA / "spamassassin"


class CorpusError(Exception):
    """The corpus is missing or a line in it is malformed."""


@dataclass(frozen=True)
class Email:
    """One labelled email, in the shape of the corpus files."""

    id: str
    lang: str
    label: str
    subject: str
    body: str
    attachments: tuple[tuple[str, str], ...] = ()
    case: str = "plain"
    source: str = "hand"
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str:
        """The model input, exactly as the gateway builds it."""
        return email_text(self.subject, self.body, self.attachments)


def bucket(key: str, buckets: int = 100) -> int:
    """A stable number in [0, buckets) for a key (sha256, not Python's salted hash)."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % buckets


def read_jsonl(path: Path, source: str = "hand") -> list[Email]:
    """Emails of one corpus file; CorpusError naming the line when one is malformed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc}") from exc
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label = row["label"]
            if label not in LABELS:
                raise ValueError(f"unknown label {label!r}")
            atts = tuple((str(a.get("name") or ""), str(a.get("text") or "")) for a in row.get("attachments") or [])
            out.append(Email(str(row["id"]), str(row.get("lang", "")), label, str(row.get("subject") or ""),
                             str(row.get("body") or ""), atts, str(row.get("case") or "plain"), source))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorpusError(f"{path}:{n}: {exc}") from exc
    return out


def load_hand(corpus: Path = CORPUS) -> list[Email]:
    """Every hand-written training email (hand/*.jsonl), in a stable order."""
    files = sorted((corpus / "hand").glob("*.jsonl"))
    if not files:
        raise CorpusError(f"no hand-written corpus in {corpus / 'hand'}")
    emails = [e for f in files for e in read_jsonl(f)]
    return _dedupe(emails)


def load_heldout(corpus: Path = CORPUS) -> list[Email]:
    """The held-out test emails (never used for training or model selection)."""
    return read_jsonl(corpus / "heldout" / "heldout.jsonl", source="heldout")


def load_parts(corpus: Path = CORPUS) -> dict[str, dict[str, list[str]]]:
    """Composition parts by language: {lang: {kind: [snippets]}}; empty when not written yet."""
    parts: dict[str, dict[str, list[str]]] = {}
    for path in sorted((corpus / "parts").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CorpusError(f"{path}: {exc}") from exc
        if isinstance(data, dict):
            parts[path.stem] = {str(k): [str(x) for x in v if isinstance(x, str | int | float)]
                                for k, v in data.items() if isinstance(v, list)}
    return parts


def _dedupe(emails: list[Email]) -> list[Email]:
    seen: set[tuple[str, str]] = set()
    out = []
    for e in emails:
        key = (e.subject.strip(), e.body.strip())
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def split_hand(emails: list[Email], val_percent: int = 15) -> tuple[list[Email], list[Email]]:
    """(train, validation) by a hash of the id, stratified only by chance; deterministic."""
    train = [e for e in emails if bucket("val:" + e.id) >= val_percent]
    val = [e for e in emails if bucket("val:" + e.id) < val_percent]
    return train, val


# ---------------------------------------------------------------- SpamAssassin (read at training time)

_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]{0,2000}>", re.IGNORECASE | re.DOTALL)


def _body_text(msg: Message) -> str:
    plain: list[str] = []
    htmls: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        try:
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            charset = part.get_content_charset() or "latin-1"
            text = payload.decode(charset, errors="replace")
        except (LookupError, ValueError):
            continue
        (plain if ctype == "text/plain" else htmls).append(text)
    if plain:
        return "\n".join(plain)
    return html.unescape(_TAG.sub(" ", "\n".join(htmls)))


def _subject(raw: str) -> str:
    out = []
    for part, charset in email.header.decode_header(str(raw)):
        if isinstance(part, bytes):
            try:
                out.append(part.decode(charset or "latin-1", errors="replace"))
            except LookupError:
                out.append(part.decode("latin-1"))
        else:
            out.append(part)
    return "".join(out)


def read_spamassassin(root: Path = SPAMASSASSIN) -> Iterator[Email]:
    """Every SpamAssassin message as an English Email: spam/ → spam, ham/ → other."""
    for folder, label in (("spam", "spam"), ("ham", "other")):
        for path in sorted((root / folder).iterdir()):
            raw = path.read_bytes()
            if raw.startswith(b"From "):
                raw = raw.split(b"\n", 1)[1]
            msg = email.message_from_bytes(raw, policy=compat32)
            subject = _subject(msg.get("Subject") or "")
            yield Email(f"sa-{path.name}", "en", label, subject, _body_text(msg)[:20000], (), folder,
                        "spamassassin")


def split_spamassassin(emails: list[Email], test_percent: int = 30) -> tuple[list[Email], list[Email]]:
    """(train, test) by a hash of the file name; the test part is only reported on."""
    train = [e for e in emails if bucket("sa:" + e.id) >= test_percent]
    test = [e for e in emails if bucket("sa:" + e.id) < test_percent]
    return train, test
