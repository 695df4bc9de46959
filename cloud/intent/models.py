"""The candidate architectures (PyTorch) and their training loop.

- `FastTextClassifier`: fastText-style bag of subword unigrams plus hashed subword bigrams, computed
  inside the graph (so ONNX and PyTorch see the same ids), Embedding(padding_idx=0) + masked mean + Linear.
- `CnnClassifier`: Embedding + Conv1d(kernel 3) + ReLU + masked max-pool + Linear.
Both take `ids` int64 [batch, seq] (0 = padding) and return logits [batch, labels].
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

HASH_MULTIPLIER = 1_000_003


class FastTextClassifier(nn.Module):
    """Mean of unigram and hashed-bigram embeddings, then a linear layer."""

    def __init__(self, vocab: int, labels: int, dim: int = 64, buckets: int = 40_000, dropout: float = 0.2) -> None:
        super().__init__()
        self.vocab = vocab
        self.buckets = buckets
        self.emb = nn.Embedding(vocab + buckets, dim, padding_idx=0, sparse=True)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(dim, labels)

    def features(self, ids: torch.Tensor) -> torch.Tensor:
        """Unigram ids followed by hashed bigram ids (0 where either side is padding)."""
        if self.buckets == 0:
            return ids
        left, right = ids[:, :-1], ids[:, 1:]
        hashed = torch.remainder(left * HASH_MULTIPLIER + right, self.buckets) + self.vocab
        bigrams = torch.where((left != 0) & (right != 0), hashed, torch.zeros_like(hashed))
        return torch.cat([ids, bigrams], dim=1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        feats = self.features(ids)
        mask = (feats != 0).unsqueeze(-1).to(torch.float32)
        summed = (self.emb(feats) * mask).sum(dim=1)
        pooled = summed / mask.sum(dim=1).clamp(min=1.0)
        return self.fc(self.drop(pooled))


class CnnClassifier(nn.Module):
    """A one-layer convolution over subword embeddings with masked max-pooling."""

    def __init__(self, vocab: int, labels: int, dim: int = 64, channels: int = 128, dropout: float = 0.2) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.conv = nn.Conv1d(dim, channels, kernel_size=3, padding=1)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(channels, labels)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).unsqueeze(1)
        hidden = torch.relu(self.conv(self.emb(ids).transpose(1, 2)))
        hidden = torch.where(mask, hidden, torch.zeros_like(hidden))
        return self.fc(self.drop(hidden.max(dim=2).values))


ARCHITECTURES = {"fasttext": FastTextClassifier, "cnn": CnnClassifier}


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run."""

    arch: str = "fasttext"
    dim: int = 64
    buckets: int = 40_000
    epochs: int = 5
    batch_size: int = 64
    lr: float = 0.01
    weight_decay: float = 0.0
    max_tokens: int = 384
    seed: int = 0


def build(config: TrainConfig, vocab: int, labels: int) -> nn.Module:
    """A fresh model of the configured architecture, initialised from the seed."""
    torch.manual_seed(config.seed)
    if config.arch == "fasttext":
        return FastTextClassifier(vocab, labels, dim=config.dim, buckets=config.buckets)
    if config.arch == "cnn":
        return CnnClassifier(vocab, labels, dim=config.dim)
    raise ValueError(f"unknown architecture {config.arch!r} (known: {', '.join(ARCHITECTURES)})")


def pad_batch(rows: Sequence[Sequence[int]], max_tokens: int) -> torch.Tensor:
    """Right-padded int64 [batch, seq >= 1]; the same layout the gateway's encode() makes."""
    rows = [r[:max_tokens] for r in rows]
    width = max(1, max((len(r) for r in rows), default=1))
    arr = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        arr[i, : len(r)] = r
    return torch.from_numpy(arr)


def fit(model: nn.Module, ids: Sequence[Sequence[int]], labels: Sequence[int], config: TrainConfig,
        weights: Sequence[float] | None = None, progress: bool = True) -> nn.Module:
    """Train with Adam on (ids, label) pairs; deterministic for a given seed (one CPU thread)."""
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    sparse = [p for m in model.modules() if isinstance(m, nn.Embedding) and m.sparse for p in m.parameters()]
    dense = [p for p in model.parameters() if all(p is not q for q in sparse)]
    opts: list[torch.optim.Optimizer] = [torch.optim.Adam(dense, lr=config.lr, weight_decay=config.weight_decay)]
    if sparse:
        opts.append(torch.optim.SparseAdam(sparse, lr=config.lr))
    y = torch.tensor(list(labels), dtype=torch.int64)
    w = torch.tensor(list(weights), dtype=torch.float32) if weights is not None else torch.ones(len(y))
    order = list(range(len(ids)))
    steps = config.epochs * ((len(order) + config.batch_size - 1) // config.batch_size)
    bar = tqdm(total=steps, desc=f"train {config.arch}", unit="batch", disable=not progress, leave=False)
    model.train()
    for _ in range(config.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), config.batch_size):
            batch = order[start:start + config.batch_size]
            logits = model(pad_batch([ids[i] for i in batch], config.max_tokens))
            loss = (nn.functional.cross_entropy(logits, y[batch], reduction="none") * w[batch]).sum() / w[batch].sum()
            for opt in opts:
                opt.zero_grad()
            loss.backward()
            for opt in opts:
                opt.step()
            bar.update(1)
    bar.close()
    model.eval()
    return model


@torch.no_grad()
def predict(model: nn.Module, ids: Sequence[Sequence[int]], max_tokens: int, batch_size: int = 256) -> np.ndarray:
    """Logits [n, labels] from PyTorch eager."""
    model.eval()
    out = [model(pad_batch(ids[i:i + batch_size], max_tokens)).numpy() for i in range(0, len(ids), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)
