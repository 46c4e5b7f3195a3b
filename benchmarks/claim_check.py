"""The claim check on tests/data/claims.json (true paraphrases and false claims made of the passage's own words):
how many of each it passes, by the code alone and with the local model's narrow verification.

    python benchmarks/claim_check.py [--no-model] [--threshold 0.5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from assistant.answering.claims import check_claim

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "claims.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-model", action="store_true", help="the code check alone")
    parser.add_argument("--threshold", type=float, default=None, help="the verification's yes-probability floor")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    items = json.loads(DATA.read_text())
    judge = None
    if not args.no_model:
        from assistant import Assistant, Settings
        from assistant.answering.chain import VERIFIED
        from assistant.answering.judge import Judge

        assistant = Assistant(Settings(backend="local"))
        c = assistant.components
        judge = Judge(c.backends.chat_model("local"), c.embedder)
        threshold = args.threshold if args.threshold is not None else VERIFIED
    passed: Counter[tuple[bool, str]] = Counter()
    totals: Counter[tuple[bool, str]] = Counter()
    seconds, scores = [], []
    for item in items:
        verdict = check_claim(item["claim"], item["passage"])
        ok = verdict.ok
        if ok and judge is not None:
            started = time.perf_counter()
            score = judge.supports(item["claim"], item["passage"])
            seconds.append(time.perf_counter() - started)
            scores.append((item["label"], score))
            ok = score >= threshold
        totals[(item["label"], item["kind"])] += 1
        passed[(item["label"], item["kind"])] += ok
    true_total = sum(v for (label, _), v in totals.items() if label)
    false_total = sum(v for (label, _), v in totals.items() if not label)
    true_passed = sum(v for (label, _), v in passed.items() if label)
    false_passed = sum(v for (label, _), v in passed.items() if not label)
    result = {"claims": len(items), "true": true_total, "true_passed": true_passed, "false": false_total,
              "false_caught": false_total - false_passed, "by_kind": {
                  f"{'true' if label else 'false'}/{kind}": {"n": n, "passed": passed[(label, kind)]}
                  for (label, kind), n in sorted(totals.items())},
              "model": judge is not None, "seconds_per_check_p50": round(statistics.median(seconds), 2) if seconds else None}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"true claims passed {true_passed}/{true_total} ({true_passed / true_total:.0%}); false claims caught "
          f"{false_total - false_passed}/{false_total} ({(false_total - false_passed) / false_total:.0%})"
          f"{'; model check p50 ' + str(result['seconds_per_check_p50']) + ' s' if seconds else ''}")
    for key, row in result["by_kind"].items():
        print(f"  {key}: {row['passed']}/{row['n']} passed")
    if scores:
        for t in (0.3, 0.5, 0.7, 0.8, 0.9):
            tp = sum(1 for label, s in scores if label and s >= t)
            fp = sum(1 for label, s in scores if not label and s >= t)
            print(f"  threshold {t}: true passed {tp}, false passed {fp} (of those the code passed)")


if __name__ == "__main__":
    main()
