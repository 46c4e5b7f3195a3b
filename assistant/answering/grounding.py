"""Grounding enforced in code: every sentence of an answer must be supported by the passage it cites.

Checks, per sentence of the draft: citations point at passages that were given; every number and name in the
sentence occurs in the cited passages (or the question); most of its content words come from them. Unsupported
sentences are removed; a wrong passage number is corrected when another passage supports the sentence; when
nothing is left, or the answer lacks what the question asks for (a number, a date, a name), the answer is a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..text.sentences import sentence_spans
from ..text.terms import STOPWORDS, alias_words, fold, terms, words
from ..types import REFUSAL, Answer, Citation, Passage
from .claims import check_claim
from .injection import is_instruction
from .links import text_fragment_link
from .prompts import NOT_IN_ARTICLES

_MARKER = re.compile(r"\[(\d{1,3})\]")
_MARKER_RUN = re.compile(r"^(?:\s*\[\d{1,3}\])+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][\w'’.\-]*")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")
_URL = re.compile(r"https?://[^\s)\]>\"']+")
_TAG = re.compile(r"<!--.*?(?:-->|$)|</?[a-zA-Z][^>]*>", re.S)
_REFUSAL = re.compile(
    r"NOT_IN_ARTICLES|not in the (?:articles|passages)|(?:do|does|did) not (?:say|mention|contain|provide|specify|"
    r"state|include|give|answer|indicate)|no information|not (?:mentioned|specified|provided|stated|given)|"
    r"cannot (?:be )?(?:determined|answered|find|found)|can't (?:find|answer)|i don't know|unable to (?:find|answer)|"
    r"there is no mention|no mention of|don't say",
    re.I,
)
# Words that state nothing about the world: style of the answer, not claims.
_GENERIC = frozenset(terms(
    "according article articles passage passages report reported reports told stated states mention mentioned "
    "noted note also must would could might may one two however additionally answer question it its quote quoted "
    "quotes story stories piece write wrote written describe described cite cited news text"
)) | {"must", "also", "like"}
_SENTENCE_STARTERS = frozenset(words("The A An This That These Those It Its They He She According In On At As By For "
                                     "However Additionally Also Yes No"))
_MONTHS = "january february march april may june july august september october november december"
_WHEN_WORDS = re.compile(
    rf"\b(?:{_MONTHS.replace(' ', '|')}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|today|yesterday|tomorrow|tonight|morning|afternoon|evening|night|day|days|"
    r"week|weeks|month|months|year|years|ago|earlier|later|since|until|soon|spring|summer|autumn|fall|winter|"
    r"(?:1[89]|20)\d\d)\b",
    re.I,
)
_QUANTITY_QUESTION = re.compile(
    r"^\s*(?:how (?:many|much|old|long|far|big|large|tall|often)|what (?:is|was|are|were) the (?:population|number|"
    r"amount|percentage|share|price|cost|size|age|total|score|rate)\b)", re.I,
)
_NUMBER_WORDS = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|dozens|twenty|thirty|forty|fifty|"
    r"hundred|hundreds|thousand|thousands|million|millions|billion|billions|percent|several|few|no)\b", re.I,
)


def normalise_number(token: str) -> str:
    """Return a number token without thousands separators or a trailing '.0' ("2,705,941" -> "2705941")."""
    token = token.strip(".,")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", token):
        token = token.replace(",", "")
    return re.sub(r"\.0+$", "", token)


def _numbers(text: str) -> set[str]:
    return {normalise_number(m.group()) for m in _NUMBER.finditer(text)}


def _names(sentence: str, common: set[str]) -> set[str]:
    """Return folded capitalised words of a sentence that are names: not stopwords, and not a first word that is
    capitalised only because it starts the sentence (``common`` holds words seen in lower case)."""
    found = set()
    for i, match in enumerate(_NAME.finditer(sentence)):
        word = fold(match.group()).strip(".'’-")
        word = word[:-2] if word.endswith("'s") else word
        if not word or word in STOPWORDS:
            continue
        if match.start() == 0 and (word in _SENTENCE_STARTERS or word in common):
            continue
        if re.fullmatch(r"[ivxlc]+", word) and i == 0:
            continue
        found.add(word)
    return found


@dataclass(frozen=True)
class Support:
    ok: bool
    reason: str = ""


Verify = Callable[[str, Passage], bool]  # a narrow model check: does this passage state this claim?


def claim_support(claim: str, passages: list[Passage], question: str, common: set[str] = frozenset(),
                  verify: Verify | None = None) -> Support:
    """Return whether ``passages`` support ``claim``: its numbers and names occur there (a number, date or name the
    claim takes from the question counts only when the passage states it too), most of its words do, and, for one
    passage, the claim check (answering/claims.py) and ``verify`` pass.

    ``common`` holds words seen in lower case in the context (so a sentence's first word is not taken for a name).
    """
    claim = _URL.sub("", _LINK.sub(r"\1", _IMAGE.sub("", _TAG.sub("", claim))))
    text = " ".join(f"{p.title} {p.source or ''} {p.author or ''} {p.text}" for p in passages)
    folded_words = set(words(text)) | alias_words(text)
    missing_numbers = _numbers(claim) - _numbers(text)
    if missing_numbers:
        return Support(False, f"the number {sorted(missing_numbers)[0]} is not in the cited passage")
    missing_names = {n for n in _names(claim, common) if not set(words(n)) <= folded_words}
    if missing_names:
        return Support(False, f"the name {sorted(missing_names)[0]!r} is not in the cited passage")
    claim_terms = {t for t in terms(claim) if t not in _GENERIC}
    if not claim_terms:
        return Support(False, "the sentence states nothing")
    support_terms = set(terms(text))
    coverage = len(claim_terms & support_terms) / len(claim_terms)
    if coverage < 0.5:
        return Support(False, f"only {coverage:.0%} of its words are in the cited passage")
    if len(passages) == 1:
        verdict = check_claim(claim, passages[0].text)
        if not verdict.ok:
            return Support(False, verdict.reason)
        if verify is not None and not verify(claim, passages[0]):
            return Support(False, "the cited passage does not state it")
    return Support(True)


_CLAUSE = re.compile(r",?\s+(?:and|but|while|whereas)\s+|;\s*|,\s+")


def _supports_alone(claim: str, passage: Passage, several: bool, question: str, common: set[str],
                    verify: Verify | None = None) -> bool:
    """Return True when ``passage`` by itself states ``claim`` or, for a sentence citing several passages, one of
    its clauses ("A did X [1] and B did Y [2]")."""
    if claim_support(claim, [passage], question, common, verify).ok:
        return True
    if not several:
        return False
    clauses = [c for c in _CLAUSE.split(claim) if len(terms(c)) >= 2]
    return len(clauses) > 1 and any(claim_support(c, [passage], question, common, verify).ok for c in clauses)


def answer_type_missing(question: str, answer_text: str) -> str | None:
    """Return what the question asks for that the answer lacks ("a number", "a date or time"), or None."""
    answer_text = _MARKER.sub("", answer_text)
    if _QUANTITY_QUESTION.search(question):
        if not re.search(r"\d", answer_text) and not _NUMBER_WORDS.search(answer_text):
            return "a number"
    elif re.match(r"^\s*(?:when|(?:until|by|at|from|since)?\s*what (?:time|date|day|year|month))\b", question, re.I) \
            and not _WHEN_WORDS.search(answer_text) and not re.search(r"\d", answer_text):
        return "a date or time"
    return None


def _normalise_markers(text: str) -> str:
    text = re.sub(r"[【\[]\s*(?:passages?|source|ref)?\s*\^?(\d{1,3})\s*[】\]]", r"[\1]", text, flags=re.I)
    text = re.sub(r"\(\s*(?:passage|source)\s+(\d{1,3})\s*\)", r"[\1]", text, flags=re.I)

    def expand(match: re.Match) -> str:
        inner = match.group(1)
        if "-" in inner or "–" in inner:
            a, b = (int(x) for x in re.split(r"\s*[-–]\s*", inner))
            numbers = list(range(a, b + 1)) if 0 < b - a < 10 else [a, b]
        else:
            numbers = [int(x) for x in re.split(r"\s*[,;]\s*", inner)]
        return "".join(f"[{n}]" for n in numbers)

    return re.sub(r"\[(\d{1,3}(?:\s*[,;–-]\s*\d{1,3})+)\]", expand, text)


def _sanitise(text: str, allowed_urls: set[str]) -> str:
    """Remove images, HTML, and links or URLs that are not a cited article's own URL."""
    text = _IMAGE.sub("", text)
    text = _TAG.sub("", text)
    text = _LINK.sub(lambda m: m.group(0) if m.group(2) in allowed_urls else m.group(1), text)
    return _URL.sub(lambda m: m.group(0) if m.group(0).rstrip(".,") in allowed_urls else "", text)


def _best_sentence(passage: Passage, claim: str) -> tuple[int, int] | None:
    """Return the span of the passage sentence that supports ``claim`` best: shared terms, those that are rare in
    the passage counting more, then the closest wording."""
    spans = sentence_spans(passage.text)
    if not spans:
        return None
    sentence_terms = [set(terms(passage.text[a:b])) for a, b in spans]
    claim_terms = set(terms(claim))

    def score(i: int) -> tuple[float, float]:
        shared = claim_terms & sentence_terms[i]
        weight = sum(1.0 / sum(t in st for st in sentence_terms) for t in shared)
        a, b = spans[i]
        return weight, SequenceMatcher(None, claim.lower(), passage.text[a:b].lower()).ratio()

    return spans[max(range(len(spans)), key=score)]


def merge_copies(kept: list[tuple[str, list[int]]], passages: Sequence[Passage]) -> list[tuple[str, list[int]]]:
    """Return ``kept`` (sentence, cited passage numbers) with every passage of a syndicated copy replaced by the
    first-cited passage of its story's other article: copies of one wire story never confirm each other."""
    first: dict[str, int] = {}  # group -> first cited passage number
    out = []
    for claim, valid in kept:
        cited: list[int] = []
        for n in valid:
            p = passages[n - 1]
            group = p.group or p.article_id
            stand = first.setdefault(group, n)
            if passages[stand - 1].article_id != p.article_id:
                n = stand
            if n not in cited:
                cited.append(n)
        out.append((claim, cited))
    return out


def _citation(passage: Passage, n: int, claims: str) -> Citation:
    """Return citation ``n`` of ``passage``, its supporting sentence highlighted and linked to on the page."""
    highlight = _best_sentence(passage, claims)
    sentence = passage.text[highlight[0]:highlight[1]] if highlight else passage.text
    return passage.citation(n, highlight, text_fragment_link(passage.url, sentence))


def check_answer(draft: str, passages: list[Passage], question: str, verify: Verify | None = None) -> Answer:
    """Return the checked Answer for a model's ``draft`` written from ``passages``; ``verify`` is the narrow model
    check of one claim against one passage (none for quoted sentences)."""
    notes: list[str] = []
    text = _normalise_markers(draft.strip())
    spans = sentence_spans(text)
    sentences: list[tuple[str, list[int]]] = []
    for start, end in spans:
        sentence = text[start:end]
        lead = _MARKER_RUN.match(sentence)
        if lead and sentences:  # markers at the start belong to the previous sentence
            prev, cites = sentences[-1]
            sentences[-1] = (prev, cites + [int(n) for n in _MARKER.findall(lead.group())])
            sentence = sentence[lead.end():].strip()
        if sentence:
            sentences.append((sentence, [int(n) for n in _MARKER.findall(sentence)]))

    if not sentences or _REFUSAL.search(sentences[0][0]) or draft.strip().startswith(NOT_IN_ARTICLES[:7]):
        return Answer(text=REFUSAL, citations=[], refused=True, question=question, draft=draft, notes=["the model found no answer"])

    common = set(re.findall(r"\b[a-z][a-z'’\-]*", " ".join(p.text for p in passages) + " " + question))
    kept: list[tuple[str, list[int]]] = []
    for sentence, cites in sentences:
        claim = _MARKER.sub("", sentence).strip()
        if not re.search(r"\w", claim):
            continue
        if _REFUSAL.search(claim):
            notes.append("removed a sentence saying what the articles do not contain")
            continue
        if is_instruction(claim):
            notes.append("removed a sentence that follows instructions found inside an article")
            continue
        valid = [n for n in dict.fromkeys(cites) if 1 <= n <= len(passages)]
        if len(valid) < len(set(cites)):
            notes.append("removed a citation to a passage that does not exist")
        # A citation stands only when its passage alone supports the sentence: a second marker cannot lend a
        # claim the authority of a passage that does not state it.
        supporting = [n for n in valid
                      if _supports_alone(claim, passages[n - 1], len(valid) > 1, question, common, verify)]
        if len(supporting) < len(valid) and supporting:
            notes.append("removed a citation to a passage that does not state the sentence")
        verdict = Support(True) if supporting else (
            claim_support(claim, [passages[n - 1] for n in valid], question, common) if valid
            else Support(False, "it cites no passage"))
        if verdict.ok and not supporting:
            verdict = Support(False, "no cited passage states it on its own")
        valid = supporting
        if not verdict.ok:
            # Small models often cite the wrong number: re-point to a passage that does support the sentence.
            for p in passages:
                if p.n not in valid and claim_support(claim, [p], question, common, verify).ok:
                    notes.append(f"corrected a citation: passage [{p.n}] supports the sentence, not the one cited")
                    valid, verdict = [p.n], Support(True)
                    break
        if not verdict.ok:
            notes.append(f"removed an unsupported sentence ({verdict.reason})")
            continue
        kept.append((claim, valid))

    trimmed = len(kept) < len(sentences)
    if not kept:
        return Answer(text=REFUSAL, citations=[], refused=True, question=question, trimmed=trimmed, notes=notes, draft=draft)

    # Syndicated copies are one source: a passage of another copy of a story already cited is cited as that one.
    kept = merge_copies(kept, passages)
    # Renumber citations in order of first use, and highlight each cited passage's supporting sentence.
    order: dict[int, int] = {}
    for _, valid in kept:
        for n in valid:
            order.setdefault(n, len(order) + 1)
    claims_by_passage: dict[int, str] = {}
    for claim, valid in kept:
        for n in valid:
            claims_by_passage[n] = claims_by_passage.get(n, "") + " " + claim
    citations = [_citation(passages[n - 1], new, claims_by_passage[n]) for n, new in order.items()]
    allowed_urls = {c.url for c in citations if c.url}
    parts = []
    for claim, valid in kept:
        body = claim.rstrip()
        punct = body[-1] if body and body[-1] in ".!?" else "."
        body = body.rstrip(".!? ")
        parts.append(f"{_sanitise(body, allowed_urls)} {''.join(f'[{order[n]}]' for n in valid)}{punct}")
    answer_text = " ".join(parts)

    lacking = answer_type_missing(question, answer_text)
    if lacking:
        notes.append(f"the question asks for {lacking} and the supported answer has none")
        return Answer(text=REFUSAL, citations=[], refused=True, question=question, trimmed=True, notes=notes, draft=draft)
    return Answer(text=answer_text, citations=citations, refused=False, question=question, trimmed=trimmed, notes=notes, draft=draft)

