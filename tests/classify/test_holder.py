"""The model holder: verifies before swapping; a broken bundle is refused and the old model keeps serving."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from gateway.classify.errors import BundleError
from gateway.classify.holder import ModelHolder, shipped_bundle
from tests.classify.helpers import rewrite_manifest

TEXT = "Where is our container MSKU7788123? The ETA at Busan was yesterday."


def test_loads_the_shipped_bundle_on_first_use() -> None:
    holder = ModelHolder()
    assert holder.path == shipped_bundle()
    assert holder.version is None
    pred = holder.classify(TEXT)
    assert holder.version == pred.model_version


def test_broken_bundle_is_refused_and_the_old_model_keeps_serving(bundle: Path, tmp_path: Path) -> None:
    holder = ModelHolder(bundle)
    before = holder.classify(TEXT)
    broken = tmp_path / "broken"
    shutil.copytree(bundle, broken)
    rewrite_manifest(broken, lambda m: m.update(version="v-broken"))
    data = (broken / "model.onnx").read_bytes()
    (broken / "model.onnx").write_bytes(data[:1000])
    with pytest.raises(BundleError, match=r"model\.onnx"):
        holder.load(broken)
    after = holder.classify(TEXT)
    assert after == before
    assert holder.path == bundle


def test_a_good_bundle_is_swapped_in(bundle: Path, tmp_path: Path) -> None:
    holder = ModelHolder(bundle)
    holder.classify(TEXT)
    newer = tmp_path / "newer"
    shutil.copytree(bundle, newer)
    rewrite_manifest(newer, lambda m: m.update(version="v-newer"))
    holder.load(newer)
    assert holder.classify(TEXT).model_version == "v-newer"
    assert holder.path == newer


def test_a_broken_configured_bundle_fails_every_use_clearly(tmp_path: Path) -> None:
    holder = ModelHolder(tmp_path / "missing")
    with pytest.raises(BundleError, match="no such bundle folder"):
        holder.classify(TEXT)


def test_swapping_under_load_never_drops_a_classification(bundle: Path, tmp_path: Path) -> None:
    holder = ModelHolder(bundle)
    holder.classify(TEXT)
    newer = tmp_path / "newer"
    shutil.copytree(bundle, newer)
    rewrite_manifest(newer, lambda m: m.update(version="v-newer"))
    versions: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def classify_forever() -> None:
        while not stop.is_set():
            try:
                versions.append(holder.classify(TEXT).model_version)
            except BaseException as exc:  # any failure is the bug this test looks for
                errors.append(exc)

    worker = threading.Thread(target=classify_forever)
    worker.start()
    try:
        for _ in range(3):
            holder.load(newer)
            holder.load(bundle)
    finally:
        stop.set()
        worker.join(10)
    assert not errors
    assert len(versions) > 0


def test_threads_starting_together_load_the_bundle_once(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = ModelHolder(bundle)
    calls: list[Path | None] = []
    real_load = holder.load

    def counting_load(path: Path | None = None) -> object:
        calls.append(path)
        return real_load(path)

    monkeypatch.setattr(holder, "load", counting_load)
    threads = [threading.Thread(target=holder.classify, args=(TEXT,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(calls) == 1
