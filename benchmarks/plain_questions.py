"""Ask a list of plain questions (benchmarks/data/*.json: {"q", "gold"}; gold null = must be refused) of an index
and score them strictly (evaluation/scoring.py): prints each answer and the total.

    python benchmarks/plain_questions.py benchmarks/data/sample_plain_dev.json --backend local [--index-dir DIR]
    python benchmarks/plain_questions.py benchmarks/data/corpus_plain_dev.json --backend local \
        --index-dir ~/.cache/news-assistant/eval/multihop-rag-c2-s-t120-o0 --collection eval-multihop-rag-c2-s-t120-o0
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from assistant import Assistant, Settings
from assistant.evaluation.scoring import strict_correct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--backend", default="local")
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--collection", default=None, help="the Chroma collection (the evaluation index's is "
                        "eval-multihop-rag-<chunking>)")
    args = parser.parse_args()
    settings = Settings(backend=args.backend, **({"index_dir": args.index_dir} if args.index_dir else {}),
                        **({"collection": args.collection} if args.collection else {}))
    assistant = Assistant(settings)
    assistant.seed_if_empty()
    items = json.loads(args.questions.read_text())
    right = 0
    for item in items:
        started = time.perf_counter()
        answer = assistant.ask(item["q"])
        ok = strict_correct(answer.text, answer.refused, item["gold"] or "", item["gold"] is None)
        right += ok
        print(f"{'OK ' if ok else 'BAD'} {time.perf_counter() - started:5.1f}s {item['q']}\n     -> {answer.text[:300]}"
              f"\n        {answer.notes[:2]}")
    print(f"{right} of {len(items)} right")


if __name__ == "__main__":
    main()
