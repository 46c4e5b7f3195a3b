"""Kill test: `assistant index` of MultiHop-RAG articles is sent SIGKILL at random moments, many times in a row; the
next complete run must converge to the same articles, chunks and answers as a clean build.

    python benchmarks/kill_indexing.py --articles 300 --kills 12 --json     # the long run (RESULTS.md)
    python benchmarks/kill_indexing.py --articles 40 --kills 4 --json       # the CI run (tests/test_kill_indexing.py)

Prints one JSON object: kills made, kills that hit a running indexer, runs that finished before the kill, and whether
articles, chunk ids and answers equal the clean build's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("MULTIHOP_RAG_DIR") or REPO.parent / "shared" / "eval" / "multihop-rag")
CORPUS = DATA / "corpus.json"
QUESTIONS = DATA / "MultiHopRAG.json"
EXE = str(Path(sys.executable).with_name("assistant"))


def _env(index_dir: Path) -> dict[str, str]:
    return os.environ | {"ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_SEED_SAMPLE": "false"}


def _index(index_dir: Path, source: Path) -> dict:
    result = subprocess.run([EXE, "index", "--json", str(source)], capture_output=True, text=True,
                            env=_env(index_dir), timeout=3600)
    if result.returncode != 0:
        raise RuntimeError(f"index failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout)


def _snapshot(index_dir: Path, questions: list[str]) -> dict:
    """Return the store's chunk ids, the lexical index's sentence ids, the manifest's counts and the extractive
    answers (in a fresh process)."""
    code = f"""
import json, sys
from pathlib import Path
from assistant import Assistant, Settings
a = Assistant(Settings(index_dir=Path({str(index_dir)!r}), seed_sample=False, backend="extractive"))
lexical = sorted(sid for _, sid, _ in a.components.manifest.lexical_rows())  # before any question
answers = [a.ask(q) for q in json.loads(sys.argv[1])]
print(json.dumps({{"ids": sorted(a.components.store.ids()), "lexical": lexical, "stored": a.components.store.count(), "counts": a.components.manifest.counts(),
                  "answers": [[x.text, [c.chunk_id for c in x.citations]] for x in answers]}}))
"""
    result = subprocess.run([sys.executable, "-c", code, json.dumps(questions)], capture_output=True, text=True,
                            env=_env(index_dir), timeout=1200)
    if result.returncode != 0:
        raise RuntimeError(f"snapshot failed: {result.stderr[-3000:]}")
    return json.loads(result.stdout)


def run(n_articles: int, kills: int, seed: int, workdir: Path) -> dict:
    rng = random.Random(seed)
    articles = json.loads(CORPUS.read_text())[:n_articles]
    source = workdir / "articles.json"
    source.write_text(json.dumps(articles))
    urls = {a["url"] for a in articles}
    questions = [q["query"] for q in json.loads(QUESTIONS.read_text())
                 if q["evidence_list"] and all(e["url"] in urls for e in q["evidence_list"])][:5]
    questions = questions or ["What happened?"]

    clean_dir, killed_dir = workdir / "clean", workdir / "killed"
    started = time.perf_counter()
    clean_report = _index(clean_dir, source)
    clean_seconds = time.perf_counter() - started
    clean = _snapshot(clean_dir, questions)

    hit, finished = 0, 0
    for k in range(kills):
        # Every run after the first has work to do: a third of the articles edited (a sentence added), a few left
        # out, a different third each time; the final run below goes back to the original articles.
        edited = [dict(a, body=a["body"] + f" Edition {k} of this report.") if i % 3 == k % 3 else a
                  for i, a in enumerate(articles) if (i + k) % 25]
        source.write_text(json.dumps(edited if k else articles))  # the same source path: updates and removals
        process = subprocess.Popen([EXE, "index", "--json", str(source)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=_env(killed_dir))
        # Kill anywhere from start-up to well into the run (the first run is a full build, the others a third).
        deadline = rng.uniform(2.0, max(3.0, clean_seconds * (1.1 if k == 0 else 0.45)))
        try:
            process.wait(deadline)
            finished += 1
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            hit += 1
    source.write_text(json.dumps(articles))
    final_report = _index(killed_dir, source)
    second_report = _index(killed_dir, source)
    after = _snapshot(killed_dir, questions)
    return {
        "articles": n_articles,
        "kills_made": kills,
        "kills_during_indexing": hit,
        "runs_finished_before_kill": finished,
        "clean_seconds": round(clean_seconds, 1),
        "clean_chunks": clean_report["chunks_embedded"],
        "final_run": final_report,
        "second_run_embedded": second_report["chunks_embedded"],
        "second_run_deleted": second_report["chunks_deleted"],
        "same_articles_and_chunks": after["counts"] == clean["counts"] and after["ids"] == clean["ids"]
        and after["stored"] == clean["stored"],
        # the lexical index holds exactly the stored sentences, in the clean build and after the kills
        "lexical_agrees": after["lexical"] == after["ids"] and clean["lexical"] == clean["ids"],
        "same_answers": after["answers"] == clean["answers"],
        "questions": len(questions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kill-") as tmp:
        result = run(args.articles, args.kills, args.seed, args.workdir or Path(tmp))
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
