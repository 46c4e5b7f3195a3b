"""Restart durability: more than 1,000 chunks indexed through the server (above Chroma's default flush threshold),
the server killed with SIGKILL, started again: the same counts and the same answers."""

import json
import signal
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS, needs_multihop
from tests.interfaces.server.conftest import start_server

QUESTIONS = CORPUS.with_name("MultiHopRAG.json")


@needs_multihop
@pytest.mark.slow
@pytest.mark.server
def test_sigkill_after_indexing_loses_nothing(tmp_path: Path) -> None:
    articles = json.loads(CORPUS.read_text())[:20]
    urls = {a["url"] for a in articles}
    questions = [q["query"] for q in json.loads(QUESTIONS.read_text())
                 if q["evidence_list"] and any(e["url"] in urls for e in q["evidence_list"])][:4]
    index_dir = tmp_path / "index"
    server = start_server(index_dir, env={"ASSISTANT_SEED_SAMPLE": "false"})
    try:
        response = httpx.post(f"{server.url}/api/articles", json={"articles": articles}, timeout=1800)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["added"] == 20 and report["chunks_embedded"] > 1000, report
        before = httpx.get(f"{server.url}/api/stats", timeout=60).json()
        answers = [httpx.post(f"{server.url}/api/ask", json={"question": q}, timeout=300).json() for q in questions]
    finally:
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(30)

    again = start_server(index_dir, env={"ASSISTANT_SEED_SAMPLE": "false"})
    try:
        after = httpx.get(f"{again.url}/api/stats", timeout=60).json()
        assert (after["articles"], after["chunks"], after["stored_chunks"]) == \
            (before["articles"], before["chunks"], before["stored_chunks"])
        for question, expected in zip(questions, answers):
            answer = httpx.post(f"{again.url}/api/ask", json={"question": question}, timeout=300).json()
            assert (answer["answer"], answer["refused"]) == (expected["answer"], expected["refused"])
            assert [c["chunk_id"] for c in answer["citations"]] == [c["chunk_id"] for c in expected["citations"]]
    finally:
        again.stop()
