"""Followed sources in the server, in process: /api/sources through the real app (RequestGuard included) and the
Articles tab's handlers, over a real Assistant (real store, real embedding model) and a real HTTP server on
127.0.0.1 serving a feed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.assistant import Assistant, Parts
from assistant.indexing.embedding import Embedder
from assistant.interfaces.server.app import create_app
from assistant.interfaces.server.ui_articles import ArticleHandlers
from assistant.interfaces.server.ui_render import followed_html
from assistant.settings import Settings
from assistant.types import FollowedSource
from tests.sources.sitegen import build_hostile_site, serve


@pytest.fixture
def site() -> Iterator[str]:
    with serve(build_hostile_site()) as base:
        yield base


@pytest.fixture
def web(tmp_path: Path, embedder: Embedder) -> Iterator[Assistant]:
    settings = Settings(index_dir=tmp_path / "index", backend="extractive", seed_sample=False,
                        fetch_allow_private=True, fetch_min_delay=0, fetch_read_timeout=1.5, fetch_total_timeout=5)
    a = Assistant(settings, Parts(embedder=embedder))
    yield a
    a.close()


def test_sources_api(web: Assistant, site: str) -> None:
    feed = f"{site}/feeds/good.xml"
    app = create_app(web, web.settings)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/api/sources").json() == []
        added = client.post("/api/sources", json={"url": feed})
        assert added.status_code == 200 and added.json()["url"] == feed and added.json()["last_poll"] is None
        polled = client.post("/api/sources/poll")
        assert polled.status_code == 200 and polled.json()["added"] == 1 and polled.json()["chunks_embedded"] > 0
        again = client.post("/api/sources", json={"url": feed, "poll": True})  # following again: polled at once
        assert again.status_code == 200 and again.json()["chunks_embedded"] == 0 and again.json()["unchanged"] == 1
        (row,) = client.get("/api/sources").json()
        assert row["url"] == feed and row["articles"] == 1 and row["last_poll"]

        wrong_type = client.post("/api/sources", content=b'{"url": "x"}', headers={"Content-Type": "text/plain"})
        assert wrong_type.status_code == 415 and "Content-Type" in wrong_type.text
        bad = client.post("/api/sources", json={"url": "ftp://example.org/feed"})
        assert bad.status_code == 422 and "ftp://example.org/feed" in bad.json()["error"]
        missing = client.delete("/api/sources", params={"url": f"{site}/never.xml"})
        assert missing.status_code == 404 and "not a followed source" in missing.json()["error"]
        gone = client.delete("/api/sources", params={"url": feed})
        assert gone.status_code == 200 and gone.json() == {"unfollowed": feed, "removed": 0}
        assert client.get("/api/sources").json() == []


def test_articles_tab_handlers(web: Assistant, site: str, tmp_path: Path) -> None:
    arts = ArticleHandlers(web, tmp_path)
    assert "No followed feeds" in arts.followed()
    feed = f"{site}/feeds/good.xml"
    report, listed = arts.follow(feed)
    assert "following" in report and "1</b> added" in report and "answered 304" in report
    assert feed in listed and "not polled yet" not in listed
    report, _ = arts.poll()
    assert "polled 1 source" in report and "0</b> added" in report
    message, listed = arts.follow("ftp://nowhere/feed")
    assert "ftp://nowhere/feed" in message and "ftp://nowhere" not in listed
    message, listed = arts.unfollow(feed)
    assert "No longer following" in message and "No followed feeds" in listed
    message, _ = arts.unfollow(feed)
    assert "not a followed source" in message


def test_followed_list_escapes_untrusted_text() -> None:
    hostile = FollowedSource(url="https://evil.example/feed?<script>alert(1)</script>", added_at="2024-01-01",
                             last_poll="2024-01-02T10:00:00+00:00", last_new=2,
                             last_errors=['https://evil.example/a: <img src=x onerror=alert(1)> "quoted"'])
    html = followed_html([hostile])
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "2024-01-02 10:00" in html
