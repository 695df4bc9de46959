"""Bundle verification: the shipped bundle loads; every kind of broken bundle is refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from gateway.classify.bundle import load_bundle
from gateway.classify.errors import BundleError
from gateway.classify.manifest import parse_manifest
from tests.classify.helpers import SHIPPED, rewrite_manifest


def test_shipped_bundle_loads_and_classifies() -> None:
    model = load_bundle(SHIPPED)
    assert model.labels == ["quote", "order", "inquiry", "spam", "other"]
    pred = model.classify("부산-LA 40HC 2대 해상운임 견적 부탁드립니다\n출발: 부산, 도착: LA, 품목: 자동차 부품")
    assert pred.label == "quote"
    assert 0.0 < pred.confidence <= 1.0
    assert abs(sum(pred.scores.values()) - 1.0) < 1e-4
    assert pred.model_version == parse_manifest((SHIPPED / "manifest.json").read_text()).version


def test_batch_equals_single() -> None:
    model = load_bundle(SHIPPED)
    texts = ["Where is my container MSKU1234567? ETA?", "WIN A FREE IPHONE click here now!!!", ""]
    batch = model.classify_batch(texts)
    for text, pred in zip(texts, batch, strict=True):
        single = model.classify(text)
        assert single.label == pred.label
        assert abs(single.confidence - pred.confidence) < 1e-5


def test_wrong_hash_is_refused(bundle: Path) -> None:
    data = bytearray((bundle / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, different bytes
    (bundle / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"model\.onnx: sha256 .* does not match"):
        load_bundle(bundle)


def test_truncated_onnx_is_refused(bundle: Path) -> None:
    data = (bundle / "model.onnx").read_bytes()
    (bundle / "model.onnx").write_bytes(data[: len(data) // 3])
    with pytest.raises(BundleError, match=r"model\.onnx: \d+ bytes, the manifest says \d+ \(truncated"):
        load_bundle(bundle)


def test_truncated_onnx_with_matching_manifest_is_refused_by_onnxruntime(bundle: Path) -> None:
    data = (bundle / "model.onnx").read_bytes()
    (bundle / "model.onnx").write_bytes(data[: len(data) // 3])
    rewrite_manifest(bundle, lambda m: None)
    with pytest.raises(BundleError, match=r"model\.onnx: onnxruntime cannot load it"):
        load_bundle(bundle)


def test_labels_that_do_not_match_the_outputs_are_refused(bundle: Path) -> None:
    def drop_label(m: dict) -> None:  # type: ignore[type-arg]
        m["labels"] = m["labels"][:4]
        m["golden"] = [g for g in m["golden"] if g["label"] in m["labels"]]

    rewrite_manifest(bundle, drop_label)
    with pytest.raises(BundleError, match=r"outputs 5 scores but the manifest has 4 labels"):
        load_bundle(bundle)


def test_tokenizer_from_another_model_is_refused(bundle: Path) -> None:
    other = Tokenizer(models.Unigram())
    other.pre_tokenizer = pre_tokenizers.Metaspace()
    other.train_from_iterator(["a different model's tokenizer", "trained on other text"] * 20,
                              trainers.UnigramTrainer(vocab_size=60, special_tokens=["<pad>", "<unk>"],
                                                      unk_token="<unk>", show_progress=False))
    other.save(str(bundle / "tokenizer.json"))
    rewrite_manifest(bundle, lambda m: None)  # even with hashes that match the swapped file
    with pytest.raises(BundleError, match=r"tokenizer\.json: vocabulary fingerprint .* tokenizer from another model"):
        load_bundle(bundle)


def test_failing_golden_example_is_refused(bundle: Path) -> None:
    def flip(m: dict) -> None:  # type: ignore[type-arg]
        m["golden"][0]["label"] = "spam" if m["golden"][0]["label"] != "spam" else "quote"

    rewrite_manifest(bundle, flip)
    with pytest.raises(BundleError, match=r"1 of \d+ golden examples fail"):
        load_bundle(bundle)


def test_missing_file_and_bad_manifest_are_refused(bundle: Path, tmp_path: Path) -> None:
    (bundle / "confusion.png").unlink()
    with pytest.raises(BundleError, match=r"confusion\.png: listed in the manifest but missing"):
        load_bundle(bundle)
    (bundle / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BundleError, match=r"manifest\.json: invalid manifest"):
        load_bundle(bundle)
    with pytest.raises(BundleError, match=r"no such bundle folder"):
        load_bundle(tmp_path / "nowhere")


def test_min_confidence_gives_the_next_label_below_the_threshold(bundle: Path) -> None:
    model = load_bundle(bundle)
    row = np.array([0.05, 0.05, 0.3, 0.55, 0.05])  # spam most probable, but under its minimum
    model.min_confidence = {"spam": 0.9}
    assert model.labels[model.decide(row)] == "inquiry"
    model.min_confidence = {"spam": 0.5}
    assert model.labels[model.decide(row)] == "spam"


def test_min_confidence_for_an_unknown_label_is_refused(bundle: Path) -> None:
    rewrite_manifest(bundle, lambda m: m.update(min_confidence={"phishing": 0.5}))
    with pytest.raises(BundleError, match=r"min_confidence names unknown labels \['phishing'\]"):
        load_bundle(bundle)
