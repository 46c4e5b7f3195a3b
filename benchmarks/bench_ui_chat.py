"""The web UI's chat endpoint under concurrent sessions: 20 gradio_client sessions against one server.

    python benchmarks/bench_ui_chat.py [--sessions 20] [--per-session 10] [--index-dir DIR]

Indexes the MultiHop-RAG corpus into a reusable folder (incremental: a complete index costs seconds; the HTTP API
benchmark uses the same folder), starts `assistant serve --backend extractive` on it, then opens N gradio_client
sessions at once; each asks its own dev questions (query numbers not divisible by 4) one after another through
`Client.predict(question, api_name="/chat")`. Writes completions, errors and latency percentiles under
`## Web UI: concurrent chat sessions` in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    BENCH_INDEX, DATA, REPO, build_index, dev_questions, free_port, percentile, start_server, write_section,
)

SECTION = "## Web UI: concurrent chat sessions"
MARKER = re.compile(r"\[\d+\]")












def run_sessions(url: str, batches: list[list[str]]) -> dict:
    """Run one gradio_client session per batch, all at once; return latencies, errors and answer counts."""
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    counts = {"cited": 0, "refused": 0}
    lock = threading.Lock()
    ready = threading.Barrier(len(batches))

    def session(questions: list[str]) -> None:
        try:
            client = Client(url, verbose=False, download_files=False)
        except Exception as exc:  # noqa: BLE001 - a session that cannot connect counts its questions as errors
            with lock:
                errors.extend(f"connect: {type(exc).__name__}: {exc}" for _ in questions)
            ready.wait()
            return
        ready.wait()  # every session connected: start together
        for question in questions:
            started = time.perf_counter()
            try:
                answer = client.predict(question, api_name="/chat")
            except Exception as exc:  # noqa: BLE001 - any failure of a call is an error of the benchmark
                with lock:
                    errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                if not isinstance(answer, str) or not answer.strip():
                    errors.append(f"empty or non-text answer: {answer!r}"[:200])
                    continue
                latencies.append(elapsed)
                if answer.startswith("The articles don't say"):
                    counts["refused"] += 1
                elif MARKER.search(answer):
                    counts["cited"] += 1
        if hasattr(client, "close"):
            client.close()

    threads = [threading.Thread(target=session, args=(batch,)) for batch in batches]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": latencies, "errors": errors, "wall": time.perf_counter() - started, **counts}


def ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"p50": 1000 * percentile(values, 50), "p95": 1000 * percentile(values, 95),
            "max": 1000 * max(values), "mean": 1000 * statistics.fmean(values)}


def row(label: str, sessions: int, asked: int, result: dict) -> str:
    done, figures = len(result["latencies"]), ms(result["latencies"])
    return (f"| {label} | {sessions} | {asked} | {done} | {len(result['errors'])} | {result['cited']} | "
            f"{result['refused']} | {result['wall']:.1f} s | {done / result['wall']:.2f} /s | "
            + " | ".join(f"{figures.get(k, 0):,.0f} ms" for k in ("p50", "p95", "max", "mean")) + " |")




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--per-session", type=int, default=10, help="questions each session asks, one after another")
    parser.add_argument("--single", type=int, default=20, help="questions one session alone asks first, for reference")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--index-dir", type=Path,
                        default=BENCH_INDEX)
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave RESULTS.md alone")
    args = parser.parse_args()

    questions = dev_questions(DATA / "MultiHopRAG.json")
    started = time.perf_counter()
    report = build_index(args.index_dir)
    print(f"index: {json.dumps(report)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    load_before = os.getloadavg()[0]
    port = free_port()
    server = start_server(args.index_dir, port, args.index_dir.parent / "bench-ui-chat-server.log")
    url = f"http://127.0.0.1:{port}"
    try:
        from gradio_client import Client

        warm = Client(url, verbose=False, download_files=False)
        for q in questions[: args.warmup]:
            warm.predict(q, api_name="/chat")
        stats = httpx.get(f"{url}/api/stats", timeout=30).json()
        offset = args.warmup
        single = run_sessions(url, [questions[offset : offset + args.single]])
        offset += args.single
        batches = [questions[offset + i * args.per_session : offset + (i + 1) * args.per_session]
                   for i in range(args.sessions)]
        result = run_sessions(url, batches)
    finally:
        server.terminate()
        server.wait(30)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout
    command = ("python benchmarks/bench_ui_chat.py " + " ".join(sys.argv[1:])).strip()
    asked = args.sessions * args.per_session
    articles, chunks = stats.get("articles", "?"), stats.get("chunks", "?")
    lines = [
        f"`{command}` (commit {commit.strip()}, {datetime.now(timezone.utc):%Y-%m-%d}, {os.cpu_count()} cores shared "
        f"with other work (1-minute load average {load_before:.1f} before the run), Python "
        f"{platform.python_version()}; clients and server on the same machine)",
        "",
        f"{args.sessions} gradio_client sessions, opened together, each asking {args.per_session} MultiHop-RAG dev "
        f"questions (query numbers not divisible by 4) one after another through `Client.predict(question, "
        f"api_name=\"/chat\")`, against one `assistant serve --backend extractive` over the indexed corpus "
        f"({articles} articles, {chunks} chunks); first one session alone for reference. {args.warmup} warm-up "
        "questions first, not measured. Latency is the whole predict() round trip (Gradio queue included: the chat "
        "runs at most 8 answers at once). An error is any exception or an empty answer; cited = answers with [n] "
        "markers, refused = \"The articles don't say\".",
        "",
        "| run | sessions | questions | completed | errors | cited | refused | wall time | throughput | p50 | p95 "
        "| max | mean |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        row("one session", 1, args.single, single),
        row("concurrent", args.sessions, asked, result),
    ]
    throughput = len(result["latencies"]) / result["wall"]
    if throughput and result["latencies"]:
        lines += ["", f"Under load a question mostly waits its turn: the server answers {throughput:.2f} questions a "
                  f"second in all, so with {args.sessions} sessions in flight each waits about "
                  f"{args.sessions / throughput:.0f} s ({statistics.fmean(result['latencies']):.0f} s measured)."]
    all_errors = single["errors"] + result["errors"]
    if all_errors:
        lines += ["", "Errors (first 5):", *[f"- `{e}`" for e in all_errors[:5]]]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
