"""From retrieved windows to short numbered passages: the sentences that best answer the question, best first.

Short passages keep the local model's prompt small (time to first token) and make each citation point at the
exact sentences the answer rests on. Sentences are scored with their stored embeddings (from the embedding cache)
against the question's vector (no encoding at question time) plus the share of the question's rare terms they hold;
small models lean on passage [1], so the best passage comes first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..retrieval.retriever import Retrieved
from ..text.terms import question_terms, terms
from ..types import Passage

LEXICAL_WEIGHT = 0.5  # weight of the idf-weighted share of question terms beside the cosine similarity
RANK_PRIOR = 0.05  # small preference for what retrieval ranked higher


def select_passages(question: str, retrieved: Retrieved, n: int, max_tokens: int,
                    idf: Callable[[str], float] = lambda term: 1.0) -> list[Passage]:
    """Return up to ``n`` non-overlapping passages numbered from 1, best first.

    Each passage is a sentence of a retrieved window grown with its neighbours (inside the window) up to
    ``max_tokens``; passages are ranked by their best sentence.
    """
    index = retrieved.index
    if index is None or not retrieved.windows:
        return []
    focus = {t for t in terms(question) if t not in question_terms()}
    total_idf = sum(idf(t) for t in focus) or 1.0
    candidates: list[tuple[float, int, int, int]] = []  # (score, row, window first row, window last row)
    for rank, unit in enumerate(retrieved.windows):
        lo, hi = unit.rows
        rows = np.arange(lo, hi + 1)
        lexical = np.array([sum(idf(t) for t in focus & set(terms(index.sent_text[r]))) for r in rows]) / total_idf
        dense = index.sentence_vectors(rows) @ retrieved.query_vector if retrieved.query_vector is not None else 0.0
        prior = RANK_PRIOR * (1 - rank / len(retrieved.windows))
        scores = dense + LEXICAL_WEIGHT * lexical + prior
        candidates += [(float(s), int(r), lo, hi) for s, r in zip(scores, rows)]
    candidates.sort(key=lambda c: -c[0])

    used: set[int] = set()
    chosen: list[tuple[int, int, float]] = []
    for score, row, lo, hi in candidates:
        if len(chosen) == n:
            break
        if row in used:
            continue
        first = last = row
        tokens = int(index.sent_tokens[row])
        while True:  # grow: what follows first, then what precedes
            if last + 1 <= hi and last + 1 not in used and tokens + index.sent_tokens[last + 1] <= max_tokens:
                last += 1
                tokens += int(index.sent_tokens[last])
            elif first - 1 >= lo and first - 1 not in used and tokens + index.sent_tokens[first - 1] <= max_tokens:
                first -= 1
                tokens += int(index.sent_tokens[first])
            else:
                break
        used.update(range(first, last + 1))
        chosen.append((first, last, score))

    passages = []
    for number, (first, last, score) in enumerate(chosen, start=1):
        info = index.articles[int(index.sent_article[first])]
        start, end, text = index.span_text(first, last)
        passages.append(Passage(
            n=number, span_id=f"{index.sent_ids[first]}..{index.sent_ids[last].rsplit('-', 1)[-1]}",
            article_id=info.id, title=info.title, source=info.source or None, author=info.author or None,
            published_at=info.published_at or None, url=info.url or None, text=text, start=start, end=end,
            score=score, group=index.group_of(int(index.sent_article[first])),
            also_published_by=tuple(index.also_published_by(info.id)),
        ))
    return passages
