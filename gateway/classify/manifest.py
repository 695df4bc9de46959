"""The model-bundle manifest: its one definition, read by the gateway and written by cloud training.

A bundle is a folder:

    model.onnx        the classifier: input `ids` int64 [batch, seq] (0 = padding) and, when `char_input` is set,
                      `chars` int64 [batch, n] (code points of the NFKC-lowercased text, 0 = padding);
                      output `logits` [batch, labels]
    tokenizer.json    the `tokenizers` tokenizer the ids come from
    manifest.json     this document: labels, sha256 of every other file, limits, metrics, golden examples
    manifest.sig      (reserved, fleet issue) a detached signature over the exact bytes of manifest.json
    MODEL_CARD.md, confusion.png   the human report (hashed like every other file)

Every file except manifest.json and manifest.sig is listed in `files` with its sha256, so verifying the
signature of manifest.json (fleet) and then the hashes (here) covers the whole bundle.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
INPUT_NAME = "ids"
CHAR_INPUT_NAME = "chars"
OUTPUT_NAME = "logits"
PAD_ID = 0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileEntry(_Strict):
    """One file of the bundle."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)


class Golden(_Strict):
    """A self-test example: the model must give `label` for `text` before it may serve."""

    text: str
    label: str


class SignatureInfo(_Strict):
    """Where the fleet's signature over manifest.json goes, and how it is made (reserved)."""

    file: str = SIGNATURE
    scheme: str = "ed25519 over the exact bytes of manifest.json (fleet issue; not yet checked by the gateway)"


class Manifest(_Strict):
    """manifest.json of a model bundle."""

    format: int = FORMAT
    name: str
    version: str = Field(min_length=1, max_length=100)
    labels: list[str] = Field(min_length=2)
    max_tokens: int = Field(ge=8, le=8192)
    input: str = INPUT_NAME
    char_input: str | None = Field(default=None, description="second input: code points, int64 [batch, chars]")
    max_chars: int = Field(default=0, ge=0, le=100_000)
    output: str = OUTPUT_NAME
    files: dict[str, FileEntry]
    tokenizer_fingerprint: str = Field(pattern=r"^[0-9a-f]{64}$")
    golden: list[Golden] = Field(default_factory=list)
    min_confidence: dict[str, float] = Field(
        default_factory=dict, description="a label is given only at this probability or more, else the next best")
    metrics: dict[str, Any] = Field(default_factory=dict)
    training: dict[str, Any] = Field(default_factory=dict)
    signature: SignatureInfo = SignatureInfo()

    def to_json(self) -> str:
        """The canonical serialisation written to manifest.json."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def parse_manifest(text: str) -> Manifest:
    """Validate manifest.json text; ValueError naming the field on any problem."""
    try:
        return Manifest.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ValueError(f"{where}: {first['msg']}") from None


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tokenizer_fingerprint(vocab: dict[str, int]) -> str:
    """sha256 of the tokenizer's vocabulary (piece → id), independent of JSON formatting."""
    canon = json.dumps(sorted(vocab.items(), key=lambda kv: kv[1]), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()
