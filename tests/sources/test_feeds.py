"""Feeds and sitemaps → the article URLs they name (unit tests on documents, and the fixture site over HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.sources.feeds import (
    DocumentKind,
    FeedError,
    detect_kind,
    parse_feed,
    parse_listing,
    parse_sitemap,
    strip_tracking,
)
from assistant.sources.fetch import Fetcher

from .sitegen import MALFORMED_FEED, Site, SiteArticle, build_hostile_site, serve

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- generated -->
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Wire &amp; Co</title><language>en</language>
<item><title>Rates held</title><link>/business/rates-held</link><pubDate>Wed, 20 Mar 2024 18:00:00 -0400</pubDate>
  <dc:creator>Jane Roe</dc:creator><description>&lt;p&gt;The central bank &lt;b&gt;held&lt;/b&gt; rates.&lt;/p&gt;</description></item>
<item><title>No link here</title><description>skipped</description></item>
<item><title>Permalink guid</title><guid isPermaLink="true">https://wire.example/2024/03/guid-story</guid></item>
<item><title>Rates held (dup)</title><link>https://wire.example/business/rates-held</link></item>
<item><title>Script link</title><link>javascript:alert(1)</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/news/">
<title>Atom News</title><id>urn:x</id><updated>2024-01-02T00:00:00Z</updated>
<entry><title type="html">Storm &lt;em&gt;warning&lt;/em&gt;</title><link rel="alternate" href="storm"/>
  <link rel="enclosure" href="https://cdn.example/storm.mp3"/>
  <id>urn:1</id><published>2024-01-02T08:15:00+01:00</published><updated>2024-01-02T09:00:00+01:00</updated>
  <author><name>Ann Lee</name></author></entry>
</feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://paper.example/a</loc><lastmod>2024-02-01</lastmod>
  <news:news><news:publication><news:name>The Paper</news:name><news:language>en</news:language></news:publication>
  <news:publication_date>2024-02-01T07:00:00+00:00</news:publication_date><news:title>Budget passes</news:title></news:news></url>
<url><loc>https://paper.example/b</loc></url>
<url><loc>ftp://paper.example/c</loc></url>
</urlset>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://paper.example/sitemap-news.xml</loc><lastmod>2024-02-01T00:00:00Z</lastmod></sitemap>
<sitemap><loc>/sitemap-2024-01.xml.gz</loc></sitemap>
</sitemapindex>"""

JSON_FEED = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "JSON Wire", "items": [{"id": "1", '
             b'"url": "https://json.example/a", "title": "A", "date_published": "2024-01-05T10:00:00-05:00", '
             b'"authors": [{"name": "Kim"}]}, {"id": "2", "title": "no url"}]}')


@pytest.mark.unit
@pytest.mark.parametrize("content, content_type, kind", [
    (RSS, "application/rss+xml", DocumentKind.RSS),
    (RSS, "text/html", DocumentKind.RSS),  # the content decides
    (ATOM, None, DocumentKind.ATOM),
    (b"\xef\xbb\xbf<?xml version='1.0'?><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>", None,
     DocumentKind.RDF),
    (NEWS_SITEMAP, "text/xml", DocumentKind.SITEMAP),
    (SITEMAP_INDEX, "application/xml", DocumentKind.SITEMAP_INDEX),
    (b"<!DOCTYPE html>\n<html><head><title>x</title></head></html>", "text/html", DocumentKind.HTML),
    (b"  <html lang='en'><body>x</body></html>", None, DocumentKind.HTML),
    (b"<div>a fragment</div>", "text/html", DocumentKind.HTML),
    (JSON_FEED, "application/json", DocumentKind.JSON_FEED),
    (b'{"title": "an article"}', "application/json", DocumentKind.UNKNOWN),
    (b"plain words", "text/plain", DocumentKind.UNKNOWN),
])
def test_detect_kind(content: bytes, content_type: str | None, kind: DocumentKind) -> None:
    assert detect_kind(content, content_type) == kind


@pytest.mark.unit
def test_rss_entries_links_dates_and_authors() -> None:
    listing = parse_listing(RSS, "https://wire.example/feeds/top.xml", "application/rss+xml")
    assert listing.kind == DocumentKind.RSS and listing.title == "Wire & Co"
    assert listing.urls == ["https://wire.example/business/rates-held", "https://wire.example/2024/03/guid-story"]
    first = listing.entries[0]
    assert first.title == "Rates held" and first.author == "Jane Roe" and first.source == "Wire & Co"
    assert first.published_at == datetime(2024, 3, 20, 22, 0, tzinfo=UTC)
    assert first.published_at.utcoffset() is not None
    assert first.summary == "The central bank held rates."
    assert listing.warnings == ("2 entries without an http(s) link skipped",)


@pytest.mark.unit
def test_atom_relative_links_resolve_against_xml_base() -> None:
    listing = parse_listing(ATOM, "https://atom.example/feed.atom")
    assert listing.kind == DocumentKind.ATOM
    assert listing.urls == ["https://atom.example/news/storm"]
    entry = listing.entries[0]
    assert entry.title == "Storm warning" and entry.author == "Ann Lee"
    assert entry.published_at == datetime(2024, 1, 2, 7, 15, tzinfo=UTC)
    assert entry.updated_at == datetime(2024, 1, 2, 8, 0, tzinfo=UTC)


@pytest.mark.unit
def test_news_sitemap_and_sitemap_index() -> None:
    listing = parse_listing(NEWS_SITEMAP, "https://paper.example/sitemap-news.xml")
    assert listing.kind == DocumentKind.SITEMAP
    assert listing.urls == ["https://paper.example/a", "https://paper.example/b"]
    a = listing.entries[0]
    assert (a.title, a.source, a.language) == ("Budget passes", "The Paper", "en")
    assert a.published_at == datetime(2024, 2, 1, 7, 0, tzinfo=UTC)
    assert listing.entries[1].title is None and listing.warnings == ("1 entry without an http(s) <loc> skipped",)
    index = parse_listing(SITEMAP_INDEX, "https://paper.example/sitemap.xml")
    assert index.kind == DocumentKind.SITEMAP_INDEX and index.entries == ()
    assert [s.url for s in index.sitemaps] == ["https://paper.example/sitemap-news.xml",
                                               "https://paper.example/sitemap-2024-01.xml.gz"]
    assert index.sitemaps[0].updated_at == datetime(2024, 2, 1, tzinfo=UTC)


@pytest.mark.unit
def test_json_feed() -> None:
    listing = parse_listing(JSON_FEED, "https://json.example/feed.json", "application/feed+json")
    assert listing.kind == DocumentKind.JSON_FEED and listing.urls == ["https://json.example/a"]
    assert listing.entries[0].author == "Kim"
    assert listing.entries[0].published_at == datetime(2024, 1, 5, 15, 0, tzinfo=UTC)


@pytest.mark.unit
def test_malformed_documents_name_the_url_and_the_line() -> None:
    url = "https://bad.example/feed.xml"
    with pytest.raises(FeedError) as caught:
        parse_listing(MALFORMED_FEED, url)
    assert str(caught.value) == f"{url}: malformed XML: not well-formed (invalid token) (line 3)"
    assert caught.value.kind == "malformed"
    broken_sitemap = NEWS_SITEMAP[:300]
    with pytest.raises(FeedError) as caught:
        parse_sitemap(broken_sitemap, url)
    assert str(caught.value).startswith(f"{url}: malformed XML: ") and "(line 4)" in str(caught.value)
    with pytest.raises(FeedError, match=r"^https://bad.example/feed.xml: malformed JSON feed: "):
        parse_feed(JSON_FEED[:60], url, "application/feed+json")


@pytest.mark.unit
def test_a_stray_ampersand_is_read_leniently_with_a_warning() -> None:
    doc = (b"<rss version='2.0'><channel><title>T</title><item><title>A & B</title><link>https://x.org/a</link>"
           b"</item></channel></rss>")
    listing = parse_listing(doc, "https://x.org/feed")
    assert listing.urls == ["https://x.org/a"]
    assert listing.warnings == ("malformed XML: not well-formed (invalid token) (line 1); read leniently",)


@pytest.mark.unit
@pytest.mark.parametrize("content, reason", [
    (b"<!DOCTYPE html><html><body><p>hello</p></body></html>", "not a feed or sitemap: the document is an HTML page"),
    (b"/etc/passwd", "not a feed or sitemap: the document is neither a feed nor a sitemap"),
    (b"", "not a feed or sitemap: the document is neither a feed nor a sitemap"),
])
def test_documents_that_are_not_listings(content: bytes, reason: str) -> None:
    with pytest.raises(FeedError) as caught:
        parse_listing(content, "https://x.org/f")
    assert str(caught.value) == f"https://x.org/f: {reason}"


@pytest.mark.unit
def test_a_body_naming_a_file_is_never_opened() -> None:
    """feedparser opens bytes that name a file: the parser must hand it a stream."""
    with pytest.raises(FeedError):
        parse_feed(b"/etc/hostname", "https://x.org/f", "application/rss+xml")


@pytest.mark.unit
def test_external_entities_are_not_resolved() -> None:
    feed = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0">'
            b"<channel><title>T</title><item><title>&x;</title><link>https://x.org/a</link></item></channel></rss>")
    listing = parse_listing(feed, "https://x.org/f")
    assert "root:" not in repr(listing)
    sitemap = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.org/&x;</loc></url>'
               b"</urlset>")
    listing = parse_listing(sitemap, "https://x.org/s")
    assert "root:" not in repr(listing) and listing.urls == ["https://x.org/"]


@pytest.mark.unit
def test_strip_tracking() -> None:
    assert strip_tracking("https://x.org/a?utm_source=rss&utm_medium=feed") == "https://x.org/a"
    assert strip_tracking("https://x.org/a?id=7&fbclid=abc&gclid=z#top") == "https://x.org/a?id=7"
    assert strip_tracking("https://x.org/a?page=2") == "https://x.org/a?page=2"


# -- the fixture site over HTTP --------------------------------------------------------------------------------

@pytest.mark.server
def test_feeds_and_sitemaps_of_the_site_give_the_right_urls(news_site: tuple[Site, list[SiteArticle], str],
                                                            fetcher: Fetcher) -> None:
    site, items, base = news_site
    expected = {
        "/feeds/rss.xml": (DocumentKind.RSS, [base + a.feed_path for a in items]),
        "/feeds/atom.xml": (DocumentKind.ATOM, [base + a.path for a in items]),
        "/sitemaps/news.xml": (DocumentKind.SITEMAP, [base + a.path for a in items]),
    }
    for path, (kind, urls) in expected.items():
        result = fetcher.fetch(base + path)
        assert detect_kind(result.content, result.content_type) == kind
        listing = parse_listing(result.content, result.final_url, result.content_type)
        assert listing.kind == kind and listing.urls == urls and listing.warnings == ()
        for entry, item in zip(listing.entries, items):
            assert entry.title == item.source["title"]
            assert entry.published_at == item.published
            if kind != DocumentKind.SITEMAP:
                assert entry.author == item.author
            else:
                assert entry.source == item.source["source"]
    index = fetcher.fetch(base + "/sitemap_index.xml")
    listing = parse_listing(index.content, index.final_url, index.content_type)
    assert [s.url for s in listing.sitemaps] == [base + "/sitemaps/news.xml"]
    assert fetcher.robots_sitemaps(base + "/") == [base + "/sitemap_index.xml"]
    page = fetcher.fetch(base + items[0].path)
    assert detect_kind(page.content, page.content_type) == DocumentKind.HTML
    assert page.content_type == "text/html" and b'<link rel="canonical"' in page.content


@pytest.mark.server
def test_malformed_feed_over_http_names_its_url(fetcher: Fetcher) -> None:
    with serve(build_hostile_site()) as base:
        result = fetcher.fetch(base + "/feeds/malformed.xml")
        with pytest.raises(FeedError) as caught:
            parse_listing(result.content, result.final_url, result.content_type)
    assert str(caught.value) == f"{base}/feeds/malformed.xml: malformed XML: not well-formed (invalid token) (line 3)"
