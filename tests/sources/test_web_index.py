"""Feeds, sitemaps and pages indexed through the facade: a real HTTP server on 127.0.0.1 serving MultiHop-RAG
articles as HTML pages with boilerplate, the real embedding model and a real Chroma store in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.assistant import Assistant, Parts
from assistant.errors import InvalidRequest, NotFound
from assistant.indexing.embedding import Embedder
from assistant.settings import Settings

from .sitegen import (
    BOILERPLATE,
    Route,
    Site,
    SiteArticle,
    build_hostile_site,
    build_news_site,
    render_page,
    serve,
    wait_until,
)


def web_settings(tmp_path: Path, **extra: object) -> Settings:
    base = {"index_dir": tmp_path / "index", "backend": "extractive", "seed_sample": False,
            "fetch_allow_private": True, "fetch_min_delay": 0, "fetch_connect_timeout": 2, "fetch_read_timeout": 1.5,
            "fetch_total_timeout": 10, "fetch_max_per_host": 4}
    return Settings(**(base | extra))


@pytest.fixture
def site(site_articles: list[dict]) -> Iterator[tuple[Site, list[SiteArticle], str]]:
    """A site of its own per test (pages get edited): six articles, pages, RSS, Atom and a news sitemap."""
    site, items = build_news_site(site_articles[:6])
    with serve(site) as base:
        yield site, items, base


@pytest.fixture
def web_assistant(tmp_path: Path, embedder: Embedder) -> Iterator[Assistant]:
    a = Assistant(web_settings(tmp_path), Parts(embedder=embedder))
    yield a
    a.close()


@pytest.mark.parametrize("path", ["/feeds/rss.xml", "/feeds/atom.xml", "/sitemaps/news.xml"])
def test_listing_brings_in_its_articles_searchable(web_assistant: Assistant, site, path: str) -> None:
    _, items, base = site
    report = web_assistant.index([base + path])
    assert not report.failed, report.failed
    assert report.added == len(items) and report.chunks_embedded > 0
    (source,) = report.sources
    assert source.url == base + path and source.listed == len(items) and source.added == len(items)
    assert source.kind in {"rss", "atom", "sitemap"}
    # The canonical URL is the identity: the feeds link with tracking parameters, the articles carry none.
    urls = {a.url for a in web_assistant.articles(limit=50)[1]}
    assert urls == {base + i.path for i in items}
    target = items[2]
    hits = web_assistant.retrieve(target.source["title"], k=3)
    assert hits and hits[0].meta["url"] == base + target.path
    text = " ".join(h.text for h in web_assistant.retrieve(target.source["title"], k=20))
    for boiler in BOILERPLATE:
        assert boiler not in text


def test_second_poll_costs_no_embedding_and_is_answered_by_304s(web_assistant: Assistant, site) -> None:
    s, items, base = site
    first = web_assistant.index([base + "/feeds/rss.xml"])
    assert first.added == len(items) and not first.failed
    before = len(s.requests)
    second = web_assistant.index([base + "/feeds/rss.xml"])
    assert not second.failed
    assert second.chunks_embedded == 0 and second.added == 0 and second.updated == 0
    assert second.unchanged == len(items)
    (source,) = second.sources
    assert source.not_modified == len(items) + 1  # the feed and every page it lists
    asked = s.requests[before:]
    assert asked and all("if-none-match" in h for _, p, h in asked if not p.startswith("/robots"))


def test_edited_page_updates_its_article(web_assistant: Assistant, site) -> None:
    s, items, base = site
    web_assistant.index([base + "/feeds/atom.xml"])
    target = items[1]
    edited = dict(target.source, body=target.source["body"] + "\n\nUpdate: the company issued a correction "
                  "about the zeppelin lemonade figures on Friday.")
    changed = SiteArticle(target.index, edited, target.slug, target.published)
    s.add(target.path, Route(body=lambda b: render_page(changed, b, [])))
    report = web_assistant.index([base + "/feeds/atom.xml"])
    assert not report.failed
    assert report.updated == 1 and report.added == 0 and report.unchanged == len(items) - 1
    assert report.chunks_embedded > 0
    total, _ = web_assistant.articles(limit=50)
    assert total == len(items)  # replaced, not added beside the old version
    hits = web_assistant.retrieve("zeppelin lemonade correction", k=1)
    assert hits[0].meta["url"] == base + target.path and "zeppelin lemonade" in hits[0].text


def test_single_article_page(web_assistant: Assistant, site) -> None:
    _, items, base = site
    page = base + items[0].path + "?utm_source=newsletter"
    report = web_assistant.index([page])
    assert not report.failed and report.added == 1
    assert report.sources[0].kind == "html"
    (row,) = web_assistant.articles()[1]
    assert row.url == base + items[0].path and row.title == items[0].source["title"]
    again = web_assistant.index([page])
    assert again.chunks_embedded == 0 and again.unchanged == 1 and again.sources[0].not_modified == 1


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[str]:
    site = build_hostile_site()
    with serve(site) as base:
        yield base


def test_hostile_sources_each_fail_clearly_and_the_rest_goes_on(tmp_path: Path, embedder: Embedder,
                                                                 hostile: str) -> None:
    a = Assistant(web_settings(tmp_path, fetch_read_timeout=1.0, fetch_total_timeout=3,
                               fetch_max_bytes=5_000_000), Parts(embedder=embedder))
    try:
        bad = {
            "/feeds/malformed.xml": "malformed xml",
            "/feeds/huge.xml": "larger than 5 mb",
            "/loop/a": "redirect loop",
            "/hang": "timed out",
            "/report.pdf": "not an html page or feed (application/pdf)",
            "/bomb.xml": "larger than 5 mb once decompressed",
        }
        urls = [hostile + p for p in bad] + [hostile + "/feeds/good.xml"]
        report = a.index(urls)
        failed = {f.path: f.error for f in report.failed}
        for path, word in bad.items():
            assert hostile + path in failed, (path, failed)
            assert word in failed[hostile + path].lower()
        assert report.added == 1  # the good feed's one article
        assert len(report.sources) == len(urls)
        assert a.retrieve("night bus network northern suburbs", k=1)[0].meta["url"] == hostile + "/ok.html"
    finally:
        a.close()


def test_private_address_refused_by_default(tmp_path: Path, embedder: Embedder, hostile: str) -> None:
    a = Assistant(web_settings(tmp_path, fetch_allow_private=False), Parts(embedder=embedder))
    try:
        url = hostile + "/feeds/good.xml"
        report = a.index([url])
        (failure,) = report.failed
        assert failure.path == url
        assert "127.0.0.1" in failure.error and ("loopback" in failure.error or "private" in failure.error)
        assert report.added == 0 and report.chunks_embedded == 0
    finally:
        a.close()


def test_followed_sources_through_the_facade(web_assistant: Assistant, site) -> None:
    _, items, base = site
    feed = base + "/feeds/rss.xml"
    followed = web_assistant.follow_source(feed)
    assert followed.url == feed and followed.last_poll is None
    assert [f.url for f in web_assistant.followed_sources()] == [feed]
    report = web_assistant.index()  # no path: polls the followed sources
    assert report.added == len(items)
    (after,) = web_assistant.followed_sources()
    assert after.last_poll and after.last_new == len(items) and after.articles == len(items)
    assert not after.last_errors
    again = web_assistant.poll()
    assert again.chunks_embedded == 0 and again.unchanged == len(items)
    assert web_assistant.followed_sources()[0].last_new == 0
    with pytest.raises(InvalidRequest, match="ftp://x"):
        web_assistant.follow_source("ftp://x")
    with pytest.raises(NotFound, match="not a followed source"):
        web_assistant.unfollow_source(base + "/other.xml")
    removed = web_assistant.unfollow_source(feed, delete_articles=True)
    assert removed.removed == len(items)
    assert web_assistant.followed_sources() == [] and web_assistant.articles()[0] == 0


def test_background_poller_polls_the_followed_sources(web_assistant: Assistant, site) -> None:
    _, items, base = site
    assert web_assistant.start_polling() is False  # no interval set: no poller
    web_assistant.follow_source(base + "/sitemaps/news.xml")
    assert web_assistant.start_polling(interval=3600) is True  # polls at once, then every hour
    try:
        assert wait_until(lambda: web_assistant.followed_sources()[0].last_poll is not None, timeout=120)
    finally:
        web_assistant.stop_polling()
    (polled,) = web_assistant.followed_sources()
    assert polled.last_new == len(items) and polled.articles == len(items) and not polled.last_errors
    assert web_assistant.articles()[0] == len(items)
