"""Read replicas on a real `chroma run`: a second index folder serving the writer's collection (ASSISTANT_REPLICA)
answers the same questions with the same citations, follows the writer's changes, and refuses writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.assistant import Assistant, Parts
from assistant.errors import ConfigurationError, ReadOnlyIndex
from assistant.indexing.embedding import Embedder
from assistant.settings import Settings
from tests.conftest import SAMPLE
from tests.interfaces.server.conftest import start_server

DAM = ("The new Three Forks dam opened on Monday after six years of building. It will power 40,000 homes in the "
       "valley, the regional utility said. Engineers flooded the reservoir in stages over the summer. Local farmers "
       "welcomed the steady supply of water for irrigation.")
ARTICLES = [
    {"title": "Three Forks dam opens", "body": DAM, "source": "River Times", "published_at": "2023-10-02",
     "url": "https://river.example.org/dam"},
    # a syndicated copy of the same story: one slot in retrieval, "also published by" on the writer and the replica
    {"title": "Dam opens in the valley", "body": DAM + " The dam cost 1.2 billion dollars.", "source": "Valley Post",
     "published_at": "2023-10-03", "url": "https://valley.example.org/dam"},
    {"title": "Central bank holds rates", "source": "Finance Daily", "published_at": "2023-11-01",
     "url": "https://finance.example.org/rates",
     "body": "The central bank held its main rate at 5.25% on Wednesday. Its governor said inflation was easing. "
             "Markets had expected the decision."},
]
QUESTIONS = ["How many homes will the new dam power?", "What did the central bank do with its main rate?",
             "What did the executive order tell Chicago police to wear?"]


def _seen(a: Assistant, question: str) -> tuple:
    """Return what a user sees of a question: the retrieved windows and the cited answer."""
    windows = [(w.id, w.meta["source"], tuple(w.meta.get("also_published_by", ()))) for w in a.retrieve(question)]
    answer = a.ask(question)
    return windows, answer.text, [c.model_dump() for c in answer.citations]


@pytest.fixture
def pair(chroma_url: str, tmp_path: Path, embedder: Embedder) -> Iterator[tuple[Assistant, Assistant]]:
    collection = f"replica-{uuid.uuid4().hex[:12]}"
    common = {"chroma_url": chroma_url, "collection": collection, "backend": "extractive", "seed_sample": False}
    writer = Assistant(Settings(index_dir=tmp_path / "writer", **common), Parts(embedder=embedder))
    replica = Assistant(Settings(index_dir=tmp_path / "replica", replica=True, replica_refresh=0, **common),
                        Parts(embedder=embedder))
    yield writer, replica
    replica.close()
    writer.close()


def test_replica_answers_like_the_writer_and_follows_its_changes(pair: tuple[Assistant, Assistant]) -> None:
    writer, replica = pair
    assert writer.index([SAMPLE]).added == 1
    report = writer.add_articles(ARTICLES)
    assert report.added == 3 and report.near_duplicates == 1
    for question in QUESTIONS:
        assert _seen(replica, question) == _seen(writer, question)
    windows = replica.retrieve(QUESTIONS[0])
    dam = [w for w in windows if "40,000 homes" in w.text]
    assert len(dam) == 1 and dam[0].meta["also_published_by"]  # the copies are one story on the replica too
    assert replica.stats().articles == writer.stats().articles == 4
    assert replica.components.manifest.lexical_articles() == writer.components.manifest.lexical_articles()

    # a new article, a changed one and a removed one reach the replica without any step on its side
    writer.add_articles([{"title": "Bridge closes", "source": "River Times", "url": "https://river.example.org/br",
                          "body": "The old Mill Street bridge closed for repairs on Friday for nine months."}])
    assert any("nine months" in w.text for w in replica.retrieve("How long will the Mill Street bridge close?"))
    changed = dict(ARTICLES[2], body="The central bank cut its main rate to 4.75% on Wednesday.")
    assert writer.add_articles([changed]).updated == 1
    texts = [w.text for w in replica.retrieve(QUESTIONS[1])]
    assert any("4.75%" in t for t in texts) and not any("5.25%" in t for t in texts)
    bridge = next(r for r in writer.articles(text="bridge")[1])
    writer.delete_article(bridge.id)
    assert replica.article(bridge.id) is None and replica.stats().articles == 4
    for question in QUESTIONS[1:]:
        assert _seen(replica, question) == _seen(writer, question)


def test_replica_refuses_writes_and_wrong_settings(pair: tuple[Assistant, Assistant], tmp_path: Path,
                                                   embedder: Embedder) -> None:
    writer, replica = pair
    writer.add_articles(ARTICLES[2:])
    with pytest.raises(ReadOnlyIndex, match="read replica"):
        replica.add_articles(ARTICLES[:1])
    with pytest.raises(ReadOnlyIndex, match="read replica"):
        replica.index([SAMPLE])
    with pytest.raises(ReadOnlyIndex, match="read replica"):
        replica.follow_source("https://feeds.example.org/rss")
    assert writer.stats().articles == 1 and writer.components.store.count() == 3  # nothing was written
    with pytest.raises(ConfigurationError, match="ASSISTANT_CHROMA_URL"):
        Assistant(Settings(index_dir=tmp_path / "alone", replica=True, seed_sample=False), Parts(embedder=embedder))
    with pytest.raises(ConfigurationError, match="folder of its own"):
        Assistant(writer.settings.model_copy(update={"replica": True}), Parts(embedder=embedder))


@pytest.mark.slow
@pytest.mark.server
def test_served_replica_answers_the_writers_questions(chroma_url: str, tmp_path: Path) -> None:
    env = {"ASSISTANT_CHROMA_URL": chroma_url, "ASSISTANT_COLLECTION": f"served-replica-{uuid.uuid4().hex[:8]}"}
    writer = start_server(tmp_path / "writer", env=env)  # seeds the bundled sample article
    replica = None
    try:
        replica = start_server(tmp_path / "replica", env=env | {"ASSISTANT_REPLICA": "true",
                                                                  "ASSISTANT_REPLICA_REFRESH": "0"})
        question = {"question": QUESTIONS[2]}
        mine = httpx.post(f"{writer.url}/api/ask", json=question, timeout=120).json()
        theirs = httpx.post(f"{replica.url}/api/ask", json=question, timeout=120).json()
        assert not mine["refused"] and mine["citations"]
        assert (theirs["answer"], theirs["citations"]) == (mine["answer"], mine["citations"])
        refused = httpx.post(f"{replica.url}/api/articles", json=ARTICLES[2], timeout=60)
        assert refused.status_code == 422 and "read replica" in refused.text
        assert httpx.post(f"{writer.url}/api/articles", json=ARTICLES[2], timeout=60).json()["added"] == 1
        answer = httpx.post(f"{replica.url}/api/ask", json={"question": QUESTIONS[1]}, timeout=120).json()
        assert not answer["refused"] and "5.25%" in answer["answer"]
        assert httpx.get(f"{replica.url}/api/stats").json()["articles"] == 2
    finally:
        if replica is not None:
            replica.stop()
        writer.stop()
