"""Corpus loading and splitting, and the seeded composition of variants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloud.intent.compose import Composer, Parts, typos
from cloud.intent.corpus import (
    LABELS,
    SPAMASSASSIN,
    CorpusError,
    Email,
    load_hand,
    read_jsonl,
    read_spamassassin,
    split_hand,
    split_spamassassin,
)
from gateway.classify.features import split_quoted


def _emails() -> list[Email]:
    return [Email(f"en-{i:04d}", "en", LABELS[i % 5], f"subject {i}", f"Body number {i}. Please reply soon.")
            for i in range(40)]


def test_hand_corpus_loads_and_the_split_is_stable_and_disjoint() -> None:
    hand = load_hand()
    assert len(hand) > 500 and {e.label for e in hand} == set(LABELS)
    train, val = split_hand(hand)
    assert not {e.id for e in train} & {e.id for e in val}
    assert 0.08 < len(val) / len(hand) < 0.25
    _, val2 = split_hand(list(reversed(hand)))
    assert {e.id for e in val2} == {e.id for e in val}


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.jsonl"
    bad.write_text(json.dumps({"id": "a", "label": "quote", "body": "b"}) + "\n" + '{"id": "b", "label": "nope"}\n')
    with pytest.raises(CorpusError, match=r"x\.jsonl:2: unknown label 'nope'"):
        read_jsonl(bad)


def test_spamassassin_is_read_and_split_deterministically() -> None:
    emails = list(read_spamassassin(SPAMASSASSIN))
    assert sum(e.label == "spam" for e in emails) >= 500 and sum(e.label == "other" for e in emails) >= 500
    train, test = split_spamassassin(emails)
    assert not {e.id for e in train} & {e.id for e in test}
    assert 0.25 < len(test) / len(emails) < 0.35
    assert [e.id for e in split_spamassassin(emails)[1]] == [e.id for e in test]


def test_composition_is_seeded_and_keeps_intent() -> None:
    emails = _emails()
    a = Composer(Parts({}), seed=1).compose(emails, 3)
    b = Composer(Parts({}), seed=1).compose(emails, 3)
    c = Composer(Parts({}), seed=2).compose(emails, 3)
    assert a == b and a != c
    assert len(a) == 3 * len(emails)
    originals = {e.id: e for e in emails}
    for v in a:
        source = originals[v.id.split("~")[0]]
        if v.case == "ooo-composed":
            assert v.label == "other" and source.label in ("quote", "order", "inquiry")
            assert source.body.splitlines()[0] not in split_quoted(v.body)[0]  # the quoted request is cut off
        else:
            assert v.label == source.label


def test_composition_uses_only_emails_of_its_own_split() -> None:
    emails = _emails()
    train, val = emails[:30], emails[30:]
    composed = Composer(Parts({}), seed=0).compose(train, 4)
    val_bodies = {e.body for e in val}
    assert not any(body in v.body for v in composed for body in val_bodies)


def test_typos_change_a_little() -> None:
    import random

    text = "Please send the invoice copy for booking BKG-2231 as soon as possible." * 3
    out = typos(random.Random(3), text, rate=0.05)
    assert out != text and abs(len(out) - len(text)) < len(text) * 0.1
