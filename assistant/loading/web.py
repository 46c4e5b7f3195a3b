"""Web sources → Article records: RSS/Atom/JSON feeds, (news) sitemaps and sitemap indexes, and article pages,
fetched with the safe fetcher of ``assistant.sources`` and read with its feed parser and page extractor.

One :class:`WebReader` call reads a list of source URLs. Each source is fetched with the validators kept from the
last time (a 304 costs a few hundred bytes); a feed or sitemap brings in the pages it lists, each fetched
conditionally when it was read before, so an unchanged page costs a 304 and an edited one is read again. When the
listing itself answers 304, the pages it listed last time are re-checked (``recheck``). Nothing here raises for one
URL: every refusal or failure is a Failure naming the URL and saying why. Nothing is written either: what to keep
(validators, which page gave which article) is returned as PageState rows that the indexer commits in the same
transaction as the articles, so a validator is never saved without its article.

An article's key is its canonical URL (``extract.accept_canonical``: declared on the same site, else the URL fetched
after redirects, without tracking parameters): the identity by which an edited page replaces its article.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime

from ..indexing.manifest import PageState
from ..types import Article, Failure, Notice
from .article import LoadResult
from .fields import FieldError, article_from_fields

Progress = Callable[[str, int, int], None]


def is_url(value: object) -> bool:
    """Return True when ``value`` names a web source (an http:// or https:// URL) rather than a file."""
    return isinstance(value, str) and value.strip().lower().startswith(("http://", "https://"))


@dataclass
class SourceRead:
    """What reading one web source gave: its articles (each keyed by its canonical URL) and the bookkeeping to
    commit with them."""

    url: str
    kind: str = ""
    listed: int = 0
    articles: list[Article] = field(default_factory=list)
    pages: list[PageState] = field(default_factory=list)  # states to save (listing row + pages read)
    forget: list[tuple[str, str]] = field(default_factory=list)  # (source, url) rows no longer listed
    not_modified: int = 0  # 304 answers
    unchanged_pages: int = 0  # known pages answered 304 (their article stays as it is)
    failed: list[Failure] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    requests: int = 0
    bytes_received: int = 0


def _validators(state: PageState | None) -> dict[str, str | None]:
    if state is None:
        return {"etag": None, "last_modified": None}
    return {"etag": state.etag or None, "last_modified": state.last_modified or None}


class WebReader:
    """Reads web sources with one (thread-safe, long-lived) Fetcher. Options come from Settings (components.py)."""

    def __init__(self, fetcher: object, *, max_chars: int, max_articles: int = 1000, max_sitemaps: int = 50,
                 recheck: bool = True, workers: int = 8, options: object | None = None) -> None:
        from ..sources.extract import ExtractOptions

        self.fetcher = fetcher
        self.max_chars = max_chars
        self.max_articles = max_articles
        self.max_sitemaps = max_sitemaps
        self.recheck = recheck
        self.workers = max(1, workers)
        self.options = options or ExtractOptions()
        self._count_lock = threading.Lock()

    def read(self, sources: Sequence[str], states: dict[str, dict[str, PageState]],
             progress: Progress | None = None) -> list[SourceRead]:
        """Return one SourceRead per source URL (in order), with every failure named in it."""
        return [self.read_one(url, states.get(url, {}), progress) for url in dict.fromkeys(sources)]

    # -- one source
    def _count(self, read: SourceRead, result: object) -> None:
        with self._count_lock:
            read.requests += 1 + len(getattr(result, "redirects", ()))
            read.bytes_received += int(getattr(result, "bytes_received", 0))
            if getattr(result, "not_modified", False):
                read.not_modified += 1

    def read_one(self, source: str, state: dict[str, PageState], progress: Progress | None = None) -> SourceRead:
        from ..sources.feeds import DocumentKind, FeedError, detect_kind, parse_listing, strip_tracking
        from ..sources.fetch import FetchError

        read = SourceRead(source)
        phase = f"fetching {source}"
        if progress:
            progress(phase, 0, 1)
        mine = state.get(source)
        try:
            result = self.fetcher.fetch(source, **_validators(mine))  # type: ignore[attr-defined]
        except FetchError as exc:
            read.failed.append(Failure(source, exc.reason))
            return read
        self._count(read, result)
        listed: dict[str, object | None] = {}  # page URL -> its FeedEntry (None when not read now)
        complete = True
        if result.not_modified:
            read.kind = mine.kind if mine else ""
            if mine is not None and mine.article_key:  # an article page, unchanged
                read.unchanged_pages += 1
                read.listed = 1
                if progress:
                    progress(phase, 1, 1)
                return read
            listed = {url: None for url in state if url != source}
            listing_state = mine
        else:
            kind = detect_kind(result.content, result.content_type)
            if kind == DocumentKind.HTML:  # the source is an article page itself
                read.kind, read.listed = "html", 1
                article = self._page(read, source, result, None, None)
                if article is not None:
                    read.articles.append(article)
                    read.pages.append(PageState(source, source, article.key, result.etag or "",
                                                result.last_modified or "", "html"))
                if progress:
                    progress(phase, 1, 1)
                return read
            try:
                listing = parse_listing(result.content, result.final_url, result.content_type)
            except FeedError as exc:
                read.failed.append(Failure(source, exc.reason))
                return read
            read.kind = listing.kind.value
            read.warnings.extend(Notice(source, w) for w in listing.warnings)
            entries = list(listing.entries)
            if listing.kind == DocumentKind.SITEMAP_INDEX:
                entries, complete = self._children(read, listing, entries)
            for entry in entries:
                listed.setdefault(strip_tracking(entry.url), entry)
            listing_state = PageState(source, source, "", result.etag or "", result.last_modified or "", read.kind)
            read.forget.extend((source, url) for url in state if url != source and url not in listed)
        read.listed = len(listed)

        todo: list[tuple[str, object | None, PageState | None]] = []
        fresh = 0
        for url, entry in listed.items():
            known = state.get(url)
            if known is not None and known.article_key and not self.recheck:
                read.unchanged_pages += 1
                continue
            if known is None or not known.article_key:
                fresh += 1
                if fresh > self.max_articles:
                    continue
            todo.append((url, entry, known))
        if fresh > self.max_articles:
            complete = False
            read.warnings.append(Notice(source, f"{fresh - self.max_articles} new article pages left for the next "
                                        f"poll (at most {self.max_articles} a poll)"))
        total = len(todo)
        if progress:
            progress(phase, 0, total)
        done = 0
        with ThreadPoolExecutor(max_workers=min(self.workers, max(1, total))) as pool:
            futures = [pool.submit(self._fetch_page, read, url, entry, known, source) for url, entry, known in todo]
            for future in as_completed(futures):
                article, page = future.result()
                done += 1
                if progress:
                    progress(phase, done, total)
                if page is None:  # it failed (named in read.failed): the listing is read again next time
                    complete = False
                    continue
                read.pages.append(page)
                if article is not None:
                    read.articles.append(article)
        # A listing's validators are kept only when every page it lists was read: else a 304 would hide the pages
        # that failed (they are retried with the listing next time).
        if listing_state is not None:
            if not complete:
                listing_state = PageState(source, source, "", "", "", listing_state.kind)
            read.pages.append(listing_state)
        return read

    def _children(self, read: SourceRead, index: object, entries: list) -> tuple[list, bool]:
        """Return the entries of the sitemaps a sitemap index lists (nested indexes followed one level)."""
        from ..sources.feeds import DocumentKind, FeedError, parse_listing
        from ..sources.fetch import FetchError

        complete = True
        queue = [(child.url, 1) for child in index.sitemaps]  # type: ignore[attr-defined]
        seen: set[str] = set()
        while queue:
            url, depth = queue.pop(0)
            if url in seen:
                continue
            if len(seen) >= self.max_sitemaps:
                read.warnings.append(Notice(read.url, f"more than {self.max_sitemaps} sitemaps in its sitemap "
                                            "index: the rest were not read"))
                return entries, False
            seen.add(url)
            try:
                result = self.fetcher.fetch(url)  # type: ignore[attr-defined]
                self._count(read, result)
                child = parse_listing(result.content, result.final_url, result.content_type)
            except (FetchError, FeedError) as exc:
                read.failed.append(Failure(url, exc.reason))
                complete = False
                continue
            if child.kind == DocumentKind.SITEMAP_INDEX:
                if depth < 2:
                    queue.extend((c.url, depth + 1) for c in child.sitemaps)
                continue
            entries.extend(child.entries)
        return entries, complete

    def _fetch_page(self, read: SourceRead, url: str, entry: object | None, known: PageState | None,
                    source: str) -> tuple[Article | None, PageState | None]:
        """Return (the article, the page state to keep) of one listed page; (None, state) for a 304;
        (None, None) when it failed (the failure is in ``read.failed``)."""
        from ..sources.fetch import FetchError

        try:
            result = self.fetcher.fetch(url, **_validators(known if known and known.article_key else None))  # type: ignore[attr-defined]
        except FetchError as exc:
            with self._count_lock:
                read.failed.append(Failure(url, exc.reason))
            return None, None
        self._count(read, result)
        if result.not_modified:
            with self._count_lock:
                read.unchanged_pages += 1
            return None, known
        article = self._page(read, url, result, entry, source)
        if article is None:
            return None, None
        return article, PageState(source, url, article.key, result.etag or "", result.last_modified or "", "html")

    def _page(self, read: SourceRead, url: str, result: object, entry: object | None,
              listed_in: str | None) -> Article | None:
        """Return the Article of a fetched page, or None with the failure recorded."""
        from ..sources.extract import ExtractError, extract_article
        from ..sources.feeds import DocumentKind, detect_kind

        def fail(reason: str) -> None:
            with self._count_lock:
                read.failed.append(Failure(url, reason))

        if detect_kind(result.content, result.content_type) != DocumentKind.HTML:  # type: ignore[attr-defined]
            fail("not an article page (the document is not HTML)")
            return None
        try:
            page = extract_article(result.content, result.final_url, options=self.options,  # type: ignore[attr-defined]
                                   fetched=result, listed=entry, listed_in=listed_in)  # type: ignore[arg-type]
        except ExtractError as exc:
            fail(exc.reason)
            return None
        article, notices = page_to_article(page, listed_in or url, self.max_chars)
        if isinstance(article, str):
            fail(article)
            return None
        with self._count_lock:
            read.warnings.extend(notices)
        return article


def page_to_article(page: object, source: str, max_chars: int) -> tuple[Article | str, list[Notice]]:
    """Return the Article of an extracted page (``sources.records.PageArticle``) keyed by its canonical URL, with
    the notices of the checks every loaded article goes through; or the reason it cannot be one."""
    from . import drop_future_dates, drop_unsafe_urls

    published = getattr(page, "published_at", None)
    fields = {"title": page.title, "body": page.body, "source": page.source,  # type: ignore[attr-defined]
              "author": page.author, "url": page.url,  # type: ignore[attr-defined]
              "published_at": published.isoformat() if isinstance(published, datetime) else None}
    try:
        article = article_from_fields({k: v for k, v in fields.items() if v is not None}, source, page.url,  # type: ignore[attr-defined]
                                      max_chars)
    except FieldError as exc:
        return str(exc), []
    result = drop_unsafe_urls(drop_future_dates(LoadResult(articles=[article.model_copy(update={"key": page.url})])))  # type: ignore[attr-defined]
    return result.articles[0], result.warnings
