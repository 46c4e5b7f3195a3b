"""Word-level text helpers shared by lexical search, passage selection and grounding checks."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before being below
    between both but by can cannot could couldn't did didn't do does doesn't doing don't down during each few for from
    further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his
    how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she she'd she'll she's should
    shouldn't so some such than that that's the their theirs them themselves then there there's these they they'd
    they'll they're they've this those through to too under until up very was wasn't we we'd we'll we're we've were
    weren't what what's when when's where where's which while who who's whom why why's with won't would wouldn't you
    you'd you'll you're you've your yours yourself yourselves said says say according per via s t just""".split()
)
QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how does did do is are was were many much tell explain describe".split()
)
_WORD = re.compile(r"[\w][\w'’\-]*", re.UNICODE)


def fold(text: str) -> str:
    """Return ``text`` lowercased with accents removed and curly apostrophes straightened."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202 - Stemmer.Stemmer
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """Return the Snowball (Porter 2) stem of a lower-case word ("uniforms" -> "uniform", "police" -> "polic")."""
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """Return the folded words of ``text`` (apostrophe endings kept together, hyphens split)."""
    out = []
    for match in _WORD.finditer(fold(text)):
        token = match.group().strip("'-")
        if token.endswith("'s"):
            token = token[:-2]
        out.extend(t for t in token.split("-") if t)
    return out


def terms(text: str) -> list[str]:
    """Return the stemmed content words of ``text`` (stopwords and one-letter words dropped): the one unit of
    lexical matching, for search and for the grounding checks alike."""
    kept = [w for w in words(text) if len(w) > 1 and w not in STOPWORDS]
    return _stemmer().stemWords(kept) if kept else []


@lru_cache(maxsize=1)
def question_terms() -> frozenset[str]:
    """Return QUESTION_WORDS as ``terms`` makes them (stemmed), to drop them from a question's terms."""
    return frozenset(_stemmer().stemWords(sorted(QUESTION_WORDS)))
