"""Sentence windows: the units retrieval returns. Every stored sentence is the centre of one window, the largest
balanced run of whole sentences around it of at most ``unit_tokens`` tokens; windows are scored with BM25 computed
exactly on their text (term counts summed over their sentences) and with the mean of their sentences' embeddings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp


def sentence_windows(sent_tokens: np.ndarray, art_lo: np.ndarray, art_hi: np.ndarray,
                     max_tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """Return global sentence-row bounds ``[lo, hi]`` (inclusive) of the balanced window around each sentence.

    A window grows one sentence at a time on the side that has grown less, while it fits ``max_tokens``.
    """
    n = len(sent_tokens)
    wlo = np.empty(n, np.int32)
    whi = np.empty(n, np.int32)
    for lo, hi in zip(art_lo.tolist(), art_hi.tolist()):
        toks = sent_tokens[lo:hi].tolist()
        m = hi - lo
        for c in range(m):
            first = last = c
            total = toks[c]
            grown_after = grown_before = 0
            while True:
                can_after = last + 1 < m and total + toks[last + 1] <= max_tokens
                can_before = first - 1 >= 0 and total + toks[first - 1] <= max_tokens
                if not (can_after or can_before):
                    break
                if (grown_after <= grown_before) if (can_after and can_before) else can_after:
                    last += 1
                    total += toks[last]
                    grown_after += toks[last]
                else:
                    first -= 1
                    total += toks[first]
                    grown_before += toks[first]
            wlo[lo + c] = lo + first
            whi[lo + c] = lo + last
    return wlo, whi


def window_embeddings(sent_emb: np.ndarray, sent_tokens: np.ndarray, wlo: np.ndarray, whi: np.ndarray) -> np.ndarray:
    """Return the token-weighted mean of sentence embeddings over each window, L2-normalised (float32)."""
    weighted = sent_emb * sent_tokens[:, None].astype(np.float32)
    prefix = np.vstack([np.zeros((1, sent_emb.shape[1]), np.float64), np.cumsum(weighted, axis=0, dtype=np.float64)])
    emb = (prefix[whi.astype(np.int64) + 1] - prefix[wlo.astype(np.int64)]).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True) + 1e-12
    return emb


class WindowScorer:
    """BM25 of query terms over every sentence window, via a CSC sentence x term matrix and prefix sums.

    The article title's terms count ``title_weight`` times in every window of the article (a title prefix).
    Document frequencies are over sentences (windows overlap, so theirs are ill-defined).
    """

    def __init__(self, sent_texts: Sequence[str], tokenize: Callable[[str], list[str]], wlo: np.ndarray,
                 whi: np.ndarray, sent_article: np.ndarray, titles: Sequence[str], title_weight: float = 0.5,
                 k1: float = 1.2, b: float = 0.75) -> None:
        self.tokenize = tokenize
        self.vocab: dict[str, int] = {}
        rows, cols = [], []
        lengths = np.zeros(len(sent_texts), np.float32)
        for i, text in enumerate(sent_texts):
            tokens = tokenize(text)
            lengths[i] = len(tokens)
            for word in tokens:
                rows.append(i)
                cols.append(self.vocab.setdefault(word, len(self.vocab)))
        n = len(sent_texts)
        self.n = n
        self.matrix = sp.csc_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, max(len(self.vocab), 1)),
                                    dtype=np.float32)
        self.matrix.sum_duplicates()
        self.wlo, self.whi = wlo.astype(np.int64), whi.astype(np.int64)
        cumulative = np.concatenate([[0.0], np.cumsum(lengths, dtype=np.float64)])
        self.win_len = (cumulative[self.whi + 1] - cumulative[self.wlo]).astype(np.float32)
        self.df = np.diff(self.matrix.indptr).astype(np.float64)
        self.idf = np.log1p((n - self.df + 0.5) / (self.df + 0.5)).astype(np.float32)
        self.k1, self.b = k1, b
        self.title_weight = title_weight
        self.sent_article = sent_article.astype(np.int64)
        trows, tcols = [], []
        for i, title in enumerate(titles):
            for word in tokenize(title):
                if word in self.vocab:
                    trows.append(i)
                    tcols.append(self.vocab[word])
        self.title_matrix = sp.csc_matrix((np.ones(len(trows), np.float32), (trows, tcols)),
                                          shape=(len(titles), self.matrix.shape[1]), dtype=np.float32)
        self.title_matrix.sum_duplicates()
        if title_weight > 0 and n:
            title_len = np.asarray(self.title_matrix.sum(axis=1)).ravel()
            self.win_len = self.win_len + title_weight * title_len[self.sent_article].astype(np.float32)
        self.avgdl = float(self.win_len.mean()) if n else 1.0

    def term_ids(self, text: str) -> list[int]:
        return [j for j in (self.vocab.get(w) for w in self.tokenize(text)) if j is not None]

    def term_idf(self, term: str) -> float:
        """Return the BM25 idf of ``term`` over sentences (highest for a term no sentence holds)."""
        j = self.vocab.get(term)
        return float(self.idf[j]) if j is not None else float(np.log1p((self.n + 0.5) / 0.5))

    def document_frequency(self, term: str) -> int:
        """Return how many sentences hold ``term`` (a stemmed term)."""
        j = self.vocab.get(term)
        return 0 if j is None else int(self.df[j])

    def scores_multi(self, texts: Sequence[str]) -> np.ndarray:
        """Return BM25 of several query texts over every window at once: shape (n_windows, len(texts))."""
        per_text = [self.term_ids(t) for t in texts]
        union = sorted({i for ids in per_text for i in ids})
        out = np.zeros((self.n, len(texts)), np.float32)
        if not union or not self.n:
            return out
        column = {t: k for k, t in enumerate(union)}
        terms = np.array(union)
        tf = self.matrix[:, terms].toarray()
        prefix = np.vstack([np.zeros((1, len(union)), np.float32), np.cumsum(tf, axis=0, dtype=np.float32)])
        window_tf = prefix[self.whi + 1] - prefix[self.wlo]
        if self.title_weight > 0:
            window_tf += self.title_weight * self.title_matrix[:, terms].toarray()[self.sent_article]
        norm = self.k1 * (1 - self.b + self.b * self.win_len / self.avgdl)
        saturated = (window_tf * (self.k1 + 1)) / (window_tf + norm[:, None])
        weights = np.zeros((len(union), len(texts)), np.float32)
        for j, ids in enumerate(per_text):
            for i in ids:
                weights[column[i], j] += self.idf[i]
        return saturated @ weights
