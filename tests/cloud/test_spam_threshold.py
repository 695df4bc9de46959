"""The spam threshold rule counts SpamAssassin ham and hand-written mail apart, and SpamAssassin weighs more."""

from __future__ import annotations

import numpy as np

from cloud.intent import corpus as C
from cloud.intent.train import LABELS, SPAM_GRID, choose_spam_threshold, loss_weights, spam_grid

SPAM = LABELS.index("spam")
OTHER = LABELS.index("other")


def _rows(spam_probs: list[float]) -> np.ndarray:
    """Probability rows where spam gets `p` and other the rest."""
    rows = np.zeros((len(spam_probs), len(LABELS)))
    for i, p in enumerate(spam_probs):
        rows[i, SPAM], rows[i, OTHER] = p, 1.0 - p
    return rows


def test_easy_hand_written_mail_cannot_dilute_the_rate_on_newsletters() -> None:
    # 1,000 clean hand-written emails; 100 SpamAssassin ham of which 2 score 0.96 as spam; spam scores 0.999
    hand = _rows([0.0] * 1000)
    sa = _rows([0.96, 0.96] + [0.1] * 98 + [0.999] * 50)
    sa_gold = ["other"] * 100 + ["spam"] * 50
    grid = spam_grid(hand, ["other"] * 1000, sa, sa_gold)
    chosen = choose_spam_threshold(grid, 0.005)
    # pooled, 2 of 1,100 (0.18 %) would pass at 0.5; counted apart, 2 % must not
    assert chosen > 0.96
    row = next(r for r in grid if r["min_spam"] == chosen)
    assert row["ham_false_positive_rate"] == 0.0 and row["spam_recall"] == 1.0


def test_hand_written_false_positives_also_hold_the_threshold_up() -> None:
    hand = _rows([0.75] + [0.0] * 99)  # one legitimate hand-written email scores 0.75 as spam: 1 %
    sa = _rows([0.0] * 100 + [0.999] * 10)
    grid = spam_grid(hand, ["other"] * 100, sa, ["other"] * 100 + ["spam"] * 10)
    assert choose_spam_threshold(grid, 0.005) == min(t for t in SPAM_GRID if t > 0.75)


def test_no_threshold_meets_the_target_gives_the_strictest() -> None:
    sa = _rows([1.0] * 5 + [0.0] * 5)
    grid = spam_grid(_rows([0.0]), ["other"], sa, ["other"] * 10)
    assert choose_spam_threshold(grid, 0.005) == SPAM_GRID[-1]


def test_spamassassin_messages_weigh_more_in_the_loss() -> None:
    hand = C.Email("en-1", "en", "quote", "s", "b")
    sa = C.Email("sa-1", "en", "spam", "s", "b", (), "spam", "spamassassin")
    assert loss_weights([hand, sa, hand], 4.0) == [1.0, 4.0, 1.0]
