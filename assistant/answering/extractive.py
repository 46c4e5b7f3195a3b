"""The ``extractive`` backend: no LLM; the answer is the passage sentences that best match the question, cited.

Deterministic and fast (one small embedding batch), and grounded by construction.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..indexing.embedding import Embedder
from ..text.sentences import sentence_spans
from ..text.terms import question_terms, terms
from ..types import Passage
from .injection import is_instruction, is_stuffed, neutralise_markers
from .prompts import NOT_IN_ARTICLES

MIN_SCORE = 0.4  # below this (cosine + 0.3 x weighted share of question terms) no sentence is an answer


def extractive_draft(question: str, passages: list[Passage], embedder: Embedder,
                     idf: Callable[[str], float] = lambda term: 1.0, max_sentences: int = 2) -> str:
    """Return a draft made of the best-supporting sentences, each followed by its passage number."""
    # A quoted sentence keeps no [n] of its own: markers written inside an article would become citations of
    # other passages (citation spoofing).
    candidates = [(p.n, neutralise_markers(p.text[s:e])) for p in passages for s, e in sentence_spans(p.text)]
    candidates = [(n, s) for n, s in candidates
                  if len(s.split()) >= 4 and not is_instruction(s) and not is_stuffed(s)]
    if not candidates:
        return NOT_IN_ARTICLES
    vectors = embedder.encode([question] + [s for _, s in candidates])
    similarity = vectors[1:] @ vectors[0]
    focus = {t for t in terms(question) if t not in question_terms()}
    total = sum(idf(t) for t in focus) or 1.0
    coverage = np.array([sum(idf(t) for t in focus & set(terms(s))) / total for _, s in candidates])
    score = similarity + 0.3 * coverage
    order = [int(i) for i in np.argsort(-score, kind="stable")]
    best = order[0]
    if score[best] < MIN_SCORE:
        return NOT_IN_ARTICLES
    chosen = [best]
    covered = focus & set(terms(candidates[best][1]))
    for i in order[1:]:
        if len(chosen) >= max_sentences or score[i] < 0.8 * score[best]:
            break
        adds = (focus & set(terms(candidates[i][1]))) - covered
        if adds and candidates[i][1] != candidates[best][1]:
            chosen.append(i)
            covered |= adds
    return " ".join(f"{candidates[i][1].rstrip()} [{candidates[i][0]}]" for i in chosen)
