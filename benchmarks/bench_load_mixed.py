"""Mixed load on one server: 50 clients asking through the HTTP API (extractive), 4 through the local LLM, while
articles are being indexed through the API. Every request must complete without error; memory must stay bounded.

    python benchmarks/bench_load_mixed.py [--clients 50] [--requests 300] [--llm-clients 4] [--llm-requests 8]

Reuses the MultiHop-RAG index folder of bench_api_load.py (built on first use), works on a copy of it so the shared
index is never changed, samples the server's resident memory every 0.5 s, and writes its figures under
`## Mixed load: API + local LLM + indexing` in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api_load import figures, load  # noqa: E402
from common import BENCH_INDEX, DATA, REPO, build_index, dev_questions, free_port, start_server, write_section  # noqa: E402

SECTION = "## Mixed load: API + local LLM + indexing"


def rss_mb(pid: int) -> float:
    """Return the resident memory of a process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemorySampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.monotonic(), rss_mb(self.pid)))
            self.stop.wait(0.5)


async def index_while_asking(url: str, batches: int, per_batch: int, pid: int) -> dict:
    """POST new articles (edited copies of corpus articles) in batches; return reports and errors."""
    corpus = json.loads((DATA / "corpus.json").read_text())
    reports, errors = [], []
    async with httpx.AsyncClient(base_url=url, timeout=1800) as http:
        for b in range(batches):
            articles = []
            for i in range(per_batch):
                a = corpus[(b * per_batch + i) % len(corpus)]
                articles.append({"title": f"[load {b}-{i}] {a['title']}", "body": f"Load test copy {b}-{i}. " + a["body"],
                                 "source": a["source"], "published_at": a["published_at"],
                                 "url": f"https://load.example/{b}/{i}"})
            started = time.perf_counter()
            response = await http.post("/api/articles", json={"articles": articles})
            if response.status_code != 200:
                errors.append(f"{response.status_code}: {response.text[:200]}")
            else:
                body = response.json()
                # The next question after a batch rebuilds the search index: ask one, then read the memory.
                await http.post("/api/ask", json={"question": articles[0]["title"]})
                reports.append({"added": body.get("added"), "chunks_embedded": body.get("chunks_embedded"),
                                "seconds": round(time.perf_counter() - started, 1), "rss_mb": round(rss_mb(pid))})
    return {"reports": reports, "errors": errors}


async def ask_llm(url: str, questions: list[str], clients: int, timeout: float) -> dict:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for q in questions:
        queue.put_nowait(q)
    latencies, errors = [], []

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            question = queue.get_nowait()
            started = time.perf_counter()
            try:
                response = await http.post("/api/ask", json={"question": question, "backend": "local"})
                if response.status_code == 200 and isinstance(response.json().get("answer"), str):
                    latencies.append(time.perf_counter() - started)
                else:
                    errors.append(f"{response.status_code}: {response.text[:200]}")
            except (httpx.HTTPError, ValueError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    async with httpx.AsyncClient(base_url=url, timeout=timeout) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return {"latencies": latencies, "errors": errors}


async def scenario(url: str, args: argparse.Namespace, questions: list[str], pid: int) -> dict:
    api = load(url, questions[: args.requests], args.clients, args.timeout)
    llm = ask_llm(url, questions[args.requests : args.requests + args.llm_requests], args.llm_clients, args.timeout)
    indexing = index_while_asking(url, args.index_batches, args.per_batch, pid)
    started = time.perf_counter()
    api_result, llm_result, index_result = await asyncio.gather(api, llm, indexing)
    return {"api": api_result, "llm": llm_result, "index": index_result, "wall": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--llm-clients", type=int, default=4)
    parser.add_argument("--llm-requests", type=int, default=8)
    parser.add_argument("--index-batches", type=int, default=4)
    parser.add_argument("--per-batch", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--index-dir", type=Path,
                        default=BENCH_INDEX)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    build_index(args.index_dir, DATA / "corpus.json")
    questions = dev_questions(DATA / "MultiHopRAG.json")
    with tempfile.TemporaryDirectory(prefix="mixed-") as tmp:
        index_dir = Path(tmp) / "index"
        shutil.copytree(args.index_dir, index_dir, ignore=shutil.ignore_patterns("write.lock"))
        port = free_port()
        server = start_server(index_dir, port, Path(tmp) / "server.log")
        url = f"http://127.0.0.1:{port}"
        sampler = MemorySampler(server.pid)
        try:
            httpx.post(f"{url}/api/ask", json={"question": questions[-1]}, timeout=600).raise_for_status()
            httpx.post(f"{url}/api/ask", json={"question": questions[-2], "backend": "local"},
                       timeout=600).raise_for_status()  # the LLM loaded before measuring
            warm_rss = rss_mb(server.pid)
            sampler.start()
            result = asyncio.run(scenario(url, args, questions, server.pid))
            final_stats = httpx.get(f"{url}/api/stats", timeout=60).json()
        finally:
            sampler.stop.set()
            server.terminate()
            server.wait(30)
    peak = max((mb for _, mb in sampler.samples), default=0.0)
    end = sampler.samples[-1][1] if sampler.samples else 0.0
    api_ms, llm_ms = figures(result["api"]["latencies"]), figures(result["llm"]["latencies"])
    made = args.requests + args.llm_requests + args.index_batches
    failed = len(result["api"]["errors"]) + len(result["llm"]["errors"]) + len(result["index"]["errors"])
    summary = {
        "requests_made": made, "requests_failed": failed, "wall_s": round(result["wall"], 1),
        "api": {"clients": args.clients, "done": len(result["api"]["latencies"]),
                **{k: round(v) for k, v in api_ms.items()}},
        "llm": {"clients": args.llm_clients, "done": len(result["llm"]["latencies"]),
                **{k: round(v) for k, v in llm_ms.items()}},
        "indexing": result["index"]["reports"],
        "rss_mb": {"after_warmup": round(warm_rss), "peak": round(peak), "end": round(end)},
        "articles_after": final_stats.get("articles"),
        "errors": (result["api"]["errors"] + result["llm"]["errors"] + result["index"]["errors"])[:5],
    }
    print(json.dumps(summary, indent=2))
    if args.no_write:
        return
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout
    after_batches = ", ".join(f"{r['rss_mb']:,}" for r in result["index"]["reports"])
    text = (
        f"`python benchmarks/bench_load_mixed.py {' '.join(sys.argv[1:])}`".replace("  ", " ")
        + f" (commit {commit.strip()}, {datetime.now(timezone.utc):%Y-%m-%d}, 2 shared cores)\n\n"
        f"One `assistant serve` over the MultiHop-RAG index: {args.clients} clients ask {args.requests} dev questions "
        f"through `POST /api/ask` (extractive), {args.llm_clients} clients ask {args.llm_requests} through the local "
        f"LLM, while {args.index_batches} batches of {args.per_batch} new articles are indexed through "
        "`POST /api/articles`.\n\n"
        "| what | made | failed | p50 | p95 | max |\n|---|---:|---:|---:|---:|---:|\n"
        f"| /api/ask extractive | {args.requests} | {len(result['api']['errors'])} | {api_ms.get('p50', 0):,.0f} ms | "
        f"{api_ms.get('p95', 0):,.0f} ms | {api_ms.get('max', 0):,.0f} ms |\n"
        f"| /api/ask local LLM | {args.llm_requests} | {len(result['llm']['errors'])} | {llm_ms.get('p50', 0):,.0f} ms | "
        f"{llm_ms.get('p95', 0):,.0f} ms | {llm_ms.get('max', 0):,.0f} ms |\n"
        f"| POST /api/articles (batches) | {args.index_batches} | {len(result['index']['errors'])} | | | |\n\n"
        f"Requests made {made}, failed {failed}. Server memory (RSS): {warm_rss:,.0f} MB after warm-up (LLM loaded), "
        f"peak {peak:,.0f} MB, {end:,.0f} MB at the end; after each indexing batch (and the search-index rebuild it "
        f"causes): {after_batches} MB. Articles after the run: "
        f"{final_stats.get('articles')}.\n"
    )
    write_section(SECTION, text)


if __name__ == "__main__":
    main()
