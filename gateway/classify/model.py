"""Inference: tokenize with `tokenizers`, run the ONNX graph in onnxruntime, softmax, pick the label."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from gateway.classify.errors import InferenceError
from gateway.classify.manifest import PAD_ID

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@dataclass(frozen=True)
class Prediction:
    """One classification: the label, its probability, every label's probability, and the model."""

    label: str
    confidence: float
    scores: dict[str, float]
    model_version: str


def make_session(model_path: Path, threads: int = 1) -> ort.InferenceSession:
    """An onnxruntime CPU session with `threads` intra-op threads, sequential execution."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])


def encode(tokenizer: Tokenizer, texts: Sequence[str], max_tokens: int) -> np.ndarray:
    """Token ids, truncated to `max_tokens` and right-padded with PAD_ID: int64 [batch, seq >= 1]."""
    encodings = tokenizer.encode_batch(list(texts), add_special_tokens=False)
    rows = [e.ids[:max_tokens] for e in encodings]
    width = max(1, max((len(r) for r in rows), default=1))
    ids = np.full((len(rows), width), PAD_ID, dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
    return ids


def char_row(text: str, max_chars: int) -> np.ndarray:
    """Unicode code points of the NFKC-lowercased text (the tokenizer's normalisation), at most `max_chars`."""
    row = unicodedata.normalize("NFKC", text).lower()[:max_chars]
    return np.frombuffer(row.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def char_codes(texts: Sequence[str], max_chars: int) -> np.ndarray:
    """char_row of every text, right-padded with 0: int64 [batch, n >= 1]."""
    rows = [char_row(t, max_chars) for t in texts]
    width = max(1, max((len(r) for r in rows), default=1))
    codes = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        codes[i, : len(row)] = row
    return codes


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, numerically stable."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def decide(row: np.ndarray, labels: Sequence[str], min_confidence: Mapping[str, float]) -> int:
    """Index of the label to give: the most probable one that reaches its minimum confidence (training picks
    the spam minimum with this same rule)."""
    for index in np.argsort(-row, kind="stable"):
        if row[index] >= min_confidence.get(labels[index], 0.0):
            return int(index)
    return int(row.argmax())


class IntentModel:
    """A loaded classifier; build it with `gateway.classify.bundle.load_bundle`, which verifies it first."""

    def __init__(
        self,
        session: ort.InferenceSession,
        tokenizer: Tokenizer,
        labels: Sequence[str],
        *,
        max_tokens: int,
        version: str,
        input_name: str = "ids",
        min_confidence: dict[str, float] | None = None,
        char_input: str | None = None,
        max_chars: int = 0,
    ) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.labels = list(labels)
        self.max_tokens = max_tokens
        self.version = version
        self.input_name = input_name
        self.min_confidence = dict(min_confidence or {})
        self.char_input = char_input
        self.max_chars = max_chars

    def inputs(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The ONNX feed for model-input texts: token ids, and code points when the model reads characters."""
        feed = {self.input_name: encode(self.tokenizer, texts, self.max_tokens)}
        if self.char_input:
            feed[self.char_input] = char_codes(texts, self.max_chars)
        return feed

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw model outputs [batch, labels] for model-input texts."""
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        feed = self.inputs(texts)
        try:
            out = self.session.run(None, feed)[0]
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise InferenceError(f"model {self.version} failed to run: {exc}") from exc
        return np.asarray(out, dtype=np.float32)

    def classify_batch(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify model-input texts (see gateway.classify.features.email_text) in one run."""
        probs = softmax(self.logits(texts))
        preds = []
        for row in probs:
            best = self.decide(row)
            scores = {label: round(float(p), 6) for label, p in zip(self.labels, row, strict=True)}
            preds.append(Prediction(self.labels[best], float(row[best]), scores, self.version))
        return preds

    def decide(self, row: np.ndarray) -> int:
        """Index of the label to give under this bundle's minimum confidences (see `decide`)."""
        return decide(row, self.labels, self.min_confidence)

    def classify(self, text: str) -> Prediction:
        """Classify one model-input text."""
        return self.classify_batch([text])[0]
