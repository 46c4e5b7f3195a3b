"""Answer the questions of an `assistant eval --json` run with the code of an older commit, and score them by
today's strict rules: the "before" rows of RESULTS.md "Answers on MultiHop-RAG dev".

    git worktree add /tmp/old c9619e8
    cp -r ~/.cache/news-assistant/eval/multihop-rag-c2-s-t120-o0 /tmp/evalidx   # a copy: the old code may write
    cd /tmp/old && PYTHONPATH=/tmp/old python /work/main/benchmarks/answers_at_commit.py \\
        eval.json extractive before.json [--every 4]
    python benchmarks/answers_at_commit.py --score before.json

The old code is imported from PYTHONPATH (its `assistant.api.Assistant`); the scoring from this checkout's file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

SCORING = Path(__file__).resolve().parents[1] / "assistant" / "evaluation" / "scoring.py"


def _strict():  # noqa: ANN202 - today's strict_correct, whatever `assistant` PYTHONPATH points at
    spec = importlib.util.spec_from_file_location("today_scoring", SCORING)
    module = importlib.util.module_from_spec(spec)
    sys.modules["today_scoring"] = module
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module.strict_correct


def score(path: Path) -> None:
    strict_correct = _strict()
    rows = json.loads(path.read_text())
    by: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        ok = strict_correct(r["answer"], r["refused"], r["gold"] or "", r["type"] == "null_query")
        by[r["type"]].append(ok)
        by["all"].append(ok)
    print({k: f"{sum(v) / len(v):.3f} ({sum(v)}/{len(v)})" for k, v in by.items()})
    print(f"answer p50 {statistics.median(r['seconds'] for r in rows):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("eval_json", type=Path, nargs="?")
    parser.add_argument("backend", nargs="?")
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--every", type=int, default=1, help="ask every Nth question only")
    parser.add_argument("--index-dir", type=Path, default=Path("/tmp/evalidx"))
    parser.add_argument("--collection", default="eval-multihop-rag-c2-s-t120-o0")
    parser.add_argument("--score", type=Path, help="score an output file and stop")
    args = parser.parse_args()
    if args.score:
        score(args.score)
        return
    from assistant.api import Assistant  # the old code's facade
    from assistant.settings import Settings

    rows = json.loads(args.eval_json.read_text())["answers"]["questions"][::args.every]
    assistant = Assistant(Settings(index_dir=args.index_dir, backend=args.backend, seed_sample=False,
                                   collection=args.collection))
    out = []
    for r in rows:
        started = time.perf_counter()
        answer = assistant.ask(r["question"], backend=args.backend)
        out.append({"question": r["question"], "type": r["type"], "gold": r["gold"], "answer": answer.text,
                    "refused": answer.refused, "seconds": time.perf_counter() - started})
        print(len(out), f"{out[-1]['seconds']:.1f}", file=sys.stderr, flush=True)
    args.out.write_text(json.dumps(out))


if __name__ == "__main__":
    main()
