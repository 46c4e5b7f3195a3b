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


# One country or union, written several ways: each pattern (matched case-sensitively, so the pronoun "us" is no
# country) stands for all the words of its spelled-out form and of its abbreviation.
_ALIASES = (
    (re.compile(r"\bU\.\s?S\.(?:\s?A\.)?|\bUSA?\b|\bUnited States\b|\bAmerica\b"), "united states us usa america"),
    (re.compile(r"\bU\.\s?K\.|\bUK\b|\bUnited Kingdom\b|\bBritain\b"), "united kingdom uk britain"),
    (re.compile(r"\bE\.\s?U\.|\bEU\b|\bEuropean Union\b"), "european union eu"),
    (re.compile(r"\bU\.\s?N\.|\bUN\b|\bUnited Nations\b"), "united nations un"),
)


def alias_words(text: str) -> set[str]:
    """Return the words of every other way of writing the countries and unions ``text`` names ("U.S." -> "united",
    "states", "us", ...), so a claim saying "the United States" is held by a passage saying "U.S."."""
    found: set[str] = set()
    for pattern, forms in _ALIASES:
        if pattern.search(text):
            found |= set(forms.split())
    return found


def is_country(text: str) -> bool:
    """Return True when ``text`` is, as a whole, one of the countries or unions of ``alias_words`` ("U.S.")."""
    text = text.strip()
    return any(pattern.fullmatch(text) or pattern.fullmatch(f"{text}.") for pattern, _ in _ALIASES)  # "U.S"
