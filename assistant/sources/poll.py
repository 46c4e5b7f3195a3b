"""One poll of news sources: feeds, sitemaps (indexes followed) or article pages → new :class:`PageArticle` records.

Each source URL is fetched with its previous validators (a 304 costs a few hundred bytes), its kind detected
(feed, sitemap, sitemap index, article page), the URLs it lists that were not seen before are fetched (concurrently,
within the fetcher's per-host limits) and extracted as each arrives. Failures never stop a poll: each is reported
with the URL and the reason. :class:`PollState` (validators and seen URLs) is what to keep between polls; it turns
to and from JSON.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from .extract import ExtractError, ExtractOptions, extract_article
from .feeds import DocumentKind, FeedEntry, FeedError, detect_kind, parse_listing, strip_tracking
from .fetch import Fetcher, FetchError, FetchResult
from .records import PageArticle
from .syndication import SyndicationIndex


@dataclass
class PollState:
    """What a poller remembers between polls: validators per fetched URL, and the article URLs already read
    (listed URL → the article's URL)."""

    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """Return the state as a JSON document."""
        return json.dumps({"validators": {k: list(v) for k, v in self.validators.items()}, "seen": self.seen})

    @classmethod
    def from_json(cls, text: str) -> PollState:
        """Return the state saved by ``to_json``. Raises ValueError when ``text`` is not one."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a poll state: expected a JSON object")
        validators = {str(k): (v[0], v[1]) for k, v in dict(data.get("validators", {})).items()}
        return cls(validators, {str(k): str(v) for k, v in dict(data.get("seen", {})).items()})


@dataclass(frozen=True)
class PollFailure:
    """A URL that failed in a poll, and why (``kind`` as in FetchError)."""

    url: str
    reason: str
    kind: str

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


@dataclass
class PollReport:
    """What one poll did. ``duplicates`` maps an article URL to the URL of the first article of its story, for the
    articles found to be syndicated copies (only with a SyndicationIndex)."""

    articles: list[PageArticle] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)
    failures: list[PollFailure] = field(default_factory=list)
    listings: int = 0  # feeds and sitemaps read
    listed: int = 0  # article URLs they named
    known: int = 0  # of those, already read in an earlier poll (and not rechecked)
    requests: int = 0
    bytes_received: int = 0
    elapsed: float = 0.0
    duplicates: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Poller:
    """Polls sources with one Fetcher. Not re-entrant: one poll at a time per Poller."""

    def __init__(self, fetcher: Fetcher, *, options: ExtractOptions | None = None, state: PollState | None = None,
                 syndication: SyndicationIndex | None = None, max_sitemap_depth: int = 2, max_listings: int = 50,
                 max_articles: int = 1000, workers: int | None = None) -> None:
        self.fetcher = fetcher
        self.options = options or ExtractOptions()
        self.state = state or PollState()
        self.syndication = syndication
        self.max_sitemap_depth = max_sitemap_depth
        self.max_listings = max_listings
        self.max_articles = max_articles
        self.workers = workers or fetcher.config.max_workers
        self._lock = threading.Lock()
        self._canonical: dict[str, str] = {}  # article URL -> the listed URL it was first read from
        for listed, canonical in self.state.seen.items():
            self._canonical.setdefault(canonical, listed)

    def _fetch(self, url: str) -> FetchResult:
        etag, modified = self.state.validators.get(url, (None, None))
        return self.fetcher.fetch(url, etag=etag, last_modified=modified)

    def _remember(self, url: str, result: FetchResult, report: PollReport) -> None:
        with self._lock:
            report.requests += 1 + len(result.redirects)
            report.bytes_received += result.bytes_received
            if result.etag or result.last_modified:
                self.state.validators[url] = (result.etag, result.last_modified)

    def poll(self, sources: Sequence[str], *, recheck_known: bool = False) -> PollReport:
        """Return what polling ``sources`` (feed, sitemap or article page URLs) found. Never raises for one URL;
        ``recheck_known`` re-fetches (conditionally) the articles read in earlier polls."""
        started = time.monotonic()
        report = PollReport()
        pages: dict[str, tuple[FeedEntry | None, str | None]] = {}
        self._read_listings(list(dict.fromkeys(sources)), report, pages)
        todo = []
        for url, (entry, listed_in) in pages.items():
            if url in self.state.seen and not recheck_known:
                report.known += 1
                continue
            todo.append((url, entry, listed_in))
        if len(todo) > self.max_articles:
            report.warnings.append(f"{len(todo) - self.max_articles} article URLs left for the next poll "
                                   f"(at most {self.max_articles} a poll)")
            todo = todo[:self.max_articles]
        with ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
            futures: dict[Future[FetchResult], tuple[str, FeedEntry | None, str | None]] = {
                pool.submit(self._fetch, url): (url, entry, listed_in) for url, entry, listed_in in todo}
            for future in as_completed(futures):  # extract each page as it arrives
                url, entry, listed_in = futures[future]
                try:
                    result = future.result()
                except FetchError as exc:
                    report.failures.append(PollFailure(exc.url, exc.reason, exc.kind))
                    continue
                self._remember(url, result, report)
                if result.not_modified:
                    report.not_modified.append(url)
                    continue
                self._read_page(url, result, entry, listed_in, report)
        report.elapsed = time.monotonic() - started
        return report

    def _read_listings(self, sources: list[str], report: PollReport,
                       pages: dict[str, tuple[FeedEntry | None, str | None]]) -> None:
        queue: list[tuple[str, int]] = [(url, 0) for url in sources]
        done: set[str] = set()
        children = 0  # sitemaps found in sitemap indexes: at most max_listings a poll
        while queue:
            batch = []
            for url, depth in queue:
                if url in done:
                    continue
                if depth > 0:
                    if children >= self.max_listings:
                        report.warnings.append(f"more than {self.max_listings} sitemaps in sitemap indexes: "
                                               "the rest were not read")
                        break
                    children += 1
                done.add(url)
                batch.append((url, depth))
            queue = []
            if not batch:
                break
            validators = {u: self.state.validators.get(u, (None, None)) for u, _ in batch}
            results = self.fetcher.fetch_many([u for u, _ in batch], validators)
            for (url, depth), result in zip(batch, results):
                if isinstance(result, FetchError):
                    report.failures.append(PollFailure(result.url, result.reason, result.kind))
                    continue
                self._remember(url, result, report)
                if result.not_modified:
                    report.not_modified.append(url)
                    continue
                kind = detect_kind(result.content, result.content_type)
                if kind == DocumentKind.HTML:  # a source that is an article page itself (new, or changed: not a 304)
                    self._read_page(url, result, None, None, report)
                    continue
                try:
                    listing = parse_listing(result.content, result.final_url, result.content_type)
                except FeedError as exc:
                    report.failures.append(PollFailure(url, exc.reason, exc.kind))
                    continue
                report.listings += 1
                report.warnings.extend(f"{url}: {w}" for w in listing.warnings)
                if listing.kind == DocumentKind.SITEMAP_INDEX:
                    if depth >= self.max_sitemap_depth:
                        report.warnings.append(f"{url}: sitemap index nested deeper than {self.max_sitemap_depth}")
                        continue
                    queue.extend((child.url, depth + 1) for child in listing.sitemaps if child.url not in done)
                    continue
                for entry in listing.entries:
                    report.listed += 1
                    pages.setdefault(strip_tracking(entry.url), (entry, url))

    def _read_page(self, url: str, result: FetchResult, entry: FeedEntry | None, listed_in: str | None,
                   report: PollReport) -> None:
        if detect_kind(result.content, result.content_type) != DocumentKind.HTML:
            report.failures.append(PollFailure(url, "not an article page (the document is not HTML)", "no_article"))
            return
        try:
            article = extract_article(result.content, result.final_url, options=self.options, fetched=result,
                                      listed=entry, listed_in=listed_in)
        except ExtractError as exc:
            report.failures.append(PollFailure(url, exc.reason, exc.kind))
            return
        with self._lock:
            first = self._canonical.setdefault(article.url, url)
            self.state.seen[url] = article.url
        if first != url:  # the same article under another listed URL (an Atom link beside an RSS one, ...)
            report.known += 1
            return
        report.articles.append(article)
        if self.syndication is not None:
            if article.url in self.syndication:
                return
            group = self.syndication.add(article.url, article.body)
            if group != article.url:
                report.duplicates[article.url] = str(group)
