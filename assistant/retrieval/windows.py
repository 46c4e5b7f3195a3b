"""Sentence windows: the units retrieval returns. Every stored sentence is the centre of one window, the largest
balanced run of whole sentences around it of at most ``unit_tokens`` tokens; windows are scored with BM25 computed
exactly on their text (retrieval/lexical.py) and with the mean of their sentences' embeddings (here).
"""

from __future__ import annotations

import numpy as np


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
