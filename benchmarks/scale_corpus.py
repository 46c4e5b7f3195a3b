"""Grow the MultiHop-RAG corpus to F times its size with distinct articles, deterministically (for bench_scale.py).

    python benchmarks/scale_corpus.py --factor 10 --out /tmp/x10.json [--seed 0] [--corpus PATH] [--limit N]

The output is a JSON list in exactly corpus.json's format (same keys in the same order, 4-space indent, non-ASCII
escaped), so `assistant index /tmp/x10.json` reads it. It holds the source articles unchanged, first, followed by
(F - 1) x N generated ones; F = 1 is the corpus itself, byte for byte.

Each generated article is made of whole paragraphs (the body split on blank lines) of 4 to 6 source articles, one
contiguous run from each: each run aims at about 1/k of the article's length and at most 35% of its source's, and
more runs are added (at most 12 sources) while the article is short of its length (drawn from the corpus's article
lengths; the 35% is lifted after 10 draws that gave nothing new, which only happens in tiny corpora). So no generated article holds most of any one source article, nor of another generated one (the indexer's
syndicated-copy check compares word 5-gram containment in the smaller text with 0.6). Paragraphs are never edited,
so identical sentences stay identical (an embedding cache keyed by text can reuse them). It gets:
- a title recombined from the titles of its first two source articles (" (part N)" added when that title exists),
- a publication date drawn uniformly over --years (default 2014-2023, so the archive spans ten years),
- an outlet drawn from the corpus's articles (so outlets keep their share), an author of that outlet, the category
  of its first source, and a unique URL on that outlet's host.
No two articles of the output have the same body (compared with whitespace collapsed); a draw that repeats one is
drawn again. Generated article i is drawn from its own random stream (seed, i), so the 10x corpus is the first
part of the 30x one (same seed and source).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("MULTIHOP_RAG_DIR") or REPO.parent / "shared" / "eval" / "multihop-rag")
CORPUS = DATA / "corpus.json"
KEYS = ("title", "author", "source", "published_at", "category", "url", "body")

SOURCES_PER_ARTICLE = (4, 6)  # a generated article takes runs of paragraphs from this many source articles
MAX_SOURCES = 12  # at most this many when the first runs fall short of the article's length
MAX_SHARE_OF_SOURCE = 0.35  # a run takes at most this share of its source article's words
MIN_WORDS = 300  # the shortest generated article aimed at
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def split_paragraphs(body: str) -> list[str]:
    """Return the body's paragraphs: split on blank lines (on single newlines when it has none), stripped."""
    parts = _BLANK_LINE.split(body) if _BLANK_LINE.search(body) else body.split("\n")
    return [p.strip() for p in parts if p.strip()]


def body_key(body: str) -> str:
    """Return the hash two bodies share when they are the same text up to whitespace."""
    return hashlib.sha256(" ".join(body.split()).encode("utf-8")).hexdigest()


def _words(text: str) -> int:
    return len(text.split())


def _slug(title: str, words: int = 8) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", title.lower())[:words]) or "article"


def _title(first: str, second: str) -> str:
    """Return the first half of ``first``'s words followed by the second half of ``second``'s."""
    a, b = first.split(), second.split()
    return " ".join(a[: max(1, (len(a) + 1) // 2)] + b[len(b) // 2:])


def _date(rng: random.Random, years: tuple[int, int]) -> str:
    start = datetime(years[0], 1, 1, tzinfo=UTC)
    end = datetime(years[1] + 1, 1, 1, tzinfo=UTC)
    moment = start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
    return moment.isoformat()  # YYYY-MM-DDTHH:MM:SS+00:00, as in corpus.json


def _run(rng: random.Random, paragraphs: list[str], budget: float, tries: int = 3) -> list[str]:
    """Return a contiguous run of ``paragraphs`` of at most ``budget`` words (empty when a few random starting
    paragraphs are each longer than that)."""
    for _ in range(tries):
        start = rng.randrange(len(paragraphs))
        if _words(paragraphs[start]) <= budget:
            break
    else:
        return []
    run = [paragraphs[start]]
    total = _words(run[0])
    lo, hi = start, start
    while True:  # grow forwards, then backwards once the end of the article is reached
        if hi + 1 < len(paragraphs) and total + _words(paragraphs[hi + 1]) <= budget:
            hi += 1
            run.append(paragraphs[hi])
            total += _words(paragraphs[hi])
        elif hi + 1 >= len(paragraphs) and lo > 0 and total + _words(paragraphs[lo - 1]) <= budget:
            lo -= 1
            run.insert(0, paragraphs[lo])
            total += _words(paragraphs[lo])
        else:
            return run


def scale_corpus(articles: Sequence[dict], factor: int, seed: int = 0,
                 years: tuple[int, int] = (2014, 2023)) -> list[dict]:
    """Return ``articles`` (unchanged, first) followed by (factor - 1) x len(articles) generated distinct ones."""
    if factor < 1:
        raise ValueError(f"factor must be at least 1, not {factor}")
    if years[0] > years[1]:
        raise ValueError(f"years {years[0]}-{years[1]} is an empty range")
    out = [dict(a) for a in articles]
    if factor == 1 or not articles:
        return out
    paragraphs = [split_paragraphs(a.get("body") or "") for a in articles]
    usable = [i for i, p in enumerate(paragraphs) if p]
    if not usable:
        raise ValueError("no source article has a body")
    lengths = [_words(a.get("body") or "") for a in articles]
    outlets = [a.get("source") or "" for a in articles]  # with repetition: each outlet keeps its share
    authors: dict[str, list] = {}
    hosts: dict[str, list[str]] = {}
    for a in articles:
        authors.setdefault(a.get("source") or "", []).append(a.get("author"))
        parts = urlsplit(a.get("url") or "")
        if parts.scheme in ("http", "https") and parts.netloc:
            hosts.setdefault(a.get("source") or "", []).append(f"{parts.scheme}://{parts.netloc}")
    seen_bodies = {body_key(a.get("body") or "") for a in articles}
    seen_titles = {(a.get("title") or "").casefold() for a in articles}
    seen_urls = {a.get("url") for a in articles}

    for i in range((factor - 1) * len(articles)):
        rng = random.Random(f"scale-corpus:{seed}:{i}")
        for attempt in range(1000):
            share = MAX_SHARE_OF_SOURCE if attempt < 10 else 1.0  # lifted where the cap leaves nothing new to draw
            k = rng.randint(*SOURCES_PER_ARTICLE)
            target = max(MIN_WORDS, lengths[rng.choice(usable)])  # lengths follow the corpus's
            candidates = rng.sample(usable, min(len(usable), MAX_SOURCES))
            picked: list[int] = []
            body_paragraphs: list[str] = []
            total = 0
            for s in candidates:  # k runs of about target / k words, more while the article is short of its length
                if len(picked) >= k and total >= 0.9 * target:
                    break
                run = _run(rng, paragraphs[s], min(target / k, share * lengths[s]))
                if run:
                    picked.append(s)
                    body_paragraphs += run
                    total += sum(_words(p) for p in run)
            body = "\n\n".join(body_paragraphs)
            if body_paragraphs and body_key(body) not in seen_bodies:
                break
        else:
            raise RuntimeError(f"could not draw a distinct article {i} in 1000 attempts (too few source articles?)")
        seen_bodies.add(body_key(body))
        main = articles[picked[0]]
        second = articles[picked[1]] if len(picked) > 1 else main
        title = _title(main.get("title") or "Untitled", second.get("title") or "")
        base, n = title, 1
        while title.casefold() in seen_titles:
            n += 1
            title = f"{base} (part {n})"
        seen_titles.add(title.casefold())
        published = _date(rng, years)
        outlet = rng.choice(outlets)
        host = rng.choice(hosts.get(outlet) or ["https://archive.example.org"])
        url = f"{host}/archive/{published[:4]}/{published[5:7]}/{published[8:10]}/{_slug(title)}-{i + 1:06d}"
        while url in seen_urls:
            url += "-x"
        seen_urls.add(url)
        record = {"title": title, "author": rng.choice(authors[outlet]), "source": outlet, "published_at": published,
                  "category": main.get("category"), "url": url, "body": body}
        out.append({key: record[key] for key in KEYS})
    return out


def load_corpus(path: Path = CORPUS, limit: int | None = None) -> list[dict]:
    """Return the corpus.json articles in ``path`` (the first ``limit`` only when given)."""
    articles = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(articles, list):
        raise TypeError(f"{path} is not a corpus.json list of articles")
    return articles[:limit] if limit is not None else articles


def dumps(articles: Sequence[dict]) -> str:
    """Return ``articles`` serialised exactly as corpus.json is (4-space indent, non-ASCII escaped, no final newline)."""
    return json.dumps(list(articles), indent=4, ensure_ascii=True)


def _years(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{4})", text.strip())
    if not match or int(match[1]) > int(match[2]):
        raise argparse.ArgumentTypeError(f"{text!r} is not a range of years like 2014-2023")
    return int(match[1]), int(match[2])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factor", type=int, required=True, help="output size as a multiple of the input (1, 10, 30)")
    parser.add_argument("--out", type=Path, required=True, help="the JSON file to write (corpus.json format)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"source corpus (default {CORPUS})")
    parser.add_argument("--limit", type=int, help="use only the first N source articles")
    parser.add_argument("--years", type=_years, default=(2014, 2023), help="dates of generated articles (2014-2023)")
    args = parser.parse_args(argv)
    if args.factor < 1:
        parser.error("--factor must be at least 1")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if not args.corpus.is_file():
        parser.error(f"{args.corpus} does not exist (set MULTIHOP_RAG_DIR or pass --corpus)")
    source = load_corpus(args.corpus, args.limit)
    articles = scale_corpus(source, args.factor, args.seed, args.years)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = dumps(articles)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(text, encoding="ascii")
    tmp.replace(args.out)
    words = sum(_words(a["body"]) for a in articles)
    print(json.dumps({"out": str(args.out), "factor": args.factor, "seed": args.seed, "source_articles": len(source),
                      "articles": len(articles), "words": words, "bytes": len(text),
                      "sha256": hashlib.sha256(text.encode("ascii")).hexdigest()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
