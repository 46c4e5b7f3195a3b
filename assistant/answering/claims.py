"""Does a passage state a claim? A check of the claim, not just its words.

The claim is aligned to the passage sentence (or two adjacent sentences) that shares most of its rare words; then,
against that span only (never against the article's title or byline, nor the question):
- every number, date word and name of the claim must be there (a name taken from the byline is not a quote);
- a negated claim needs a negated span and the other way round;
- a claim that someone said something needs that person to be the one the span quotes;
- two names of the claim must stand in the span in the order the claim puts them, when the claim makes the first
  the subject of an active verb ("A beat B" is not "B beat A");
- most of the claim's content words must be in the span.
A claim that passes can be put to a model for a narrow yes/no verification (``verify``); numbers, names and roles
are never left to the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..text.sentences import sentence_spans
from ..text.terms import STOPWORDS, alias_words, fold, stem, terms, words

NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "dozen": "12",
    "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th", "seventh": "7th", "eighth": "8th",
    "ninth": "9th", "tenth": "10th", "twice": "2", "decade": "10", "decades": "10", "pair": "2", "couple": "2",
}  # "first", "second", "once" are too often no number ("at first", "a second term")
_MONTHS = ("january february march april may june july august september october november december jan feb mar apr "
           "jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday today "
           "yesterday tomorrow tonight weekend").split()
_NEGATION = re.compile(r"\b(?:not|no|never|nor|none|nobody|nothing|neither|cannot|n't|fail(?:s|ed)? to|"
                       r"lack(?:s|ed)?|refus(?:e|es|ed) to|den(?:y|ies|ied)|yet[- ]to[- ]be|[a-z]{3,}less)\b|n't\b",
                       re.I)
_WITHOUT = re.compile(r"\b(?:without|instead of|rather than)\b", re.I)  # bears on its object only: "without Robertson"
_ANAPHORA = re.compile(r"\b(?:he|she|his|her|him|they|their|them|it|its|the (?:company|firm|group|team|club|"
                       r"startup|agency|government|city|state|country|party|league|man|woman))\b", re.I)
_SPEECH = r"(?:said|says|say|told|tells|tell|announced|added|wrote|stated|explained|argued|claimed|noted|warned)"
_SPEAKER_BEFORE = re.compile(rf"((?:[A-Z][\w'’.\-]+\s+){{0,3}}[A-Z][\w'’.\-]+(?:\s+(?:of|from|at)\s+(?:the\s+)?"
                             rf"(?:[A-Z0-9][\w'’.\-]*\s+){{0,3}}[A-Z0-9][\w'’.\-]*)?)\s+(?:has\s+|had\s+)?{_SPEECH}\b")
_SPEAKER_AFTER = re.compile(rf"\b(?:{_SPEECH}|according to)\s+(?:[a-z]+\s+){{0,6}}?((?:[A-Z][\w'’.\-]+\s*){{1,4}})")
_NAME = re.compile(r"\b[A-Z][\w'’.\-]*")
_RANKED = re.compile(r"\b(first|second)[\s-]+(?=(?:[a-z]+est|most|least)\b)", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_STARTERS = {"the", "a", "an", "this", "that", "these", "those", "it", "its", "they", "he", "she", "according", "in",
             "on", "at", "as", "by", "for", "however", "after", "before", "yes", "no", "both", "while", "next",
             "city", "local"}
COVERAGE = 0.5  # share of the claim's content terms the aligned span must hold


@dataclass(frozen=True)
class ClaimVerdict:
    """Whether a passage states a claim; ``reason`` says why not, ``span`` is the aligned text."""

    ok: bool
    reason: str = ""
    span: str = ""


def number_tokens(text: str) -> set[str]:
    """Return the numbers of ``text``, digits and number words alike ("three" and "3" are one number)."""
    found = set()
    for match in _NUMBER.finditer(re.sub(r"\b(\d+)(?:st|nd|rd|th)\b", " ", text)):  # ordinals: below
        token = match.group().strip(".,")
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", token):
            token = token.replace(",", "")
        found.add(re.sub(r"\.0+$", "", token))
    for word in re.findall(r"[a-z]+", fold(text)):
        if word in NUMBER_WORDS:
            found.add(NUMBER_WORDS[word])
    for match in _RANKED.finditer(text):  # "second largest": a rank after all
        found.add("1st" if match.group(1).lower() == "first" else "2nd")
    for match in re.finditer(r"\b(\d+)(?:st|nd|rd|th)\b", text):
        found.add(f"{match.group(1)}{'st' if match.group(1).endswith('1') else 'nd' if match.group(1).endswith('2') else 'rd' if match.group(1).endswith('3') else 'th'}")
    return found


def names(text: str, common: set[str] = frozenset()) -> list[str]:
    """Return the folded capitalised words of ``text`` that are names, in order: not stopwords, and not the first
    word of a sentence (capitalised only because it starts it) unless it is capitalised inside ``text`` too."""
    found = []
    inner = set()
    for start, end in sentence_spans(text) or [(0, len(text))]:
        for i, match in enumerate(_NAME.finditer(text[start:end])):
            if i or match.start() > 3:
                inner.add(fold(match.group()).strip(".'’-"))
    for start, end in sentence_spans(text) or [(0, len(text))]:
        sentence = text[start:end]
        for match in _NAME.finditer(sentence):
            word = fold(match.group()).strip(".'’-")
            word = word[:-2] if word.endswith("'s") else word
            if not word or word in STOPWORDS or word in NUMBER_WORDS or word in _MONTHS or word in common:
                continue
            at_start = match.start() <= len(sentence) - len(sentence.lstrip(" \"'“‘("))
            if at_start and word not in inner:
                continue
            found.append(word)
    return found


def _has_name(name: str, span: str, span_stems: set[str]) -> bool:
    """Return True when ``span`` holds the name: the word itself or its stem ("Democratic" / "Democrat"), or an
    acronym's words ("FA" / "Football Association")."""
    parts = words(name)
    if all(p in span_stems or stem(p) in span_stems for p in parts):
        return True
    if len(name) <= 5 and name.isalpha():
        initials = "".join(w[0] for w in re.findall(r"\b[A-Z][a-z]+", span)).lower()
        return name.lower() in initials
    return False


def _acronyms(claim: str) -> dict[str, str]:
    """Return each word of the claim's capitalised runs mapped to the run's initials ("College Football Playoff"
    -> "cfp" for each of its three words)."""
    found = {}
    for run in re.finditer(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+", claim):
        parts = [p for p in run.group().split() if fold(p) not in STOPWORDS]
        if len(parts) < 2:
            continue
        initials = "".join(p[0] for p in parts).lower()
        for part in parts:
            found[fold(part)] = initials
    return found


def _named_before(name: str, passage: str, span: str) -> bool:
    """Return True when the passage names ``name`` before the span and the span refers back to someone or something
    ("He describes it as ..." after "David Marr ...")."""
    at = passage.find(span[:40]) if span else -1  # the span's own start (its first word may occur earlier)
    before = passage[:at] if at > 0 else ""
    return bool(before) and name in words(before) and bool(_ANAPHORA.search(span))


def speakers(text: str) -> set[str]:
    """Return the folded surnames of the people a text quotes ("..., Mayor Brandon Johnson said", "said Hurst")."""
    found = set()
    for pattern in (_SPEAKER_BEFORE, _SPEAKER_AFTER):
        for match in pattern.finditer(text):
            person = re.split(r"\s+(?:of|from|at|with)\s+", match.group(1))[0]
            candidate = [w for w in words(person) if w not in STOPWORDS and w not in _STARTERS]
            if candidate:
                found.add(candidate[-1])
    return found


def _negated_terms(text: str) -> set[str]:
    """Return the stemmed words a negation in ``text`` bears on (the six words after each "not", "never", ...)."""
    text = text.replace("’", "'")
    borne = set()
    for match in _NEGATION.finditer(text):
        borne |= set(terms(" ".join(text[match.end():].split()[:6])))
    for match in _WITHOUT.finditer(text):
        borne |= set(terms(" ".join(re.split(r"[,;:.—–]", text[match.end():], maxsplit=1)[0].split()[:3])))
    return borne


def align(claim: str, passage: str, idf: Callable[[str], float] = lambda t: 1.0) -> str:
    """Return the passage sentence, or two adjacent sentences, that share most of the claim's weighted terms."""
    spans = [passage[a:b] for a, b in sentence_spans(passage)] or [passage]
    claim_terms = set(terms(claim)) | alias_words(claim)

    def weight(text: str) -> float:
        return sum(idf(t) for t in claim_terms & (set(terms(text)) | alias_words(text)))

    options = spans + [f"{a} {b}" for a, b in zip(spans, spans[1:])]
    scored = [(weight(o) - (0.01 * len(o) / 100), o) for o in options]  # ties: the shorter span
    return max(scored, key=lambda x: x[0])[1]


def _order_problem(claim: str, span: str, claim_names: list[str]) -> str | None:
    """Return why the span has the roles of two names the other way round ("A beat B" against "B beat A"), or
    None. Decided only when the claim opens with a name and a verb that the span also uses."""
    opening = re.match(r"^\s*((?:[A-Z][\w'’.\-]*\s+){0,4}?[A-Z][\w'’.\-]*)\s+([a-z]+)", claim)
    if not opening:
        return None
    subject = [n for n in claim_names if n in words(opening.group(1))]
    verb = stem(opening.group(2))
    span_words = words(span)
    span_stems = [stem(w) for w in span_words]
    others = [n for n in claim_names if n not in subject and n in span_words]
    if not subject or not others or verb not in span_stems or subject[-1] not in span_words:
        return None
    at = span_stems.index(verb)
    subject_at = span_words.index(subject[-1])
    other_at = min(span_words.index(n) for n in others)
    passive = re.search(r"\b(?:by|was|were|been|being|is|are)\b", " ".join(span_words[max(0, at - 2):at + 2]))
    if other_at < at < subject_at and not passive:
        return f"the passage has {others[0]!r} doing what the claim says {subject[-1]!r} did"
    return None


def check_claim(claim: str, passage: str, idf: Callable[[str], float] = lambda t: 1.0) -> ClaimVerdict:
    """Return whether ``passage`` states ``claim`` by the rules of the module docstring (no model involved)."""
    claim = re.sub(r"\s*\[\d{1,3}\]", "", claim).strip()
    span = align(claim, passage, idf)
    return _check_span(claim, passage, span)


def _check_span(claim: str, passage: str, span: str) -> ClaimVerdict:
    common = set(re.findall(r"\b[a-z][a-z'’\-]*", f"{passage} {claim}"))
    missing_numbers = number_tokens(claim) - number_tokens(span)
    if missing_numbers:
        return ClaimVerdict(False, f"the number {sorted(missing_numbers)[0]} is not in the passage's sentence", span)
    span_words = set(words(span))
    when = [w for w in words(claim) if w in _MONTHS and w not in span_words]
    if when:
        return ClaimVerdict(False, f"{when[0]!r} is not in the passage's sentence", span)
    claim_names = names(claim, common)
    span_stems = span_words | set(terms(span)) | alias_words(span)
    acronyms = _acronyms(claim)
    missing = [n for n in claim_names if not _has_name(n, span, span_stems)
               and not (n in acronyms and acronyms[n] in span_words) and not _named_before(n, passage, span)]
    if missing:
        return ClaimVerdict(False, f"the name {missing[0]!r} is not in the passage's sentence", span)
    claim_terms = set(terms(claim))
    shared = claim_terms & set(terms(span))
    # A negation counts where it bears on two or more words both say: "not to wear masks" does not contradict
    # "wear uniforms"; "will not assist with arrests" does contradict "will assist with arrests".
    claim_not, span_not = _negated_terms(claim) & shared, _negated_terms(span) & shared
    if (len(claim_not) >= 2 and not span_not) or (len(span_not) >= 2 and not claim_not):
        return ClaimVerdict(False, "the claim and the passage differ in negation", span)
    said_by, quoted = speakers(claim), speakers(span)
    if said_by and quoted and not said_by & quoted:
        return ClaimVerdict(False, f"the passage quotes {sorted(quoted)[0]!r}, not {sorted(said_by)[0]!r}", span)
    if len(claim_names) >= 2:
        problem = _order_problem(claim, span, claim_names)
        if problem:
            return ClaimVerdict(False, problem, span)
    if not claim_terms:
        return ClaimVerdict(False, "the claim states nothing", span)
    spelled = {stem(w) for w, initials in acronyms.items() if initials in span_words}  # "College Football" ~ "CFP"
    coverage = len(claim_terms & (set(terms(span)) | spelled)) / len(claim_terms)
    if coverage < COVERAGE:
        return ClaimVerdict(False, f"only {coverage:.0%} of its words are in the passage's sentence", span)
    return ClaimVerdict(True, "", span)
