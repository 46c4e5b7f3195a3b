"""`assistant eval` end to end on a small MultiHop-RAG subset (the real articles and questions, fewer of them)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, needs_multihop

pytestmark = needs_multihop

EXE = str(Path(sys.executable).with_name("assistant"))
QUESTIONS = CORPUS.with_name("MultiHopRAG.json")


@pytest.fixture(scope="module")
def mini_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = json.loads(CORPUS.read_text())[:40]
    urls = {a["url"] for a in corpus}
    queries = [q for q in json.loads(QUESTIONS.read_text())
               if q["evidence_list"] and all(e["url"] in urls for e in q["evidence_list"])][:16]
    queries += [q for q in json.loads(QUESTIONS.read_text()) if not q["evidence_list"]][:4]
    folder = tmp_path_factory.mktemp("mini") / "mini-multihop"
    folder.mkdir()
    (folder / "corpus.json").write_text(json.dumps(corpus))
    (folder / "MultiHopRAG.json").write_text(json.dumps(queries))
    return folder


@pytest.mark.slow
def test_eval_json_on_a_small_subset(mini_dataset: Path, tmp_path: Path) -> None:
    args = [EXE, "eval", "--dataset", str(mini_dataset), "--split", "all", "--json", "--answers", "6",
            "--backend", "extractive", "--eval-index", str(tmp_path / "eval-index")]
    result = subprocess.run(args, capture_output=True, text=True, timeout=1800, env=os.environ.copy())
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    for key in ("hits@4", "hits@10", "mrr@10", "map@10", "recall@10", "all_evidence@10", "p50_ms", "index_seconds",
                "max_chunk_tokens", "mean_chunk_tokens"):
        assert key in data
    for key in ("hits@4", "hits@10", "mrr@10", "map@10", "recall@10", "all_evidence@10"):
        assert 0.0 <= data[key] <= 1.0
    assert data["n"] == 16 and data["hits@10"] >= 0.5
    assert data["hits@4"] <= data["hits@10"] and data["all_evidence@10"] <= data["recall@10"]
    assert 0 < data["max_chunk_tokens"] <= 256
    assert set(data["per_type"]) <= {"comparison_query", "inference_query", "temporal_query"}
    answers = data["answers"]
    assert answers["n"] == 6 and answers["backend"] == "extractive"
    # the second run reuses the evaluation's index
    again = subprocess.run(args, capture_output=True, text=True, timeout=1800, env=os.environ.copy())
    assert json.loads(again.stdout)["index_seconds"] == data["index_seconds"]
    assert not (Path(os.environ["ASSISTANT_INDEX_DIR"]) / "manifest.sqlite3").exists(), "the user's index is untouched"


@pytest.mark.slow
def test_retrieval_overrides_switch_parts_off_and_bad_ones_are_named(mini_dataset: Path, tmp_path: Path) -> None:
    base = [EXE, "eval", "--dataset", str(mini_dataset), "--split", "all", "--json", "--eval-index",
            str(tmp_path / "eval-index")]
    dense_only = subprocess.run([*base, "--retrieval", "use_bm25=false"], capture_output=True, text=True,
                                timeout=1800, env=os.environ.copy())
    assert dense_only.returncode == 0, dense_only.stderr[-3000:]
    assert json.loads(dense_only.stdout)["retrieval"]["use_bm25"] is False
    for option, value, named in (("--retrieval", "no_such_part=1", "no_such_part"),
                                 ("--retrieval", "use_bm25=maybe", "use_bm25"),
                                 ("--chunking", "max_tokens=lots", "max_tokens")):
        bad = subprocess.run([*base, option, value], capture_output=True, text=True, timeout=600,
                             env=os.environ.copy())
        assert bad.returncode == 2 and option in bad.stderr and named in bad.stderr, bad.stderr
        assert "Traceback" not in bad.stderr
