"""HTML articles: main text only, metadata from meta tags and JSON-LD.

``.html`` files are read like fetched web pages (``assistant.sources.extract``: trafilatura and htmldate), and by
this module's own reader (BeautifulSoup, boilerplate dropped by tag, role and class name) only when that finds no
article: pages whose text is shorter than a web article (``ExtractOptions.min_chars``). Measured on the 20
boilerplate-heavy fixture pages of tests/sources (tests/loading/test_html_extraction.py): on the pages as served,
both read the bodies (2·LCS similarity 0.9988 for trafilatura, 0.9998 here) with no boilerplate and the same
metadata but one byline; on the same pages with their class names, ids and semantic tags removed (as many real
sites' generated markup is) trafilatura keeps its quality (0.970, 59 boilerplate strings leaked in all) where
this reader does not (0.932, 279 leaked). Hence trafilatura first. On short pages (the test pages of
tests/loading: a few sentences in an ``<article>``), trafilatura falls back to flattening the page into one line,
share buttons included, where this reader keeps the paragraphs and drops the boilerplate: so a page with less than
``SHORT_PAGE_CHARS`` of text is read here.
"""

from __future__ import annotations

import json
import re
import warnings

from bs4 import BeautifulSoup, Comment, MarkupResemblesLocatorWarning, Tag

from ..text.normalise import normalise_field, normalise_text, parse_date
from ..types import Article
from .fields import fallback_title

_DROP_TAGS = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe", "svg", "canvas",
    "button", "input", "select", "textarea", "object", "embed", "figure", "menu", "dialog",
)
_BOILERPLATE = re.compile(
    r"(^|[-_ ])(nav|navbar|menu|footer|sidebar|share|sharing|social|comments?|related|recommended|advert|ads?|promo|"
    r"newsletter|subscribe|cookie|consent|breadcrumbs?|banner|popup|modal|skip)([-_ ]|$)",
    re.I,
)
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "dd", "dt")
_ARTICLE_TYPES = ("article", "newsarticle", "reportagenewsarticle", "blogposting", "analysisnewsarticle", "webpage")


def _meta(soup: BeautifulSoup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag is None:
            tag = soup.find("meta", attrs={"itemprop": name})
        if isinstance(tag, Tag) and tag.get("content"):
            return str(tag["content"])
    return None


def _json_ld(soup: BeautifulSoup) -> dict:
    """Return the first JSON-LD object that describes an article (merged across @graph), or {}."""
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if not isinstance(item, dict):
                continue
            stack.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
            kind = item.get("@type")
            kinds = [k.lower() for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)]
            if any(k in _ARTICLE_TYPES for k in kinds):
                return item
    return {}


def _is_boilerplate(tag: Tag) -> bool:
    if tag.get("aria-hidden") == "true" or tag.get("hidden") is not None:
        return True
    if tag.get("role") in ("navigation", "banner", "contentinfo", "complementary", "dialog"):
        return True
    marker = " ".join([str(tag.get("id") or ""), *(tag.get("class") or [])])
    return bool(marker.strip()) and bool(_BOILERPLATE.search(marker))


def _main_text(soup: BeautifulSoup) -> str:
    root = (
        soup.find(attrs={"itemprop": "articleBody"})
        or soup.find("article")
        or soup.find("main")
        or soup.find(attrs={"role": "main"})
        or soup.body
        or soup
    )
    blocks = [b for b in root.find_all(_BLOCKS) if not b.find_parent(_BLOCKS)]
    if blocks:
        return "\n\n".join(b.get_text(" ", strip=True) for b in blocks)
    return root.get_text("\n", strip=True)


SHORT_PAGE_CHARS = 500  # trafilatura below this much text; this module's reader for shorter pages


def parse_html_page(text: str, key: str) -> Article:
    """Return the Article of an HTML file: trafilatura's main text and metadata (as for a fetched page), else (a
    short page, or no article text found) this module's reader. Raises ValueError when neither finds any."""
    from ..sources.extract import ExtractError, ExtractOptions, extract_article

    try:
        page = extract_article(text.encode("utf-8"), "file:///", options=ExtractOptions(
            trust_canonical="any", min_chars=SHORT_PAGE_CHARS))
    except ExtractError:
        return parse_html(text, key)
    # The declared canonical URL stands as the article's URL (a file has no site of its own to compare it with).
    url = page.declared_canonical
    source = page.source if page.source and page.source != "file" else None
    return Article(body=page.body, title=page.title, key=key, source=source, author=page.author,
                   published_at=page.published_at, url=url)


def parse_html(text: str, key: str) -> Article:
    """Return the Article in an HTML page. Raises ValueError when the page holds no article text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(text, "lxml")
    ld = _json_ld(soup)
    canonical = soup.find("link", rel="canonical")
    h1 = soup.find("h1")
    title = (
        normalise_field(_meta(soup, "og:title", "twitter:title", "headline"))
        or normalise_field(ld.get("headline") or ld.get("name"))
        or (normalise_field(h1.get_text(" ", strip=True)) if h1 else None)
        or (normalise_field(soup.title.string) if soup.title and soup.title.string else None)
    )
    author = normalise_field(_meta(soup, "author", "article:author", "byl", "parsely-author", "sailthru.author"))
    author = author or normalise_field(ld.get("author"))
    if author and author.lower().startswith("by "):
        author = author[3:].strip()
    published = parse_date(
        _meta(soup, "article:published_time", "datePublished", "date", "pubdate", "publish-date", "dc.date",
              "parsely-pub-date", "og:published_time")
        or ld.get("datePublished")
    )
    if published is None and (time_tag := soup.find("time", attrs={"datetime": True})):
        published = parse_date(time_tag["datetime"])
    url = (
        (str(canonical["href"]) if isinstance(canonical, Tag) and canonical.get("href") else None)
        or _meta(soup, "og:url")
        or (ld.get("url") if isinstance(ld.get("url"), str) else None)
    )
    source = normalise_field(_meta(soup, "og:site_name", "application-name", "publisher")) or normalise_field(
        ld.get("publisher")
    )

    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(True):
        if not tag.decomposed and tag.name not in ("html", "body", "article", "main") and _is_boilerplate(tag):
            tag.decompose()
    body = normalise_text(_main_text(soup))
    if len(body) < 40 and isinstance(ld.get("articleBody"), str):
        body = normalise_text(ld["articleBody"])
    if title and body.startswith(title):
        body = body[len(title) :].lstrip()
    if not body:
        raise ValueError("holds no article text (only scripts, styles or navigation)")
    return Article(
        body=body,
        title=title or fallback_title(body),
        key=key,
        source=source,
        author=author,
        published_at=published,
        url=url.strip() if url else None,
    )
