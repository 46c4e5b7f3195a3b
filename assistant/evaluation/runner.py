"""`assistant eval`: build or reuse an index of the dataset's corpus, run the product's retrieval for every question
of a split, and score it; optionally answer some questions end to end with the configured backend."""

from __future__ import annotations

import dataclasses
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from ..api import Assistant
from ..chunking import ChunkingConfig
from ..retrieval import RetrievalConfig
from ..settings import Settings
from .multihop import NULL_ANSWER, Dataset, Query, Split
from .scoring import exact_match, mean_scores, score_retrieval, short_answer, word_overlap_correct

Progress = Callable[[str, int, int], None]


def eval_settings(settings: Settings, dataset: Dataset, index_dir: Path | None,
                  chunking: ChunkingConfig | None = None) -> Settings:
    """Return settings for the evaluation's own index (never the user's), same models and store kind; one index
    folder per chunking, so ablations of the chunking never overwrite each other."""
    version = (chunking or ChunkingConfig()).pipeline_version
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


def evaluate_answers(assistant: Assistant, queries: list[Query], n: int, backend: str | None,
                     progress: Progress | None) -> dict:
    """Answer ``n`` questions spread evenly over ``queries``; return accuracy, exact match and refusal figures."""
    step = max(1, len(queries) // max(n, 1))
    chosen = queries[::step][:n]
    correct = exact = answered_non_null = 0
    refused_null = refused = nulls = 0
    seconds: list[float] = []
    for i, query in enumerate(chosen):
        started = time.perf_counter()
        answer = assistant.ask(query.text, backend=backend)
        seconds.append(time.perf_counter() - started)
        prediction = NULL_ANSWER if answer.refused else short_answer(answer.text)
        nulls += query.is_null
        refused += answer.refused
        refused_null += answer.refused and query.is_null
        if not query.is_null:
            answered_non_null += 1
            correct += word_overlap_correct(prediction, query.answer)
            exact += exact_match(prediction, query.answer)
        if progress:
            progress("answering", i + 1, len(chosen))
    return {
        "n": len(chosen), "non_null": answered_non_null, "null": nulls,
        "accuracy": round(correct / answered_non_null, 4) if answered_non_null else None,
        "exact_match": round(exact / answered_non_null, 4) if answered_non_null else None,
        "refusal_precision": round(refused_null / refused, 4) if refused else None,
        "refusal_recall": round(refused_null / nulls, 4) if nulls else None,
        "seconds_per_answer": round(statistics.mean(seconds), 2) if seconds else None,
        "backend": backend or assistant.settings.backend,
    }


def run_eval(settings: Settings, dataset: Dataset, split: Split, k: int, answers: int = 0,
             index_dir: Path | None = None, progress: Progress | None = None,
             retrieval: RetrievalConfig | None = None, chunking: ChunkingConfig | None = None) -> dict:
    """Build/reuse the evaluation index, then score retrieval (and answers when ``answers`` > 0)."""
    assistant = Assistant(eval_settings(settings, dataset, index_dir, chunking), lock_holder="assistant eval",
                          retrieval=retrieval, chunking=chunking)
    try:
        index_seconds = build_index(assistant, dataset, progress)
        queries = dataset.split(split)
        result = {"dataset": dataset.name, "split": split, "questions": len(queries),
                  "index_seconds": round(index_seconds, 1), "index_dir": str(assistant.settings.index_dir),
                  "retrieval": dataclasses.asdict(assistant.retriever.config),
                  "chunking": dataclasses.asdict(assistant.chunker.config)}
        result |= evaluate_retrieval(assistant, queries, k, progress)
        if answers:
            result["answers"] = evaluate_answers(assistant, queries, answers, settings.backend, progress)
        return result
    finally:
        assistant.close()
