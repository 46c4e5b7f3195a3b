"""The MultiHop-RAG scoring, as the paper's released scripts do it, plus our multi-hop measures.

A retrieved unit *hits* a gold fact when the fact with all spaces and newlines removed is a substring of the unit
text with spaces and newlines removed. Per non-null query: Hits@k (some unit in the top k hits), MRR@10 (1 / rank of
the first hit), MAP@10 (sum over ranks r <= 10 of new facts found at r / r, divided by min(#facts, 10)), Recall@10
(share of the query's facts hit in the top 10) and AllEvidence@10 (every fact hit in the top 10).
Answers: the paper's word-overlap accuracy (a shared lower-cased whitespace word) and strict normalised exact match.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields


def squash(text: str) -> str:
    """Remove spaces and newlines (the benchmark's normalisation; other whitespace is kept, as in the paper)."""
    return text.replace(" ", "").replace("\n", "")


@dataclass(frozen=True)
class RetrievalScore:
    hits4: float
    hits10: float
    mrr10: float
    map10: float
    recall10: float
    all_evidence10: float


def score_retrieval(units: Sequence[str], facts: Sequence[str]) -> RetrievalScore:
    """Score one query's ranked unit texts against its gold facts. Raises ValueError for a null query."""
    if not facts:
        raise ValueError("null queries (no gold facts) are not scored")
    squashed = [squash(f) for f in facts]
    found: set[int] = set()
    first: int | None = None
    average_precision = 0.0
    for rank, unit in enumerate(units[:10], start=1):
        text = squash(unit)
        hits = [i for i, fact in enumerate(squashed) if fact in text]
        if hits and first is None:
            first = rank
        new = [i for i in hits if i not in found]
        if new:
            average_precision += len(new) / rank
            found.update(new)
    return RetrievalScore(
        hits4=float(first is not None and first <= 4),
        hits10=float(first is not None),
        mrr10=1.0 / first if first else 0.0,
        map10=average_precision / min(len(squashed), 10),
        recall10=len(found) / len(squashed),
        all_evidence10=float(len(found) == len(squashed)),
    )


def mean_scores(scores: Iterable[RetrievalScore]) -> dict[str, float]:
    """Return the mean of each metric, keyed as the eval JSON is (``hits@4`` ...), plus ``n``."""
    items = list(scores)
    names = {"hits4": "hits@4", "hits10": "hits@10", "mrr10": "mrr@10", "map10": "map@10", "recall10": "recall@10",
             "all_evidence10": "all_evidence@10"}
    out: dict[str, float] = {"n": len(items)}
    for f in fields(RetrievalScore):
        out[names[f.name]] = round(sum(getattr(s, f.name) for s in items) / len(items), 4) if items else 0.0
    return out


def word_overlap_correct(prediction: str, gold: str) -> bool:
    """The paper's QA measure: the prediction shares at least one lower-cased whitespace-separated word with gold."""
    return bool(set(prediction.lower().split()) & set(gold.lower().split()))


def normalise_answer(text: str) -> str:
    """Lower-case, punctuation removed, whitespace collapsed."""
    text = text.lower().translate(str.maketrans("", "", string.punctuation + "“”‘’"))
    return " ".join(text.split())


def exact_match(prediction: str, gold: str) -> bool:
    """Strict: the normalised prediction equals the normalised gold answer."""
    return normalise_answer(prediction) == normalise_answer(gold)


_CITATION = re.compile(r"\s*\[\d+\]")


def short_answer(text: str) -> str:
    """Return an answer without its citation markers (what is compared with the gold answer)."""
    return _CITATION.sub("", text).strip()


_YES, _NO = re.compile(r"\byes\b", re.I), re.compile(r"\bno\b", re.I)


def first_sentence(text: str) -> str:
    """Return the first sentence of an answer (citation markers removed)."""
    plain = short_answer(text)
    match = re.search(r"[.!?](?:\s|$)", plain)
    return plain[: match.end()] if match else plain


def gold_polarity(gold: str) -> str | None:
    """Return "yes" or "no" for a yes/no gold answer, else None."""
    value = normalise_answer(gold)
    return value if value in ("yes", "no") else None


def strict_correct(answer_text: str, refused: bool, gold: str, is_null: bool) -> bool:
    """The strict measure: a null question is right only when refused; a yes/no gold answer only when the answer's
    first sentence says that polarity and not the other; an entity gold answer only when its normalised phrase occurs
    in the normalised answer."""
    if is_null:
        return refused
    if refused:
        return False
    polarity = gold_polarity(gold)
    if polarity is not None:
        head = first_sentence(answer_text)
        says_yes, says_no = bool(_YES.search(head)), bool(_NO.search(head))
        return says_yes != says_no and says_yes == (polarity == "yes")
    return f" {normalise_answer(gold)} " in f" {normalise_answer(short_answer(answer_text))} "
