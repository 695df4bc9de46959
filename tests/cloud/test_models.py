"""The fastText model's in-graph features and its two forward paths."""

from __future__ import annotations

import torch

from cloud.intent.models import HASH_MULTIPLIER, FastTextClassifier, char_ngram_ids


def _reference(row: list[int], n: int, buckets: int, offset: int) -> list[int]:
    out = []
    for i in range(len(row) - n + 1):
        gram = row[i:i + n]
        h = gram[0]
        for c in gram[1:]:
            h = (h * HASH_MULTIPLIER + c) % buckets
        out.append(0 if 0 in gram else h % buckets + offset)
    return out


def test_char_ngram_ids_hash_every_n_gram_and_skip_padding() -> None:
    rows = [[104, 0x1F600, 44608, 3585, 12354, 0, 0], [97, 98, 99, 100, 101, 102, 103], [97, 0, 0, 0, 0, 0, 0]]
    grams = char_ngram_ids(torch.tensor(rows), (1, 2, 3, 4), 997, 5000)
    for n, got in zip((1, 2, 3, 4), grams, strict=True):
        assert got.tolist() == [_reference(r, n, 997, 5000) for r in rows]


def test_eval_forward_equals_the_training_path_and_ignores_padding() -> None:
    torch.manual_seed(0)
    model = FastTextClassifier(300, 5, dim=8, buckets=50, char_buckets=70).eval()
    ids = torch.tensor([[5, 17, 42, 0, 0], [9, 8, 7, 6, 5]])
    chars = torch.tensor([[97, 98, 99, 0], [100, 101, 102, 103]])
    with torch.no_grad():
        dense, bag = model(ids, chars), model.forward_bag(ids, chars, feature_dropout=0.5)  # eval: no dropout
        wider = model(torch.cat([ids, torch.zeros(2, 3, dtype=torch.int64)], 1),
                      torch.cat([chars, torch.zeros(2, 4, dtype=torch.int64)], 1))
    assert torch.allclose(dense, bag, atol=1e-6)
    assert torch.allclose(dense, wider, atol=1e-6)


def test_feature_dropout_changes_training_outputs_only() -> None:
    torch.manual_seed(0)
    model = FastTextClassifier(300, 5, dim=8, buckets=50).train()
    ids = torch.tensor([[5, 17, 42, 88, 120, 7, 9, 11]])
    model.drop.p = 0.0
    torch.manual_seed(1)
    full = model.forward_bag(ids)
    dropped = model.forward_bag(ids, feature_dropout=0.5)
    assert not torch.allclose(full, dropped)

