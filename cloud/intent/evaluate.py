"""Metrics of a classifier on labelled emails: accuracy, macro-F1, per class, per language, confusion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support


def scores(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class precision/recall/F1/support (labels absent from gold are skipped)."""
    if not gold:
        return {"n": 0}
    present = [lab for lab in labels if lab in set(gold)]
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=present, zero_division=0)
    return {
        "n": len(gold),
        "accuracy": round(float(np.mean([g == q for g, q in zip(gold, pred, strict=True)])), 4),
        "macro_f1": round(float(f1_score(gold, pred, labels=present, average="macro", zero_division=0)), 4),
        "per_class": {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                            "f1": round(float(f[i]), 4), "support": int(s[i])} for i, lab in enumerate(present)},
    }


def report(gold: Sequence[str], pred: Sequence[str], langs: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Overall scores, scores per language, and the confusion matrix (rows gold, columns predicted)."""
    out = scores(gold, pred, labels)
    out["per_language"] = {}
    for lang in sorted(set(langs)):
        idx = [i for i, x in enumerate(langs) if x == lang]
        out["per_language"][lang] = {k: v for k, v in scores([gold[i] for i in idx], [pred[i] for i in idx],
                                                              labels).items() if k != "per_class"}
    out["confusion"] = confusion_matrix(gold, pred, labels=list(labels)).tolist() if gold else []
    return out


def spam_report(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Spam recall and the false-positive rate of legitimate mail flagged as spam."""
    spam = [p for g, p in zip(gold, pred, strict=True) if g == "spam"]
    ham = [p for g, p in zip(gold, pred, strict=True) if g != "spam"]
    return {
        "spam": len(spam), "ham": len(ham),
        "spam_recall": round(sum(p == "spam" for p in spam) / len(spam), 4) if spam else None,
        "ham_false_positive_rate": round(sum(p == "spam" for p in ham) / len(ham), 4) if ham else None,
    }
