"""Load a model bundle only after verifying it: manifest, file hashes, ONNX graph, tokenizer, golden examples."""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer

from gateway.classify.errors import BundleError, InferenceError
from gateway.classify.manifest import (
    MANIFEST,
    MODEL_FILE,
    SIGNATURE,
    TOKENIZER_FILE,
    Manifest,
    parse_manifest,
    sha256_file,
    tokenizer_fingerprint,
)
from gateway.classify.model import IntentModel, make_session, softmax

REQUIRED_FILES = (MODEL_FILE, TOKENIZER_FILE)


def read_manifest(path: Path) -> Manifest:
    """The validated manifest of the bundle folder `path`."""
    file = path / MANIFEST
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError(f"{file}: cannot read the manifest: {exc}") from exc
    try:
        return parse_manifest(text)
    except ValueError as exc:
        raise BundleError(f"{file}: invalid manifest: {exc}") from exc


def verify_files(path: Path, manifest: Manifest) -> None:
    """Every listed file exists with the recorded size and sha256; the required ones are listed."""
    for name in REQUIRED_FILES:
        if name not in manifest.files:
            raise BundleError(f"{path / MANIFEST}: does not list {name}")
    for name, entry in sorted(manifest.files.items()):
        if name in (MANIFEST, SIGNATURE) or "/" in name or name.startswith("."):
            raise BundleError(f"{path / MANIFEST}: files lists an invalid name {name!r}")
        file = path / name
        if not file.is_file():
            raise BundleError(f"{file}: listed in the manifest but missing")
        size = file.stat().st_size
        if size != entry.bytes:
            raise BundleError(f"{file}: {size} bytes, the manifest says {entry.bytes} (truncated or replaced)")
        digest = sha256_file(file)
        if digest != entry.sha256:
            raise BundleError(f"{file}: sha256 {digest[:12]}… does not match the manifest's {entry.sha256[:12]}…")


def load_tokenizer(path: Path, manifest: Manifest) -> Tokenizer:
    """The bundle's tokenizer, checked against the manifest's vocabulary fingerprint."""
    file = path / TOKENIZER_FILE
    try:
        tokenizer = Tokenizer.from_file(str(file))
    except Exception as exc:  # tokenizers raises a bare Exception on bad JSON
        raise BundleError(f"{file}: not a valid tokenizer: {exc}") from exc
    found = tokenizer_fingerprint(tokenizer.get_vocab(with_added_tokens=True))
    if found != manifest.tokenizer_fingerprint:
        raise BundleError(
            f"{file}: vocabulary fingerprint {found[:12]}… is not the one this model was trained with "
            f"({manifest.tokenizer_fingerprint[:12]}…): a tokenizer from another model"
        )
    return tokenizer


def load_bundle(path: Path, *, threads: int = 1) -> IntentModel:
    """A ready IntentModel from the bundle folder `path`; BundleError naming the problem otherwise."""
    path = Path(path)
    if not path.is_dir():
        raise BundleError(f"{path}: no such bundle folder")
    manifest = read_manifest(path)
    if len(set(manifest.labels)) != len(manifest.labels):
        raise BundleError(f"{path / MANIFEST}: duplicate labels {manifest.labels}")
    unknown = sorted(set(manifest.min_confidence) - set(manifest.labels))
    if unknown:
        raise BundleError(f"{path / MANIFEST}: min_confidence names unknown labels {unknown}")
    verify_files(path, manifest)
    tokenizer = load_tokenizer(path, manifest)
    try:
        session = make_session(path / MODEL_FILE, threads)
    except Exception as exc:  # onnxruntime's load errors are untyped
        raise BundleError(f"{path / MODEL_FILE}: onnxruntime cannot load it: {exc}") from exc
    _check_signature(path, session, manifest)
    model = IntentModel(session, tokenizer, manifest.labels, max_tokens=manifest.max_tokens,
                        version=manifest.version, input_name=manifest.input,
                        min_confidence=manifest.min_confidence, char_input=manifest.char_input,
                        max_chars=manifest.max_chars)
    self_test(model, manifest)
    return model


def _check_signature(path: Path, session: object, manifest: Manifest) -> None:
    inputs = {i.name: i for i in session.get_inputs()}  # type: ignore[attr-defined]
    outputs = session.get_outputs()  # type: ignore[attr-defined]
    for name in (manifest.input, manifest.char_input):
        if name and name not in inputs:
            raise BundleError(f"{path / MODEL_FILE}: has no input {name!r} (it has {sorted(inputs)})")
    expected = {name for name in (manifest.input, manifest.char_input) if name}
    if set(inputs) != expected:
        raise BundleError(f"{path / MODEL_FILE}: takes inputs {sorted(inputs)}, the manifest names {sorted(expected)}")
    if not outputs:
        raise BundleError(f"{path / MODEL_FILE}: has no outputs")
    width = outputs[0].shape[-1] if outputs[0].shape else None
    if isinstance(width, int) and width != len(manifest.labels):
        raise BundleError(
            f"{path / MODEL_FILE}: outputs {width} scores but the manifest has {len(manifest.labels)} labels "
            f"{manifest.labels}"
        )


def self_test(model: IntentModel, manifest: Manifest) -> None:
    """Run the golden examples: the output width must match the labels and every expected label come out."""
    probe = [g.text for g in manifest.golden] or ["self-test"]
    try:
        logits = model.logits(probe)
    except InferenceError as exc:
        raise BundleError(f"model {manifest.version}: self-test could not run: {exc}") from exc
    if logits.shape != (len(probe), len(manifest.labels)):
        raise BundleError(
            f"model {manifest.version}: outputs shape {list(logits.shape)} for {len(probe)} inputs, expected "
            f"{len(manifest.labels)} scores per input (one per label {manifest.labels})"
        )
    given = [manifest.labels[model.decide(row)] for row in softmax(logits)]
    failed = [(g, got) for g, got in zip(manifest.golden, given, strict=False) if got != g.label]
    if failed:
        detail = "; ".join(f"{json.dumps(g.text[:40], ensure_ascii=False)}… expected {g.label}, got {got}"
                           for g, got in failed[:3])
        raise BundleError(f"model {manifest.version}: {len(failed)} of {len(manifest.golden)} golden examples "
                          f"fail: {detail}")
