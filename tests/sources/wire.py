"""Syndication fixtures from MultiHop-RAG: wire stories republished with edits, and distinct reports of the same events.

Each pair below is two outlets' (or one outlet's two) own stories about one event or subject (the dataset's
inference queries join them). The first of each pair is the "wire story" republished 2-4 times; the second stays
alone and must not join its group.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# (wire story, distinct same-event story), as positions in corpus.json
SAME_EVENT_PAIRS = (
    (332, 333),  # OpenAI board turmoil: Fortune / TechCrunch
    (529, 530),  # Trump civil fraud trial: Fortune / The Age
    (47, 99),  # ChatGPT's first year: TechCrunch / Engadget
    (461, 272),  # Spotify: The Verge / TechCrunch
    (1, 87),  # ASX morning market wraps: two days of The Sydney Morning Herald's same-template report
    (33, 170),  # Google antitrust: TechCrunch / The Verge (Epic v. Google)
    (92, 543),  # Everton: The Guardian / BBC
    (109, 110),  # Chelsea and Pochettino: The Guardian / Sky Sports
    (135, 134),  # Israel and Gaza: Fortune / Business Today
    (2, 521),  # Amazon: CNBC / The Verge
)
EXTRA_DISTINCT = (541, 108)  # Spurs-West Ham (The Roar), Emma Hayes and Chelsea (NYT): same teams, other stories

OUTLETS = ("Associated Press", "Yahoo News", "MSN", "The Independent", "NewsBreak", "Daily Herald", "Fox 5 DC",
           "The Seattle Times", "Star Tribune", "Business Insider")
CITIES = ("NEW YORK", "WASHINGTON", "LONDON", "SAN FRANCISCO", "SYDNEY", "LOS ANGELES")
SWAPS = {"said": "says", "says": "said", "percent": "per cent", "company": "firm", "also": "additionally",
         "However,": "But", "but": "yet", "big": "large", "large": "big", "people": "individuals", "told": "informed",
         "very": "really", "week": "weekend", "about": "around", "show": "reveal", "new": "latest"}


@dataclass(frozen=True)
class WireItem:
    """One text of the syndication fixture. ``story`` names its true group (the corpus position of the original)."""

    id: str
    story: int
    title: str
    outlet: str
    author: str | None
    body: str


def _paras(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if p.strip()]


def republish(article: dict, story: int, copy: int, rng: random.Random, keep: tuple[float, float] = (0.45, 0.9),
              edits: tuple[float, float] = (0.01, 0.03)) -> WireItem:
    """Return a republished copy of ``article``: new headline, byline and outlet, a dateline, the ending trimmed to
    45-90 %, 1-3 % of words swapped, one sentence dropped, and a credit line added."""
    paras = _paras(article["body"])
    kept = max(3, round(len(paras) * rng.uniform(*keep)))
    paras = paras[:kept]
    # small edits: swap some words, drop one sentence from a middle paragraph
    rate = rng.uniform(*edits)
    edited = []
    for p in paras:
        tokens = p.split(" ")
        for i, tok in enumerate(tokens):
            if tok in SWAPS and rng.random() < 0.5:
                tokens[i] = SWAPS[tok]
            elif rng.random() < rate and len(tok) > 3 and tok.isalpha():
                # a typo, or a word dropped
                tokens[i] = tok[0] + tok[2] + tok[1] + tok[3:] if rng.random() < 0.5 else ""
        edited.append(re.sub(r" {2,}", " ", " ".join(tokens)).strip())
    middle = len(edited) // 2
    sentences = re.split(r"(?<=[.!?])\s+", edited[middle])
    if len(sentences) > 1:
        sentences.pop(rng.randrange(len(sentences)))
        edited[middle] = " ".join(sentences)
    outlet = OUTLETS[(story + copy * 3) % len(OUTLETS)]
    byline = rng.choice([f"By Staff Reporter, {outlet}", f"From {outlet} staff and wire reports", None])
    edited[0] = f"{rng.choice(CITIES)} ({outlet}) — {edited[0]}"
    if byline:
        edited.insert(0, byline)
    credit = rng.choice([f"This story was originally published by {article['source']}.",
                         "(Reporting by newsroom staff; Editing by the night desk)",
                         f"Copyright 2023 {outlet}. All rights reserved."])
    edited.append(credit)
    title = rng.choice([f"{article['title']} - report", f"What to know: {article['title']}",
                        f"{article['title'].split(':')[0]} (UPDATED)", article["title"].upper()])
    return WireItem(f"{story}-copy{copy}", story, title, outlet, byline, "\n\n".join(edited))


def wire_fixture(corpus: list[dict], seed: int = 7) -> list[WireItem]:
    """Return the fixture: each wire story, its 2-4 copies, and the distinct same-event stories, shuffled."""
    rng = random.Random(seed)
    items: list[WireItem] = []
    for wire, distinct in SAME_EVENT_PAIRS:
        original = corpus[wire]
        items.append(WireItem(f"{wire}", wire, original["title"], original["source"], original.get("author"),
                              original["body"]))
        for copy in range(rng.randint(2, 4)):
            items.append(republish(original, wire, copy, rng))
        other = corpus[distinct]
        items.append(WireItem(f"{distinct}", distinct, other["title"], other["source"], other.get("author"),
                              other["body"]))
    for extra in EXTRA_DISTINCT:
        other = corpus[extra]
        items.append(WireItem(f"{extra}", extra, other["title"], other["source"], other.get("author"), other["body"]))
    rng.shuffle(items)
    return items


def expected_groups(items: list[WireItem]) -> set[frozenset[str]]:
    """Return the true groups (sets of ids) of ``items``."""
    groups: dict[int, set[str]] = {}
    for item in items:
        groups.setdefault(item.story, set()).add(item.id)
    return {frozenset(g) for g in groups.values()}
