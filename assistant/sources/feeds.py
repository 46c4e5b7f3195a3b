"""Feeds and sitemaps → the article URLs they list, with the titles and dates they give.

Reads RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed 1.x, XML sitemaps, Google News sitemaps and sitemap
indexes (lxml, entities and network access off). :func:`detect_kind` tells what a fetched document is (feed, sitemap,
sitemap index, HTML page) from its content, with the Content-Type as a tie-breaker. Parsing is pure (bytes in,
:class:`Listing` out); fetching and following sitemap indexes is ``poll.py``'s job.

A document that is not well-formed XML raises :class:`FeedError` naming the URL, the parser's reason and the line,
unless the lenient feed parser still finds linked entries in it (real feeds often carry a stray ``&``); then the
entries are returned with the problem in ``Listing.warnings``.
"""

from __future__ import annotations

import enum
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from lxml import etree

from ._compat import http_url, normalise_field, normalise_text, parse_date
from .fetch import FetchError


class DocumentKind(str, enum.Enum):
    """What a fetched document is."""

    RSS = "rss"
    ATOM = "atom"
    RDF = "rdf"  # RSS 1.0
    JSON_FEED = "json_feed"
    SITEMAP = "sitemap"
    SITEMAP_INDEX = "sitemap_index"
    HTML = "html"
    UNKNOWN = "unknown"

    @property
    def is_feed(self) -> bool:
        return self in (DocumentKind.RSS, DocumentKind.ATOM, DocumentKind.RDF, DocumentKind.JSON_FEED)

    @property
    def is_listing(self) -> bool:
        """True for the kinds :func:`parse_listing` reads (feeds, sitemaps, sitemap indexes)."""
        return self.is_feed or self in (DocumentKind.SITEMAP, DocumentKind.SITEMAP_INDEX)


class FeedError(FetchError):
    """A feed or sitemap that cannot be read; ``str(error)`` is ``"<url>: <reason>"``. Kind: malformed, not_a_feed."""


@dataclass(frozen=True)
class FeedEntry:
    """One article a feed or sitemap lists. ``published_at``/``updated_at`` are timezone-aware or None."""

    url: str
    title: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    author: str | None = None
    summary: str | None = None
    id: str | None = None
    source: str | None = None  # the outlet the listing names (feed title, news:publication/news:name)
    language: str | None = None


@dataclass(frozen=True)
class Listing:
    """A parsed feed or sitemap: its entries, and for a sitemap index the sitemaps it points to."""

    url: str
    kind: DocumentKind
    title: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    sitemaps: tuple[FeedEntry, ...] = ()  # sitemap index: url and lastmod (as updated_at) of each child
    warnings: tuple[str, ...] = field(default=())

    @property
    def urls(self) -> list[str]:
        """The article URLs, in listing order."""
        return [e.url for e in self.entries]


_FEED_ROOTS = {"rss": DocumentKind.RSS, "feed": DocumentKind.ATOM, "rdf": DocumentKind.RDF,
               "urlset": DocumentKind.SITEMAP, "sitemapindex": DocumentKind.SITEMAP_INDEX, "html": DocumentKind.HTML}
_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)", re.DOTALL | re.IGNORECASE)
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def _head_bytes(content: bytes) -> bytes:
    head = content[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: sniff on an 8-bit rendering
        try:
            head = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
        except UnicodeError:
            pass
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")


def detect_kind(content: bytes, content_type: str | None = None) -> DocumentKind:
    """Return what ``content`` is: a feed (RSS/Atom/RDF/JSON Feed), a sitemap or sitemap index, an HTML page, or
    UNKNOWN. The content decides; ``content_type`` only settles a document whose start says nothing."""
    head = _head_bytes(content)
    media = (content_type or "").split(";")[0].strip().lower()
    if head.startswith((b"{", b"[")):
        return DocumentKind.JSON_FEED if b"jsonfeed.org/version" in head[:4096] else DocumentKind.UNKNOWN
    if head.startswith(b"<"):
        rest = head
        while True:
            match = _PROLOG.match(rest)
            if not match or match.end() == 0:
                break
            rest = rest[match.end():]
        if rest.lower().startswith(b"<!doctype html"):
            return DocumentKind.HTML
        root = _ROOT.match(rest.lstrip())
        if root:
            kind = _FEED_ROOTS.get(root.group(2).decode("ascii", "ignore").lower())
            if kind is not None:
                return kind
        if b"<html" in head.lower()[:2048] or media in ("text/html", "application/xhtml+xml"):
            return DocumentKind.HTML
    if media in ("application/rss+xml",):
        return DocumentKind.RSS
    if media in ("application/atom+xml",):
        return DocumentKind.ATOM
    if media == "text/html":
        return DocumentKind.HTML
    return DocumentKind.UNKNOWN


def parse_listing(content: bytes, url: str, content_type: str | None = None, *, max_entries: int = 50_000
                  ) -> Listing:
    """Return the entries of the feed or sitemap ``content`` fetched from ``url`` (relative links resolved against it).

    Raises FeedError (naming ``url``) when the document is not a feed or sitemap, is malformed, or lists nothing.
    """
    kind = detect_kind(content, content_type)
    if kind in (DocumentKind.SITEMAP, DocumentKind.SITEMAP_INDEX):
        return parse_sitemap(content, url, max_entries=max_entries)
    if kind.is_feed:
        return parse_feed(content, url, content_type, max_entries=max_entries)
    what = "an HTML page" if kind == DocumentKind.HTML else "neither a feed nor a sitemap"
    raise FeedError(url, f"not a feed or sitemap: the document is {what}", "not_a_feed")


_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ocid|cmpid|ncid|taid|"
                       r"__twitter_impression|at_medium|at_campaign|ito|smid|sr_share)$", re.IGNORECASE)


def strip_tracking(url: str) -> str:
    """Return ``url`` without tracking parameters (utm_*, fbclid, gclid, ...) and without its fragment."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True) if query else "", fragment=""))


# -- feeds -------------------------------------------------------------------------------------------------------

def _struct_date(value: object) -> datetime | None:
    try:
        return datetime(*value[:6], tzinfo=UTC) if value else None  # type: ignore[index,misc]
    except (TypeError, ValueError):
        return None


def _entry_date(entry: dict, name: str) -> datetime | None:
    # dict.get: FeedParserDict.get maps a missing "updated" to "published" (with a DeprecationWarning)
    return parse_date(dict.get(entry, name)) or _struct_date(dict.get(entry, f"{name}_parsed"))


def parse_feed(content: bytes, url: str, content_type: str | None = None, *, max_entries: int = 50_000) -> Listing:
    """Return the entries of an RSS, Atom, RDF or JSON feed. Raises FeedError naming ``url``."""
    if detect_kind(content, content_type) == DocumentKind.JSON_FEED:
        return _parse_json_feed(content, url, max_entries)
    # A stream, never bytes or str: feedparser opens a str that looks like a URL, and bytes that name a file.
    parsed = feedparser.parse(io.BytesIO(content), sanitize_html=True, resolve_relative_uris=True,
                              response_headers={"content-location": url,
                                                "content-type": content_type or "application/xml"})
    warnings: list[str] = []
    problem = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        if exc is not None and not isinstance(exc, feedparser.CharacterEncodingOverride):
            line = getattr(exc, "getLineNumber", lambda: None)()
            if line and line > 1 and not _head_bytes(content).startswith(b"<?xml"):
                line -= 1  # feedparser put an XML declaration line in front of the document
            problem = f"malformed XML: {_reason(exc)}" + (f" (line {line})" if line else "")
    version = parsed.get("version") or ""
    channel = parsed.get("feed", {})
    source = normalise_field(channel.get("title"))
    language = normalise_field(channel.get("language"))
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    skipped = 0
    for item in parsed.get("entries", []):
        link = _entry_link(item, url)
        if link is None:
            skipped += 1
            continue
        if link in seen:
            continue
        seen.add(link)
        summary = item.get("summary")
        entries.append(FeedEntry(
            url=link,
            title=normalise_field(item.get("title")),
            published_at=_entry_date(item, "published") or _entry_date(item, "created"),
            updated_at=_entry_date(item, "updated"),
            author=normalise_field(item.get("author") or [a.get("name") for a in item.get("authors", []) if a]),
            summary=normalise_text(_strip_tags(summary)) or None if isinstance(summary, str) else None,
            id=normalise_field(item.get("id")),
            source=source,
            language=language,
        ))
        if len(entries) >= max_entries:
            warnings.append(f"only the first {max_entries:,} entries were read")
            break
    if problem and not entries:
        raise FeedError(url, problem, "malformed")
    if not entries and not version and not channel:
        raise FeedError(url, "not a feed: no channel and no entries were found", "not_a_feed")
    if problem:
        warnings.append(f"{problem}; read leniently")
    if skipped:
        warnings.append(f"{skipped} entr{'y' if skipped == 1 else 'ies'} without an http(s) link skipped")
    if version.startswith("atom"):
        kind = DocumentKind.ATOM
    elif version in ("rss090", "rss10"):
        kind = DocumentKind.RDF
    else:
        kind = DocumentKind.RSS
    return Listing(url, kind, source, tuple(entries), (), tuple(warnings))


def _entry_link(item: dict, base: str) -> str | None:
    candidates = [item.get("link")]
    candidates += [link.get("href") for link in item.get("links", []) if link.get("rel", "alternate") == "alternate"]
    if item.get("guidislink"):
        candidates.append(item.get("id"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            link = http_url(urljoin(base, candidate.strip()))
            if link:
                return link
    return None


def _strip_tags(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", text)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "getMessage", lambda: None)() or str(exc) or type(exc).__name__
    return re.sub(r"^<[^>]*>:\d+:\d+:\s*", "", str(text))


def _parse_json_feed(content: bytes, url: str, max_entries: int) -> Listing:
    try:
        data = json.loads(content.decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        raise FeedError(url, f"malformed JSON feed: {exc}", "malformed") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FeedError(url, "not a JSON feed: no list of items", "not_a_feed")
    source = normalise_field(data.get("title"))
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for item in data["items"][:max_entries]:
        if not isinstance(item, dict):
            continue
        given = item.get("url") or item.get("external_url")
        link = http_url(urljoin(url, given.strip())) if isinstance(given, str) and given.strip() else None
        if not link or link in seen:
            continue
        seen.add(link)
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        entries.append(FeedEntry(
            url=link, title=normalise_field(item.get("title")), published_at=parse_date(item.get("date_published")),
            updated_at=parse_date(item.get("date_modified")),
            author=normalise_field([a.get("name") for a in authors if isinstance(a, dict)]),
            summary=normalise_field(item.get("summary")), id=normalise_field(item.get("id")), source=source,
            language=normalise_field(item.get("language") or data.get("language")),
        ))
    return Listing(url, DocumentKind.JSON_FEED, source, tuple(entries))


# -- sitemaps ----------------------------------------------------------------------------------------------------

def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *path: str) -> str | None:
    node: etree._Element | None = element
    for name in path:
        node = next((c for c in node if _local(c) == name), None) if node is not None else None
    if node is None:
        return None
    return (node.text or "").strip() or None


def parse_sitemap(content: bytes, url: str, *, max_entries: int = 50_000) -> Listing:
    """Return the URLs of a sitemap (with Google News title, date and publication when given) or, for a sitemap
    index, the child sitemaps. Raises FeedError naming ``url`` when the XML is malformed or not a sitemap."""
    try:
        root = etree.fromstring(content, parser=_xml_parser())
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        message = re.sub(r",? line \d+, column \d+$", "", str(exc.msg if hasattr(exc, "msg") else exc))
        raise FeedError(url, f"malformed XML: {message}" + (f" (line {line})" if line else ""), "malformed") from None
    except ValueError as exc:
        raise FeedError(url, f"malformed XML: {exc}", "malformed") from None
    kind = _local(root)
    if kind not in ("urlset", "sitemapindex"):
        raise FeedError(url, f"not a sitemap: its root element is <{kind or '?'}>", "not_a_feed")
    child_name = "url" if kind == "urlset" else "sitemap"
    found: list[FeedEntry] = []
    seen: set[str] = set()
    skipped = 0
    warnings: list[str] = []
    for node in root:
        if _local(node) != child_name:
            continue
        loc = _child_text(node, "loc")
        link = http_url(urljoin(url, loc)) if loc else None
        if link is None:
            skipped += 1
            continue
        if link in seen:
            continue
        seen.add(link)
        lastmod = parse_date(_child_text(node, "lastmod"))
        news = next((c for c in node if _local(c) == "news"), None)
        if news is not None:
            found.append(FeedEntry(
                url=link, title=normalise_field(_child_text(news, "title")),
                published_at=parse_date(_child_text(news, "publication_date")), updated_at=lastmod,
                source=normalise_field(_child_text(news, "publication", "name")),
                language=normalise_field(_child_text(news, "publication", "language")),
            ))
        else:
            found.append(FeedEntry(url=link, updated_at=lastmod))
        if len(found) >= max_entries:
            warnings.append(f"only the first {max_entries:,} entries were read")
            break
    if skipped:
        warnings.append(f"{skipped} entr{'y' if skipped == 1 else 'ies'} without an http(s) <loc> skipped")
    if kind == "urlset":
        return Listing(url, DocumentKind.SITEMAP, None, tuple(found), (), tuple(warnings))
    return Listing(url, DocumentKind.SITEMAP_INDEX, None, (), tuple(found), tuple(warnings))
