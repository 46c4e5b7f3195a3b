"""Sentence boundaries in news text, as character spans (so every chunk and citation keeps exact offsets)."""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm maj st jr sr inc corp co ltd llc plc vs etc
    jan feb mar apr jun jul aug sep sept oct nov dec tues thurs u.s u.k u.n e.u a.m p.m
    e.g i.e approx est dept univ ave blvd rd mt ft pres gov't sec atty supt rev fig vol op cf al""".split()
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace.
_CANDIDATE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_NEXT_START = re.compile(r"\s+(?:[\"'“‘(\[]?[A-Z0-9]|<)")


def _is_abbreviation(text: str, end: int) -> bool:
    """Return True when the period ending at ``end`` closes an abbreviation or an initial rather than a sentence."""
    start = end
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "\"'“‘([":
        start -= 1
    word = text[start:end].rstrip(".").lower()
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    if word in ("no", "nos", "vol", "art") and re.match(r"\s+\d", text[end:]):
        return True  # "No. 5"
    # Initials and dotted acronyms: "J.", "J.B.", "U.S.", "D.C."
    return bool(re.fullmatch(r"(?:[a-z]\.)*[a-z]", word))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``; line breaks always end a sentence.

    Spans exclude surrounding whitespace and cover every non-space character of ``text`` exactly once.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        offset, segment = line.start(), line.group()
        start = 0
        for match in _CANDIDATE.finditer(segment):
            end = match.end()
            if not _NEXT_START.match(segment, end):
                continue
            if segment[match.start()] == "." and match.end() - match.start() == 1 and _is_abbreviation(segment, end):
                continue
            _add_span(spans, segment, offset, start, end)
            start = end
        _add_span(spans, segment, offset, start, len(segment))
    return spans


def _add_span(spans: list[tuple[int, int]], segment: str, offset: int, start: int, end: int) -> None:
    piece = segment[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((offset + start + lead, offset + start + lead + len(stripped)))


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text`` as strings."""
    return [text[s:e] for s, e in sentence_spans(text)]
