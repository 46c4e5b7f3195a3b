"""`assistant eval`: build or reuse an index of the dataset's corpus, run the product's retrieval for every question
of a split, and score it; optionally answer some questions end to end with the configured backend."""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from ..assistant import Assistant, Parts
from ..settings import Settings
from .multihop import NULL_ANSWER, Dataset, Query, Split
from .scoring import (
    exact_match,
    gold_polarity,
    mean_scores,
    score_retrieval,
    short_answer,
    strict_correct,
    word_overlap_correct,
)

Progress = Callable[[str, int, int], None]


def eval_settings(settings: Settings, dataset: Dataset, index_dir: Path | None, parts: Parts | None = None) -> Settings:
    """Return settings for the evaluation's own index (never the user's), same models and store kind; one index
    folder per chunking, so ablations of the chunking never overwrite each other."""
    version = (parts or Parts()).pipeline_version
    folder = index_dir or settings.cache_dir / "eval" / f"{dataset.name}-{version}"
    return settings.model_copy(update={"index_dir": folder, "collection": f"eval-{dataset.name}-{version}"[:60],
                                       "seed_sample": False})


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def build_index(assistant: Assistant, dataset: Dataset, progress: Progress | None) -> float:
    """Index the corpus (incrementally) and return the seconds the full build took (recorded at build time)."""
    record = assistant.settings.index_dir / "eval-build.json"
    started = time.perf_counter()
    report = assistant.index([dataset.corpus], progress)
    seconds = time.perf_counter() - started
    if report.failed:
        raise RuntimeError(f"indexing {dataset.corpus} failed: {report.failed[0].path}: {report.failed[0].error}")
    if report.chunks_embedded or not record.exists():
        record.write_text(json.dumps({"seconds": seconds, "chunks": report.chunks_embedded}))
    return float(json.loads(record.read_text())["seconds"])


def evaluate_retrieval(assistant: Assistant, queries: list[Query], k: int, progress: Progress | None) -> dict:
    """Return the metrics overall and per question type, latency percentiles and unit sizes."""
    by_type: dict[str, list] = defaultdict(list)
    latencies: list[float] = []
    units_seen: dict[str, str] = {}
    scored = [q for q in queries if not q.is_null]
    assistant.retrieve("warm-up question", k)  # loads the model and the search index outside the timings
    for i, query in enumerate(scored):
        started = time.perf_counter()
        units = assistant.retrieve(query.text, k)
        latencies.append((time.perf_counter() - started) * 1000)
        units_seen.update((u.id, u.text) for u in units)
        by_type[query.type].append(score_retrieval([u.text for u in units], query.facts))
        if progress:
            progress("retrieving", i + 1, len(scored))
    tokens = assistant.count_tokens(list(units_seen.values())) if units_seen else [0]
    overall = mean_scores(s for scores in by_type.values() for s in scores)
    return overall | {
        "per_type": {t: mean_scores(s) for t, s in sorted(by_type.items())},
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "max_chunk_tokens": max(tokens),
        "mean_chunk_tokens": round(statistics.mean(tokens), 1),
        "k": k,
    }


def choose(queries: list[Query], n: int, per_type: int = 0) -> list[Query]:
    """Return ``per_type`` questions evenly spread over each question type (when given), else ``n`` spread evenly
    over all of them."""
    if per_type:
        by_type: dict[str, list[Query]] = defaultdict(list)
        for query in queries:
            by_type[query.type].append(query)
        chosen = []
        for kind in sorted(by_type):
            group = by_type[kind]
            chosen += [group[int(i * len(group) / per_type)] for i in range(min(per_type, len(group)))]
        return chosen
    step = max(1, len(queries) // max(n, 1))
    return queries[::step][:n]


def _answer_timed(assistant: Assistant, question: str, backend: str | None) -> tuple[object, float, float]:
    """Return the answer, the seconds to the first output a user sees (a draft token or the answer), and in all."""
    started = time.perf_counter()
    first, answer = None, None
    for event in assistant.stream(question, backend=backend):
        if first is None and event.kind in ("token", "answer"):
            first = time.perf_counter() - started
        if event.kind == "answer":
            answer = event.data
    total = time.perf_counter() - started
    return answer, first if first is not None else total, total


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def evaluate_answers(assistant: Assistant, queries: list[Query], n: int, backend: str | None,
                     progress: Progress | None, per_type: int = 0) -> dict:
    """Answer the chosen questions end to end; return the paper's word-overlap accuracy, the strict accuracy (per
    type and per yes/no polarity), refusal precision and recall, how many right answers cite a gold article, and
    the times to the first output and to the answer (p50/p95). Every question's outcome is in ``questions``."""
    chosen = choose(queries, n, per_type)
    rows = []
    for i, query in enumerate(chosen):
        answer, first, total = _answer_timed(assistant, query.text, backend)
        prediction = NULL_ANSWER if answer.refused else short_answer(answer.text)
        strict = strict_correct(answer.text, answer.refused, query.answer, query.is_null)
        cited = {c.url for c in answer.citations}
        rows.append({
            "number": query.number, "type": query.type, "question": query.text, "gold": query.answer,
            "answer": answer.text, "short_answer": answer.short_answer, "refused": answer.refused, "strict": strict,
            "lax": (not query.is_null) and word_overlap_correct(prediction, query.answer),
            "exact": (not query.is_null) and exact_match(prediction, query.answer),
            "cites_gold": bool(cited & set(query.evidence_urls)), "first_output_s": round(first, 2),
            "answer_s": round(total, 2),
        })
        if progress:
            progress("answering", i + 1, len(chosen))
    answerable = [r for r in rows if r["type"] != "null_query"]
    nulls = [r for r in rows if r["type"] == "null_query"]
    refused = [r for r in rows if r["refused"]]
    right = [r for r in answerable if r["strict"]]
    per = {}
    for kind in sorted({r["type"] for r in rows}):
        group = [r for r in rows if r["type"] == kind]
        per[kind] = {"n": len(group), "strict": _rate(sum(r["strict"] for r in group), len(group)),
                     "accuracy": _rate(sum(r["lax"] for r in group), len(group)) if kind != "null_query" else None}
    polarity = {}
    for value in ("yes", "no"):
        group = [r for r in answerable if gold_polarity(r["gold"]) == value]
        polarity[value] = {"n": len(group), "strict": _rate(sum(r["strict"] for r in group), len(group))}
    firsts, totals = [r["first_output_s"] for r in rows], [r["answer_s"] for r in rows]
    return {
        "n": len(rows), "non_null": len(answerable), "null": len(nulls),
        "strict": _rate(sum(r["strict"] for r in rows), len(rows)),
        "accuracy": _rate(sum(r["lax"] for r in answerable), len(answerable)),
        "exact_match": _rate(sum(r["exact"] for r in answerable), len(answerable)),
        "per_type": per, "yes_no": polarity,
        "refusal_precision": _rate(sum(r["type"] == "null_query" for r in refused), len(refused)),
        "refusal_recall": _rate(sum(r["refused"] for r in nulls), len(nulls)),
        "answerable_refused": sum(r["refused"] for r in answerable),
        "right_citing_gold": _rate(sum(r["cites_gold"] for r in right), len(right)),
        "first_output_p50_s": round(statistics.median(firsts), 2) if firsts else None,
        "first_output_p95_s": round(_percentile(firsts, 0.95), 2) if firsts else None,
        "answer_p50_s": round(statistics.median(totals), 2) if totals else None,
        "answer_p95_s": round(_percentile(totals, 0.95), 2) if totals else None,
        "backend": backend or assistant.settings.backend,
        "questions": rows,
    }


def run_eval(settings: Settings, dataset: Dataset, split: Split, k: int, answers: int = 0,
             index_dir: Path | None = None, progress: Progress | None = None, parts: Parts | None = None,
             sample: int = 0, retrieval: bool = True) -> dict:
    """Build/reuse the evaluation index, then score retrieval (and answers when ``answers`` > 0)."""
    parts = parts or Parts()
    assistant = Assistant(eval_settings(settings, dataset, index_dir, parts), parts,
                          lock_holder="assistant eval")
    try:
        index_seconds = build_index(assistant, dataset, progress)
        queries = dataset.split(split)
        result = {"dataset": dataset.name, "split": split, "questions": len(queries),
                  "index_seconds": round(index_seconds, 1), "index_dir": str(assistant.settings.index_dir)}
        result |= assistant.pipeline()
        if retrieval:
            result |= evaluate_retrieval(assistant, queries, k, progress)
        if answers or sample:
            result["answers"] = evaluate_answers(assistant, queries, answers, settings.backend, progress, sample)
        return result
    finally:
        assistant.close()
