"""Chroma server mode end to end: ASSISTANT_CHROMA_URL points the CLI and the server at a real `chroma run`.

The chunks live on the Chroma server; the manifest (and the write lock) stay in the index folder, so one collection
belongs to one index folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from assistant.assistant import Assistant, Parts
from assistant.indexing.chunking import chunk_id
from assistant.indexing.embedding import Embedder
from assistant.settings import Settings
from assistant.errors import StoreUnavailable
from tests.conftest import SAMPLE
from tests.interfaces.server.conftest import free_port, start_server

EXE = str(Path(sys.executable).with_name("assistant"))
QUESTION = "What did the executive order tell Chicago police to wear?"


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=600, env=os.environ | env)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _consistent(settings: Settings, embedder: Embedder) -> None:
    a = Assistant(settings, Parts(embedder=embedder))
    try:
        expected = {chunk_id(r.id, i) for r in a.components.manifest.articles().values() for i in range(r.chunks)}
        assert a.components.store.ids() == expected and a.components.store.count() == len(expected)
    finally:
        a.close()


@pytest.mark.slow
def test_cli_index_reindex_and_ask_on_a_chroma_server(chroma_url: str, tmp_path: Path, embedder: Embedder) -> None:
    index = tmp_path / "index"
    env = {"ASSISTANT_CHROMA_URL": chroma_url, "ASSISTANT_COLLECTION": f"cli-{uuid.uuid4().hex[:12]}",
           "ASSISTANT_INDEX_DIR": str(index)}
    news = tmp_path / "news"
    news.mkdir()
    shutil.copy(SAMPLE, news / "chicago.txt")
    (news / "rates.md").write_text("# Rates held\n\nThe central bank held rates at 5.25% on Wednesday.")

    first = json.loads(_run(env, "index", "--json", str(news)).stdout)
    assert (first["added"], first["failed"]) == (2, [])
    assert not (index / "chroma").exists()  # nothing of the store on the local disk...
    assert (index / "manifest.sqlite3").exists() and (index / "index.id").exists()  # ...but the bookkeeping

    again = json.loads(_run(env, "index", "--json").stdout)  # no path: re-index the sources indexed before
    assert (again["unchanged"], again["chunks_embedded"]) == (2, 0)
    (news / "rates.md").write_text("# Rates cut\n\nThe central bank cut rates to 4.75% on Wednesday.")
    changed = json.loads(_run(env, "index", "--json", str(news)).stdout)
    assert (changed["updated"], changed["chunks_deleted"]) == (1, 1)
    (news / "chicago.txt").unlink()
    removed = json.loads(_run(env, "index", "--json", str(news)).stdout)
    assert removed["removed"] == 1 and removed["chunks_deleted"] > 1

    answer = json.loads(_run(env, "ask", "--json", "--backend", "extractive", "What did the central bank do?").stdout)
    assert not answer["refused"] and "4.75%" in answer["answer"]
    stats = json.loads(_run(env, "stats", "--json").stdout)
    assert stats["chroma"] == chroma_url and stats["articles"] == 1 and stats["stored_chunks"] == stats["chunks"]
    _consistent(Settings(index_dir=index, chroma_url=chroma_url, collection=env["ASSISTANT_COLLECTION"]), embedder)


def test_a_collection_belongs_to_one_index_folder(chroma_url: str, tmp_path: Path, embedder: Embedder) -> None:
    collection = f"owned-{uuid.uuid4().hex[:12]}"
    mine = Settings(index_dir=tmp_path / "one", chroma_url=chroma_url, collection=collection, seed_sample=False)
    first = Assistant(mine, Parts(embedder=embedder))
    first.index([SAMPLE])
    stored = first.components.store.count()
    first.close()
    other = Settings(index_dir=tmp_path / "two", chroma_url=chroma_url, collection=collection, seed_sample=False)
    with pytest.raises(StoreUnavailable, match="belongs to another index folder"):
        Assistant(other, Parts(embedder=embedder))  # its empty manifest would take every chunk for an orphan
    again = Assistant(mine, Parts(embedder=embedder))  # the owner still opens it, nothing was lost
    assert again.components.store.count() == stored and again.index().unchanged == 1
    again.close()
    own = Settings(index_dir=tmp_path / "two", chroma_url=chroma_url, collection=f"{collection}-b", seed_sample=False)
    Assistant(own, Parts(embedder=embedder)).close()  # with a collection of its own, the second folder is fine


def test_unreachable_chroma_server_is_one_clear_error(tmp_path: Path) -> None:
    result = _run({"ASSISTANT_CHROMA_URL": f"http://127.0.0.1:{free_port()}", "ASSISTANT_INDEX_DIR": str(tmp_path)},
                  "stats")
    assert result.returncode == 2 and "cannot reach the Chroma server" in result.stderr


@pytest.mark.slow
@pytest.mark.server
def test_served_api_over_a_chroma_server(chroma_url: str, tmp_path: Path, embedder: Embedder) -> None:
    collection = f"served-{uuid.uuid4().hex[:12]}"
    server = start_server(tmp_path / "index", env={"ASSISTANT_CHROMA_URL": chroma_url,
                                                   "ASSISTANT_COLLECTION": collection})
    try:
        answer = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=60).json()
        assert not answer["refused"] and answer["citations"]  # the seeded sample, stored on the Chroma server
        report = httpx.post(f"{server.url}/api/articles", timeout=60, json={
            "title": "Dam opens", "body": "The new dam opened on Monday and will power 40,000 homes."}).json()
        assert report["added"] == 1
        stats = httpx.get(f"{server.url}/api/stats").json()
        assert stats["chroma"] == chroma_url and stats["articles"] == 2
    finally:
        server.stop()
    _consistent(Settings(index_dir=tmp_path / "index", chroma_url=chroma_url, collection=collection), embedder)
