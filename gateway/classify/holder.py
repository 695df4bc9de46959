"""The active model: loaded lazily, replaced only by a fully verified bundle, swapped atomically."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from gateway.classify.bundle import load_bundle
from gateway.classify.errors import BundleError
from gateway.classify.model import IntentModel, Prediction

log = logging.getLogger(__name__)


def shipped_bundle() -> Path:
    """The bundle that ships with BusyBee: models/intent beside the package (repo or install prefix)."""
    candidates = [
        Path(__file__).resolve().parents[2] / "models" / "intent",
        Path(sys.prefix) / "share" / "busybee" / "models" / "intent",
    ]
    return next((c for c in candidates if (c / "manifest.json").is_file()), candidates[0])


class ModelHolder:
    """Holds the serving IntentModel; `load()` verifies a new bundle before it replaces the old one."""

    def __init__(self, path: Path | None = None, *, threads: int = 1) -> None:
        self.path = path or shipped_bundle()
        self.threads = threads
        self._model: IntentModel | None = None
        self._lock = threading.Lock()
        self._first_load = threading.Lock()

    def load(self, path: Path | None = None) -> IntentModel:
        """Verify the bundle at `path` (default: the configured one) and make it the active model.

        A broken bundle raises BundleError and the model already serving (if any) keeps serving.
        """
        target = Path(path) if path is not None else self.path
        try:
            model = load_bundle(target, threads=self.threads)
        except BundleError as exc:
            current = self._model.version if self._model else None
            log.error("model bundle refused", extra={"bundle": str(target), "error": str(exc),
                                                     "serving": current or "nothing"})
            raise
        with self._lock:
            self._model, self.path = model, target
        log.info("model loaded", extra={"bundle": str(target), "version": model.version})
        return model

    @property
    def model(self) -> IntentModel:
        """The active model, loading the configured bundle on first use (BundleError if it is broken)."""
        with self._lock:
            model = self._model
        if model is not None:
            return model
        with self._first_load:  # worker threads starting together load the bundle once
            return self._model if self._model is not None else self.load()

    @property
    def version(self) -> str | None:
        """Version of the active model, or None before the first load."""
        return self._model.version if self._model else None

    def classify_batch(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify with whichever model is active when the call starts."""
        return self.model.classify_batch(texts)

    def classify(self, text: str) -> Prediction:
        """Classify one model-input text."""
        return self.model.classify(text)
