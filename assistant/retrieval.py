"""Hybrid retrieval: dense (Chroma) + lexical (BM25) fused by rank, with outlet and date filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from .embedding import Embedder
from .lexical import LexicalIndex
from .store import ChunkStore, StoredChunk
from .text import terms


@dataclass(frozen=True)
class Filters:
    """Restrictions applied in retrieval: outlets, and a publication-date range (after inclusive, before exclusive)."""

    sources: tuple[str, ...] = ()
    published_after: datetime | None = None
    published_before: datetime | None = None

    @property
    def empty(self) -> bool:
        return not self.sources and self.published_after is None and self.published_before is None

    def where(self) -> dict | None:
        """Return the Chroma ``where`` clause, or None when nothing is filtered."""
        clauses: list[dict] = []
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.published_after is not None:
            clauses.append({"published_ts": {"$gte": self.published_after.timestamp()}})
        if self.published_before is not None:
            clauses.append({"published_ts": {"$lt": self.published_before.timestamp()}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def mask(self, sources: np.ndarray, published_ts: np.ndarray) -> np.ndarray:
        """Return a boolean mask of the chunks that pass (unknown dates fail a date filter)."""
        keep = np.ones(len(sources), dtype=bool)
        if self.sources:
            keep &= np.isin(sources, list(self.sources))
        with np.errstate(invalid="ignore"):
            if self.published_after is not None:
                keep &= published_ts >= self.published_after.timestamp()
            if self.published_before is not None:
                keep &= published_ts < self.published_before.timestamp()
        return keep


@dataclass
class Retrieved:
    """Chunks found for a question, best first, with the signals the answering step uses."""

    chunks: list[StoredChunk]
    best_dense: float = 0.0  # highest cosine similarity of any chunk to the question
    query: str = ""
    dense_scores: dict[str, float] = field(default_factory=dict)


class Retriever:
    """Finds the chunks that answer a question. Thread-safe; the same instance serves every interface."""

    def __init__(self, store: ChunkStore, embedder: Embedder, lexical: LexicalIndex, rrf_k: int = 60,
                 candidates: int = 40) -> None:
        self.store = store
        self.embedder = embedder
        self.lexical = lexical
        self.rrf_k = rrf_k
        self.candidates = candidates

    def retrieve(self, question: str, k: int = 10, filters: Filters | None = None) -> Retrieved:
        """Return the ``k`` best chunks for ``question`` under ``filters``."""
        filters = filters or Filters()
        snapshot = self.lexical.snapshot
        if not len(snapshot):
            return Retrieved([], query=question)
        vector = self.embedder.encode_query(question)
        dense = self.store.search(vector, self.candidates, filters.where())
        dense_scores = {c.id: c.score for c in dense}

        lexical_scores = snapshot.scores(terms(question))
        if not filters.empty:
            lexical_scores = np.where(filters.mask(snapshot.sources, snapshot.published_ts), lexical_scores, 0.0)
        top = np.argsort(-lexical_scores)[: self.candidates]
        lexical = [snapshot.chunks[i] for i in top if lexical_scores[i] > 0]

        fused: dict[str, float] = {}
        by_id: dict[str, StoredChunk] = {}
        for ranking in (dense, lexical):
            for rank, chunk in enumerate(ranking):
                fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (self.rrf_k + rank + 1)
                by_id.setdefault(chunk.id, chunk)
        order = sorted(fused, key=lambda i: -fused[i])[:k]
        return Retrieved(
            chunks=[by_id[i] for i in order],
            best_dense=max(dense_scores.values(), default=0.0),
            query=question,
            dense_scores=dense_scores,
        )
