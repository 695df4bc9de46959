"""The training command: deterministic with a seed, and its bundle is accepted by the gateway runtime."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloud.intent.models import TrainConfig
from cloud.intent.train import Options, main, run
from gateway.classify.bundle import load_bundle, read_manifest

pytestmark = pytest.mark.slow  # about 15 s: five small training runs


def _small(out: Path, seed: int) -> Options:
    return Options(out=out, seed=seed, variants=1, limit=15, spam_per_class=15, compare=False, progress=False,
                   vocab_size=2000, config=TrainConfig(epochs=2, buckets=2000, dim=16, char_buckets=3000, seed=seed))


def test_training_is_deterministic_and_the_gateway_accepts_the_bundle(tmp_path: Path) -> None:
    run(_small(tmp_path / "a", seed=7))
    run(_small(tmp_path / "b", seed=7))
    a, b = read_manifest(tmp_path / "a"), read_manifest(tmp_path / "b")
    for name in ("model.onnx", "tokenizer.json"):
        assert a.files[name] == b.files[name], f"{name} differs between two runs with the same seed"
    assert a.golden == b.golden and a.metrics == b.metrics
    model = load_bundle(tmp_path / "a")
    assert model.labels == a.labels and model.version == a.version
    assert {"MODEL_CARD.md", "confusion.png", "manifest.json"} <= {p.name for p in (tmp_path / "a").iterdir()}
    card = (tmp_path / "a" / "MODEL_CARD.md").read_text()
    assert "macro-F1" in card and "confusion.png" in card
    assert (tmp_path / "a" / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_different_seed_gives_different_weights(tmp_path: Path) -> None:
    run(_small(tmp_path / "a", seed=1))
    run(_small(tmp_path / "b", seed=2))
    assert read_manifest(tmp_path / "a").files["model.onnx"] != read_manifest(tmp_path / "b").files["model.onnx"]


def test_command_line_prints_the_heldout_evaluation(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["--out", str(tmp_path / "c"), "--limit", "10", "--spam-per-class", "10", "--variants", "1",
                 "--epochs", "1", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "held-out n=480" in out or "held-out n=" in out
    assert "macro-F1" in out and "spamassassin test" in out
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert manifest["metrics"]["heldout"]["n"] > 0
