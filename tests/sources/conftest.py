"""Fixtures of the sources tests: the corpus (skipped when missing), a fake news site on 127.0.0.1, fetchers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.sources.fetch import FetchConfig, Fetcher

from .sitegen import CORPUS, Site, SiteArticle, build_news_site, load_corpus, pick_articles, serve


@pytest.fixture(scope="session")
def corpus() -> list[dict]:
    data = load_corpus()
    if data is None:
        pytest.skip(f"MultiHop-RAG corpus not found at {CORPUS} (set MULTIHOP_RAG_DIR to the folder holding "
                    "corpus.json)")
    return data


@pytest.fixture(scope="session")
def site_articles(corpus: list[dict]) -> list[dict]:
    return pick_articles(corpus, 20)


@pytest.fixture(scope="session")
def news_site(site_articles: list[dict]) -> Iterator[tuple[Site, list[SiteArticle], str]]:
    """The fixture site with its 20 articles, served for the whole session: (site, articles, base URL)."""
    site, items = build_news_site(site_articles)
    with serve(site) as base:
        yield site, items, base


@pytest.fixture
def local_config() -> FetchConfig:
    """Limits for the local server: loopback allowed, no politeness delay, short timeouts."""
    return FetchConfig(allow_private=True, min_delay=0, connect_timeout=2, read_timeout=1.5, total_timeout=10,
                       max_per_host=4)


@pytest.fixture
def fetcher(local_config: FetchConfig) -> Iterator[Fetcher]:
    with Fetcher(local_config) as f:
        yield f


# Figures the tests measure (extraction similarity, syndication precision/recall), printed after the run.
MEASURED: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if MEASURED:
        terminalreporter.section("sources: measured")
        for name, value in MEASURED.items():
            terminalreporter.write_line(f"{name}: {value}")
