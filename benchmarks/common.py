"""Helpers shared by the server benchmarks: dev questions, an indexed corpus, a running server, RESULTS.md sections."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("MULTIHOP_RAG_DIR") or REPO.parent / "shared" / "eval" / "multihop-rag")
RESULTS = REPO / "benchmarks" / "RESULTS.md"
EXE = str(Path(sys.executable).with_name("assistant"))
BENCH_INDEX = Path.home() / ".cache" / "news-assistant" / "bench" / "multihop-index"


def dev_questions(path: Path = DATA / "MultiHopRAG.json") -> list[str]:
    """Return the dev questions: query numbers (0-based positions in the file) not divisible by 4."""
    return [q["query"] for i, q in enumerate(json.loads(path.read_text())) if i % 4 != 0]


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5))) - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_index(index_dir: Path, corpus: Path = DATA / "corpus.json") -> dict:
    """Index the corpus with the CLI (incremental: a complete index costs seconds). Exits when indexing fails."""
    env = os.environ | {"ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_SEED_SAMPLE": "false"}
    result = subprocess.run([EXE, "index", "--json", str(corpus)], capture_output=True, text=True, env=env,
                            timeout=7200)
    if result.returncode != 0:
        sys.exit(f"indexing failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def start_server(index_dir: Path, port: int, log: Path, backend: str = "extractive") -> subprocess.Popen:
    """Start `assistant serve` and wait for /health. Exits when it does not come up within 300 s."""
    env = os.environ | {"ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_SEED_SAMPLE": "false",
                        "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
    process = subprocess.Popen([EXE, "serve", "--port", str(port), "--backend", backend], env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    sys.exit("the server did not start within 300 s")


def write_section(section: str, text: str) -> None:
    """Replace one section (``## ...``) of RESULTS.md, keeping the others."""
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    block = f"{section}\n\n{text.strip()}\n\n"
    RESULTS.write_text(pattern.sub(lambda _m: block, current) if pattern.search(current)
                       else current.rstrip() + "\n\n" + block)
