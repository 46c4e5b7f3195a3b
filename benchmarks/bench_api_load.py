"""/api/ask under load: latency percentiles and errors with N concurrent clients (extractive backend).

    python benchmarks/bench_api_load.py [--clients 50] [--requests 500] [--index-dir DIR]

Indexes the MultiHop-RAG corpus into a reusable folder (the first run takes minutes; later runs find every article
unchanged), starts `assistant serve --backend extractive` on it, asks the dev questions (query numbers not divisible
by 4) from N clients at once, each sending its next question as soon as the last one is answered, and writes the
figures under `## HTTP API under load` in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    BENCH_INDEX, DATA, REPO, build_index, dev_questions, free_port, percentile, start_server, write_section,
)

SECTION = "## HTTP API under load"












async def load(url: str, questions: list[str], clients: int, timeout: float) -> dict:
    """Send ``questions`` from ``clients`` concurrent clients; return latencies, errors and counts."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for q in questions:
        queue.put_nowait(q)
    latencies: list[float] = []
    errors: list[str] = []
    refused = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal refused
        while True:
            try:
                question = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            try:
                response = await http.post("/api/ask", json={"question": question})
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    errors.append(f"{response.status_code}: {response.text[:200]}")
                    continue
                body = response.json()
                if not isinstance(body.get("answer"), str) or not isinstance(body.get("citations"), list):
                    errors.append(f"malformed body: {response.text[:200]}")
                    continue
                refused += bool(body["refused"])
                latencies.append(elapsed)
            except (httpx.HTTPError, ValueError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        wall = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "refused": refused, "wall": wall}


def figures(latencies: list[float]) -> dict[str, float]:
    """Return p50/p95/p99/max/mean of ``latencies`` in milliseconds ({} when empty)."""
    if not latencies:
        return {}
    return {"p50": 1000 * percentile(latencies, 50), "p95": 1000 * percentile(latencies, 95),
            "p99": 1000 * percentile(latencies, 99), "max": 1000 * max(latencies),
            "mean": 1000 * statistics.fmean(latencies)}


def row(label: str, asked: int, result: dict, ms: dict[str, float]) -> str:
    done = len(result["latencies"])
    return (f"| {label} | {asked} | {len(result['errors'])} | {result['refused']} | {result['wall']:.1f} s | "
            f"{done / result['wall']:.2f} req/s | " + " | ".join(f"{ms.get(k, 0):,.0f} ms"
                                                             for k in ("p50", "p95", "p99", "max", "mean")) + " |")




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=500, help="questions asked in the measured run")
    parser.add_argument("--warmup", type=int, default=10, help="questions asked (one at a time) before measuring")
    parser.add_argument("--single", type=int, default=30, help="questions asked by one client alone, for reference")
    parser.add_argument("--index-dir", type=Path,
                        default=BENCH_INDEX)
    parser.add_argument("--timeout", type=float, default=300, help="seconds a client waits for one answer")
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave RESULTS.md alone")
    args = parser.parse_args()

    questions = dev_questions(DATA / "MultiHopRAG.json")
    started = time.perf_counter()
    report = build_index(args.index_dir, DATA / "corpus.json")
    index_seconds = time.perf_counter() - started
    print(f"index: {json.dumps(report)} ({index_seconds:.0f} s)", file=sys.stderr)

    load_before = os.getloadavg()[0]
    port = free_port()
    log = args.index_dir.parent / "bench-api-load-server.log"
    server = start_server(args.index_dir, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        stats = httpx.get(f"{url}/api/stats").json()
        for q in questions[: args.warmup]:
            httpx.post(f"{url}/api/ask", json={"question": q}, timeout=args.timeout).raise_for_status()
        alone = questions[args.warmup : args.warmup + args.single]
        single = asyncio.run(load(url, alone, 1, args.timeout))
        measured = questions[args.warmup + args.single : args.warmup + args.single + args.requests]
        result = asyncio.run(load(url, measured, args.clients, args.timeout))
    finally:
        server.terminate()
        server.wait(30)

    ms = figures(result["latencies"])
    alone_ms = figures(single["latencies"])
    command = "python benchmarks/bench_api_load.py " + " ".join(sys.argv[1:])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout
    errors = result["errors"] + single["errors"]
    lines = [
        f"`{command.strip()}` (commit {commit.strip()}, {datetime.now(timezone.utc):%Y-%m-%d}, {os.cpu_count()} cores "
        f"shared with other work (1-minute load average {load_before:.1f} before the run), Python "
        f"{platform.python_version()}; client and server on the same machine)",
        "",
        f"Dev questions of MultiHop-RAG (query numbers not divisible by 4) asked of `assistant serve --backend "
        f"extractive` over the indexed corpus ({stats['articles']} articles, {stats['chunks']} chunks): first by one "
        f"client alone, then by {args.clients} concurrent clients, each sending its next question as soon as the last "
        f"is answered. {args.warmup} warm-up questions first, not measured. Latency is the whole POST /api/ask "
        "round trip; an error is any non-200, a malformed body or a failed connection.",
        "",
        "| clients | requests | errors | refused | wall time | throughput | p50 | p95 | p99 | max | mean |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        row("1", len(alone), single, alone_ms),
        row(str(args.clients), len(measured), result, ms),
    ]
    done = len(result["latencies"])
    if done:
        lines += ["", f"Under load a request mostly waits its turn: the server answers {done / result['wall']:.2f} "
                  f"questions a second in all, so {args.clients} clients in flight wait about "
                  f"{args.clients / (done / result['wall']):.0f} s each ({ms['mean'] / 1000:.0f} s measured)."]
    if errors:
        lines += ["", "First errors:", *(f"- `{e}`" for e in errors[:5])]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
