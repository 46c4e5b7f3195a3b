"""Word-level text helpers shared by lexical search, passage selection and grounding checks."""

from __future__ import annotations

import re
import unicodedata

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before being below
    between both but by can cannot could couldn't did didn't do does doesn't doing don't down during each few for from
    further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his
    how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she she'd she'll she's should
    shouldn't so some such than that that's the their theirs them themselves then there there's these they they'd
    they'll they're they've this those through to too under until up very was wasn't we we'd we'll we're we've were
    weren't what what's when when's where where's which while who who's whom why why's with won't would wouldn't you
    you'd you'll you're you've your yours yourself yourselves said says say according per via s t will just new""".split()
)
QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how does did do is are was were many much tell explain describe".split()
)
_WORD = re.compile(r"[\w][\w'’\-]*", re.UNICODE)


def fold(text: str) -> str:
    """Return ``text`` lowercased with accents removed and curly apostrophes straightened."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A light English suffix stripper: enough to match plurals and common verb forms."""
    if len(word) <= 3 or word[0].isdigit():
        return word
    if word.endswith(("ches", "shes", "xes", "zes", "sses")):
        return word[:-2]
    for suffix, repl in (("ies", "y"), ("ing", ""), ("edly", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + repl
    return word


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
    """Return the stemmed content words of ``text`` (stopwords dropped): the unit of lexical matching."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]
