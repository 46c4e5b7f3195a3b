"""A fake news site built from real MultiHop-RAG articles, served by a real threaded HTTP server on 127.0.0.1.

Each article becomes an HTML page full of boilerplate (cookie banner, navigation, ad blocks, share buttons, an inline
"read more" box and a newsletter box inside the article body, related and most-read lists, footer, JSON-LD and meta
tags); the site also serves an RSS 2.0 feed, an Atom feed, a Google News sitemap and a sitemap index listing them, and
a set of hostile routes (malformed feed, huge feed, redirect loop, a server that never answers, a PDF, a gzip bomb ...).
The server honours If-None-Match / If-Modified-Since with 304s and gzips when asked to.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import re
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
MULTIHOP = Path(os.environ.get("MULTIHOP_RAG_DIR") or REPO.parent / "shared" / "eval" / "multihop-rag")
CORPUS = MULTIHOP / "corpus.json"

# Boilerplate that must never reach an extracted body (checked against every corpus body: none occurs there).
COOKIE_TEXT = "We use cookies and similar technologies to personalise content and ads and to analyse our traffic."
COOKIE_BUTTONS = ("Accept all cookies", "Manage cookie preferences")
NAV_LABELS = ("Home", "World", "Business", "Markets", "Technology", "Sport", "Culture", "Opinion", "Subscribe now",
              "Sign in to your account")
AD_TEXTS = ("Advertisement - scroll to continue reading", "Sponsored: Earn 5.25% APY with HighYield Savings Plus",
            "Sponsored: These 7 gadgets are flying off the shelves this week")
SHARE_LABELS = ("Share on Facebook", "Share on X (Twitter)", "Share via WhatsApp", "Copy link to clipboard")
NEWSLETTER_TEXT = "Get the Morning Briefing newsletter delivered to your inbox every weekday at 6am."
FOOTER_TEXTS = ("All rights reserved. Reproduction without explicit permission is prohibited.",
                "Terms of use", "Privacy policy", "Cookie settings", "Contact the newsroom")
READ_MORE_LABEL = "Read more from our newsroom:"
TRENDING_LABEL = "Most read this hour"
BOILERPLATE = (COOKIE_TEXT, *COOKIE_BUTTONS, *AD_TEXTS, *SHARE_LABELS, NEWSLETTER_TEXT, *FOOTER_TEXTS,
               READ_MORE_LABEL, TRENDING_LABEL, "Subscribe now", "Sign in to your account")
# Nav labels that are common words (World, Business...) can occur in a body: those are checked as the nav *line*.
NAV_LINE = " ".join(NAV_LABELS)


def load_corpus() -> list[dict] | None:
    """Return the MultiHop-RAG corpus articles, or None when the file is missing."""
    if not CORPUS.is_file():
        return None
    return json.loads(CORPUS.read_text(encoding="utf-8"))


def pick_articles(corpus: list[dict], n: int = 20) -> list[dict]:
    """Return ``n`` articles spread over the corpus (every k-th with a body of 2,000-15,000 characters), in order."""
    fitting = [a for a in corpus if 2000 <= len(a["body"]) <= 15000]
    step = max(1, len(fitting) // n)
    return fitting[::step][:n]


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:70].rstrip("-") or "article"


def paragraphs(body: str) -> list[str]:
    return [line.strip() for line in body.split("\n") if line.strip()]


def _is_heading(line: str) -> bool:
    return len(line) < 80 and not re.search(r"[.!?:;,\"”’)]$", line) and len(line.split()) <= 12


@dataclass
class SiteArticle:
    """One article of the site and where it lives."""

    index: int
    source: dict
    slug: str
    published: datetime

    @property
    def path(self) -> str:
        d = self.published
        return f"/{d:%Y/%m/%d}/{self.slug}"

    @property
    def feed_path(self) -> str:  # what the feeds link to: the canonical path plus tracking parameters
        return f"{self.path}?utm_source=rss&utm_medium=feed"

    @property
    def author(self) -> str | None:
        author = self.source.get("author")
        return None if author in (None, "", "None") else author


def render_page(article: SiteArticle, base: str, related: list[SiteArticle]) -> bytes:
    """Return the HTML page of ``article`` with boilerplate around (and inside) its body."""
    a = article.source
    esc = html.escape
    title, outlet, author = a["title"], a["source"], article.author
    canonical = f"{base}{article.path}"
    local = article.published.astimezone(timezone(timedelta(hours=-5)))  # the page shows New York time
    iso = local.isoformat()
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": iso,
          "dateModified": iso, "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
          "publisher": {"@type": "Organization", "name": outlet, "logo": {"@type": "ImageObject",
                                                                        "url": f"{base}/static/logo.png"}},
          "articleSection": a.get("category", "news").title()}
    if author:
        ld["author"] = [{"@type": "Person", "name": author, "url": f"{base}/authors/{slugify(author)}"}]
    paras = paragraphs(a["body"])
    body_parts: list[str] = []
    for i, line in enumerate(paras):
        tag = "h2" if _is_heading(line) and i > 0 else "p"
        body_parts.append(f"<{tag}>{esc(line)}</{tag}>")
        if i == 2 and related:
            r = related[0]
            body_parts.append(
                f'<aside class="inline-related read-more"><strong>{esc(READ_MORE_LABEL)}</strong> '
                f'<a href="{r.path}">{esc(r.source["title"])}</a></aside>')
        if i == 5:
            body_parts.append(f'<div class="ad ad-inline" data-ad-slot="inline-1"><span class="ad-label">'
                              f'{esc(AD_TEXTS[0])}</span><a href="https://ads.example.net/c?id=77" rel="sponsored">'
                              f'{esc(AD_TEXTS[1])}</a></div>')
        if i == 8:
            body_parts.append(f'<div class="newsletter-signup"><p>{esc(NEWSLETTER_TEXT)}</p><form action="/subscribe">'
                              f'<input type="email" placeholder="Your email"><button>Subscribe now</button></form></div>')
    nav = "".join(f'<li><a href="/{slugify(label)}">{esc(label)}</a></li>' for label in NAV_LABELS)
    share = "".join(f'<li><a class="share-btn" href="#share-{i}">{esc(label)}</a></li>'
                    for i, label in enumerate(SHARE_LABELS))
    related_items = "".join(f'<li><a href="{r.path}">{esc(r.source["title"])}</a></li>' for r in related[1:5])
    trending = "".join(f'<li><a href="{r.path}">{esc(r.source["title"])}</a></li>' for r in related[5:8])
    footer = "".join(f'<li><a href="/{slugify(t)}">{esc(t)}</a></li>' for t in FOOTER_TEXTS[1:])
    byline = (f'<span class="byline">By <a rel="author" href="/authors/{slugify(author)}">{esc(author)}</a></span> '
              if author else "")
    author_meta = f'<meta name="author" content="{esc(author)}">' if author else ""
    description = esc(paras[0][:160]) if paras else ""
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} | {esc(outlet)}</title>
<meta name="description" content="{description}">
{author_meta}
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(title)}">
<meta property="og:site_name" content="{esc(outlet)}">
<meta property="og:url" content="{esc(canonical)}">
<meta property="og:image" content="{base}/static/{article.slug}.jpg">
<meta property="article:published_time" content="{iso}">
<meta name="twitter:card" content="summary_large_image">
<link rel="canonical" href="{esc(canonical)}">
<link rel="alternate" type="application/rss+xml" href="{base}/feeds/rss.xml">
<script type="application/ld+json">{json.dumps(ld)}</script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date());</script>
<style>.ad{{min-height:90px}} #cookie-banner{{position:fixed;bottom:0}}</style>
</head>
<body class="article-page">
<div id="cookie-banner" class="cookie-consent" role="dialog" aria-label="Cookie consent">
  <p>{esc(COOKIE_TEXT)}</p>
  <button class="accept">{esc(COOKIE_BUTTONS[0])}</button> <button class="manage">{esc(COOKIE_BUTTONS[1])}</button>
</div>
<header class="site-header">
  <a class="logo" href="/">{esc(outlet)}</a>
  <nav class="main-nav" aria-label="Main"><ul>{nav}</ul></nav>
  <form class="search" action="/search"><input name="q" placeholder="Search"></form>
</header>
<div class="ad ad-leaderboard" id="ad-top"><span class="ad-label">{esc(AD_TEXTS[0])}</span>
  <a href="https://ads.example.net/c?id=12" rel="sponsored">{esc(AD_TEXTS[2])}</a></div>
<main id="content">
<article class="story">
  <header class="story-header">
    <p class="kicker"><a href="/{esc(a.get("category", "news"))}">{esc(a.get("category", "news").title())}</a></p>
    <h1 class="headline">{esc(title)}</h1>
    <div class="meta">{byline}<time datetime="{iso}">{local:%B %d, %Y %I:%M %p} ET</time></div>
    <ul class="share-tools">{share}</ul>
  </header>
  <div class="story-body article-body">
{chr(10).join(body_parts)}
  </div>
  <div class="tags">Topics: <a href="/tag/news">News</a> <a href="/tag/{esc(a.get("category", "news"))}">{esc(a.get("category", "news").title())}</a></div>
</article>
<aside class="related-stories"><h2>Related stories</h2><ul>{related_items}</ul></aside>
<section class="most-read"><h2>{esc(TRENDING_LABEL)}</h2><ol>{trending}</ol></section>
<div class="ad ad-footer"><span class="ad-label">{esc(AD_TEXTS[0])}</span><a href="https://ads.example.net/c?id=13" rel="sponsored">{esc(AD_TEXTS[1])}</a></div>
</main>
<footer class="site-footer">
  <p>&copy; 2023 {esc(outlet)}. {esc(FOOTER_TEXTS[0])}</p>
  <ul>{footer}</ul>
</footer>
</body>
</html>
"""
    return page.encode("utf-8")


def render_rss(articles: list[SiteArticle], base: str, title: str = "Fixture News - Top stories") -> bytes:
    items = []
    for art in articles:
        a = art.source
        author = f"<dc:creator>{html.escape(art.author)}</dc:creator>" if art.author else ""
        items.append(f"""<item>
  <title>{html.escape(a["title"])}</title>
  <link>{base}{html.escape(art.feed_path)}</link>
  <guid isPermaLink="false">fixture-{art.index}</guid>
  <pubDate>{format_datetime(art.published)}</pubDate>
  {author}
  <category>{html.escape(a.get("category", "news"))}</category>
  <description>{html.escape(paragraphs(a["body"])[0][:200])}</description>
</item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{html.escape(title)}</title>
<link>{base}/</link>
<atom:link href="{base}/feeds/rss.xml" rel="self" type="application/rss+xml"/>
<description>The latest stories</description>
<language>en-us</language>
{chr(10).join(items)}
</channel>
</rss>
""".encode()


def render_atom(articles: list[SiteArticle], base: str) -> bytes:
    entries = []
    for art in articles:
        a = art.source
        author = f"<author><name>{html.escape(art.author)}</name></author>" if art.author else ""
        entries.append(f"""<entry>
  <title>{html.escape(a["title"])}</title>
  <link rel="alternate" type="text/html" href="{art.path}"/>
  <id>tag:fixture.news,2023:{art.index}</id>
  <published>{art.published.isoformat()}</published>
  <updated>{art.published.isoformat()}</updated>
  {author}
  <summary>{html.escape(paragraphs(a["body"])[0][:200])}</summary>
</entry>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}/">
<title>Fixture News (Atom)</title>
<link href="{base}/" />
<link rel="self" href="{base}/feeds/atom.xml" />
<id>tag:fixture.news,2023:feed</id>
<updated>{max(a.published for a in articles).isoformat()}</updated>
{chr(10).join(entries)}
</feed>
""".encode()


def render_news_sitemap(articles: list[SiteArticle], base: str) -> bytes:
    urls = []
    for art in articles:
        a = art.source
        urls.append(f"""<url>
  <loc>{base}{art.path}</loc>
  <lastmod>{art.published.isoformat()}</lastmod>
  <news:news>
    <news:publication><news:name>{html.escape(a["source"])}</news:name><news:language>en</news:language></news:publication>
    <news:publication_date>{art.published.isoformat()}</news:publication_date>
    <news:title>{html.escape(a["title"])}</news:title>
  </news:news>
</url>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{chr(10).join(urls)}
</urlset>
""".encode()


def render_sitemap_index(children: list[str], base: str) -> bytes:
    items = "".join(f"<sitemap><loc>{base}{c}</loc><lastmod>2023-12-01T00:00:00+00:00</lastmod></sitemap>\n"
                    for c in children)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"\n{items}</sitemapindex>\n").encode()


# -- the server --------------------------------------------------------------------------------------------------

@dataclass
class Route:
    """What one path serves. ``body`` may be a callable taking the base URL."""

    body: bytes | Callable[[str], bytes] = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str = "plain"  # plain | hang | stream | gzip_bomb | redirect | unconditional
    location: str | None = None
    stream_bytes: int = 0
    conditional: bool = True  # ETag + Last-Modified, 304s
    delay: float = 0.0  # seconds to wait before answering


class Site:
    """The routes of the fake site, and what the server saw."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, path, headers)
        self.bytes_sent: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.base = ""
        self.modified = format_datetime(datetime(2023, 12, 1, 12, 0, tzinfo=UTC), usegmt=True)
        self.gzip_cache: dict[str, bytes] = {}

    def add(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for _, p, _ in self.requests if urlsplit(p).path == path)

    def total_bytes(self) -> int:
        with self.lock:
            return sum(self.bytes_sent.values())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _count(self, n: int) -> None:
        site = self.server.site
        with site.lock:
            site.bytes_sent[self.path] = site.bytes_sent.get(self.path, 0) + n

    def flush_headers(self) -> None:
        buffered = getattr(self, "_headers_buffer", None)
        if buffered:
            self._count(sum(len(b) for b in buffered))
        super().flush_headers()

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self._count(len(data))

    def do_GET(self) -> None:
        site = self.server.site
        with site.lock:
            site.requests.append(("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = site.routes.get(urlsplit(self.path).path)
        if route is None:
            body = b"<html><body><h1>Not found</h1></body></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self._write(body)
            return
        try:
            self._serve(site, route)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _serve(self, site: Site, route: Route) -> None:
        if route.delay:
            time.sleep(route.delay)
        if route.behaviour == "hang":
            site.stop.wait(60)
            self.close_connection = True
            return
        if route.behaviour == "redirect":
            self.send_response(route.status or 302)
            self.send_header("Location", route.location or "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if route.behaviour == "stream":  # no Content-Length unless the route declares one: the client must count
            self.send_response(200)
            self.send_header("Content-Type", route.content_type)
            for key, value in route.headers.items():
                self.send_header(key, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = b"<item><title>padding</title><link>http://example.org/x</link></item>\n" * 900
            sent = 0
            while sent < route.stream_bytes and not site.stop.is_set():
                self._write(chunk)
                sent += len(chunk)
            return
        body = route.body(site.base) if callable(route.body) else route.body
        if route.behaviour == "gzip_bomb":
            self.send_response(200)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self._write(body)
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if route.conditional and route.status == 200:
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            fresh = False
            if inm is not None:
                fresh = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
            elif ims is not None:
                try:
                    fresh = parsedate_to_datetime(ims) >= parsedate_to_datetime(site.modified)
                except (TypeError, ValueError):
                    fresh = False
            if fresh:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", site.modified)
                self.end_headers()
                return
        encoding = None
        if "gzip" in (self.headers.get("Accept-Encoding") or "") and len(body) > 512 and route.status == 200:
            key = f"{self.path} {etag}"  # an edited page is compressed again
            if key not in site.gzip_cache:
                site.gzip_cache[key] = gzip.compress(body, compresslevel=6)
            body, encoding = site.gzip_cache[key], "gzip"
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(body)))
        if route.conditional and route.status == 200:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", site.modified)
        if encoding:
            self.send_header("Content-Encoding", encoding)
            self.send_header("Vary", "Accept-Encoding")
        for key, value in route.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self._write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    site: Site

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return  # a client that gave up (a timeout, a size limit): expected here, not worth a traceback
        super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serve(site: Site, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serve ``site`` on ``host`` in a background thread (over TLS with ``tls``); yield its base URL, then stop it."""
    server = _Server((host, port), _Handler)
    server.site = site
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    base = f"{'https' if tls else 'http'}://{host}:{server.server_port}"
    if not site.base:
        site.base = base
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        site.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def gzip_bomb(decompressed: int = 1 << 30) -> bytes:
    """Return a valid gzip body (about 1 MB) that decompresses to ``decompressed`` zero bytes (a multiple of 1 MiB).

    One 1 MiB block is compressed with a full flush (byte-aligned, no back-references), so the same compressed
    segment can be repeated; the trailer carries the real CRC-32 and size.
    """
    block = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)[:-8]  # the last (empty) block, without the trailer
    count = decompressed // len(block)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    return head + segment * (count - 1) + end + struct.pack("<II", crc, (count * len(block)) & 0xFFFFFFFF)


MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")


def build_news_site(articles: list[dict], site: Site | None = None) -> tuple[Site, list[SiteArticle]]:
    """Return a Site serving ``articles`` (pages, RSS, Atom, news sitemap, sitemap index, robots.txt)."""
    site = site or Site()
    items: list[SiteArticle] = []
    for i, a in enumerate(articles):
        published = datetime.fromisoformat(a["published_at"]).astimezone(UTC)
        items.append(SiteArticle(i, a, slugify(a["title"]), published))
    for art in items:
        others = [o for o in items if o is not art]
        related = others[art.index % max(1, len(others)):] + others[:art.index % max(1, len(others))]
        site.add(art.path, Route(body=lambda base, art=art, related=related[:8]: render_page(art, base, related)))
    site.add("/feeds/rss.xml", Route(body=lambda base: render_rss(items, base), content_type="application/rss+xml"))
    site.add("/feeds/atom.xml", Route(body=lambda base: render_atom(items, base),
                                      content_type="application/atom+xml; charset=utf-8"))
    site.add("/sitemaps/news.xml", Route(body=lambda base: render_news_sitemap(items, base),
                                         content_type="application/xml"))
    site.add("/sitemap_index.xml", Route(body=lambda base: render_sitemap_index(["/sitemaps/news.xml"], base),
                                         content_type="application/xml"))
    site.add("/robots.txt", Route(body=lambda base: (
        "User-agent: *\nAllow: /\nDisallow: /private/\nDisallow: /*?print=\n\n"
        f"Sitemap: {base}/sitemap_index.xml\n").encode(), content_type="text/plain"))
    return site, items


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


MALFORMED_FEED = (b"<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0'><channel><title>Broken wire</title>\n"
                  b"<item><title>First story</title><description>An unclosed <b>tag and a stray &amp so on\n"
                  b"<item><title>Second</ti")


def small_page(title: str, paragraphs_: list[str]) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs_)
    return (f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body><nav><a href='/'>Home</a>"
            f"</nav><article><h1>{html.escape(title)}</h1>{body}</article><footer>{html.escape(FOOTER_TEXTS[0])}"
            f"</footer></body></html>").encode()


OK_PARAGRAPHS = [
    "The city council voted on Tuesday to extend the night bus network to the northern suburbs from next spring.",
    "Councillors said the change would add twelve routes and about forty drivers, paid for by a parking levy.",
    "Residents of the outer districts had asked for late services for years, the transport committee chair said.",
]


def build_hostile_site(site: Site | None = None) -> Site:
    """Return a Site with one good feed and page and every hostile route the fetcher must refuse."""
    site = site or Site()
    site.add("/robots.txt", Route(body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"))
    site.add("/ok.html", Route(body=small_page("Night buses extended", OK_PARAGRAPHS)))
    site.add("/private/secret.html", Route(body=small_page("Secret", OK_PARAGRAPHS)))
    site.add("/feeds/good.xml", Route(body=lambda base: (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Good</title>"
        f"<item><title>Night buses extended</title><link>{base}/ok.html</link>"
        "<pubDate>Tue, 05 Dec 2023 09:30:00 +0100</pubDate></item></channel></rss>").encode(),
        content_type="application/rss+xml"))
    site.add("/feeds/malformed.xml", Route(body=MALFORMED_FEED, content_type="application/rss+xml"))
    site.add("/feeds/huge.xml", Route(behaviour="stream", stream_bytes=50_000_000, content_type="application/rss+xml"))
    site.add("/feeds/huge-declared.xml", Route(behaviour="stream", stream_bytes=50_000_000,
                                               content_type="application/rss+xml",
                                               headers={"Content-Length": "50000000"}))
    site.add("/loop/a", Route(behaviour="redirect", status=302, location="/loop/b"))
    site.add("/loop/b", Route(behaviour="redirect", status=301, location="/loop/a"))
    for i in range(1, 10):
        site.add(f"/chain/{i}", Route(behaviour="redirect", status=302, location=f"/chain/{i + 1}"))
    site.add("/chain/10", Route(body=small_page("End of chain", OK_PARAGRAPHS)))
    site.add("/hang", Route(behaviour="hang"))
    site.add("/report.pdf", Route(body=MINIMAL_PDF, content_type="application/pdf"))
    site.add("/disguised.html", Route(body=MINIMAL_PDF, content_type="text/html"))
    site.add("/photo.jpg", Route(body=b"\xff\xd8\xff\xe0" + bytes(2000), content_type="image/jpeg"))
    site.add("/bomb.xml", Route(body=gzip_bomb(), behaviour="gzip_bomb", content_type="application/rss+xml"))
    site.add("/not-found", Route(body=b"gone", status=404))
    return site
