"""Polling sources end to end over HTTP: feed → pages → records, the all-304 poll, hostile sources in one batch."""

from __future__ import annotations

import random

import pytest

from assistant.sources.fetch import FetchConfig, Fetcher
from assistant.sources.poll import Poller, PollState
from assistant.sources.syndication import SyndicationIndex

from .sitegen import Route, Site, SiteArticle, build_hostile_site, serve, small_page
from .wire import SAME_EVENT_PAIRS, republish


@pytest.mark.server
def test_poll_reads_new_articles_then_costs_only_304s(news_site: tuple[Site, list[SiteArticle], str],
                                                      local_config: FetchConfig) -> None:
    site, items, base = news_site
    with Fetcher(local_config) as fetcher:
        poller = Poller(fetcher)
        first = poller.poll([base + "/feeds/rss.xml"])
        assert first.failures == [] and first.listings == 1 and first.listed == 20
        assert sorted(a.url for a in first.articles) == sorted(base + a.path for a in items)
        assert all(a.listed_in == base + "/feeds/rss.xml" and a.body for a in first.articles)
        # the Atom feed and the sitemap index list the same articles (without tracking parameters): nothing new
        again = poller.poll([base + "/feeds/atom.xml", base + "/sitemap_index.xml"])
        assert again.articles == [] and again.failures == [] and again.listings == 3
        assert again.listed == 40 and again.known == 20  # 20 distinct URLs, all read already
        # nothing changed: every listing and page answers 304
        saved = PollState.from_json(poller.state.to_json())
        assert saved == poller.state
        sources = [base + "/feeds/rss.xml", base + "/feeds/atom.xml", base + "/sitemaps/news.xml"]
        sources += [base + a.path for a in items]
        quiet = Poller(fetcher, state=saved).poll(sources)
    assert quiet.articles == [] and quiet.failures == []
    assert sorted(quiet.not_modified) == sorted(sources) and quiet.bytes_received == 0


@pytest.mark.server
def test_hostile_sources_fail_one_by_one_and_the_good_feed_is_read(local_config: FetchConfig) -> None:
    with serve(build_hostile_site()) as base:
        sources = ["/feeds/good.xml", "/feeds/malformed.xml", "/feeds/huge.xml", "/bomb.xml", "/hang", "/loop/a",
                   "/report.pdf", "/private/feed.xml"]
        with Fetcher(local_config) as fetcher:
            report = Poller(fetcher).poll([base + s for s in sources])
    assert [a.title for a in report.articles] == ["Night buses extended"]
    assert report.articles[0].url == base + "/ok.html"
    failures = {f.url[len(base):]: f.reason for f in report.failures}
    assert failures == {
        "/feeds/malformed.xml": "malformed XML: not well-formed (invalid token) (line 3)",
        "/feeds/huge.xml": "the response is larger than 10 MB",
        "/bomb.xml": "the response is larger than 10 MB once decompressed",
        "/hang": "timed out after 1.5 s (the server stopped answering)",
        "/loop/a": f"redirect loop ({base}/loop/a → {base}/loop/b → {base}/loop/a)",
        "/report.pdf": "not an HTML page or feed (application/pdf)",
        "/private/feed.xml": "disallowed by the site's robots.txt for news-assistant",
    }
    assert all(str(f) == f"{f.url}: {f.reason}" for f in report.failures)


@pytest.mark.server
def test_private_sources_are_refused_without_allow_private() -> None:
    with serve(build_hostile_site()) as base, Fetcher(FetchConfig(min_delay=0)) as fetcher:
        report = Poller(fetcher).poll([base + "/feeds/good.xml"])
    assert report.articles == []
    expected = (f"{base}/feeds/good.xml: refused: 127.0.0.1 is a loopback address "
                "(set ASSISTANT_FETCH_ALLOW_PRIVATE=true to allow)")
    assert [str(f) for f in report.failures] == [expected]


@pytest.mark.server
def test_poll_marks_syndicated_copies(corpus: list[dict], local_config: FetchConfig) -> None:
    wire, distinct = SAME_EVENT_PAIRS[1]
    rng = random.Random(2)
    texts = {"/wire.html": corpus[wire], "/copy-1.html": None, "/copy-2.html": None, "/other.html": corpus[distinct]}
    site = Site()
    site.add("/robots.txt", Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
    for path, article in texts.items():
        if article is None:
            copy = republish(corpus[wire], wire, len(path), rng)
            title, body = copy.title, copy.body
        else:
            title, body = article["title"], article["body"]
        site.add(path, Route(body=small_page(title, [p for p in body.split("\n") if p.strip()])))
    with serve(site) as base, Fetcher(local_config) as fetcher:
        report = Poller(fetcher, syndication=SyndicationIndex()).poll([base + p for p in texts])
    assert report.failures == [] and len(report.articles) == 4
    group = {a.url: report.duplicates.get(a.url, a.url) for a in report.articles}
    assert len({group[base + p] for p in ("/wire.html", "/copy-1.html", "/copy-2.html")}) == 1
    assert group[base + "/other.html"] == base + "/other.html"
    assert len(report.duplicates) == 2
