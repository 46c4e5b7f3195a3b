"""Indexing and answering speed on the MultiHop-RAG corpus, measured side by side in one run.

    python benchmarks/bench_index_ask.py --questions 20 > benchmarks/results/index_ask.json
    python benchmarks/bench_index_ask.py --render benchmarks/results/index_ask.json   # RESULTS.md section

1. The full pipeline: `Assistant.index(corpus.json)` into a fresh index (load, normalise, chunk, embed, write).
2. Bare `SentenceTransformer.encode` of exactly the same chunk texts, same batch size (the floor the pipeline adds to).
   Then the in-memory search index derived from the store (built once, cached on disk): build time reported.
3. Re-indexing the unchanged corpus (must embed 0 chunks, in under 5% of the first run).
4. `ask` with the local LLM: time to first token and total, over dev questions (4 passages); the extractive backend's
   latency over the same questions.
Peak memory is the process's max RSS (the LLM loads in the same process at step 4, so it is reported per step).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("MULTIHOP_RAG_DIR") or REPO.parent / "shared" / "eval" / "multihop-rag")
CORPUS = DATA / "corpus.json"
QUESTIONS = DATA / "MultiHopRAG.json"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


SECTION = "## Indexing and answering speed"


def render(out: dict, commit: str) -> str:
    """Return the RESULTS.md section for one run's figures."""
    ix, bare, again = out["index"], out["bare_encode"], out["reindex"]
    lines = [
        f"`python benchmarks/bench_index_ask.py --questions {out.get('questions', 12)}` (commit {commit}, "
        f"{out.get('date', '')}; 2 cores, nothing else running; one process, figures side by side in one run).",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| full indexing of corpus.json ({ix['articles']} articles, {ix['chunks']:,} one-sentence chunks): load, "
        f"normalise, chunk, embed, write | {ix['seconds']:.1f} s |",
        f"| bare `SentenceTransformer.encode` of the same {bare['chunks']:,} texts, same batch size | "
        f"{bare['seconds']:.1f} s |",
        f"| pipeline overhead over bare encode | {out['pipeline_overhead']:.0%} |",
        f"| chunks per second (whole pipeline) | {ix['chunks_per_second']:.0f} |",
        f"| in-memory search index derived from the store (first use, then cached) | "
        f"{out['search_index']['seconds']:.1f} s |",
        f"| index ready to answer | {out['index_ready_seconds']:.0f} s ({out['index_ready_seconds'] / 60:.1f} min) |",
        f"| peak memory while indexing (max RSS) | {ix['peak_rss_mb']:,} MB |",
        f"| re-indexing the unchanged corpus: chunks embedded | {again['chunks_embedded']} |",
        f"| re-indexing the unchanged corpus: time, share of the first run | {again['seconds']:.1f} s, "
        f"{again['share_of_first']:.1%} |",
        f"| `ask`, extractive backend ({out['ask_extractive']['n']} dev questions): p50 / p95 | "
        f"{out['ask_extractive']['p50_s'] * 1000:.0f} ms / {out['ask_extractive']['p95_s'] * 1000:.0f} ms |",
    ]
    if "ask_local" in out:
        loc = out["ask_local"]
        lines += [
            f"| local LLM load and prompt-prefix warm-up (once per process) | {out['local_load_seconds']:.1f} s |",
            f"| `ask`, local backend (Qwen2.5 1.5B, 4 passages of at most 50 tokens): time to first token p50 / max "
            f"({loc['answered_with_tokens']} of {loc['n']} questions reached the LLM and streamed) | "
            f"{loc['ttft_p50_s']:.2f} s / {loc['ttft_max_s']:.2f} s |",
            f"| `ask`, local backend: total time p50 / max | {loc['total_p50_s']:.2f} s / {loc['total_max_s']:.2f} s |",
            f"| peak memory with the LLM loaded (max RSS) | {loc['peak_rss_mb']:,} MB |",
        ]
    lines += [
        "",
        "Goal missed: the pipeline adds more than 15% to bare encoding. Most of the difference is Chroma's own "
        "write cost (HNSW insert, document text, metadata in SQLite): 0.6 ms per row measured alone on a small "
        "collection, growing as the HNSW graph grows, against about 3 ms to encode one sentence on 2 cores; "
        "one-sentence chunks make that fixed per-row cost a large share. Writing in a second thread hid none of it "
        "(both cores are busy encoding); sorting all texts by length before the steps changed nothing measurable. "
        "The whole build is still 4.6 minutes (the probe's chunking took 31). Questions that did not stream were "
        "refused before or by the LLM (multi-hop comparison questions the 1.5B model declines); their totals are "
        "included.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=12, help="dev questions for the ask measurements")
    parser.add_argument("--skip-local", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--render", type=Path, help="write the RESULTS.md section from a saved run's JSON and stop")
    args = parser.parse_args()
    if args.render:
        sys.path.insert(0, str(REPO / "benchmarks"))
        from common import write_section

        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=REPO).stdout.strip()
        saved = json.loads(args.render.read_text())
        write_section(SECTION, render(saved, saved.get("commit", commit)))
        return

    from assistant import Assistant, Settings
    from assistant.indexing.indexer import embedding_text
    from assistant.loading import load_source

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=REPO).stdout.strip()
    out: dict = {"questions": args.questions, "date": time.strftime("%Y-%m-%d"), "commit": commit}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", seed_sample=False, backend="extractive",
                            allowed_backends=["extractive", "local"])
        assistant = Assistant(settings)

        started = time.perf_counter()
        first = assistant.index([CORPUS])
        pipeline_s = time.perf_counter() - started
        out["index"] = {"articles": first.added, "chunks": first.chunks_embedded, "seconds": round(pipeline_s, 1),
                        "chunks_per_second": round(first.chunks_embedded / pipeline_s, 1),
                        "peak_rss_mb": round(_rss_mb()), "runtime": assistant.components.embedder.runtime}
        print(json.dumps(out), file=sys.stderr, flush=True)

        # The same chunk texts through bare SentenceTransformer.encode (the model is already loaded: fair to both,
        # the pipeline's figure includes its load).
        articles = load_source(CORPUS).articles
        from assistant.indexing.chunking import article_id
        texts = []
        for a in articles:
            aid = article_id(a.body, assistant.components.chunker.config.pipeline_version)
            texts += [embedding_text(a.title, c.text, assistant.components.chunker.config.pack) for c in assistant.components.chunker.chunk(a.body, aid)]
        from sentence_transformers import SentenceTransformer

        # Bare sentence-transformers on torch, the reference of the 15% goal (the pipeline may run the
        # same model on onnxruntime: ASSISTANT_EMBEDDING_RUNTIME).
        model = SentenceTransformer(str(assistant.components.embedder.model_dir), device="cpu", local_files_only=True)
        started = time.perf_counter()
        model.encode(texts, batch_size=settings.embedding_batch_size, normalize_embeddings=True,
                     convert_to_numpy=True, show_progress_bar=False)
        bare_s = time.perf_counter() - started
        out["bare_encode"] = {"chunks": len(texts), "seconds": round(bare_s, 1)}
        out["pipeline_overhead"] = round(pipeline_s / bare_s - 1, 3)
        print(json.dumps(out), file=sys.stderr, flush=True)  # what is measured so far

        # The in-memory search index (windows, BM25, window embeddings) is derived from the store on first use.
        started = time.perf_counter()
        search = assistant.components.search.index
        search_s = time.perf_counter() - started
        out["search_index"] = {"sentences": len(search), "seconds": round(search_s, 1)}
        out["index_ready_seconds"] = round(pipeline_s + search_s, 1)
        print(json.dumps(out), file=sys.stderr, flush=True)  # what is measured so far

        started = time.perf_counter()
        second = assistant.index([CORPUS])
        again_s = time.perf_counter() - started
        out["reindex"] = {"chunks_embedded": second.chunks_embedded, "unchanged": second.unchanged,
                          "seconds": round(again_s, 2), "share_of_first": round(again_s / pipeline_s, 4)}
        print(json.dumps(out), file=sys.stderr, flush=True)  # what is measured so far

        questions = [q["query"] for i, q in enumerate(json.loads(QUESTIONS.read_text()))
                     if i % 4 and q["question_type"] != "null_query"][: args.questions]
        extractive = []
        for q in questions:
            started = time.perf_counter()
            assistant.ask(q, backend="extractive")
            extractive.append(time.perf_counter() - started)
        out["ask_extractive"] = {"n": len(questions), "p50_s": round(statistics.median(extractive), 3),
                                 "p95_s": round(_pct(extractive, 0.95), 3)}

        if not args.skip_local:
            started = time.perf_counter()
            assistant.components.answerer.generator("local")  # load + warm the prefix (reported separately)
            out["local_load_seconds"] = round(time.perf_counter() - started, 1)
            ttft, total, tokens = [], [], []
            for q in questions:
                started = time.perf_counter()
                first_token = None
                n = 0
                for event in assistant.stream(q, backend="local"):
                    if event.kind == "token":
                        n += 1
                        if first_token is None:
                            first_token = time.perf_counter() - started
                total.append(time.perf_counter() - started)
                if first_token is not None:
                    ttft.append(first_token)
                    tokens.append(n)
            out["ask_local"] = {
                "n": len(questions), "answered_with_tokens": len(ttft),
                "ttft_p50_s": round(statistics.median(ttft), 2) if ttft else None,
                "ttft_max_s": round(max(ttft), 2) if ttft else None,
                "total_p50_s": round(statistics.median(total), 2), "total_max_s": round(max(total), 2),
                "peak_rss_mb": round(_rss_mb()),
            }
        assistant.close()
    print(json.dumps(out, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
