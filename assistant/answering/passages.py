"""From retrieved chunks to short numbered passages: the sentences of each chunk that best match the question.

Short passages keep the local model's prompt small (time to first token) and make each citation point at the
exact sentences the answer rests on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..chunking import TokenCounter
from ..sentences import sentence_spans
from ..store import StoredChunk
from ..text import terms
from .answer import Passage


def _window(text: str, question_terms: set[str], max_tokens: int, count: TokenCounter,
            idf: Callable[[str], float]) -> tuple[int, int]:
    """Return the (start, end) in ``text`` of the best sentence grown with its neighbours up to ``max_tokens``."""
    spans = sentence_spans(text)
    if not spans:
        return 0, len(text)
    overlap = [sum(idf(t) for t in question_terms & set(terms(text[s:e]))) for s, e in spans]
    best = max(range(len(spans)), key=lambda i: (overlap[i], -i))
    tokens = count([text[s:e] for s, e in spans])
    lo = hi = best
    used = tokens[best]
    grew = True
    while grew:
        grew = False
        for candidate in (hi + 1, lo - 1):  # prefer what follows, then what precedes
            if 0 <= candidate < len(spans) and used + tokens[candidate] <= max_tokens:
                used += tokens[candidate]
                lo, hi = min(lo, candidate), max(hi, candidate)
                grew = True
                break
    start, end = spans[lo][0], spans[hi][1]
    if used > max_tokens:  # one sentence longer than the budget: cut at a word boundary
        approx = int(len(text[start:end]) * max_tokens / max(used, 1))
        cut = text.rfind(" ", start, start + approx)
        end = cut if cut > start else start + approx
    return start, end


def select_passages(
    question: str, chunks: Sequence[StoredChunk], n: int, max_tokens: int, count_tokens: TokenCounter,
    idf: Callable[[str], float] = lambda term: 1.0,
) -> list[Passage]:
    """Return up to ``n`` passages, numbered from 1 in retrieval order, one per chunk; sentences are matched to the
    question by shared terms weighted with ``idf``."""
    question_terms = set(terms(question))
    passages: list[Passage] = []
    for chunk in chunks:
        if len(passages) >= n:
            break
        meta = chunk.metadata
        start, end = _window(chunk.text, question_terms, max_tokens, count_tokens, idf)
        offset = int(meta.get("start", 0))
        passages.append(
            Passage(
                n=len(passages) + 1, chunk_id=chunk.id, article_id=str(meta.get("article_id", "")),
                title=str(meta.get("title", "")), source=str(meta.get("source", "")),
                author=str(meta.get("author", "")), published_at=str(meta.get("published_at", "")),
                url=str(meta.get("url", "")), text=chunk.text[start:end], start=offset + start, end=offset + end,
                score=chunk.score,
            )
        )
    return passages
