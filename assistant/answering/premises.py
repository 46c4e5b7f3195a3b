"""Questions whose premise the articles do not hold: they name an outlet the index has no article from, or ask about
a year no article covers. Such a question is refused with the reason, never answered from loosely related
articles as if its premise were true."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from ..retrieval.query import detect_outlets
from ..types import Passage

_NAME = r"((?:[A-Z][\w.&'’-]*|of|and|the)(?:\s+(?:[A-Z][\w.&'’-]*|of|and|the)){0,5})"
_PIECE = r"(?:article|report|piece|story|stories|coverage|op-ed|column|analysis|review|feature|editorial|segment)s?"
_BY_OUTLET = re.compile(rf"\b(?:{_PIECE}|another(?:\s+one)?|one|piece)\s+(?:from|by|in|published\s+by)\s+(?:the\s+)?"
                        rf"{_NAME}")
_ON_OUTLET = re.compile(rf"\b{_PIECE}\s+on\s+(?:the\s+)?((?:[A-Z][\w.&'’-]*\s+){{0,4}}[A-Z][\w.&'’-]*)\s+"
                        rf"(?:about|regarding|detailing|discussing|concerning|covering|on)\b")
_VERB_BY = re.compile(r"\b(?:reported|mentioned|covered|detailed|written|noted|discussed|highlighted|presented|"
                      r"published|featured|outlined)\s+by\s+(?:the\s+)?((?:[A-Z][\w.&'’-]*\s+){0,4}[A-Z][\w.&'’-]*)")
_OUTLET_BY = re.compile(rf"(?:^|\s)(?:an?|the|another)\s+['\"‘“]?((?:[A-Z][\w.&'’-]*\s+){{0,4}}[A-Z][\w.&'’-]*)['\"’”]?"
                        rf"\s+{_PIECE}\b")
_NOT_OUTLETS = re.compile(r"^(?:the|a|an|this|that|these|those|both|each|every|another|same|other|first|second|"
                          r"latest|recent|subsequent|earlier|later|previous|which|what|who|does|did|do|is|was|has|"
                          r"considering|according|between|after|before|in|on)$", re.I)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


def _clean(name: str) -> str:
    words = name.strip(" '\"’”‘“").split()
    while words and (_NOT_OUTLETS.match(words[0]) or words[0].lower() in ("of", "and")):
        words = words[1:]
    while words and words[-1].lower() in ("of", "and", "the"):
        words = words[:-1]
    return " ".join(words)


_MONTHS = re.compile(r"^(?:January|February|March|April|May|June|July|August|September|October|November|December|"
                     r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b")


def named_outlets(question: str) -> list[str]:
    """Return the names the question gives as the outlets of the articles it refers to ("an article by The New York
    Times", "a Guardian piece"); titles in quotes are not outlets."""
    question = re.sub(r"(['\"‘“])[^'\"’”]{3,120}?(['\"’”])(?=\s*(?:and|or|,|\)|article|report|piece))", " ", question)
    found = [_clean(m.group(1)) for m in _BY_OUTLET.finditer(question)]
    found += [_clean(m.group(1)) for m in _OUTLET_BY.finditer(question)]
    found += [_clean(m.group(1)) for pattern in (_ON_OUTLET, _VERB_BY) for m in pattern.finditer(question)]
    return [f for f in dict.fromkeys(found) if f and f[0].isupper() and not _MONTHS.match(f)]


def unknown_outlets(question: str, known: Sequence[str]) -> list[str]:
    """Return the outlets the question names that no indexed article comes from."""
    folded = [k.lower() for k in known]
    return [name for name in named_outlets(question)
            if not detect_outlets(name, known) and not any(name.lower() in k for k in folded)
            and not re.search(r"['’]s$", name)]


def uncovered_years(question: str, coverage: tuple[date, date] | None, passages: Iterable[Passage]) -> list[int]:
    """Return the years the question asks about that no article was published in and no passage mentions."""
    if coverage is None:
        return []
    first, last = coverage
    mentioned = {int(y) for p in passages for y in _YEAR.findall(p.text)}
    return [y for y in dict.fromkeys(int(y) for y in _YEAR.findall(question))
            if not first.year - 1 <= y <= last.year and y not in mentioned]


def coverage_note(coverage: tuple[date, date] | None) -> str:
    if coverage is None:
        return ""
    first, last = coverage
    return f"The articles cover {first:%B %Y} to {last:%B %Y}."
