"""Memory of a serving process: open an index, answer a few questions with the extractive backend, report the
resident set (VmRSS) and its peak (VmHWM), and whether sentence vectors are held in memory.

    python benchmarks/serving_memory.py --index-dir DIR [--collection NAME] [--json]

Run it twice side by side with ASSISTANT_EMBEDDING_CACHE=true and =false to compare.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from assistant import Assistant, Settings

QUESTIONS = ["Who is the CEO of OpenAI according to TechCrunch?",
             "Did The Verge report that Bankman-Fried committed fraud?",
             "What did the Fed decide in November 2023?", "Which team won the game on Sunday?",
             "What did Google announce about Gemini?"]


def _status() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            name, value = line.split(":", 1)
            out[name] = int(value.split()[0]) // 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--collection", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    extra = {"collection": args.collection} if args.collection else {}
    settings = Settings(index_dir=args.index_dir, backend="extractive", seed_sample=False, **extra)
    assistant = Assistant(settings)
    assistant.ask("warm up the models")
    started = time.perf_counter()
    for question in QUESTIONS:
        assistant.ask(question)
    memory = _status()
    result = {"embedding_cache": settings.embedding_cache, "questions": len(QUESTIONS) + 1,
              "seconds": round(time.perf_counter() - started, 2), "rss_mb": memory["VmRSS"],
              "peak_mb": memory["VmHWM"],
              "sentence_vectors_in_memory": assistant.components.search.index.sent_emb is not None}
    print(json.dumps(result) if args.json else
          f"cache={result['embedding_cache']}: RSS {result['rss_mb']} MB (peak {result['peak_mb']} MB) after "
          f"{result['questions']} questions; sentence vectors in memory: {result['sentence_vectors_in_memory']}")
    assistant.close()


if __name__ == "__main__":
    main()
