"""The `assistant` command, run as users run it: a real process, real store, real models."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.indexing.lock import IndexLock
from tests.conftest import SAMPLE

EXE = str(Path(sys.executable).with_name("assistant"))
pytestmark = pytest.mark.slow  # every test starts the command: 10-20 s each


def run(*args: str, input: str | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], capture_output=True, text=True, input=input, timeout=timeout,
                          env=os.environ.copy())


def _no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_ask_json_on_fresh_index_seeds_the_sample() -> None:
    result = run("ask", "--json", "--backend", "extractive", "What did the executive order tell Chicago police to wear?")
    assert result.returncode == 0, result.stderr
    assert "sample article" in result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"answer", "refused", "citations"}
    assert not data["refused"] and "uniforms" in data["answer"]
    sentence = "It also directs city police to wear their official police uniforms"
    assert any(sentence in c["text"] for c in data["citations"])
    for c in data["citations"]:
        assert set(c) >= {"n", "title", "source", "author", "published_at", "url", "text", "start", "end"}
        assert c["source"] == "Reuters" and c["author"] == "Susan Heavey"


@pytest.mark.slow
@pytest.mark.llm
def test_ask_json_with_the_default_local_backend() -> None:
    result = run("ask", "--json", "What did the executive order tell Chicago police to wear?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert not data["refused"] and "uniform" in data["answer"].lower()
    assert any("official police uniforms" in c["text"] for c in data["citations"])
    result = run("ask", "--json", "What is the population of Chicago?")
    data = json.loads(result.stdout)
    assert data["refused"] is True and not re.search(r"\d", data["answer"]) and data["citations"] == []


def test_index_reports_failures_with_nonzero_status_and_indexes_the_rest(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(SAMPLE.read_text())
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = run("index", "--json", str(good), str(empty), str(tmp_path / "missing.html"))
    assert result.returncode == 1
    _no_traceback(result)
    data = json.loads(result.stdout)
    assert data["added"] == 1 and data["chunks_embedded"] > 0
    assert {f["path"] for f in data["failed"]} == {str(empty), str(tmp_path / "missing.html")}
    assert set(data) >= {"added", "updated", "unchanged", "removed", "chunks_embedded", "failed", "seconds"}
    again = json.loads(run("index", "--json").stdout)  # no path: the sources indexed before
    assert again["unchanged"] == 1 and again["chunks_embedded"] == 0


def test_stats_json() -> None:
    data = json.loads(run("stats", "--json").stdout)
    assert data["articles"] == 1 and data["chunks"] > 0  # seeded
    assert data["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert Path(data["index_dir"]) == Path(os.environ["ASSISTANT_INDEX_DIR"]).resolve()


@pytest.mark.parametrize("question,message", [("", "question: is empty"), ("   ", "question: is empty"),
                                               ("x" * 5000, "the limit is 4,000")])
def test_bad_questions_get_a_clear_error(question: str, message: str) -> None:
    result = run("ask", "--backend", "extractive", question)
    assert result.returncode == 2
    assert message in result.stderr
    _no_traceback(result)


def test_unknown_backend_and_bad_filter() -> None:
    result = run("ask", "--backend", "nope", "What happened?")
    assert result.returncode == 2 and "unknown backend 'nope'" in result.stderr
    result = run("ask", "--backend", "extractive", "--after", "yesterday-ish", "What happened?")
    assert result.returncode == 2 and "filters.published_after" in result.stderr
    _no_traceback(result)


def test_second_writer_is_refused_at_once(tmp_path: Path) -> None:
    with IndexLock(Path(os.environ["ASSISTANT_INDEX_DIR"]), holder="assistant serve", url="http://127.0.0.1:7860"):
        result = run("index", str(SAMPLE), timeout=60)
    assert result.returncode == 2
    assert "being written by assistant serve" in result.stderr
    _no_traceback(result)


def test_terminal_chat_with_follow_up() -> None:
    result = run("chat", "--backend", "extractive",
                 input="What did the executive order tell Chicago police to wear?\nAnd what did it say about masks?\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "uniforms" in result.stdout and "masks" in result.stdout
    assert "searching for:" in result.stderr  # the follow-up was made standalone


def test_unreachable_llm_backend_is_one_clear_line() -> None:
    env_backup = os.environ.get("ASSISTANT_OPENAI_BASE_URL")
    os.environ["ASSISTANT_OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"
    try:
        result = run("ask", "--backend", "openai", "What did the executive order tell Chicago police to wear?")
    finally:
        if env_backup is None:
            del os.environ["ASSISTANT_OPENAI_BASE_URL"]
        else:
            os.environ["ASSISTANT_OPENAI_BASE_URL"] = env_backup
    assert result.returncode == 2
    assert "LLM backend OpenAI-compatible" in result.stderr and "127.0.0.1:9" in result.stderr
    _no_traceback(result)
