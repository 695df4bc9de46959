"""The shipped bundle reaches the held-out scores its manifest reports (a worse model cannot ship silently)."""

from __future__ import annotations

import pytest

from cloud.intent.corpus import CORPUS, LABELS, load_heldout
from cloud.intent.evaluate import report, spam_report
from gateway.classify.bundle import load_bundle, read_manifest
from gateway.classify.holder import shipped_bundle
from gateway.classify.manifest import sha256_file


def test_shipped_bundle_reaches_its_reported_heldout_scores() -> None:
    path = shipped_bundle()
    manifest = read_manifest(path)
    assert manifest.training["heldout_sha256"] == sha256_file(CORPUS / "heldout" / "heldout.jsonl"), (
        "the held-out file changed since the bundle was trained: retrain with python -m cloud.intent.train")
    heldout = load_heldout()
    model = load_bundle(path)
    pred = [p.label for p in model.classify_batch([e.text for e in heldout])]
    gold = [e.label for e in heldout]
    got = report(gold, pred, [e.lang for e in heldout], list(LABELS))
    reported = manifest.metrics["heldout"]
    assert got["n"] == reported["n"] == len(heldout)
    assert got["macro_f1"] == pytest.approx(reported["macro_f1"], abs=1e-4)
    assert got["accuracy"] == pytest.approx(reported["accuracy"], abs=1e-4)
    assert spam_report(gold, pred) == reported["spam"]
    assert reported["macro_f1"] >= 0.94, "the shipped model is below the 0.94 macro-F1 floor on held-out mail"
