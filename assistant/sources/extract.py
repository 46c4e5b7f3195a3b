"""Main text and metadata of an article page (trafilatura, htmldate) → :class:`PageArticle`.

- **Body**: trafilatura's main-text extraction (``include_comments=False``, ``include_tables=True``, no links,
  images or formatting, ``deduplicate=False``, balanced precision/recall by default), so navigation, ads,
  related-link lists, cookie banners, share buttons and footers stay out. Paragraphs are separated by a blank line;
  the text goes through ``normalise_text``.
- **Title, author, outlet**: trafilatura's metadata (JSON-LD, Open Graph, meta tags, the page's ``<h1>``/``<title>``),
  then the feed entry's when the page has none, then the host name for the outlet. A body that starts with the
  headline loses that first line.
- **Date**: the day comes from htmldate (through trafilatura, ``original_date=True``: the publication, not the last
  update); the time of day and zone come from the page's structured data (JSON-LD ``datePublished``,
  ``article:published_time``, ...) when it names the same day (±1 for time zones); else midnight UTC of that day.
- **URL**: ``<link rel=canonical>``, else ``og:url``, accepted as the article's URL only when it is on the same site
  as the page fetched (registrable domain, public suffix list; exact host for IP addresses), because a page could
  otherwise claim another outlet's URL and replace that article in the index. What the page declared is kept in
  ``declared_canonical`` either way: a cross-site canonical is how a syndicated copy names its original.

Nothing here touches the network: HTML is passed to trafilatura and htmldate as bytes or a parsed tree (htmldate
downloads a *str* that looks like a URL; this module never hands it one).
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from lxml import etree
from tld import get_fld

from ._compat import http_url, normalise_field, normalise_text, parse_date, sentence_spans
from .feeds import FeedEntry
from .fetch import FetchError, FetchResult
from .records import PageArticle

_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                  "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
                  "socialmediaposting", "webpage", "report"}
_DATE_META = ("article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
              "publish-date", "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.created",
              "dc.date", "date")


class ExtractError(FetchError):
    """A page with no article text to read; ``str(error)`` is ``"<url>: <reason>"`` (kind ``no_article``)."""


@dataclass(frozen=True)
class ExtractOptions:
    """How pages are read. The defaults were measured on the fixture site (tests/sources): 0.999 average
    character similarity to the original text with no boilerplate; ``favor_precision``/``favor_recall`` gave the
    same figure there."""

    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True
    include_comments: bool = False
    fast: bool = False  # True skips trafilatura's fallback extractors (about twice as fast, less robust)
    min_chars: int = 100  # a body shorter than this is "no article text"
    trust_canonical: Literal["same-site", "any", "never"] = "same-site"
    max_tree_size: int | None = 300_000  # elements; bigger pages are refused (bounds time and memory)


def site_of(url: str) -> str | None:
    """Return the registrable domain of ``url`` (public suffix list), its host when that fails (IPs, localhost),
    or None when it has no host."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return None
    try:
        domain = get_fld(host, fix_protocol=True, fail_silently=True)
    except Exception:  # noqa: BLE001 - tld raises its own errors for odd hosts
        domain = None
    if domain:
        return domain.lower()
    if _ip(host) or "." not in host:
        return host
    return re.sub(r"^(?:www\d*|m|amp|mobile)\.", "", host)  # no public suffix known: drop the usual prefixes


def _ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def accept_canonical(declared: str | None, fetched_url: str, policy: str = "same-site") -> str | None:
    """Return ``declared`` when it may stand as the article's URL under ``policy``, else None."""
    if not declared or policy == "never":
        return None
    if policy == "any":
        return declared
    return declared if site_of(declared) is not None and site_of(declared) == site_of(fetched_url) else None


def _meta_values(tree: lxml.html.HtmlElement) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content")
        if key and content and key not in values:
            values[key] = content.strip()
    return values


def _json_ld_objects(tree: lxml.html.HtmlElement) -> list[dict]:
    found: list[dict] = []

    def walk(node: object, depth: int = 0) -> None:
        if depth > 6 or len(found) > 50:
            return
        if isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        elif isinstance(node, dict):
            found.append(node)
            if "@graph" in node:
                walk(node["@graph"], depth + 1)

    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            walk(json.loads(script.text))
        except ValueError:
            continue
    return found


def _types(obj: dict) -> set[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).lower() for v in values if v}


def structured_published(tree: lxml.html.HtmlElement) -> datetime | None:
    """Return the publication timestamp the page's JSON-LD or meta tags give (with its zone), or None."""
    for obj in _json_ld_objects(tree):
        if _types(obj) & _ARTICLE_TYPES:
            date = parse_date(obj.get("datePublished") or obj.get("dateCreated"))
            if date:
                return date
    meta = _meta_values(tree)
    for key in _DATE_META:
        date = parse_date(meta.get(key))
        if date:
            return date
    for node in tree.iter("time"):
        if node.get("datetime") and ("pubdate" in node.attrib or node.get("itemprop") == "datePublished"):
            date = parse_date(node.get("datetime"))
            if date:
                return date
    return None


def declared_canonical(tree: lxml.html.HtmlElement, page_url: str) -> str | None:
    """Return the page's ``<link rel=canonical>`` (else ``og:url``) as an absolute http(s) URL, or None."""
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and link.get("href"):
            url = http_url(urljoin(page_url, link.get("href").strip()))
            if url:
                return url
    og = _meta_values(tree).get("og:url")
    return http_url(urljoin(page_url, og)) if og else None


def _merge_date(day: str | None, precise: datetime | None) -> datetime | None:
    found = parse_date(day) if day else None
    if precise is None:
        return found
    if found is None:
        return precise
    shifted = {precise.date(), precise.astimezone(UTC).date()}
    if any(abs((d - found.date()).days) <= 1 for d in shifted):
        return precise
    return found


def _paragraphs(text: str) -> str:
    lines = [line.strip() for line in text.split("\n")]
    return normalise_text("\n\n".join(line for line in lines if line))


def extract_article(content: bytes | str, url: str, *, options: ExtractOptions | None = None,
                    fetched: FetchResult | None = None, listed: FeedEntry | None = None,
                    listed_in: str | None = None) -> PageArticle:
    """Return the article in the HTML ``content`` fetched from ``url`` (the final URL, after redirects).

    ``fetched`` adds the fetch metadata (validators, time, content type); ``listed`` is the feed or sitemap entry
    the URL came from (its title, author, date and outlet fill what the page lacks). Raises ExtractError naming
    ``url`` when the page holds no article text.
    """
    options = options or ExtractOptions()
    data = content.encode("utf-8") if isinstance(content, str) else content
    if not data.strip():
        raise ExtractError(url, "the page is empty", "no_article")
    try:
        tree = trafilatura.load_html(data)
    except (ValueError, etree.ParserError) as exc:
        raise ExtractError(url, f"not a readable HTML page ({exc})", "no_article") from None
    if tree is None:
        raise ExtractError(url, "not a readable HTML page", "no_article")
    size = sum(1 for _ in tree.iter())
    if options.max_tree_size and size > options.max_tree_size:
        raise ExtractError(url, f"the page has {size:,} HTML elements, more than the limit of "
                                f"{options.max_tree_size:,}", "no_article")
    precise = structured_published(tree)
    canonical = declared_canonical(tree, url)
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=options.include_comments,
        include_tables=options.include_tables, include_images=False, include_links=False,
        include_formatting=False, deduplicate=False, favor_precision=options.favor_precision,
        favor_recall=options.favor_recall, fast=options.fast,
    )
    text = getattr(document, "text", None) if document is not None else None
    body = _paragraphs(text or "")
    title = normalise_field(getattr(document, "title", None)) or (listed.title if listed else None)
    if title and body.startswith(title + "\n\n"):  # the headline repeated as the first line of the text
        body = body[len(title) + 2:]
    if len(body) < options.min_chars:
        what = "no article text was found" if not body else f"only {len(body)} characters of text were found"
        raise ExtractError(url, f"not an article page: {what}", "no_article")
    author = normalise_field(getattr(document, "author", None)) or (listed.author if listed else None)
    source = (normalise_field(getattr(document, "sitename", None)) or (listed.source if listed else None)
              or normalise_field(getattr(document, "hostname", None)) or urlsplit(url).hostname)
    published = _merge_date(getattr(document, "date", None), precise)
    if published is None and listed is not None:
        published = listed.published_at
    accepted = accept_canonical(canonical, url, options.trust_canonical)
    description = normalise_field(getattr(document, "description", None))
    return PageArticle(
        url=accepted or url,
        title=title or _first_line(body),
        body=body,
        source=source,
        author=author,
        published_at=published,
        fetched_url=url,
        fetched_at=fetched.fetched_at if fetched else None,
        etag=fetched.etag if fetched else None,
        last_modified=fetched.last_modified if fetched else None,
        content_type=fetched.content_type if fetched else None,
        declared_canonical=canonical,
        listed_in=listed_in,
        description=description,
        language=normalise_field(getattr(document, "language", None)) or (listed.language if listed else None)
        or normalise_field(tree.get("lang")),
    )


def _first_line(body: str) -> str:
    """Return the first sentence of ``body`` (cut at a word near 120 characters) as a stand-in title."""
    spans = sentence_spans(body)
    line = body[spans[0][0]:spans[0][1]] if spans else body
    return line if len(line) <= 120 else line[:117].rsplit(" ", 1)[0] + "..."


__all__ = ["ExtractError", "ExtractOptions", "accept_canonical", "declared_canonical", "extract_article", "site_of",
           "structured_published"]
