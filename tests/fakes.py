"""Small deterministic stand-ins shared by the unit tests: a bag-of-words embedder and stored-row builders.

``FakeEmbedder`` maps every stemmed content word (``assistant.text.terms``) to its own dimension, so the cosine of
two texts is exactly the cosine of their term-count vectors (no hashing, no collisions), whatever the order in which
texts are encoded. A text without content words gets a reserved dimension of its own (still a unit row, orthogonal
to every other text).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from assistant.indexing.chunking import chunk_id
from assistant.text.sentences import sentence_spans
from assistant.text.terms import terms


class FakeEmbedder:
    """Deterministic bag-of-words 'embedding model' with the interface the package uses (``encode``)."""

    name = "fake-bag-of-words"
    loaded = True

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.vocab: dict[str, int] = {}
        self.calls: list[list[str]] = []

    def _column(self, term: str) -> int:
        if term not in self.vocab:
            if len(self.vocab) >= self.dimension - 1:
                raise RuntimeError("FakeEmbedder: vocabulary full, raise the dimension")
            self.vocab[term] = len(self.vocab)
        return self.vocab[term]

    def vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, np.float32)
        for term, count in Counter(terms(text)).items():
            v[self._column(term)] = count
        if not v.any():
            v[self.dimension - 1] = 1.0  # no content word: a direction of its own
        return v / np.linalg.norm(v)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        self.calls.append(texts)
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return np.vstack([self.vector(t) for t in texts]).astype(np.float32)


def bow_cosine(a: str, b: str) -> float:
    """Return the cosine of the term-count vectors of two texts, computed without the embedder."""
    ca, cb = Counter(terms(a)), Counter(terms(b))
    dot = sum(ca[t] * cb[t] for t in ca)
    na = sum(v * v for v in ca.values()) ** 0.5
    nb = sum(v * v for v in cb.values()) ** 0.5
    return dot / (na * nb) if na and nb else 0.0


def article_rows(aid: str, body: str, embedder: FakeEmbedder | None = None, *, title: str = "",
                 source: str = "", author: str = "", published_at: str = "", url: str = "",
                 tokens: Sequence[int] | None = None,
                 embeddings: Sequence[np.ndarray] | None = None) -> list[tuple[str, str, dict, np.ndarray]]:
    """Return stored rows ``(id, text, metadata, embedding)`` of one article, one row a sentence, with the metadata
    keys ``indexer.chunk_metadata`` writes (unknown values left out, as there)."""
    spans = sentence_spans(body)
    rows = []
    previous_end = 0
    for i, (start, end) in enumerate(spans):
        text = body[start:end]
        meta: dict = {"article_id": aid, "chunk": i, "n_chunks": len(spans), "start": start, "end": end,
                      "tokens": int(tokens[i]) if tokens is not None else len(text.split()),
                      "sep": body[previous_end:start] if i else "", "meta_hash": "h"}
        for name, value in (("title", title), ("source", source), ("author", author), ("url", url)):
            if value:
                meta[name] = value
        if published_at:
            meta["published_at"] = published_at
        if embeddings is not None:
            emb = np.asarray(embeddings[i], np.float32)
        elif embedder is not None:
            emb = embedder.encode([text])[0]
        else:
            emb = np.zeros(4, np.float32)
        rows.append((chunk_id(aid, i), text, meta, emb))
        previous_end = end
    return rows


class Holder:
    """The part of SearchIndexHolder the Retriever uses: an ``index`` attribute."""

    def __init__(self, index) -> None:
        self.index = index
