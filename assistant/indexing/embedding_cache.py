"""The embedding cache: vectors already computed, keyed by embedding model and the hash of the text embedded.

Re-indexing a changed article gives every sentence a new id (ids are content-addressed by article), but most of its
sentences are the same text: their vectors come from here instead of the model. The cache is content-addressed, so
it needs no transaction with the store or the manifest: an entry is right whenever it exists, and a run killed while
writing it leaves entries that are each whole or absent (SQLite). It lives beside the manifest, in the index folder.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL, key BLOB NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, key)) WITHOUT ROWID;
"""
_PARAMS = 500  # keys per SELECT (SQLite allows 999 bound parameters in older builds)


def text_key(text: str) -> bytes:
    """Return the cache key of ``text``: the first 16 bytes of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class EmbeddingCache:
    """Vectors by (model, text hash) in one SQLite file. Safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def get(self, model: str, texts: Sequence[str], dimension: int | None = None) -> dict[int, np.ndarray]:
        """Return ``{position in texts: vector}`` for the texts whose vector is cached (float32; entries of another
        dimension than ``dimension`` are ignored)."""
        keys = [text_key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for i in range(0, len(unique), _PARAMS):
                part = unique[i : i + _PARAMS]
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({','.join('?' * len(part))})",
                    [model, *part]).fetchall()
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if dimension is None or len(vector) == dimension:
                        found[bytes(key)] = vector
        return {i: found[k] for i, k in enumerate(keys) if k in found}

    def put(self, model: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store the vectors of ``texts`` (row i of ``vectors`` is the vector of ``texts[i]``), in one transaction."""
        rows = [(model, text_key(t), np.ascontiguousarray(v, dtype=np.float32).tobytes())
                for t, v in zip(texts, vectors)]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR REPLACE INTO vectors (model, key, vector) VALUES (?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def count(self, model: str | None = None) -> int:
        """Return how many vectors are cached (for ``model``, or for every model)."""
        with self._lock:
            if model is None:
                return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])
            return int(self._db.execute("SELECT count(*) FROM vectors WHERE model = ?", (model,)).fetchone()[0])


def encode_cached(encode: Callable[..., np.ndarray], cache: EmbeddingCache | None, model: str, dimension: int,
                  texts: Sequence[str], progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, int]:
    """Return ``(vectors of texts, how many came from the cache)``: cached texts are not encoded again, the others
    are encoded once each (repeated texts too) with ``encode(texts, progress=...)`` and added to the cache."""
    if cache is None:
        return encode(list(texts), progress=progress), 0
    hits = cache.get(model, texts, dimension)
    out = np.empty((len(texts), dimension), dtype=np.float32)
    for i, vector in hits.items():
        out[i] = vector
    missing: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        if i not in hits:
            missing.setdefault(text, []).append(i)
    if missing:
        unique = list(missing)
        offset = len(texts) - sum(len(v) for v in missing.values())
        vectors = encode(unique, progress=(lambda done: progress(offset + done)) if progress else None)
        for text, vector in zip(unique, vectors):
            out[missing[text]] = vector
        cache.put(model, unique, vectors)
    elif progress:
        progress(len(texts))
    return out, len(hits)
