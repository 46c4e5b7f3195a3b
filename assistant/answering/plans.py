"""Answers composed in code from narrow, checked steps: yes/no questions about what outlets reported, questions for a
name, choices. The model (answering/judge.py) only scores one claim against one passage, or two passages against
each other; gathering the evidence, comparing dates and composing the verdict is done here. Every sentence of a
composed answer is a quoted article sentence with its citation, so it is grounded by construction.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ..retrieval.retriever import Retriever
from ..text.sentences import sentence_spans
from ..text.terms import STOPWORDS, fold, is_country, words
from ..types import Filters, Passage
from .injection import is_instruction, is_stuffed, neutralise_markers
from .judge import Judge
from .passages import select_passages
from .questions import _DIFFERENT, _SAME, Claim, QuestionPlan

SUPPORTED = 0.5  # a claim counts as stated when the judge's yes-probability reaches this (tuned on dev)
CLEARLY_STATED = 0.9  # a passage this sure to state a claim ends the search for a better one (saves a model call)
AGREE = 0.3  # two reports of one outlet count as agreeing unless the judge is this sure they do not (dev)
EVIDENCE_PER_CLAIM = 2
EVIDENCE_PER_NAME_CLAUSE = 4

_CANDIDATE = re.compile(r"\b(?:[A-Z][\w'’.&\-]*[\w])(?:\s+(?:of\s+|de\s+|van\s+|von\s+|the\s+|&\s+)?[A-Z][\w'’.&\-]*[\w])*")
_NOT_NAMES = frozenset(fold(w) for w in (
    "The A An This That These Those It Its He She They We I You But And Or In On At As By For From With After Before "
    "While When Where Who What Which Why How If Also However Meanwhile Still Yet Then Now Here There Mr Mrs Ms Dr "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August "
    "September October November December Week Day Year Today Tomorrow Yesterday According Photo Image Getty Images "
    "Read More Sign Subscribe Click Watch One Two Three Four Five Six Seven Eight Nine Ten First Second Third Last Next "
    "New Getty AP Reuters Editor Editors Staff Update Updated See Also Here's There's Now").split())
_ORG_HINT = re.compile(r"\b(?:inc|corp|company|co|ltd|llc|group|bank|fund|news|times|post|club|fc|united|city|"
                       r"association|league|agency|ministry|department|university|studios?|games|labs?|ai|technologies|"
                       r"media|network|sports|commission|committee|court|council|exchange|party|government|"
                       r"administration|house|senate|congress|police|office|board|institute|foundation|capital|"
                       r"ventures|partners|research|systems|store|airlines?|motors?|energy|pharma\w*)\b", re.I)
_TITLES = frozenset(fold(w) for w in (
    "CEO CFO CTO COO Chairman Chairwoman Chair President Vice Founder Cofounder Co-founder Coach Manager Senator Sen "
    "Governor Gov Mayor Judge Justice Minister Secretary Director Professor Prof Dr Sociologist Analyst Economist "
    "Spokesperson Spokesman Spokeswoman Representative Rep Chancellor Prince Princess King Queen Sir Lady Lord "
    "General Gen Officer Detective Agent Star Quarterback Striker Defender Midfielder Captain Skipper").split())
_NOT_ORG = re.compile(r"\b(?:Act|Law|Bill|Cup|Award|Awards|Prize|Summit|Conference|Trial|War|Day|Week|Festival|"
                      r"Tour|Championship|Series|Bowl|Open|Court)$")
_PERSON_CUE = re.compile(r"\b(?:said|says|told|his|her|he|she|mr|ms|mrs|dr|ceo|founder|coach|chief|president|"
                         r"minister|star|player|quarterback|actor|singer|executive)\b", re.I)


@dataclass
class Composed:
    """An answer written in code: the short answer, the text (with [n] markers into ``passages``), notes."""

    short: str
    text: str
    passages: list[Passage]
    notes: list[str] = field(default_factory=list)
    refused: bool = False


@dataclass
class Evidence:
    claim: Claim
    passages: list[Passage]
    score: float = 0.0
    best: Passage | None = None


def _label(p: Passage) -> str:
    date = f", {p.published_iso[:10]}" if p.published_at else ""
    return f"{p.source or 'an article'}{date}"


def _quote(p: Passage, n: int) -> str:
    text = neutralise_markers(p.text.strip())  # an article's own "[2]" is no citation
    return f"{_label(p)}: “{text.rstrip('.')}.” [{n}]"


def full_name(surname: str, texts: list[str]) -> str:
    """Return ``surname`` with the first name the texts most often put before it ("Ellison" -> "Caroline
    Ellison"), or ``surname`` itself when they give none."""
    pattern = re.compile(rf"\b([A-Z][a-z]+)\s+{re.escape(surname)}(?![\w-])")
    found = Counter(m.group(1) for t in texts for m in pattern.finditer(t)
                    if fold(m.group(1)) not in _NOT_NAMES and fold(m.group(1)) not in _TITLES
                    and fold(m.group(1)) not in STOPWORDS)
    return f"{found.most_common(1)[0][0]} {surname}" if found else surname


class Planner:
    """Runs the plan of a yes/no, choice or entity question over the index; ``progress`` reports each step."""

    def __init__(self, retriever: Retriever, judge: Judge, passage_tokens: int,
                 idf: Callable[[str], float] = lambda term: 1.0, outlets: Sequence[str] = ()) -> None:
        self.retriever = retriever
        self.judge = judge
        self.passage_tokens = passage_tokens
        self.idf = idf
        self.outlets = frozenset(fold(o) for o in outlets)  # the index's outlets: never the name asked for

    # -- evidence
    def evidence(self, claim: Claim, filters: Filters, n: int = EVIDENCE_PER_CLAIM) -> list[Passage]:
        """Return the best passages for one claim, from the outlets and around the dates it names."""
        sources = claim.outlets or filters.sources
        if filters.sources and claim.outlets:
            sources = tuple(o for o in claim.outlets if o in filters.sources) or filters.sources
        after, before = filters.published_after, filters.published_before
        if claim.dates and len(claim.dates) == 1 and claim.dates[0].relation in ("on", "in"):
            d = claim.dates[0]
            after = max(filter(None, [after, datetime.combine(d.first - timedelta(days=1), datetime.min.time(),
                                                              timezone.utc)]))
            before = min(filter(None, [before, datetime.combine(d.last + timedelta(days=2), datetime.min.time(),
                                                                timezone.utc)]))
        scoped = Filters(tuple(sources), after, before)
        retrieved = self.retriever.retrieve(claim.text, k=4, filters=scoped)
        if not retrieved.windows and (after or before) and scoped != Filters(tuple(sources)):
            retrieved = self.retriever.retrieve(claim.text, k=4, filters=Filters(tuple(sources)))
        found = select_passages(claim.text, retrieved, n + 2, self.passage_tokens, self.idf)
        # Text that addresses the model or is stuffed for ranking is never evidence (nor quoted).
        return [p for p in found if not is_instruction(p.text) and not is_stuffed(p.text)][:n]

    def gather(self, plan: QuestionPlan, filters: Filters) -> list[Evidence]:
        n = EVIDENCE_PER_NAME_CLAUSE if plan.shape == "entity" else EVIDENCE_PER_CLAIM
        return [Evidence(c, self.evidence(c, filters, n)) for c in plan.claims]

    # -- yes/no and choices
    def judge_claims(self, found: list[Evidence]) -> Iterator[str]:
        """Score each claim against its passages (yielding a line per step); the best passage is kept."""
        for i, ev in enumerate(found, start=1):
            yield f"checking claim {i} of {len(found)}: {ev.claim.text[:120]}"
            best, score = None, 0.0
            for p in ev.passages:
                s = self.judge.supports(ev.claim.text, p.text, _label(p))
                if best is None or s > score:
                    best, score = p, s
                if score >= CLEARLY_STATED:  # no need to read the next passage
                    break
            ev.best, ev.score = best, score

    def yes_no(self, plan: QuestionPlan, found: list[Evidence]) -> Iterator[str | Composed]:
        """Yield a line per step, then the verdict of a yes/no question with the evidence it rests on."""
        # Two reports of one outlet over time are compared with each other; reports of different outlets are judged
        # claim by claim (what each is said to report), which is what such questions turn on.
        across = len({ev.claim.outlets for ev in found}) >= 2 and all(len(ev.claim.text.split()) >= 4 for ev in found)
        if plan.relation in ("same", "different") and not across and len(found) >= 2 and \
                all(ev.passages for ev in found[:2]):
            yield from self._relation(plan, found)
            return
        if plan.relation == "order" and len(found) >= 2 and all(ev.passages for ev in found[:2]):
            yield self._order(plan, found)
            return
        yield from self.judge_claims(found)
        for ev in found:
            if ev.passages and ev.score < SUPPORTED:
                # No passage states the claim: show the one closest to it (the one that would state it, and that
                # often says the opposite), not the least unlikely of loosely related ones.
                ev.best = ev.passages[max(self.judge.best(ev.claim.text, [p.text for p in ev.passages]), 0)]
        missing = [ev for ev in found if not ev.passages]
        stated = [(ev.score >= SUPPORTED) != ev.claim.negated for ev in found]
        verdict = bool(found) and not missing and all(stated)
        shown = [ev.best for ev in found if ev.best is not None]
        lines = [_quote(p, i) for i, p in enumerate(shown, start=1)]
        notes = [f"claim {i}: {'stated' if ok else 'not stated'} ({ev.score:.2f}) — {ev.claim.text[:100]}"
                 for i, (ev, ok) in enumerate(zip(found, stated), start=1)]
        for ev in missing:
            outlets = ", ".join(ev.claim.outlets) or "any outlet"
            lines.append(f"No article from {outlets} was found about this.")
        yield Composed("Yes" if verdict else "No", " ".join([f"{'Yes' if verdict else 'No'}.", *lines]), shown, notes)

    def _relation(self, plan: QuestionPlan, found: list[Evidence]) -> Iterator[str | Composed]:
        first, second = found[0], found[1]
        a, b = self._pick(first), self._pick(second)
        yield f"comparing the reports: {plan.topic[:120]}"
        score = self.judge.agree(plan.topic or plan.question, a.text, b.text, _label(a), _label(b))
        same = score >= AGREE
        verdict = same == plan.expects_same
        short = "Yes" if verdict else "No"
        if plan.options:
            short = self._option(plan.options, same) or short
        body = f"The reports {'agree' if same else 'differ'}: {_quote(a, 1)} {_quote(b, 2)}"
        yield Composed(short, f"{short}. {body}", [a, b], [f"agreement {score:.2f} on: {plan.topic[:100]}"])

    def _order(self, plan: QuestionPlan, found: list[Evidence]) -> Composed:
        a, b = self._pick(found[0]), self._pick(found[1])
        if not (a.published_at and b.published_at):
            return Composed("", "", [], ["the articles found carry no publication dates"], refused=True)
        earlier = a.published_at < b.published_at
        verdict = earlier if plan.order == "before" else not earlier
        short = "Yes" if verdict else "No"
        text = (f"{short}. The first report was published on {a.published_iso[:10]} and the second on "
                f"{b.published_iso[:10]}: {_quote(a, 1)} {_quote(b, 2)}")
        return Composed(short, text, [a, b], ["dates compared in code"])

    def _pick(self, ev: Evidence) -> Passage:
        if ev.best is not None:
            return ev.best
        i = self.judge.best(ev.claim.text, [p.text for p in ev.passages])
        ev.best = ev.passages[max(i, 0)]
        return ev.best

    @staticmethod
    def _option(options: tuple[str, ...], same: bool) -> str | None:
        for option in options:
            if (same and _SAME.search(option) and not _DIFFERENT.search(option)) or (
                    not same and (_DIFFERENT.search(option) or re.match(r"^(?:dis|in|un)", option, re.I))):
                return option[:1].upper() + option[1:]
        return None

    # -- names
    def entity(self, plan: QuestionPlan, found: list[Evidence], passages: list[Passage]) -> Iterator[str | Composed]:
        """Yield the step, then the name the question asks for: the one the passages of the most claims mention,
        given in full."""
        yield "finding the name the passages agree on"
        groups = [ev.passages for ev in found if ev.passages] + ([passages] if passages else [])
        every = [p for group in groups for p in group] + passages
        forms = self._candidates(every, plan)
        if not forms:
            yield Composed("", "", [], ["no name in the passages fits the question"], refused=True)
            return
        key_of = {form: self._key(form) for form in forms}
        groups_of: dict[str, list[str]] = {}
        for form in forms:
            groups_of.setdefault(key_of[form], []).append(form)
        allowed = {key for key, group in groups_of.items() if self._fits(plan.asks, group, every)}
        # A person is named by their surname alone too ("Bankman-Fried testified ..." for "Sam Bankman-Fried").
        surnames = {key: max(group, key=len).split()[-1] for key, group in groups_of.items()
                    if plan.asks == "person" and not _ORG_HINT.search(max(group, key=len))}

        def names(text: str, key: str) -> bool:
            return any(self._mentions(text, f) for f in groups_of[key]) or (
                key in surnames and bool(re.search(rf"(?<![\w-]){re.escape(surnames[key])}(?![\w-])", text)))

        score: Counter[str] = Counter()
        for group in groups:
            score.update({key: 1.0 for key in allowed if any(names(p.text, key) for p in group)})
        for key in allowed:  # then how many passages name it, in any of its forms
            score[key] += 0.2 * sum(names(p.text, key) for p in every)
        if not score:
            yield Composed("", "", [], ["no name in the passages fits the question"], refused=True)
            return
        key, best_score = score.most_common(1)[0]
        if best_score < 1.0:
            yield Composed("", "", [], ["no name is mentioned by the passages found"], refused=True)
            return
        counts = Counter({f: sum(self._mentions(p.text, f) for p in every) for f in groups_of[key]})
        full = max(groups_of[key], key=lambda f: (len(f.split()) <= 4 and len(f.split()) > 1, counts[f], len(f)))
        if plan.asks == "person" and len(full.split()) == 1:
            full = self._full_name(full, every)
        if re.match(r"^\s*(?:which|who\s+are\s+the)\s+two\b", plan.question, re.I) and len(score) > 1:
            second = score.most_common(2)[1][0]
            other = max(groups_of[second], key=lambda f: (len(f.split()) > 1, len(f)))
            full = f"{full} and {other}"
        cited = [next(p for p in group if self._mentions(p.text, full) or self._mentions(p.text, key))
                 for group in groups if any(self._mentions(p.text, full) or self._mentions(p.text, key) for p in group)]
        cited = list(dict.fromkeys(cited))[:3]
        lines = [_quote(p, i) for i, p in enumerate(cited, start=1)]
        covered = sum(1 for group in groups if any(self._mentions(p.text, key) for p in group))
        note = f"named in the passages of {covered} of {len(groups)} parts of the question"
        yield Composed(full, " ".join([f"{full}.", *lines]), cited, [note])

    def _full_name(self, surname: str, passages: list[Passage]) -> str:
        """Return a person's full name for a surname the passages use alone ("Bankman-Fried" -> "Sam Bankman-Fried"):
        the first name the passages put before it, else the one the articles found for it most often use."""
        found = full_name(surname, [p.text for p in passages])
        if found == surname:
            found = full_name(surname, [w.text for w in self.retriever.retrieve(surname, k=5).windows])
        return found

    def _candidates(self, passages: list[Passage], plan: QuestionPlan) -> list[str]:
        asked = set(words(plan.question))
        outlets = {fold(o) for p in passages for o in [p.source or ""]} | {fold(o) for o in plan.outlets} | self.outlets
        lower = set(re.findall(r"\b[a-z][a-z'’-]+\b", " ".join(p.text for p in passages)))
        found = []
        for p in passages:
            for start, end in sentence_spans(p.text):
                sentence = p.text[start:end]
                for match in _CANDIDATE.finditer(sentence):
                    form = re.sub(r"['’]s$", "", match.group()).strip(" .,'’-")
                    tokens = [t for t in form.split() if fold(t) not in _NOT_NAMES]
                    at_start = match.start() <= 2
                    while len(tokens) > 1 and (fold(tokens[0]) in _TITLES or at_start and (
                            tokens[0].lower() in lower or fold(tokens[0]) in STOPWORDS
                            or tokens[0].lower().endswith("ing"))):
                        tokens = tokens[1:]  # "Because FTX", "Leading Everton", "CEO Marc Benioff"
                        at_start = True
                    titled = [i for i, t in enumerate(tokens) if i and fold(t) in _TITLES]
                    if titled:  # "OpenAI CEO Sam Altman": the name is after the title
                        tokens = tokens[titled[-1] + 1:]
                    if not tokens or len(tokens) > 4 or len({t.lower() for t in tokens}) < len(tokens):
                        continue
                    form = " ".join(tokens)
                    if fold(form) in outlets or len(form) < 3:
                        continue
                    if set(words(form)) <= asked:  # the question's own words are no answer
                        continue
                    if is_country(form) and not re.search(r"\b(?:country|countries|nation|union)\b", plan.question,
                                                          re.I):
                        continue  # "U.S." is where, not who or what, unless a country is asked for
                    if plan.asks == "organization" and _NOT_ORG.search(form):
                        continue  # "Sherman Act", "World Cup": a law or an event, not a company
                    is_org = bool(_ORG_HINT.search(form))
                    if plan.asks == "person" and (len(tokens) < 2 and match.start() == 0 or is_org):
                        continue
                    found.append(form)
        return list(dict.fromkeys(found))

    @staticmethod
    def _fits(asks: str, group: list[str], passages: list[Passage]) -> bool:
        """Return True when a name (all its forms) is the kind the question asks for: a person has a form of two or
        more words with no organisation word; an organisation is not such a person's name."""
        multi = [f for f in group if 1 < len(f.split()) <= 3 and not _ORG_HINT.search(f)]
        person = bool(multi) and any(_PERSON_CUE.search(p.text) and re.search(re.escape(f), p.text)
                                     for f in multi for p in passages)
        if not person and not multi and not any(_ORG_HINT.search(f) for f in group):
            # A surname used alone ("Bankman-Fried testified ..."): a person when a sentence names it with a verb
            # of speech or a pronoun of a person.
            person = any(not f.isupper() and re.search(
                rf"(?<![\w-]){re.escape(f)}(?![\w-])[^.]*\b(?:said|says|told|testified|testifies|admitted|denied|"
                rf"argued|claimed|wrote|added|his|her|he|she|him|himself|herself)\b", p.text)
                         and not re.search(rf"(?<![\w-]){re.escape(f)}\s+(?:and|of|&)\s+[A-Z]", p.text)
                         for f in group for p in passages)
        if asks == "person":
            return person and not any(_ORG_HINT.search(f) for f in group if len(f.split()) == 1)
        return not person  # an organisation, or a thing ("the AI developed by OpenAI"), is not a person

    @staticmethod
    def _key(form: str) -> str:
        """A name's identity: its last word ("Sam Bankman-Fried" and "Bankman-Fried" are one person)."""
        return fold(form.split()[-1])

    @staticmethod
    def _mentions(text: str, form: str) -> bool:
        return bool(re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text, re.I))
