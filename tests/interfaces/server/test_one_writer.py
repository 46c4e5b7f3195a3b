"""One writer: while a server owns an index, `assistant index` on it is refused at once (pointing at --server) or
sends its files to the server; whatever runs at the same time, the index stays consistent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from assistant.assistant import Assistant, Parts
from assistant.indexing.chunking import chunk_id
from assistant.indexing.embedding import Embedder
from assistant.settings import Settings
from tests.interfaces.server.conftest import start_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

EXE = str(Path(sys.executable).with_name("assistant"))
TOWNS = ["Alder", "Birch", "Cedar", "Dunmore", "Elmwood", "Fairview", "Glenrock", "Hollis", "Ironbridge", "Juniper"]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=600, env=os.environ | (env or {}))
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _write_news(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        town = TOWNS[i % len(TOWNS)]
        (folder / f"story-{i:02d}.txt").write_text(
            f"Title: {town} council vote {i}\nSource: Valley Times\nDate: 2024-02-{i % 27 + 1:02d}\n\n"
            f"The {town} council voted {i + 3} to 2 on a plan for {i * 7 + 11} new homes. The mayor of {town} said "
            f"building starts in spring, and the plan number {i} goes to the county next."
        )


def test_cli_is_refused_or_forwarded_and_the_index_stays_consistent(tmp_path: Path, embedder: Embedder) -> None:
    index = tmp_path / "index"
    news = tmp_path / "news"
    _write_news(news, 24)
    server = start_server(index)
    results: dict[str, subprocess.CompletedProcess | list] = {}
    try:
        def local() -> None:
            results["local"] = _cli("index", "--json", str(news), env={"ASSISTANT_INDEX_DIR": str(index)})

        def forwarded() -> None:
            results["forwarded"] = _cli("index", "--json", "--server", server.url, str(news))

        def api_writes() -> None:  # other clients write and read through the server meanwhile
            out = []
            with httpx.Client(base_url=server.url, timeout=120) as client:
                for i in range(6):
                    out.append(client.post("/api/articles", json={
                        "title": f"Bridge update {i}", "source": "Wire",
                        "body": f"Bridge {i} over the Kell river reopened after {i + 2} weeks of repairs."}).status_code)
                    out.append(client.post("/api/ask", json={"question": "Which council voted on new homes?"}).status_code)
            results["api"] = out

        threads = [threading.Thread(target=f) for f in (local, forwarded, api_writes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)

        refused = results["local"]
        assert refused.returncode == 2 and refused.stdout == ""
        assert "being written by assistant serve" in refused.stderr
        assert f"assistant index --server {server.url}" in refused.stderr  # the message says what to do

        sent = results["forwarded"]
        assert sent.returncode == 0, sent.stderr
        assert json.loads(sent.stdout)["added"] == 24
        assert set(results["api"]) == {200}

        again = _cli("index", "--json", "--server", server.url, str(news))  # the same files again: nothing to do
        assert (json.loads(again.stdout)["unchanged"], json.loads(again.stdout)["chunks_embedded"]) == (24, 0)
        (news / "story-03.txt").write_text("Title: Dunmore council vote 3\n\nThe Dunmore council delayed its vote.")
        edited = json.loads(_cli("index", "--json", "--server", server.url, str(news)).stdout)
        assert (edited["updated"], edited["unchanged"]) == (1, 23)
        titles = {a["title"] for a in httpx.get(f"{server.url}/api/articles", params={"limit": 500}).json()["articles"]}
        assert {f"{TOWNS[i % 10]} council vote {i}" for i in range(24)} <= titles
    finally:
        server.stop()

    a = Assistant(Settings(index_dir=index, seed_sample=False), Parts(embedder=embedder))
    try:
        rows = a.components.manifest.articles()
        expected = {chunk_id(r.id, i) for r in rows.values() for i in range(r.chunks)}
        assert a.components.store.ids() == expected and a.components.store.count() == len(expected)  # no orphans, no duplicates, no gaps
        assert len(rows) == 1 + 24 + 6  # the sample, the forwarded files, the API's articles: each once
        assert len({r.title for r in rows.values()}) == len(rows)
    finally:
        a.close()
    # with the server gone, the CLI writes the index itself again
    assert _cli("index", "--json", str(news), env={"ASSISTANT_INDEX_DIR": str(index)}).returncode == 0


def test_forwarding_errors_are_one_clear_line(tmp_path: Path) -> None:
    from tests.interfaces.server.conftest import free_port

    (tmp_path / "a.txt").write_text("Title: A\n\nSomething happened on Monday.")
    down = _cli("index", "--server", f"http://127.0.0.1:{free_port()}", str(tmp_path / "a.txt"))
    assert down.returncode == 2 and "cannot reach the server" in down.stderr
    assert _cli("index", "--server", "localhost:7860", str(tmp_path)).returncode == 2
    nothing = _cli("index", "--server", "http://127.0.0.1:9")
    assert nothing.returncode == 2 and "give the files or folders" in nothing.stderr


def test_forwarding_sends_the_api_key(tmp_path: Path) -> None:
    server = start_server(tmp_path / "index", env={"ASSISTANT_API_KEY": "k-123-one-writer-key"})
    try:
        story = tmp_path / "story.md"
        story.write_text("# Ferry back\n\nThe island ferry resumed service on Tuesday.")
        without = _cli("index", "--server", server.url, str(story))
        assert without.returncode == 2 and "ASSISTANT_API_KEY" in without.stderr
        with_key = _cli("index", "--json", "--server", server.url, str(story), env={"ASSISTANT_API_KEY": "k-123-one-writer-key"})
        assert with_key.returncode == 0 and json.loads(with_key.stdout)["added"] == 1
    finally:
        server.stop()
