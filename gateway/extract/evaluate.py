"""Field-level precision/recall/F1 of the rules extractor on the annotated corpus: `python -m gateway.extract.evaluate`.

Gold `fields` come from models/corpus (hand/*.jsonl for development, heldout/heldout.jsonl written by another
writer for the figure we report). Matching: numbers within 1 %, containers as a set, places and commodity
case-insensitive; commodity is free English text, so it also matches when both phrases share a content word.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.extract.fields import FIELDS
from gateway.extract.gazetteer import Gazetteer
from gateway.extract.rules import extract_rules, new_subject

CORPUS = Path(__file__).resolve().parents[2] / "models" / "corpus"
_STOP = frozenset(["a", "an", "and", "of", "the", "for", "with", "non", "dg", "other", "general", "goods", "parts"])


@dataclass
class Report:
    """True/false positives and false negatives per field."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    emails: int = 0
    seconds: float = 0.0

    def scores(self, names: Iterable[str]) -> tuple[float, float, float]:
        """Micro precision, recall and F1 over the named fields."""
        names = list(names)
        tp = sum(self.tp[n] for n in names)
        fp = sum(self.fp[n] for n in names)
        fn = sum(self.fn[n] for n in names)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def table(self, title: str) -> str:
        """A Markdown table: one row per field, then micro averages."""
        lines = [f"{title} ({self.emails} quote/order emails, {1000 * self.seconds / max(1, self.emails):.1f} "
                 "ms/email)", "", "| field | precision | recall | F1 | gold values |",
                 "| --- | ---: | ---: | ---: | ---: |"]
        for name in FIELDS:
            p, r, f = self.scores([name])
            lines.append(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {self.tp[name] + self.fn[name]} |")
        for label, names in (("**micro, all fields**", FIELDS),
                             ("micro, without commodity", [n for n in FIELDS if n != "commodity"])):
            p, r, f = self.scores(names)
            lines.append(f"| {label} | {p:.3f} | {r:.3f} | {f:.3f} | "
                         f"{sum(self.tp[n] + self.fn[n] for n in names)} |")
        return "\n".join(lines)


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower()) if w not in _STOP and len(w) > 2}


def same(name: str, predicted: Any, gold: Any) -> bool:
    """Whether a predicted value counts as the gold value."""
    if name in ("weight_kg", "volume_cbm"):
        return abs(float(predicted) - float(gold)) <= max(0.01 * abs(float(gold)), 0.01)
    if name == "containers":
        return set(str(predicted).split(",")) == set(str(gold).split(","))
    if name in ("origin", "destination"):
        return str(predicted).casefold() == str(gold).casefold()
    if name == "commodity":
        return str(predicted).casefold() == str(gold).casefold() or bool(_words(predicted) & _words(gold))
    return bool(predicted == gold)


def load(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """The annotated quote/order emails of the given JSONL files."""
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row.get("fields"):
                    yield row


def evaluate(rows: Iterable[dict[str, Any]]) -> Report:
    """Run the rules over every email (subject + body, attachments) and count matches per field."""
    gaz = Gazetteer.load()
    report = Report()
    started = time.perf_counter()
    for row in rows:
        sent = datetime.fromisoformat(row["date"].replace(" ", "T", 1))
        got = extract_rules(f"{new_subject(row.get('subject'))}\n{row['body']}", sent_at=sent, gazetteer=gaz,
                            attachments=[a.get("text") or "" for a in row.get("attachments", [])]).shipment.as_dict()
        report.emails += 1
        for name in FIELDS:
            gold, predicted = row["fields"].get(name), got[name]
            if gold is not None and predicted is not None and same(name, predicted, gold):
                report.tp[name] += 1
                continue
            if predicted is not None:
                report.fp[name] += 1
            if gold is not None:
                report.fn[name] += 1
    report.seconds = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> None:
    """Print the tables for the held-out set and the hand-written development corpus."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="models/corpus folder")
    args = parser.parse_args(argv)
    Gazetteer.load()
    print(evaluate(load([args.corpus / "heldout" / "heldout.jsonl"])).table("Held-out set (other writer)"))
    print()
    print(evaluate(load(sorted((args.corpus / "hand").glob("*.jsonl")))).table("Hand corpus (development)"))


if __name__ == "__main__":
    main()
