"""What a question asks, in the shapes news readers use: a yes/no question about what outlets reported (one claim
per outlet or article named; or whether two reports agree, or changed; or which came first), a choice between
options, a question for a name, or anything else. Pure functions: no model, no index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..retrieval.query import (
    DateMention, OutletMention, detect_outlets, mentioned_outlets, parse_dates, split_subqueries,
)

Shape = Literal["yesno", "choice", "entity", "other"]
Relation = Literal["claims", "same", "different", "order"]

_AUX = r"(?:does|do|did|is|was|were|are|has|have|had|can|could|would|will|should)"
_WH = re.compile(r"^\s*(?:who|whom|whose|which|what|where|when|why|how|name|list)\b", re.I)
_YESNO = re.compile(rf"(?:^|,\s+|;\s+)({_AUX})\s+(?!you\b)", re.I)
_CHOICE = re.compile(r"\b((?:an?\s+|the\s+)?[\w-]+(?:\s+[\w-]+)?)\s+or\s+((?:an?\s+|the\s+)?[\w-]+(?:\s+[\w-]+)?)\s*\?\s*$",
                     re.I)
_DIFFERENT = re.compile(r"\b(?:inconsisten\w*|disagree\w*|differ\w*|contradict\w*|chang\w*|shift\w*|discrepan\w*|"
                        r"diverg\w*|contrast\w*|conflict\w*|depart\w*|evolv\w*|alter\w*)\b", re.I)
_SAME = re.compile(r"\b(?:consisten\w*|agree\w*|similar\w*|same|align\w*|remain\w*|uniform\w*|in line with|echo\w*|"
                   r"match\w*|corroborat\w*|confirm\w*|concur\w*|parallel\w*)\b", re.I)
_NEGATED_RELATION = re.compile(r"\b(?:no|not|never|any)\s+(?:\w+\s+)?(?:inconsisten|chang|shift|differ|contradict|"
                               r"consisten|agree|similar|align)\w*", re.I)
_ORDER = re.compile(r"\b(?:before|after|earlier than|later than|prior to|first|precede\w*|follow\w*)\b", re.I)
_PUBLISHED_ORDER = re.compile(r"\b(?:published|reported|released|posted)\s+(?:\w+\s+){0,2}(before|after|earlier|"
                              r"later)\b", re.I)
_NEGATED_CLAIM = re.compile(r"\b(?:fail(?:s|ed)? to|not|never|no longer|did not|does not|do not|neither)\b", re.I)
# A clause boundary: a conjunction followed by what names a report ("while the Fortune article", "and The Verge").
_SPLIT = re.compile(r"(?i:,?\s+(?:while|whereas|but|and then|and|then|with|compared to|as opposed to|unlike|in contrast "
                    r"to|(?:published\s+|reported\s+)?(?:before|after)))\s+(?=(?i:the|a|an|another|both|its|their|"
                    r"this|that)?\s*['\"‘“]?[A-Z])|;\s*|(?i:,\s+(?:and|while|but)\s+)")
_FRAMING = re.compile(
    r"^(?:(?:does|do|did|is|was|were|are|has|have|had)\s+)?(?:both\s+)?(?:the\s+)?(?:articles?|reports?|pieces?|"
    r"stor(?:y|ies)|coverage|other\s+article)?\b\s*(?:(?:from|by|in|on)\b)?\s*", re.I)
_REPORTING = re.compile(
    r"^(?:(?:also|both|first|then|later|subsequently)\s+)*(?:report(?:s|ed)?|suggest(?:s|ed)?|indicat(?:e|es|ed)|"
    r"impl(?:y|ies|ied)|state(?:s|d)?|say(?:s)?|said|claim(?:s|ed)?|describe(?:s|d)?|note(?:s|d)?|mention(?:s|ed)?|"
    r"highlight(?:s|ed)?|discuss(?:es|ed)?|portray(?:s|ed)?|present(?:s|ed)?|attribute(?:s|d)?|cover(?:s|ed)?|"
    r"focus(?:es|ed)? on|credit(?:s|ed)?|reporting|discussing|detailing|highlighting|regarding|suggesting|claiming|"
    r"stating|indicating|which\s+(?:maintained|reported|stated|said|claimed|suggested))\b\s+(?:that\s+|on\s+|about\s+)?",
    re.I)
_PERSON_WORDS = r"(?:individual|person|player|executive|ceo|founder|figure|coach|quarterback|star|actor|actress|" \
                r"singer|artist|official|leader|politician|entrepreneur|manager|athlete|director|author|man|woman)"
_ORG_WORDS = r"(?:company|companies|organization|organisation|firm|team|club|brand|platform|startup|network|" \
             r"service|app|agency|group|corporation|business|studio|league|outlet|publication|country|city)"


@dataclass(frozen=True)
class Claim:
    """What the question says one outlet's (or one dated) article reported."""

    text: str
    outlets: tuple[str, ...] = ()
    dates: tuple[DateMention, ...] = ()
    negated: bool = False  # "Does the article fail to mention ...": the claim is that it does not


@dataclass(frozen=True)
class QuestionPlan:
    """How to answer a question (see the module docstring)."""

    question: str
    shape: Shape
    relation: Relation = "claims"
    claims: tuple[Claim, ...] = ()
    options: tuple[str, ...] = ()
    asks: str = "thing"  # for an entity question: "person", "organization" or "thing"
    outlets: tuple[str, ...] = ()
    dates: tuple[DateMention, ...] = ()
    order: str | None = None  # "before" / "after" when the question asks which report came first
    expects_same: bool = True  # for a "same"/"different" relation: what "yes" means
    topic: str = ""  # what a "same"/"different" question compares
    notes: list[str] = field(default_factory=list)


def _claim_text(piece: str, mentions: Sequence[OutletMention], dates: Sequence[str] = ()) -> str:
    """Return the statement part of a clause: the outlet's name, dates and the reporting verb taken out."""
    text = piece
    for surface in sorted(dates, key=len, reverse=True):
        text = re.sub(rf"(?:\b(?:published|reported|released|posted|dated)\s+)?(?:\b(?:on|at|in)\s+)?"
                      rf"{re.escape(surface)}", " ", text, flags=re.I)
    text = re.sub(r"^\s*(?:between|after|before|following|considering|given|in|from)\b\s*", "", text, flags=re.I)
    for m in sorted(mentions, key=lambda m: -len(m.surface)):
        text = re.sub(rf"(?:the\s+)?['\"‘“]?{re.escape(m.surface)}['\"’”]?(?:'s|’s)?", " ", text, flags=re.I)
    text = re.sub(r"\b(?:article|report|piece|story|coverage|analysis|review)s?\b(?:\s+(?:published|dated|posted)"
                  r"(?:\s+(?:on|at|in))?)?", " ", text, flags=re.I)
    text = re.sub(r"\s+", " ", text).strip(" ,;?")
    for _ in range(3):
        text = _FRAMING.sub("", text.strip(" ,;:")).strip(" ,;:")
        text = re.sub(r"^(?:subsequent|later|earlier|following|previous|latest|recent|first|second|other)\b\s*(?:by\b)?"
                      r"\s*", "", text, flags=re.I).strip(" ,;:")
        text = re.sub(rf"^(?:{_AUX}|while|whereas|and|but|then|also|both|the|a|an|another|other|same|source)\b\s*",
                      "", text, flags=re.I).strip()
        text = _REPORTING.sub("", text).strip()
        text = re.sub(r"^(?:from|by|on|about|regarding|concerning|of|that|in|at)\b\s*", "", text, flags=re.I).strip()
    text = re.sub(r"\s+(?:published|reported|released|posted|dated)(?:\s+(?:on|at|in|later|earlier))?\s*$", "",
                  text, flags=re.I).strip(" ,;")
    return text[:1].upper() + text[1:] if text else piece.strip(" ,;?")


def split_claims(question: str, mentions: Sequence[OutletMention], dates: Sequence[DateMention]) -> list[Claim]:
    """Return one claim per clause that names an outlet (clauses naming none join the previous claim)."""
    cuts = [0]
    for m in _SPLIT.finditer(question):
        inside = any(x.start < m.end() and m.start() < x.end for x in mentions) or \
            any(d.start < m.end() and m.start() < d.end for d in dates)
        if not inside:
            cuts += [m.start(), m.end()]
    cuts.append(len(question))
    pieces = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2) if cuts[i + 1] > cuts[i]]
    claims: list[tuple[int, int, list[OutletMention]]] = []
    for start, end in pieces:
        inside = [m for m in mentions if start <= m.start < end]
        if claims and not inside:
            claims[-1] = (claims[-1][0], end, claims[-1][2])
        else:
            claims.append((start, end, inside))
    out = []
    for start, end, inside in claims:
        piece = question[start:end]
        outlets = tuple(dict.fromkeys(o for m in inside for o in m.outlets))
        piece_dates = tuple(d for d in dates if start <= d.start < end)
        text = _claim_text(re.sub(r"\s*\b(?:on|in|at)?\s*$", "", piece), inside,
                           [question[d.start:d.end] for d in piece_dates])
        negated = bool(re.match(r"^(?:fail(?:s|ed)? to|not|never|no longer)\b", text, re.I))
        if negated:
            text = re.sub(r"^(?:fail(?:s|ed)? to|not|never|no longer)\s+", "", text, flags=re.I)
            text = text[:1].upper() + text[1:]
        out.append(Claim(text, outlets, piece_dates, negated))
    out = _share_predicate(out)
    merged: list[Claim] = []
    waiting: tuple[str, ...] = ()  # outlets of a clause that says nothing of its own ("while A and B report X")
    for claim in out:
        content = [w for w in re.findall(r"[\w'’-]+", claim.text) if w.lower() not in {"the", "a", "an", "s"}]
        if not content or claim.text.strip("'\" ").lower() in {o.lower() for o in claim.outlets}:
            waiting += claim.outlets
            continue
        if waiting:
            claim = Claim(claim.text, tuple(dict.fromkeys(waiting + claim.outlets)), claim.dates, claim.negated)
            waiting = ()
        merged.append(claim)
    return merged


def _clauses(question: str, mentions: Sequence[OutletMention], dates: Sequence[DateMention]) -> tuple[Claim, ...]:
    """Return the facts a question for a name gives about it, one per clause, each searched in the outlets it names
    (or, naming none, in those the whole question names)."""
    pieces = split_subqueries(question, mentions, dates) or []
    everyone = tuple(mentioned_outlets(mentions))
    out = []
    for piece in pieces:
        text = re.sub(r"^(?:who|whom|whose|which|what)\s+(?:\w+\s+){0,2}?(?:is|was|are|were|has|had)\s+(?:the\s+)?"
                      r"(?:\w+\s+)?(?:that|who|which)?\s*", "", piece.text, flags=re.I)
        text = _claim_text(text, [m for m in mentions if m.surface in piece.text])
        if len(text.split()) >= 3 and not re.match(r"^(?:as|according)\s+(?:\w+\s+)?(?:by|to)\b", text, re.I):
            out.append(Claim(text, tuple(piece.outlets) or everyone, tuple(piece.dates)))
    return tuple(out)


def _share_predicate(claims: list[Claim]) -> list[Claim]:
    """"A (on X) and B (on Y) both report Z": give every claim the shared predicate Z."""
    if len(claims) < 2:
        return claims
    match = re.search(r"\bboth\s+(.+)$", claims[-1].text, re.I)
    if not match:
        return claims
    predicate = _REPORTING.sub("", match.group(1)).strip(" ,")
    predicate = re.sub(r",?\s*respectively$", "", predicate, flags=re.I)
    last = claims[-1].text[:match.start()].strip(" ,")
    topics = [c.text for c in claims[:-1]] + [last]
    return [Claim(f"{topic} {predicate}".strip() if topic else predicate, c.outlets, c.dates, c.negated)
            for topic, c in zip(topics, claims)]


def _asks(question: str) -> str:
    q = question.lower()
    if re.match(rf"^\s*(?:who|whom|whose)\b|^\s*which\s+(?:\w+\s+)?{_PERSON_WORDS}\b", q):
        return "person"
    if re.match(rf"^\s*(?:which|what)\s+(?:\w+\s+)?{_ORG_WORDS}\b", q):
        return "organization"
    return "thing"


def analyse(question: str, known_outlets: Iterable[str], default_year: int) -> QuestionPlan:
    """Return the plan for ``question`` given the outlets in the index."""
    mentions = detect_outlets(question, list(known_outlets))
    dates = parse_dates(question, default_year)
    outlets = tuple(mentioned_outlets(mentions))
    if _WH.match(question) and not _YESNO.match(question):
        entity = bool(re.match(rf"^\s*(?:who|whom|whose|which)\b|^\s*what\s+(?:\w+\s+)?{_ORG_WORDS}\b|"
                               r"^\s*what\s+is\s+the\s+name\s+of\b", question, re.I))
        return QuestionPlan(question, "entity" if entity else "other", claims=_clauses(question, mentions, dates)
                            if entity else (), asks=_asks(question), outlets=outlets, dates=tuple(dates))
    yesno = _YESNO.search(question)
    if not yesno:
        return QuestionPlan(question, "other", outlets=outlets, dates=tuple(dates))
    lead, main = (question[:yesno.start()], question[yesno.start():]) if yesno.start() > 0 else (question, "")
    claims = tuple(split_claims(lead, mentions, dates))
    topic = _topic(main or question)
    choice = _CHOICE.search(question)
    options: tuple[str, ...] = ()
    if choice and not re.search(r"\bnot\b", choice.group(2), re.I):
        left, right = (re.sub(r"^(?:an?|the)\s+", "", o.strip(), flags=re.I) for o in choice.groups())
        left = " ".join(left.split()[-len(right.split()):])  # "show agreement or disagreement": one word each
        options = (left, right)
    predicate = question[yesno.start():]
    different, same = _DIFFERENT.search(predicate), _SAME.search(predicate)
    relation: Relation = "claims"
    expects_same = True
    if (different or same) and (len(outlets) >= 2 or len(dates) >= 2 or len(claims) >= 2 or
                                re.search(r"\bbetween\b|\bboth\b|\bremain", question, re.I)):
        relation = "different" if different and (not same or different.start() < same.start()) else "same"
        expects_same = relation == "same"
        if _NEGATED_RELATION.search(predicate):
            expects_same = not expects_same
    order = None
    published = _PUBLISHED_ORDER.search(question)
    if published and len(claims) >= 2:
        relation, order = "order", "before" if published.group(1).lower() in ("before", "earlier") else "after"
    return QuestionPlan(question, "choice" if options else "yesno", relation, claims, options, outlets=outlets,
                        dates=tuple(dates), order=order, expects_same=expects_same, topic=topic)


def _topic(clause: str) -> str:
    """Return what a "same"/"different" question compares ("the portrayal of Google's market influence")."""
    text = re.sub(rf"^\W*{_AUX}\s+(?:there\s+)?(?:an?\s+|any\s+|no\s+)?", "", clause.strip(), flags=re.I)
    text = re.sub(r"^(?:\w+\s+){0,2}?(?:inconsisten\w*|disagree\w*|differ\w*|contradict\w*|chang\w*|shift\w*|"
                  r"consisten\w*|agree\w*|similar\w*|alignment|discrepanc\w*)\s+(?:in|of|on|about|regarding|between)?"
                  r"\s*", "", text, flags=re.I)
    return text.strip(" ?,.") or clause.strip(" ?")
