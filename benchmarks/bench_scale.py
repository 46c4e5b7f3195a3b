"""How indexing and answering scale with the size of the archive: one corpus file (1x, 10x, 30x) measured in one run.

    python benchmarks/scale_corpus.py --factor 10 --out /tmp/x10.json
    python benchmarks/bench_scale.py --corpus /tmp/x10.json --factor 10 [--questions 50] [--with-llm]
        [--index-dir DIR [--skip-build]] [--out benchmarks/results/scale_10.json]
    python benchmarks/bench_scale.py --render benchmarks/results/scale_*.json     # the markdown table

Every step runs in a fresh process of this script (``--worker``) that uses only the public facade
(``assistant.Assistant`` with ``Settings(index_dir=...)``, as the CLI builds it), so no figure carries another
step's memory or caches:
1. build: ``Assistant.index([corpus])`` into an empty index folder (load, normalise, chunk, embed, write); the build
   process's peak memory; then the bytes on disk of the index folder.
2. serve (extractive backend): wall time from starting the process to the first answer (imports, opening the index,
   deriving the in-memory search index, answering one dev question; the time until its passages were found is
   reported beside it); its memory after ``--asks`` questions;
   ``retrieve`` latency p50 / p95 over ``--questions`` dev questions (non-null, MultiHop-RAG's dev split read by
   ``assistant.evaluation.multihop``) and, as a sanity figure, the share whose top 10 holds a gold fact inside one
   of the question's own evidence articles (copies of the fact in generated articles do not count); then one new
   article indexed with ``add_articles`` (what ``POST /api/articles`` calls) and timed until a ``retrieve`` finds
   it, checked by an extractive ``ask`` citing it; then it is deleted again, so a reused index stays as built.
3. with ``--with-llm``, serve with the local LLM: time to the first answer and memory after ``--llm-asks``
   questions (``stream``; how many reached the LLM and streamed tokens is reported).
Memory is the process's own VmHWM (peak) and VmRSS from /proc/self/status: ru_maxrss is not used because a child
started by vfork/exec inherits its parent's high-water mark in it.
The JSON is printed and written to --out (default benchmarks/results/scale_<factor>.json), then one markdown row.
Set ASSISTANT_THREADS to bound the cores used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from common import DATA, percentile

CORPUS = DATA / "corpus.json"
MARK = "@@bench "  # prefix of the lines a worker reports on stdout
HEADER = ("| factor | articles | chunks | build | index on disk | first answer (extractive) | serving RSS (extractive) "
          "| first answer / RSS (local LLM) | retrieve p50 / p95 | +1 article: add + searchable |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


# -- measuring helpers
def memory_mb() -> dict[str, float]:
    """Return this process's peak (VmHWM) and current (VmRSS) resident memory in MB."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out["peak_rss_mb" if key == "VmHWM" else "rss_mb"] = round(int(value.split()[0]) / 1024, 1)
    except OSError:  # not Linux: ru_maxrss (kB on Linux, bytes on macOS) is the best there is
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out["peak_rss_mb"] = round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)
    return out


def folder_bytes(folder: Path) -> dict[str, int]:
    """Return the apparent size and the allocated size (blocks) of every file under ``folder``."""
    apparent = allocated = files = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            files += 1
            apparent += st.st_size
            allocated += getattr(st, "st_blocks", 0) * 512
    return {"bytes": apparent, "allocated_bytes": allocated, "files": files}


def _report(event: str, **values) -> None:
    print(MARK + json.dumps({"event": event, **values}), flush=True)


def _open(index_dir: Path, backend: str):
    from assistant import Assistant, Settings

    return Assistant(Settings(index_dir=index_dir, seed_sample=False, backend=backend), lock_holder="bench_scale")


def _window_url(window) -> str:
    meta = getattr(window, "meta", None) or {}
    return str(meta.get("url", "")) if isinstance(meta, dict) else ""


# -- the worker processes (each step in a fresh process)
def work_build(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    assistant = _open(args.index_dir, "extractive")
    opened = time.perf_counter() - started
    started = time.perf_counter()
    report = assistant.index([args.corpus])
    seconds = time.perf_counter() - started
    stats = assistant.stats()
    assistant.close()
    _report("build", seconds=round(seconds, 1), open_seconds=round(opened, 2), added=report.added,
            duplicates=report.duplicates, near_duplicates=report.near_duplicates,
            chunks_embedded=report.chunks_embedded, failed=[f"{f.path}: {f.error}"[:300] for f in report.failed],
            articles=stats.articles, chunks=stats.chunks, **memory_mb())


def work_serve(args: argparse.Namespace) -> None:
    questions = json.loads(Path(args.questions_file).read_text())
    backend = args.backend
    started = time.perf_counter()
    assistant = _open(args.index_dir, backend)
    opened = time.perf_counter() - started

    def answer(question: str) -> dict:
        t0 = time.perf_counter()
        first_token, sources, tokens, final = None, None, 0, None
        for event in assistant.stream(question, backend=backend):
            if event.kind == "sources" and sources is None:
                sources = time.perf_counter() - t0
            elif event.kind == "token":
                tokens += 1
                if first_token is None:
                    first_token = time.perf_counter() - t0
            elif event.kind == "answer":
                final = event
        answer_obj = getattr(final, "data", None)
        return {"seconds": round(time.perf_counter() - t0, 3),
                "sources_seconds": round(sources, 3) if sources is not None else None,
                "first_token_seconds": round(first_token, 3) if first_token is not None else None,
                "tokens": tokens, "refused": getattr(answer_obj, "refused", None)}

    first = answer(questions[0]["text"])
    _report("first_answer", open_seconds=round(opened, 2), ask=first, backend=backend)
    asks = [first] + [answer(q["text"]) for q in questions[1:args.asks]]
    stats = assistant.stats()
    _report("asked", articles=stats.articles, chunks=stats.chunks, n=len(asks), seconds=[a["seconds"] for a in asks],
            streamed=sum(1 for a in asks if a["tokens"]), refused=sum(1 for a in asks if a["refused"]), **memory_mb())
    if backend != "extractive":
        assistant.close()
        return

    latencies, hits = [], 0
    for q in questions:
        t0 = time.perf_counter()
        windows = assistant.retrieve(q["text"])
        latencies.append((time.perf_counter() - t0) * 1000)
        facts = ["".join(f.split()) for f in q["facts"]]
        hits += any(_window_url(w) in q["urls"] and any(f in "".join(w.text.split()) for f in facts)
                    for w in windows[:10])
    _report("retrieval", n=len(latencies), p50_ms=round(percentile(latencies, 50), 1),
            p95_ms=round(percentile(latencies, 95), 1), mean_ms=round(statistics.fmean(latencies), 1),
            max_ms=round(max(latencies), 1), evidence_hits_at_10=round(hits / len(latencies), 3), **memory_mb())

    # One more article, end to end: indexed, then searchable (the first retrieve after a write pays for bringing
    # the search index up to date).
    nonce = uuid.uuid4().hex[:8]
    url = f"https://bench.example.org/scale/{nonce}"
    article = {
        "title": f"Quillmarsh harbour authority names Ottoline Vesperwick harbour master {nonce}",
        "body": (f"The Quillmarsh harbour authority on Tuesday named Ottoline Vesperwick as its first harbour master, "
                 f"ending a two-year search.\n\nVesperwick, who ran the Brannock ferry terminal for nine years, will "
                 f"oversee the dredging of the eastern channel, the authority said in a statement (ref. {nonce}).\n\n"
                 f"The appointment takes effect on March 1, and the authority expects the channel to reopen to "
                 f"cargo ships by the autumn."),
        "source": "Bench Wire", "author": "Scale Bench", "published_at": time.strftime("%Y-%m-%d"), "url": url,
    }
    question = "Who did the Quillmarsh harbour authority name as its first harbour master?"
    t0 = time.perf_counter()
    report = assistant.add_articles([article], source="bench-scale")
    add_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    windows = assistant.retrieve(question)
    query_s = time.perf_counter() - t0
    found = any(_window_url(w) == url for w in windows)
    t0 = time.perf_counter()
    cited = assistant.ask(question, backend="extractive")
    ask_s = time.perf_counter() - t0
    cited_ok = any(c.url == url for c in cited.citations)
    total, rows = assistant.articles(text=nonce)
    deleted = gone = False
    delete_s = None
    if total:
        t0 = time.perf_counter()
        deleted = all(assistant.delete_article(row.id) for row in rows)
        delete_s = time.perf_counter() - t0
        gone = not any(_window_url(w) == url for w in assistant.retrieve(question))
    _report("add_article", added=report.added, chunks_embedded=report.chunks_embedded, add_seconds=round(add_s, 3),
            first_retrieve_seconds=round(query_s, 3), end_to_end_seconds=round(add_s + query_s, 3),
            found_by_retrieve=found, cited_by_ask=cited_ok, ask_seconds=round(ask_s, 3), deleted=deleted,
            delete_seconds=round(delete_s, 3) if delete_s is not None else None, gone_after_delete=gone,
            **memory_mb())
    assistant.close()


# -- the orchestrating process
def run_worker(argv: list[str], log: Path, timeout: float) -> tuple[float, list[tuple[float, dict]]]:
    """Run a worker; return its wall time and its reports, each with the seconds since it was started."""
    started = time.perf_counter()
    reports: list[tuple[float, dict]] = []
    with log.open("w") as err:
        process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", *argv],
                                   stdout=subprocess.PIPE, stderr=err, text=True, cwd=REPO)
        try:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith(MARK):
                    reports.append((time.perf_counter() - started, json.loads(line[len(MARK):])))
            process.wait(timeout=timeout)
        except BaseException:
            process.kill()
            raise
    wall = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"worker {argv[0]} failed (exit {process.returncode}); its log {log}:\n{log.read_text()[-4000:]}")
    return wall, reports


def _event(reports: list[tuple[float, dict]], name: str) -> tuple[float, dict]:
    for at, report in reports:
        if report["event"] == name:
            return at, report
    sys.exit(f"the worker reported no {name!r}")


def dev_queries(n: int) -> list[dict]:
    from assistant.evaluation.multihop import load_dataset

    queries = [q for q in load_dataset(DATA).split("dev") if not q.is_null][:n]
    return [{"number": q.number, "text": q.text, "facts": list(q.facts), "urls": list(q.evidence_urls)}
            for q in queries]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def measure(args: argparse.Namespace, index_dir: Path, work: Path) -> dict:
    corpus_articles = len(json.loads(args.corpus.read_text(encoding="utf-8")))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=REPO, check=False).stdout.strip()
    out: dict = {"factor": args.factor, "date": time.strftime("%Y-%m-%d"), "commit": commit,
                 "corpus": {"path": str(args.corpus), "articles": corpus_articles,
                            "bytes": args.corpus.stat().st_size, "sha256": sha256(args.corpus)},
                 "machine": {"cpus": os.cpu_count(), "threads": os.environ.get("ASSISTANT_THREADS"),
                             "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
                             "python": platform.python_version()},
                 "questions": args.questions, "asks": args.asks}
    if args.skip_build:
        out["build"] = None
    else:
        wall, reports = run_worker(["build", "--index-dir", str(index_dir), "--corpus", str(args.corpus)],
                                   work / "build.log", timeout=12 * 3600)
        out["build"] = _event(reports, "build")[1] | {"process_seconds": round(wall, 1)}
        out["build"].pop("event")
    out["index_on_disk"] = folder_bytes(index_dir)

    questions = dev_queries(args.questions)
    if not questions:
        sys.exit(f"no dev questions in {DATA}")
    qfile = work / "questions.json"
    qfile.write_text(json.dumps(questions))
    wall, reports = run_worker(["serve", "--index-dir", str(index_dir), "--backend", "extractive", "--questions-file",
                                str(qfile), "--asks", str(args.asks)], work / "serve.log", timeout=6 * 3600)
    at, first = _event(reports, "first_answer")
    asked, retrieval, added = (_event(reports, name)[1] for name in ("asked", "retrieval", "add_article"))
    out["first_answer"] = {"seconds_from_process_start": round(at, 2), "open_seconds": first["open_seconds"],
                           "ask_seconds": first["ask"]["seconds"],
                           "retrieval_seconds": first["ask"]["sources_seconds"], "refused": first["ask"]["refused"],
                           "question": questions[0]["number"]}
    out["serving"] = {k: v for k, v in asked.items() if k != "event"}
    out["retrieval"] = {k: v for k, v in retrieval.items() if k != "event"}
    out["add_article"] = {k: v for k, v in added.items() if k != "event"}
    out["serve_process_seconds"] = round(wall, 1)
    if not (added["found_by_retrieve"] and added["cited_by_ask"]):
        print(f"warning: the added article was not found (retrieve {added['found_by_retrieve']}, "
              f"ask {added['cited_by_ask']})", file=sys.stderr)

    if args.with_llm:
        wall, reports = run_worker(["serve", "--index-dir", str(index_dir), "--backend", "local", "--questions-file",
                                    str(qfile), "--asks", str(args.llm_asks)], work / "serve-llm.log",
                                   timeout=6 * 3600)
        at, first = _event(reports, "first_answer")
        asked = _event(reports, "asked")[1]
        out["llm"] = {"first_answer_seconds_from_process_start": round(at, 2), "first_answer": first["ask"],
                      **{k: v for k, v in asked.items() if k != "event"}, "process_seconds": round(wall, 1)}
    return out


def _mb(n: float) -> str:  # MiB, as /proc reports memory
    return f"{n:,.0f} MB"


def row(out: dict) -> str:
    build = out.get("build") or {}
    ret, add = out["retrieval"], out["add_article"]
    llm = out.get("llm")
    cells = [
        f"{out['factor']}x", f"{out['serving'].get('articles', out['corpus']['articles']):,}",
        f"{build.get('chunks') or out['serving'].get('chunks', 0):,}",
        f"{build['seconds'] / 60:.1f} min" if build else "(reused)",
        _mb(out["index_on_disk"]["bytes"] / 2**20),
        f"{out['first_answer']['seconds_from_process_start']:.1f} s",
        (f"{_mb(out['serving']['peak_rss_mb'])} peak, {_mb(out['serving']['rss_mb'])} after {out['serving']['n']} "
         "questions"),
        (f"{llm['first_answer_seconds_from_process_start']:.1f} s / {_mb(llm['peak_rss_mb'])} peak" if llm else "-"),
        f"{ret['p50_ms']:.0f} / {ret['p95_ms']:.0f} ms ({ret['n']} q)",
        f"{add['add_seconds']:.2f} s + {add['first_retrieve_seconds']:.2f} s"
        + ("" if add["found_by_retrieve"] and add["cited_by_ask"] else " (NOT FOUND)"),
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="corpus.json-format file (scale_corpus.py)")
    parser.add_argument("--factor", type=int, help="the corpus's scale, for the label and the file name "
                        "(default: its articles / 609, rounded)")
    parser.add_argument("--index-dir", type=Path, help="index folder (default: a temporary one, deleted after)")
    parser.add_argument("--skip-build", action="store_true", help="reuse the index already in --index-dir")
    parser.add_argument("--questions", type=int, default=50, help="dev questions for the retrieve latency")
    parser.add_argument("--asks", type=int, default=5, help="extractive answers before memory is read")
    parser.add_argument("--with-llm", action="store_true", help="also serve with the local LLM")
    parser.add_argument("--llm-asks", type=int, default=3, help="local-LLM answers before memory is read")
    parser.add_argument("--out", type=Path, help="JSON file (default benchmarks/results/scale_<factor>.json)")
    parser.add_argument("--render", type=Path, nargs="+", help="print the markdown table of saved runs and stop")
    parser.add_argument("--worker", choices=["build", "serve"], help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="extractive", help=argparse.SUPPRESS)
    parser.add_argument("--questions-file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker == "build":
        return work_build(args)
    if args.worker == "serve":
        return work_serve(args)
    if args.render:
        saved = sorted((json.loads(p.read_text()) for p in args.render), key=lambda o: o["factor"])
        print(HEADER + "\n" + "\n".join(row(o) for o in saved))
        return
    if args.questions < 1 or args.asks < 1 or args.llm_asks < 1:
        parser.error("--questions, --asks and --llm-asks must be at least 1")
    if not args.corpus.is_file():
        parser.error(f"{args.corpus} does not exist")
    if args.skip_build and args.index_dir is None:
        parser.error("--skip-build needs --index-dir (the index to reuse)")
    if args.index_dir is not None:
        args.index_dir = args.index_dir.resolve()
        if args.skip_build and not (args.index_dir / "manifest.sqlite3").is_file():
            parser.error(f"--skip-build: {args.index_dir} holds no index")
        if not args.skip_build and args.index_dir.exists() and any(args.index_dir.iterdir()):
            parser.error(f"{args.index_dir} is not empty: a build must start from an empty folder "
                         "(or pass --skip-build to reuse it)")
    args.corpus = args.corpus.resolve()
    if args.factor is None:
        args.factor = max(1, round(len(json.loads(args.corpus.read_text(encoding="utf-8"))) / 609))

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        index_dir = args.index_dir or work / "index"
        out = measure(args, index_dir, work)
    target = args.out or REPO / "benchmarks" / "results" / f"scale_{args.factor}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    print()
    print(HEADER)
    print(row(out))


if __name__ == "__main__":
    main()
