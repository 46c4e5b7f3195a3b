"""benchmarks/scale_corpus.py: the grown corpus has the asked size, distinct bodies made only of source paragraphs,
dates spread over years, unique titles and URLs, the same output for the same seed, and corpus.json's format."""

import importlib.util
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import CORPUS, REPO, needs_multihop

SCRIPT = REPO / "benchmarks" / "scale_corpus.py"
_spec = importlib.util.spec_from_file_location("scale_corpus", SCRIPT)
scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scale)

OUTLETS = ["Wire One", "The Daily Post", "Metro Times", "Tech Ledger"]
WORDS = ["harbour", "council", "budget", "striker", "league", "chip", "market", "storm", "vaccine", "court", "merger",
         "drought", "festival", "rover", "senate", "tariff", "glacier", "orchestra", "satellite", "refinery"]


def fake_corpus(n: int = 20, seed: int = 7) -> list[dict]:
    """Return ``n`` corpus.json-style articles with 5 to 12 paragraphs of distinct sentences each."""
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        paragraphs = []
        for p in range(rng.randint(5, 12)):
            sentences = [f"In report {i}.{p}.{s} the {rng.choice(WORDS)} met the {rng.choice(WORDS)} "
                         f"near the {rng.choice(WORDS)} for {rng.randint(2, 90)} days." for s in range(rng.randint(1, 4))]
            paragraphs.append(" ".join(sentences))
        source = OUTLETS[i % len(OUTLETS)]
        articles.append({"title": f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} story number {i}",
                         "author": None if i % 5 == 0 else f"Author {i % 3}", "source": source,
                         "published_at": f"2023-10-{1 + i:02d}T08:00:00+00:00", "category": "business",
                         "url": f"https://{source.replace(' ', '').lower()}.example.com/news/{i}",
                         "body": "\n\n".join(paragraphs)})
    return articles


def check_grown(source: list[dict], grown: list[dict], factor: int) -> None:
    assert len(grown) == factor * len(source)
    assert grown[: len(source)] == source  # the source articles come first, unchanged
    generated = grown[len(source):]
    assert len({scale.body_key(a["body"]) for a in grown}) == len(grown)  # no two bodies alike
    assert len({a["title"].casefold() for a in grown}) == len(grown)
    assert len({a["url"] for a in grown}) == len(grown)
    paragraphs = {p for a in source for p in scale.split_paragraphs(a["body"])}
    outlets = {a["source"] for a in source}
    for a in generated:
        assert list(a) == list(scale.KEYS)
        own = scale.split_paragraphs(a["body"])
        assert len(own) >= 2
        assert all(p in paragraphs for p in own), a["title"]
        # paragraphs of several source articles, not a copy of one
        assert len({i for i, s in enumerate(source) if set(own) & set(scale.split_paragraphs(s["body"]))}) >= 2
        assert a["source"] in outlets
        assert a["url"].startswith(("http://", "https://"))
    years = Counter(a["published_at"][:4] for a in generated)
    assert len(years) >= 5, years  # the archive spans years
    assert all(2014 <= int(y) <= 2023 for y in years)


@pytest.mark.unit
def test_grows_with_distinct_articles_made_of_source_paragraphs() -> None:
    source = fake_corpus(20)
    check_grown(source, scale.scale_corpus(source, 3, seed=0), 3)


@pytest.mark.unit
def test_same_seed_same_output_other_seed_other_output() -> None:
    source = fake_corpus(20)
    first = scale.scale_corpus(source, 3, seed=0)
    assert scale.dumps(first) == scale.dumps(scale.scale_corpus(source, 3, seed=0))
    assert scale.scale_corpus(source, 3, seed=1) != first
    assert scale.scale_corpus(source, 5, seed=0)[: len(first)] == first  # a larger factor extends a smaller one


@pytest.mark.unit
def test_draws_that_repeat_a_body_are_drawn_again() -> None:
    # 3 articles of 3 one-sentence paragraphs: a run takes one paragraph, so there are 3! x 3^3 = 162 possible
    # bodies, and 21 draws repeat some unless repeats are drawn again
    source = [{"title": f"Story {i}", "author": None, "source": "Wire", "published_at": "2023-10-01T08:00:00+00:00",
               "category": "news", "url": f"https://wire.example.com/{i}",
               "body": "\n\n".join(f"Paragraph {p} of story {i} says the harbour reopened today." for p in range(3))}
              for i in range(3)]
    grown = scale.scale_corpus(source, 8, seed=0)
    assert len({scale.body_key(a["body"]) for a in grown}) == len(grown) == 24
    with pytest.raises(RuntimeError):  # one paragraph in all: no distinct article can be made
        scale.scale_corpus([dict(source[0], body="The only paragraph.")], 2)


@pytest.mark.unit
def test_factor_one_is_the_corpus_and_bad_factors_are_refused() -> None:
    source = fake_corpus(5)
    assert scale.scale_corpus(source, 1) == source
    with pytest.raises(ValueError):
        scale.scale_corpus(source, 0)


@pytest.mark.unit
def test_cli_writes_the_corpus_format(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.json"
    corpus.write_text(scale.dumps(fake_corpus(20)))
    out = tmp_path / "x3.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--factor", "3", "--limit", "10", "--seed", "4",
                             "--corpus", str(corpus), "--out", str(out)], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["articles"] == 30
    grown = json.loads(out.read_text())
    check_grown(fake_corpus(20)[:10], grown, 3)
    assert out.read_text() == scale.dumps(grown)  # 4-space indent, ASCII, as corpus.json


@needs_multihop
def test_first_twenty_multihop_articles(tmp_path: Path) -> None:
    from assistant.loading import load_source

    source = scale.load_corpus(CORPUS, limit=20)
    grown = scale.scale_corpus(source, 3, seed=0)
    check_grown(source, grown, 3)
    assert grown == scale.scale_corpus(source, 3, seed=0)
    out = tmp_path / "x3.json"
    out.write_text(scale.dumps(grown))
    loaded = load_source(out)  # what `assistant index x3.json` reads
    assert not loaded.errors and len(loaded.articles) == 60
    assert len({a.key for a in loaded.articles}) == 60
    assert scale.dumps(scale.load_corpus(CORPUS)) == CORPUS.read_text()  # F = 1 writes corpus.json byte for byte
