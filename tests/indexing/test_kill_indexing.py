"""SIGKILL at random moments while `assistant index` runs, several times in a row: the next run converges to the
same articles, chunks, lexical index and answers as a clean build (the long version is benchmarks/kill_indexing.py)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "kill_indexing.py"


@pytest.mark.slow
def test_killed_indexing_converges(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--articles", "12", "--kills", "4", "--seed", "3", "--json",
                             "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=2400)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert data["kills_made"] == 4 and data["kills_during_indexing"] >= 2
    assert data["same_articles_and_chunks"] and data["same_answers"] and data["lexical_agrees"]
    assert data["second_run_embedded"] == 0 and data["second_run_deleted"] == 0
