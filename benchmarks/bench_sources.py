"""Benchmark of news in, continuously (assistant/sources) against a local fixture site on 127.0.0.1.

Measures, with N real MultiHop-RAG articles rendered as boilerplate-heavy pages behind an RSS feed:

1. a cold poll: feed → fetch every page → extracted PageArticle records (articles/s, wall time, bytes);
2. extraction alone, no network (pages/s);
3. a poll where nothing changed: the feed alone (one 304), and the feed plus every article page (all 304s):
   wall time and bytes on the wire (client: body bytes; server: status line, headers and body bytes written);
4. with ``--facade``: feed to searchable through the facade (Assistant.index(URL): fetch, extract, chunk, embed with
   the real model, store in Chroma): articles per second, then the cost of a poll with nothing new (no embedding);
5. with ``--syndication``: precision/recall of syndicated-copy grouping on the whole corpus plus republished
   copies, under several edit/trim regimes and containment thresholds (the figures in syndication.py's docstring).

Usage: .venv/bin/python benchmarks/bench_sources.py [--articles 100] [--per-host 4] [--min-delay 0]
       [--facade] [--syndication] [--json]
Prints the figures; does not touch benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.sources.extract import extract_article
from assistant.sources.fetch import FetchConfig, Fetcher
from assistant.sources.poll import Poller, PollState
from assistant.sources.syndication import (
    SyndicationConfig,
    SyndicationIndex,
    containment,
    pairs_of,
    shingles,
)
from tests.sources.sitegen import CORPUS, build_news_site, load_corpus, render_page, serve
from tests.sources.wire import republish, wire_fixture


def pick(corpus: list[dict], n: int) -> list[dict]:
    fitting = [a for a in corpus if 2000 <= len(a["body"]) <= 15000]
    step = max(1, len(fitting) // n)
    return fitting[::step][:n]


def bench_polls(corpus: list[dict], n: int, per_host: int, min_delay: float) -> dict:
    articles = pick(corpus, n)
    site, items = build_news_site(articles)
    out: dict = {"articles": len(items), "per_host": per_host, "min_delay_s": min_delay}
    with serve(site) as base:
        config = FetchConfig(allow_private=True, min_delay=min_delay, max_per_host=per_host, max_workers=per_host)
        with Fetcher(config) as fetcher:
            fetcher.fetch(base + "/robots.txt")  # robots.txt cached first, outside the timings
            sent0 = site.total_bytes()
            cold = Poller(fetcher)
            report = cold.poll([base + "/feeds/rss.xml"])
            sent1 = site.total_bytes()
            assert not report.failures, report.failures
            out["cold_poll"] = {
                "wall_s": round(report.elapsed, 3), "records": len(report.articles),
                "articles_per_s": round(len(report.articles) / report.elapsed, 1),
                "requests": report.requests, "bytes_received_body": report.bytes_received,
                "bytes_sent_by_server": sent1 - sent0,
            }
            poller = Poller(fetcher, state=PollState.from_json(cold.state.to_json()))  # as saved between polls
            # nothing changed: the feed alone
            before = site.total_bytes()
            feed_only = poller.poll([base + "/feeds/rss.xml"])
            out["unchanged_feed_poll"] = {
                "wall_s": round(feed_only.elapsed, 4), "requests": feed_only.requests,
                "not_modified": len(feed_only.not_modified), "bytes_received_body": feed_only.bytes_received,
                "bytes_sent_by_server": site.total_bytes() - before,
            }
            # nothing changed: the feed and every page rechecked
            sources = [base + "/feeds/rss.xml"] + [base + a.path for a in items]
            before = site.total_bytes()
            everything = poller.poll(sources)
            sent = site.total_bytes() - before
            out["unchanged_full_recheck"] = {
                "wall_s": round(everything.elapsed, 3), "requests": everything.requests,
                "not_modified": len(everything.not_modified), "bytes_received_body": everything.bytes_received,
                "bytes_sent_by_server": sent, "bytes_per_304": round(sent / max(1, everything.requests)),
                "articles": len(everything.articles),
            }
        # extraction alone
        pages = [(render_page(item, base, [o for o in items if o is not item][:8]), base + item.path)
                 for item in items]
    started = time.monotonic()
    for content, url in pages:
        extract_article(content, url)
    elapsed = time.monotonic() - started
    out["extraction_only"] = {"pages": len(pages), "wall_s": round(elapsed, 3),
                              "pages_per_s": round(len(pages) / elapsed, 1),
                              "avg_page_bytes": round(sum(len(c) for c, _ in pages) / len(pages))}
    return out


def bench_facade(corpus: list[dict], n: int, per_host: int, min_delay: float) -> dict:
    """Feed to searchable through the facade, then a poll with nothing new (real embedding model, real store)."""
    import tempfile

    from assistant.assistant import Assistant
    from assistant.settings import Settings

    articles = pick(corpus, n)
    site, items = build_news_site(articles)
    with serve(site) as base, tempfile.TemporaryDirectory() as folder:
        settings = Settings(index_dir=Path(folder) / "index", backend="extractive", seed_sample=False,
                            fetch_allow_private=True, fetch_min_delay=min_delay, fetch_max_per_host=per_host)
        assistant = Assistant(settings)
        try:
            assistant.count_tokens(["warm up"])  # the embedding model loads outside the timings
            assistant.components.embedder.encode(["warm up"])
            feed = base + "/feeds/rss.xml"
            started = time.perf_counter()
            cold = assistant.index([feed])
            hits = assistant.retrieve(items[0].source["title"], k=1)  # searchable: the search index is built
            cold_s = time.perf_counter() - started
            assert not cold.failed and cold.added == len(items), cold.failed
            before = site.total_bytes()
            started = time.perf_counter()
            quiet = assistant.index([feed])
            quiet_s = time.perf_counter() - started
            sent = site.total_bytes() - before
            (source,) = quiet.sources
            return {"articles": len(items), "feed_to_searchable_s": round(cold_s, 2),
                    "articles_per_s": round(len(items) / cold_s, 2), "chunks_embedded": cold.chunks_embedded,
                    "found_first": bool(hits and hits[0].meta.get("url") == base + items[0].path),
                    "quiet_poll_s": round(quiet_s, 3), "quiet_chunks_embedded": quiet.chunks_embedded,
                    "quiet_requests": source.requests, "quiet_not_modified": source.not_modified,
                    "quiet_bytes_sent_by_server": sent}
        finally:
            assistant.close()


def _score(items: list[tuple[str, str, int]], threshold: float) -> dict:
    index = SyndicationIndex(SyndicationConfig(containment=threshold))
    started = time.monotonic()
    for item_id, body, _ in items:
        index.add(item_id, body)
    elapsed = time.monotonic() - started
    truth: dict[int, set[str]] = {}
    for item_id, _, story in items:
        truth.setdefault(story, set()).add(item_id)
    found, true = pairs_of(index.groups()), pairs_of(truth.values())
    hits = len(found & true)
    return {"threshold": threshold, "precision": round(hits / max(1, len(found)), 4),
            "recall": round(hits / max(1, len(true)), 4), "true_pairs": len(true),
            "false_pairs": sorted(sorted(p) for p in found - true)[:5], "texts_per_s": round(len(items) / elapsed, 1)}


def bench_syndication(corpus: list[dict]) -> dict:
    out: dict = {}
    fixture = [(i.id, i.body, i.story) for i in wire_fixture(corpus)]
    sets = {i: shingles(b) for i, b, _ in fixture}
    same = [containment(sets[a[0]], sets[b[0]]) for a, b in itertools.combinations(fixture, 2) if a[2] == b[2]]
    other = [containment(sets[a[0]], sets[b[0]]) for a, b in itertools.combinations(fixture, 2) if a[2] != b[2]]
    out["fixture"] = {"texts": len(fixture), "true_pair_containment_min": round(min(same), 3),
                      "distinct_pair_containment_max": round(max(other), 3),
                      "by_threshold": [_score(fixture, t) for t in (0.4, 0.5, 0.6, 0.7)]}
    rng = random.Random(3)
    base = [(str(i), a["body"], i) for i, a in enumerate(corpus)]
    copies = []
    for story in rng.sample(range(len(corpus)), 60):
        for c in range(rng.randint(1, 3)):
            w = republish(corpus[story], story, c, rng)
            copies.append((w.id, w.body, story))
    out["corpus_plus_copies"] = {"texts": len(base) + len(copies),
                                 "by_threshold": [_score(base + copies, t) for t in (0.4, 0.5, 0.6, 0.7)]}
    regimes = {"kept 45-90%, 1-3% words edited": ((0.45, 0.9), (0.01, 0.03)),
               "kept 20-45%, 1-3% edited": ((0.2, 0.45), (0.01, 0.03)),
               "kept 45-90%, 5-8% edited": ((0.45, 0.9), (0.05, 0.08)),
               "kept 20-45%, 8-12% edited": ((0.2, 0.45), (0.08, 0.12))}
    out["stress"] = {}
    for name, (keep, edits) in regimes.items():
        rng = random.Random(11)
        items = []
        for story in rng.sample(range(len(corpus)), 80):
            items.append((str(story), corpus[story]["body"], story))
            for c in range(3):
                w = republish(corpus[story], story, c, rng, keep, edits)
                items.append((w.id, w.body, story))
        out["stress"][name] = [_score(items, t) for t in (0.5, 0.6)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--per-host", type=int, default=4, help="concurrent requests to the one fixture host")
    parser.add_argument("--min-delay", type=float, default=0.0, help="politeness delay (the default config has 1 s)")
    parser.add_argument("--facade", action="store_true", help="also measure feed to searchable through the facade")
    parser.add_argument("--syndication", action="store_true", help="also measure syndication precision/recall")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    corpus = load_corpus()
    if corpus is None:
        sys.exit(f"MultiHop-RAG corpus not found at {CORPUS} (set MULTIHOP_RAG_DIR)")
    results = {"polls": bench_polls(corpus, args.articles, args.per_host, args.min_delay)}
    if args.facade:
        results["facade"] = bench_facade(corpus, args.articles, args.per_host, args.min_delay)
    if args.syndication:
        results["syndication"] = bench_syndication(corpus)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    polls = results["polls"]
    cold, quiet, full, ext = (polls["cold_poll"], polls["unchanged_feed_poll"], polls["unchanged_full_recheck"],
                              polls["extraction_only"])
    print(f"fixture site: {polls['articles']} articles, {polls['per_host']} concurrent requests per host, "
          f"politeness delay {polls['min_delay_s']} s")
    print(f"cold poll (feed -> pages -> records): {cold['records']} records in {cold['wall_s']} s = "
          f"{cold['articles_per_s']} articles/s; {cold['requests']} requests, {cold['bytes_received_body']:,} body "
          f"bytes received (gzip), {cold['bytes_sent_by_server']:,} bytes sent by the server")
    print(f"extraction alone: {ext['pages_per_s']} pages/s ({ext['pages']} pages of {ext['avg_page_bytes']:,} bytes "
          f"on average, {ext['wall_s']} s)")
    print(f"unchanged poll, feed only: {quiet['requests']} request, {quiet['not_modified']} x 304 in "
          f"{quiet['wall_s'] * 1000:.1f} ms; {quiet['bytes_received_body']} body bytes, "
          f"{quiet['bytes_sent_by_server']} bytes from the server")
    print(f"unchanged poll, feed + every page rechecked: {full['requests']} requests, {full['not_modified']} x 304 "
          f"in {full['wall_s']} s; {full['bytes_received_body']} body bytes, {full['bytes_sent_by_server']:,} bytes "
          f"from the server ({full['bytes_per_304']} per 304)")
    if args.facade:
        fa = results["facade"]
        print(f"facade, feed to searchable (fetch, extract, chunk, embed, store; real model): {fa['articles']} articles "
              f"in {fa['feed_to_searchable_s']} s = {fa['articles_per_s']} articles/s ({fa['chunks_embedded']} "
              f"sentences embedded; first article found by its title: {fa['found_first']})")
        print(f"facade, poll with nothing new: {fa['quiet_poll_s']} s, {fa['quiet_chunks_embedded']} sentences "
              f"embedded, {fa['quiet_requests']} requests ({fa['quiet_not_modified']} x 304), "
              f"{fa['quiet_bytes_sent_by_server']:,} bytes from the server")
    if args.syndication:
        syn = results["syndication"]
        fx = syn["fixture"]
        print(f"syndication fixture ({fx['texts']} texts): true-pair containment >= {fx['true_pair_containment_min']},"
              f" distinct-pair containment <= {fx['distinct_pair_containment_max']}")
        for row in fx["by_threshold"]:
            print(f"  containment {row['threshold']}: precision {row['precision']}, recall {row['recall']} "
                  f"({row['true_pairs']} true pairs)")
        print(f"corpus + copies ({syn['corpus_plus_copies']['texts']} texts):")
        for row in syn["corpus_plus_copies"]["by_threshold"]:
            print(f"  containment {row['threshold']}: precision {row['precision']}, recall {row['recall']} "
                  f"({row['true_pairs']} true pairs; false pairs {row['false_pairs']}); {row['texts_per_s']} texts/s")
        for name, rows in syn["stress"].items():
            print(f"stress, {name}: " + "; ".join(f"containment {r['threshold']}: P {r['precision']} R {r['recall']}"
                                                   for r in rows))


if __name__ == "__main__":
    main()
