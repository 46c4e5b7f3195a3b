"""An in-memory BM25 index over the stored chunks, rebuilt from the store after each indexing run.

The store stays the one source of truth; this is a derived view, so it can never disagree with it for long.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .store import ChunkStore, StoredChunk
from .text import terms


@dataclass
class LexicalSnapshot:
    """BM25 over a fixed set of chunks, with their metadata in arrays for fast filtering."""

    chunks: list[StoredChunk]
    article_ids: np.ndarray
    sources: np.ndarray
    published_ts: np.ndarray  # NaN where unknown
    bm25: object | None
    df: Counter = field(default_factory=Counter)  # chunks containing each term

    @classmethod
    def build(cls, chunks: list[StoredChunk]) -> LexicalSnapshot:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on import
        bm25 = None
        tokenised = [terms(f"{c.metadata.get('title', '')}\n{c.text}") or ["\u2205"] for c in chunks]
        df: Counter = Counter()
        for tokens in tokenised:
            df.update(set(tokens))
        if chunks:
            bm25 = bm25s.BM25(k1=1.2, b=0.75)
            bm25.index(tokenised, show_progress=False)
        return cls(
            chunks=chunks,
            article_ids=np.array([c.metadata.get("article_id", "") for c in chunks], dtype=object),
            sources=np.array([c.metadata.get("source", "") for c in chunks], dtype=object),
            published_ts=np.array([c.metadata.get("published_ts", np.nan) for c in chunks], dtype=np.float64),
            bm25=bm25,
            df=df,
        )

    def __len__(self) -> int:
        return len(self.chunks)

    def knows(self, term: str) -> bool:
        """Return True when some chunk contains ``term`` (a stemmed term, as ``text.terms`` makes)."""
        return self.df.get(term, 0) > 0

    def idf(self, term: str) -> float:
        """Return the inverse document frequency of ``term`` (high for rare terms, highest for unknown ones)."""
        n, df = len(self.chunks), self.df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """Return the BM25 score of every chunk for ``query_terms``."""
        if self.bm25 is None or not query_terms:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(query_terms), dtype=np.float32)


class LexicalIndex:
    """Holds the current snapshot; ``refresh()`` rebuilds it from the store and swaps it in atomically."""

    def __init__(self, store: ChunkStore) -> None:
        self.store = store
        self._snapshot: LexicalSnapshot | None = None
        self._lock = threading.Lock()
        self._stale = True

    def mark_stale(self) -> None:
        self._stale = True

    @property
    def snapshot(self) -> LexicalSnapshot:
        if self._stale or self._snapshot is None:
            with self._lock:
                if self._stale or self._snapshot is None:
                    self._stale = False
                    self._snapshot = LexicalSnapshot.build(list(self.store.all_chunks()))
        return self._snapshot
