"""Lexical search: BM25 of a question's terms over every sentence window, from term postings (which sentences hold
a term, how many times). The postings come from the lexical index on disk (indexing/lexicon.py, written by the
indexer in the manifest's transaction), so no process tokenises the corpus; an in-memory source built from texts
serves hand-made indexes in tests.

A window's term count is the sum over its sentences (a sparse product of window membership and term counts), plus
``title_weight`` times the count in its article's title; document frequencies are over sentences (windows overlap,
so theirs are ill-defined). Title words no sentence holds are left out, as query terms no sentence holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

_CACHED_TERMS = 50_000  # postings kept per index (a question's terms recur across questions and answer steps)


class PostingSource(Protocol):
    def postings(self, terms: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Return ``{term: (sorted sentence rows, counts)}`` (empty arrays for a term no sentence holds)."""

    def known(self, terms: Sequence[str]) -> set[str]:
        """Return the terms some sentence holds."""


class MemoryPostings:
    """Postings built from the sentences' texts (hand-made indexes, tests)."""

    def __init__(self, texts: Sequence[str], tokenize: Callable[[str], list[str]]) -> None:
        rows: dict[str, dict[int, int]] = {}
        self.lengths = np.zeros(len(texts), np.float32)
        for i, text in enumerate(texts):
            tokens = tokenize(text)
            self.lengths[i] = len(tokens)
            for word in tokens:
                counts = rows.setdefault(word, {})
                counts[i] = counts.get(i, 0) + 1
        self._rows = {t: (np.fromiter(c.keys(), np.int64, len(c)), np.fromiter(c.values(), np.float32, len(c)))
                      for t, c in rows.items()}

    def postings(self, terms: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        empty = (np.zeros(0, np.int64), np.zeros(0, np.float32))
        return {t: self._rows.get(t, empty) for t in terms}

    def known(self, terms: Sequence[str]) -> set[str]:
        return {t for t in terms if t in self._rows}


class StoredPostings:
    """Postings read from the lexical index on disk, mapped to the rows of the in-process search index.

    ``read(terms)`` returns ``{term: [(stored row, count), ...]}``; ``row_map[stored row]`` is the search index's
    row (-1 for a stored row it does not hold); ``vocabulary`` is every term some stored sentence holds."""

    def __init__(self, read: Callable[[list[str]], dict[str, list[tuple[int, int]]]], row_map: np.ndarray,
                 vocabulary: Callable[[], set[str]]) -> None:
        self._read, self._map, self._vocabulary = read, row_map, vocabulary

    def postings(self, terms: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        out = {}
        for term, pairs in self._read(list(terms)).items():
            stored = np.array([r for r, _ in pairs], np.int64)
            counts = np.array([c for _, c in pairs], np.float32)
            rows = self._map[stored] if len(stored) else stored
            keep = rows >= 0
            order = np.argsort(rows[keep], kind="stable")
            out[term] = (rows[keep][order], counts[keep][order])
        return out

    def known(self, terms: Sequence[str]) -> set[str]:
        vocabulary = self._vocabulary()
        return {t for t in terms if t in vocabulary}


class WindowScorer:
    """BM25 of query terms over every sentence window, from a PostingSource and prefix sums."""

    def __init__(self, source: PostingSource, lengths: np.ndarray, tokenize: Callable[[str], list[str]],
                 wlo: np.ndarray, whi: np.ndarray, sent_article: np.ndarray, titles: Sequence[str],
                 title_weight: float = 0.5, k1: float = 1.2, b: float = 0.75) -> None:
        self.source, self.tokenize = source, tokenize
        self.n = len(lengths)
        self.wlo, self.whi = wlo.astype(np.int64), whi.astype(np.int64)
        self.sent_article = sent_article.astype(np.int64)
        self.k1, self.b, self.title_weight = k1, b, title_weight
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._windows = None  # the window membership matrix, built on first use
        self.cached_terms = _CACHED_TERMS
        self._lock = threading.Lock()
        title_words = [tokenize(t) for t in titles]
        known = source.known(sorted({w for words in title_words for w in words})) if self.n else set()
        # Per title term: the articles whose title holds it, and how many times.
        self.title_counts: dict[str, dict[int, int]] = {}
        title_len = np.zeros(len(titles), np.float32)
        for a, words in enumerate(title_words):
            for word in words:
                if word in known:
                    counts = self.title_counts.setdefault(word, {})
                    counts[a] = counts.get(a, 0) + 1
                    title_len[a] += 1
        cumulative = np.concatenate([[0.0], np.cumsum(lengths, dtype=np.float64)])
        self.win_len = (cumulative[self.whi + 1] - cumulative[self.wlo]).astype(np.float32)
        if title_weight > 0 and self.n:
            self.win_len = self.win_len + title_weight * title_len[self.sent_article]
        self.avgdl = float(self.win_len.mean()) if self.n else 1.0

    @classmethod
    def from_texts(cls, texts: Sequence[str], tokenize: Callable[[str], list[str]], wlo: np.ndarray,
                   whi: np.ndarray, sent_article: np.ndarray, titles: Sequence[str], title_weight: float = 0.5,
                   k1: float = 1.2, b: float = 0.75) -> WindowScorer:
        """Return a scorer over postings built from ``texts`` in memory."""
        source = MemoryPostings(texts, tokenize)
        return cls(source, source.lengths, tokenize, wlo, whi, sent_article, titles, title_weight, k1, b)

    def _postings(self, terms: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        with self._lock:
            out = {t: self._cache[t] for t in terms if t in self._cache}
        missing = [t for t in terms if t not in out]
        if missing:
            found = self.source.postings(missing)
            out.update(found)
            with self._lock:
                if len(self._cache) + len(found) > self.cached_terms:
                    self._cache.clear()
                self._cache.update(found)
        return out

    def document_frequency(self, term: str) -> int:
        """Return how many sentences hold ``term`` (a stemmed term)."""
        return len(self._postings([term])[term][0]) if self.n else 0

    def _idf(self, df: int) -> float:
        return float(np.log1p(np.float32((self.n - df + 0.5) / (df + 0.5))))

    def term_idf(self, term: str) -> float:
        """Return the BM25 idf of ``term`` over sentences (highest for a term no sentence holds)."""
        return self._idf(self.document_frequency(term))

    def term_ids(self, text: str) -> list[str]:
        """Return the terms of ``text`` that some sentence holds, in order (repeats kept)."""
        words = self.tokenize(text)
        found = self._postings(sorted(set(words))) if words and self.n else {}
        return [w for w in words if w in found and len(found[w][0])]

    def scores_multi(self, texts: Sequence[str]) -> np.ndarray:
        """Return BM25 of several query texts over every window at once: shape (n_windows, len(texts))."""
        from scipy import sparse

        per_text = [self.term_ids(t) for t in texts]
        union = sorted({t for ids in per_text for t in ids})
        if not union or not self.n:
            return np.zeros((self.n, len(texts)), np.float32)
        found = self._postings(union)
        # Sparse all the way: the cost follows the postings' length, not the number of windows.
        rows = np.concatenate([found[t][0] for t in union])
        columns = np.concatenate([np.full(len(found[t][0]), k, np.int64) for k, t in enumerate(union)])
        counts = np.concatenate([found[t][1] for t in union]).astype(np.float32)
        tf = sparse.csr_matrix((counts, (rows, columns)), shape=(self.n, len(union)), dtype=np.float32)
        window_tf = self._membership() @ tf
        if self.title_weight > 0:
            t_rows, t_cols, t_vals = [], [], []
            for k, t in enumerate(union):
                for a, c in self.title_counts.get(t, {}).items():
                    lo, hi = self._article_windows(a)
                    t_rows.append(np.arange(lo, hi))
                    t_cols.append(np.full(hi - lo, k, np.int64))
                    t_vals.append(np.full(hi - lo, self.title_weight * c, np.float32))
            if t_rows:
                window_tf = window_tf + sparse.csr_matrix(
                    (np.concatenate(t_vals), (np.concatenate(t_rows), np.concatenate(t_cols))),
                    shape=window_tf.shape, dtype=np.float32)
        window_tf = sparse.csr_matrix(window_tf, dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.win_len / self.avgdl)
        held = np.repeat(np.arange(self.n), np.diff(window_tf.indptr))
        window_tf.data = (window_tf.data * (self.k1 + 1)) / (window_tf.data + norm[held])
        weights = np.zeros((len(union), len(texts)), np.float32)
        column = {t: k for k, t in enumerate(union)}
        for j, ids in enumerate(per_text):
            for t in ids:
                weights[column[t], j] += self.term_idf(t)
        return np.asarray(window_tf @ weights, dtype=np.float32)

    def _membership(self):  # noqa: ANN202 - scipy.sparse.csr_matrix
        """Return the (windows x sentences) 0/1 matrix of which sentences each window holds (built once)."""
        if self._windows is None:
            from scipy import sparse

            sizes = (self.whi - self.wlo + 1).astype(np.int64)
            indptr = np.concatenate([[0], np.cumsum(sizes)])
            indices = np.repeat(self.wlo, sizes) + (np.arange(indptr[-1]) - np.repeat(indptr[:-1], sizes))
            self._windows = sparse.csr_matrix((np.ones(len(indices), np.float32), indices, indptr),
                                              shape=(self.n, self.n))
        return self._windows

    def _article_windows(self, article: int) -> tuple[int, int]:
        """Return the window rows ``[lo, hi)`` of an article (windows are indexed by their centre sentence)."""
        return (int(np.searchsorted(self.sent_article, article, "left")),
                int(np.searchsorted(self.sent_article, article, "right")))
