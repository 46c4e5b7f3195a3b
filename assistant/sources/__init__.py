"""News in, continuously: safe fetching, feeds and sitemaps, article extraction, syndicated copies.

Standalone: it takes only ``normalise`` and ``sentences`` from the rest of the package (see ``_compat``).

- ``fetch``: :class:`Fetcher`, :class:`FetchConfig`, :class:`FetchResult`, :class:`FetchError`
- ``feeds``: :func:`detect_kind`, :func:`parse_listing`, :class:`Listing`, :class:`FeedEntry`, :class:`FeedError`
- ``extract``: :func:`extract_article`, :class:`ExtractOptions`, :class:`ExtractError`
- ``records``: :class:`PageArticle`
- ``syndication``: :class:`SyndicationIndex`, :func:`group_texts`
- ``poll``: :class:`Poller`, :class:`PollState`, :class:`PollReport`

Names are imported lazily (``from assistant.sources import Fetcher`` does not import trafilatura).
"""

from __future__ import annotations

import importlib

_WHERE = {
    "Fetcher": "fetch", "FetchConfig": "fetch", "FetchResult": "fetch", "FetchError": "fetch",
    "detect_kind": "feeds", "parse_listing": "feeds", "parse_feed": "feeds", "parse_sitemap": "feeds",
    "Listing": "feeds", "FeedEntry": "feeds", "FeedError": "feeds", "DocumentKind": "feeds",
    "extract_article": "extract", "ExtractOptions": "extract", "ExtractError": "extract",
    "PageArticle": "records",
    "SyndicationIndex": "syndication", "SyndicationConfig": "syndication", "group_texts": "syndication",
    "Poller": "poll", "PollState": "poll", "PollReport": "poll", "PollFailure": "poll",
}
__all__ = [  # noqa: RUF022 - grouped by module as above
    "Fetcher",
    "FetchConfig",
    "FetchResult",
    "FetchError",
    "detect_kind",
    "parse_listing",
    "parse_feed",
    "parse_sitemap",
    "Listing",
    "FeedEntry",
    "FeedError",
    "DocumentKind",
    "extract_article",
    "ExtractOptions",
    "ExtractError",
    "PageArticle",
    "SyndicationIndex",
    "SyndicationConfig",
    "group_texts",
    "Poller",
    "PollState",
    "PollReport",
    "PollFailure",
]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant.sources' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
