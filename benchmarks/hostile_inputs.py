"""Hostile and broken input through the real CLI: what was tried, what was reported, and that nothing was lost.

    python benchmarks/hostile_inputs.py [--no-write]

1. `assistant index` the bundled sample (the index that must survive).
2. `assistant index --json` a folder of broken inputs beside good ones (the same folder the tests build), a path that
   does not exist and a folder with no readable article: every input's outcome is recorded.
3. `assistant ask --json --backend extractive` with unusable and odd questions: exit status and what was said.
Writes `## Hostile input` in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import EXE, REPO, write_section  # noqa: E402
from tests.conftest import SAMPLE  # noqa: E402
from tests.test_hostile_input import ODD_QUESTIONS, UNUSABLE_QUESTIONS, write_hostile_corpus  # noqa: E402

SECTION = "## Hostile input"


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=1800)


def shown(text: str, limit: int = 90) -> str:
    if not text.isprintable():
        text = repr(text)[1:-1]
    text = text.replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        root = Path(tmp)
        env = os.environ | {"ASSISTANT_INDEX_DIR": str(root / "index"), "ASSISTANT_SEED_SAMPLE": "false",
                            "ASSISTANT_BACKEND": "extractive"}
        assert run(["index", str(SAMPLE)], env).returncode == 0
        before = json.loads(run(["stats", "--json"], env).stdout)

        folder = write_hostile_corpus(root / "inbox")
        (root / "pics").mkdir()
        (root / "pics" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
        inputs = sorted(p.name for p in folder.iterdir()) + ["does-not-exist.txt", "pics/"]
        result = run(["index", "--json", str(folder), str(root / "does-not-exist.txt"), str(root / "pics")], env)
        report = json.loads(result.stdout)
        after = json.loads(run(["stats", "--json"], env).stdout)

        asked = []
        for question in UNUSABLE_QUESTIONS + ODD_QUESTIONS:
            question = question.replace("\x00", "\x01")  # a command line cannot carry NUL (the API tests send it)
            answer = run(["ask", "--json", question], env)
            if answer.returncode == 0:
                data = json.loads(answer.stdout)
                said = ("refused: " if data["refused"] else f"answered, {len(data['citations'])} citation(s): ") \
                    + data["answer"]
            else:
                said = answer.stderr.strip().splitlines()[-1] if answer.stderr.strip() else "(nothing)"
            asked.append((question, answer.returncode, said))

    lost = before["articles"] > after["articles"] or before["chunks"] > after["chunks"]
    crashed = [q for q, code, said in asked if code not in (0, 2) or "Traceback" in said]
    figures = {"inputs": len(inputs), "failed": len(report["failed"]), "warnings": len(report["warnings"]),
               "added": report["added"], "duplicates": report.get("duplicates", 0), "exit": result.returncode,
               "articles_before": before["articles"], "articles_after": after["articles"], "lost": lost,
               "questions": len(asked), "crashes": len(crashed)}
    print(json.dumps(figures))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout
    lines = [
        f"`python benchmarks/hostile_inputs.py` (commit {commit.strip()}, "
        f"{datetime.now(timezone.utc):%Y-%m-%d}): the real CLI on a fresh index holding the bundled sample.",
        "",
        f"`assistant index --json` of {len(inputs)} inputs ({', '.join(inputs)}): exit status {result.returncode}, "
        f"{report['added']} articles added, {report['duplicates']} duplicate, {len(report['failed'])} failures "
        f"reported, {len(report['warnings'])} warnings; articles before / after: {before['articles']} / "
        f"{after['articles']}, chunks {before['chunks']} / {after['chunks']} (nothing lost: {not lost}). \"added\" counts "
        "inputs, articles count distinct texts: copy-a.txt and copy-b.txt hold the sample's text, stored once; "
        "latin1.txt and bad-utf8.md are indexed (not UTF-8: read as Windows-1252 or Latin-1).",
        "",
        "| input | reported |",
        "|---|---|",
        *[f"| {shown(f['path'].replace(str(root) + '/', ''), 40)} | failed: {shown(f['error'], 120)} |"
          for f in report["failed"]],
        *[f"| {shown(w['path'].replace(str(root) + '/', ''), 40)} | warning: {shown(w['warning'], 120)} |"
          for w in report["warnings"]],
        "",
        f"{len(asked)} questions through `assistant ask --json --backend extractive`: {len(crashed)} crashes "
        "(exit 2 is the CLI's clear usage error).",
        "",
        "| question | exit | said |",
        "|---|---:|---|",
        *[f"| {shown(q if len(q) < 200 else q[:20] + f'... ({len(q):,} characters)', 60)} | {code} | {shown(said)} |"
          for q, code, said in asked],
    ]
    if not args.no_write:
        write_section(SECTION, "\n".join(lines))
    if lost or crashed:
        sys.exit("something was lost or crashed")


if __name__ == "__main__":
    main()
