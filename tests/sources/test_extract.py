"""Article pages → body and metadata: the fixture site's 20 real articles over HTTP, and the rules on their own."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime

import pytest

from assistant.sources.extract import ExtractError, ExtractOptions, accept_canonical, extract_article
from assistant.sources.feeds import parse_listing
from assistant.sources.fetch import Fetcher

from .conftest import MEASURED
from .sitegen import BOILERPLATE, NAV_LINE, OK_PARAGRAPHS, Site, SiteArticle, paragraphs, small_page
from .textsim import similarity, squash


@pytest.mark.server
def test_pages_of_the_feed_extract_to_the_original_articles(news_site: tuple[Site, list[SiteArticle], str],
                                                            fetcher: Fetcher) -> None:
    site, items, base = news_site
    feed = fetcher.fetch(base + "/feeds/rss.xml")
    listing = parse_listing(feed.content, feed.final_url, feed.content_type)
    assert len(listing.entries) == len(items) == 20
    scores: list[float] = []
    leaks: list[str] = []
    titles = {a.source["title"] for a in items}
    for entry, item in zip(listing.entries, items):
        result = fetcher.fetch(entry.url)
        article = extract_article(result.content, result.final_url, fetched=result, listed=entry,
                                  listed_in=listing.url)
        original = item.source
        scores.append(similarity(squash(article.body), squash(original["body"])))
        # metadata
        assert article.title == original["title"]
        assert article.source == original["source"]
        # trafilatura trims a place from a byline ("Sid Lowe at the Ramón Sánchez Pizjuán Stadium" -> "Sid Lowe")
        assert article.author == item.author or (item.author or "").startswith(f"{article.author} at the ")
        assert article.published_at == datetime.fromisoformat(original["published_at"])
        assert article.published_at.tzinfo is not None
        assert article.url == base + item.path  # the canonical URL, without the feed's tracking parameters
        assert article.fetched_url == entry.url and article.declared_canonical == base + item.path
        assert article.etag == result.etag and article.listed_in == base + "/feeds/rss.xml"
        assert "\n\n" in article.body  # paragraphs kept apart
        # boilerplate: none of it, nor the headlines of the related / most-read lists, may reach the body
        for text in (*BOILERPLATE, NAV_LINE):
            if text in article.body:
                leaks.append(f"{item.slug}: {text!r}")
        for title in titles - {original["title"]}:
            if title in article.body and title not in original["body"]:
                leaks.append(f"{item.slug}: related headline {title!r}")
    average = sum(scores) / len(scores)
    MEASURED["extraction similarity (20 pages)"] = (f"average {average:.4f}, min {min(scores):.4f} "
                                                     "(2·LCS/(|a|+|b|), whitespace squashed)")
    assert not leaks, "boilerplate in extracted bodies:\n" + "\n".join(leaks)
    assert average >= 0.95, f"average similarity {average:.3f}: {[round(s, 3) for s in scores]}"
    assert min(scores) >= 0.9


@pytest.mark.unit
def test_paragraphs_and_normalised_text() -> None:
    page = small_page("Night buses extended", [OK_PARAGRAPHS[0] + "\u200b\u00ad", " \t" + OK_PARAGRAPHS[1],
                                                OK_PARAGRAPHS[2]])
    article = extract_article(page, "https://city.example/news/buses")
    assert article.body == "\n\n".join(OK_PARAGRAPHS)
    assert article.title == "Night buses extended" and article.url == "https://city.example/news/buses"
    assert article.source == "city.example" and article.published_at is None


def _page(canonical: str | None = None, og_url: str | None = None, ld_date: str | None = None,
          meta_date: str | None = None) -> bytes:
    head = []
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if og_url:
        head.append(f'<meta property="og:url" content="{og_url}">')
    if meta_date:
        head.append(f'<meta property="article:published_time" content="{meta_date}">')
    if ld_date:
        head.append('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
                    f'"headline": "Night buses extended", "datePublished": "{ld_date}"}}</script>')
    body = "".join(f"<p>{p}</p>" for p in OK_PARAGRAPHS)
    return (f"<!DOCTYPE html><html><head><title>Night buses extended</title>{''.join(head)}</head><body><article>"
            f"<h1>Night buses extended</h1>{body}</article></body></html>").encode()


@pytest.mark.unit
def test_canonical_url_is_accepted_on_the_same_site_only() -> None:
    fetched = "https://www.city.example/news/buses?utm_source=rss"
    same = extract_article(_page(canonical="https://city.example/2023/12/05/buses"), fetched)
    assert same.url == "https://city.example/2023/12/05/buses"
    relative = extract_article(_page(canonical="/2023/12/05/buses"), fetched)
    assert relative.url == "https://www.city.example/2023/12/05/buses"
    og = extract_article(_page(og_url="https://m.city.example/buses"), fetched)
    assert og.url == "https://m.city.example/buses"
    # a syndicated copy (or a hostile page) naming another outlet's URL keeps its own URL
    other = extract_article(_page(canonical="https://wire.example/story/123"), fetched)
    assert other.url == fetched and other.declared_canonical == "https://wire.example/story/123"
    trusting = extract_article(_page(canonical="https://wire.example/story/123"), fetched,
                               options=ExtractOptions(trust_canonical="any"))
    assert trusting.url == "https://wire.example/story/123"
    assert accept_canonical("https://evil.example/a", "https://news.example/b") is None
    assert accept_canonical("javascript:alert(1)", "https://news.example/b") is None
    bad = extract_article(_page(canonical="javascript:alert(1)"), fetched)
    assert bad.url == fetched and bad.declared_canonical is None


@pytest.mark.unit
def test_publication_time_comes_from_structured_data_on_htmldates_day() -> None:
    article = extract_article(_page(ld_date="2023-12-05T09:30:00+01:00"), "https://city.example/a")
    assert article.published_at == datetime(2023, 12, 5, 8, 30, tzinfo=UTC)
    assert article.published_at.utcoffset().total_seconds() == 3600
    meta = extract_article(_page(meta_date="2023-12-05T23:30:00-05:00"), "https://city.example/a")
    assert meta.published_at == datetime(2023, 12, 6, 4, 30, tzinfo=UTC)
    day_only = extract_article(_page(meta_date="2023-12-05"), "https://city.example/a")
    assert day_only.published_at == datetime(2023, 12, 5, tzinfo=UTC)


@pytest.mark.unit
@pytest.mark.parametrize("content, reason", [
    (b"", "the page is empty"),
    (b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
     "not an article page: only 4 characters of text were found"),
    (b"<html><body><article><p>Too short.</p></article></body></html>",
     "not an article page: only 10 characters of text were found"),
])
def test_pages_without_an_article(content: bytes, reason: str) -> None:
    with pytest.raises(ExtractError) as caught:
        extract_article(content, "https://x.example/p")
    assert str(caught.value) == f"https://x.example/p: {reason}"


_NETWORK_EVENTS: list[tuple[str, object]] = []
_WATCH = threading.local()


def _audit(event: str, args: tuple) -> None:
    if getattr(_WATCH, "on", False) and event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        _NETWORK_EVENTS.append((event, args))


sys.addaudithook(_audit)


@pytest.mark.unit
def test_extraction_never_touches_the_network() -> None:
    """trafilatura and htmldate can download: a str that looks like a URL must never reach them as a URL."""
    _NETWORK_EVENTS.clear()
    _WATCH.on = True
    try:
        with pytest.raises(ExtractError):
            extract_article("http://127.0.0.1:9/never-fetched", "https://x.example/p")
        extract_article(_page(canonical="http://127.0.0.1:9/c", ld_date="2023-12-05"), "https://x.example/p")
    finally:
        _WATCH.on = False
    assert _NETWORK_EVENTS == []


@pytest.mark.unit
def test_huge_pages_are_refused_by_element_count() -> None:
    page = b"<html><body><article>" + b"<p>word word word</p>" * 2000 + b"</article></body></html>"
    with pytest.raises(ExtractError, match=r"the page has 2,0\d\d HTML elements, more than the limit of 1,000"):
        extract_article(page, "https://x.example/p", options=ExtractOptions(max_tree_size=1000))


@pytest.mark.unit
def test_paragraph_helper_matches_corpus_layout() -> None:
    assert paragraphs("a\n\n b \n\n\nc") == ["a", "b", "c"]
