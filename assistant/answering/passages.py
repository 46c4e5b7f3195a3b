"""From retrieved chunks to short numbered passages: the sentences that best answer the question, best first.

Short passages keep the local model's prompt small (time to first token) and make each citation point at the
exact sentences the answer rests on. Passages are ordered by how well their best sentence matches the question
(small models lean on passage [1]).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..chunking import TokenCounter
from ..sentences import sentence_spans
from ..store import StoredChunk
from ..text import QUESTION_WORDS, terms
from .answer import Passage

Encode = Callable[[list[str]], np.ndarray]
LEXICAL_WEIGHT = 0.5  # weight of the idf-weighted share of question terms beside the cosine similarity
RANK_PRIOR = 0.05  # small preference for what retrieval ranked higher


def _grow(spans: list[tuple[int, int]], tokens: list[int], best: int, max_tokens: int) -> tuple[int, int, int]:
    """Return (first sentence, last sentence, tokens) of the window grown around ``best`` up to ``max_tokens``."""
    lo = hi = best
    used = tokens[best]
    while True:
        for candidate in (hi + 1, lo - 1):  # prefer what follows, then what precedes
            if 0 <= candidate < len(spans) and used + tokens[candidate] <= max_tokens:
                used += tokens[candidate]
                lo, hi = min(lo, candidate), max(hi, candidate)
                break
        else:
            return lo, hi, used


def select_passages(
    question: str, chunks: Sequence[StoredChunk], n: int, max_tokens: int, count_tokens: TokenCounter,
    idf: Callable[[str], float] = lambda term: 1.0, encode: Encode | None = None,
) -> list[Passage]:
    """Return up to ``n`` passages numbered from 1, best first, one per chunk.

    Each passage is the chunk's best sentence (shared question terms weighted by ``idf``, plus cosine similarity
    when ``encode`` is given) grown with its neighbours up to ``max_tokens``.
    """
    focus = {t for t in terms(question) if t not in QUESTION_WORDS}
    total_idf = sum(idf(t) for t in focus) or 1.0
    per_chunk = [(chunk, sentence_spans(chunk.text)) for chunk in chunks]
    per_chunk = [(c, spans) for c, spans in per_chunk if spans]
    texts = [c.text[s:e] for c, spans in per_chunk for s, e in spans]
    if not texts:
        return []
    lexical = np.array([sum(idf(t) for t in focus & set(terms(t_))) / total_idf for t_ in texts])
    if encode is not None:
        vectors = encode([question, *texts])
        scores = vectors[1:] @ vectors[0] + LEXICAL_WEIGHT * lexical
    else:
        scores = lexical

    ranked: list[tuple[float, Passage]] = []
    offset = 0
    for rank, (chunk, spans) in enumerate(per_chunk):
        sentence_scores = scores[offset : offset + len(spans)]
        offset += len(spans)
        best = int(np.argmax(sentence_scores))
        tokens = count_tokens([chunk.text[s:e] for s, e in spans])
        lo, hi, used = _grow(spans, tokens, best, max_tokens)
        start, end = spans[lo][0], spans[hi][1]
        if used > max_tokens:  # one sentence longer than the budget: cut at a word boundary
            approx = int((end - start) * max_tokens / used)
            cut = chunk.text.rfind(" ", start, start + approx)
            end = cut if cut > start else start + approx
        meta = chunk.metadata
        base = int(meta.get("start", 0))
        prior = RANK_PRIOR * (1 - rank / max(len(per_chunk), 1))
        ranked.append((float(sentence_scores[best]) + prior, Passage(
            n=0, chunk_id=chunk.id, article_id=str(meta.get("article_id", "")), title=str(meta.get("title", "")),
            source=str(meta.get("source", "")), author=str(meta.get("author", "")),
            published_at=str(meta.get("published_at", "")), url=str(meta.get("url", "")),
            text=chunk.text[start:end], start=base + start, end=base + end, score=chunk.score,
        )))
    ranked.sort(key=lambda item: -item[0])
    chosen: list[Passage] = []
    for _, passage in ranked:
        overlaps = any(p.article_id == passage.article_id and p.start < passage.end and passage.start < p.end
                       for p in chosen)
        if not overlaps:
            chosen.append(passage)
        if len(chosen) == n:
            break
    return [Passage(**{**p.__dict__, "n": i + 1}) for i, p in enumerate(chosen)]
