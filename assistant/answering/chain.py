"""The one answering path: ``run`` yields the steps as they happen; ``ask`` is its last event.

Steps, on one typed state (``Turn``): make a follow-up standalone -> retrieve -> analyse the question -> refuse what
the articles cannot answer (an outlet or year they do not cover, words no article contains, nothing relevant) ->
answer by the question's shape: a yes/no, choice or name question by a plan composed in code from narrow checked
steps (answering/plans.py); anything else by the model's draft (LCEL: prompt | model), checked sentence by sentence
(answering/grounding.py). Every answer opens with the direct answer (``short_answer``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable

from ..indexing.embedding import Embedder
from ..retrieval.retriever import Retrieved, Retriever
from ..retrieval.search_index import SearchIndexHolder
from ..settings import Settings
from ..text.sentences import sentence_spans
from ..text.terms import question_terms, terms, words
from ..types import REFUSAL, Answer, Event, Filters, Passage
from .backends import Backends, as_backend_error
from .extractive import extractive_draft
from .grounding import _GENERIC, _MARKER, _citation, check_answer
from .judge import Judge
from .llamacpp import LlamaCppChat
from .passages import select_passages
from .names import name_in_full, name_the_role
from .plans import Composed, Planner
from .premises import coverage_note, uncovered_years, unknown_outlets
from .prompts import NOT_IN_ARTICLES, Prompts
from .questions import QuestionPlan, analyse
from .rewrite import llm_rewrite, needs_context, normalise_history, rule_rewrite

# A question with words no article contains is unanswerable unless some passage sentence is at least this similar.
UNKNOWN_TERM_RESCUE = 0.55
DENSE_FLOOR = 0.15  # below this nothing retrieved is about the question
SHORT_REFUSAL = "The articles don't say."
QUOTE_COVERAGE = 0.8  # sentences quoted after a model's refusal must hold this much of the question (dev plain)
SAME_WORD = 0.6  # two single words this close (cosine) are one word said otherwise: "officers"/"police", "take"/"took"
ANSWERS_QUESTION = 0.5  # a model answer to a question with a word no article uses must be judged to answer it
LEAD_IN = 4  # sentences before a cited passage searched for the name of a role it mentions
FRAGMENT_FIT = 0.6  # a bare name answers only when a sentence naming it holds this much of the question (dev plain)
_CONNECTIVES = frozenset("and or vs vs. v of the de van von & , -".split())
VERIFIED = 0.8  # a model-written sentence stands when the narrow check's yes-probability reaches this (claims set)


class SentinelFilter:
    """Holds back streamed text while it could still be the start of the NOT_IN_ARTICLES sentinel."""

    def __init__(self) -> None:
        self.buffer = ""
        self.released = False

    def feed(self, token: str) -> str:
        if self.released:
            return token
        self.buffer += token
        if NOT_IN_ARTICLES.startswith(self.buffer.strip()) or self.buffer.strip().startswith(NOT_IN_ARTICLES):
            return ""
        self.released = True
        return self.buffer


@dataclass
class Turn:
    """The state of one answer as it is built."""

    question: str
    history: list[dict[str, str]]
    filters: Filters
    backend: str
    standalone: str = ""
    retrieved: Retrieved | None = None
    passages: list[Passage] = field(default_factory=list)
    plan: QuestionPlan | None = None
    refusal: str | None = None
    draft: str = ""
    answer: Answer | None = None


class Answerer:
    """Answers questions for any backend; shared by every interface."""

    def __init__(self, settings: Settings, retriever: Retriever, search: SearchIndexHolder, embedder: Embedder,
                 prompts: Prompts, backends: Backends) -> None:
        self.settings = settings
        self.retriever = retriever
        self.search = search
        self.embedder = embedder
        self.prompts = prompts
        self.backends = backends
        self._template = prompts.answer_template()
        self._warmed: set[str] = set()

    # -- preparing
    def standalone_question(self, question: str, history: list[dict[str, str]], backend: str) -> str:
        if not history or not needs_context(question):
            return question
        if backend == "extractive":
            return rule_rewrite(question, history)
        return llm_rewrite(question, history, self.backends.chat_model(backend), self.prompts.rewrite)

    def unanswerable(self, question: str, retrieved: Retrieved, passages: list[Passage],
                     backend: str = "extractive") -> str | None:
        """Return why the articles cannot answer ``question`` (checked before any model runs), or None.

        A name or number no article contains is always a reason; an ordinary word no article uses is one only for
        the extractive backend, which cannot find an answer given in other words ("who spoke for" against
        "spokeswoman"); a model is given the passages and its answer is checked claim by claim."""
        if not passages:
            return "no indexed article matches the question"
        snapshot = self.search.index
        missing = unknown_outlets(question, snapshot.outlets)
        if missing:
            return f"no indexed article is from {' or '.join(missing)}"
        years = uncovered_years(question, snapshot.coverage, passages)
        if years:
            return f"no indexed article covers {', '.join(map(str, years))}. {coverage_note(snapshot.coverage)}"
        focus = _focus_terms(question)
        passage_terms = {t for p in passages for t in terms(p.text)}
        lexical_coverage = _share(focus, passage_terms, snapshot.idf, empty=0.0)
        if retrieved.best_dense < DENSE_FLOOR and lexical_coverage < 0.5:
            return "nothing retrieved is about the question"
        unknown = [t for t in focus if not snapshot.knows(t)]
        if backend != "extractive":
            unknown = [t for t in unknown if t in _named_terms(question)]
        # "US" / "UK" against the articles' "U.S." / "U.K." (one-letter parts are no terms of their own)
        dotted = " ".join(p.text for p in passages)
        unknown = [t for t in unknown if not (len(t) <= 3 and t.isalpha() and re.search(
            r"\b" + r"\.\s?".join(t) + r"\.", dotted, re.IGNORECASE))]
        if unknown and self._best_sentence_similarity(question, passages) < UNKNOWN_TERM_RESCUE:
            return f"no indexed article mentions {', '.join(repr(t) for t in unknown)}"
        return None

    def _focus_coverage(self, question: str, text: str) -> float:
        """Return the idf-weighted share of the question's own terms (not its question words) that ``text`` holds,
        an ordinary word counting as held when a word of ``text`` says it otherwise (a synonym or another form of
        the word: cosine >= SAME_WORD between the two single words); names and numbers only as themselves."""
        snapshot = self.search.index
        focus = _focus_terms(question)
        have = set(terms(text))
        named = _named_terms(question)  # a name or number is never said otherwise: "Galatasaray" is no "Bayern"
        missing = [t for t in focus if t not in have and t not in named]
        mine = sorted({w for w in words(text) if terms(w)})
        if missing and mine:
            asked = {t: w for w in words(question) for t in terms(w)}  # stem -> the question's own word
            vectors = self.embedder.encode([asked.get(t, t) for t in missing] + mine)
            similar = vectors[len(missing):] @ vectors[: len(missing)].T  # (text words, missing terms)
            have |= {t for j, t in enumerate(missing) if float(similar[:, j].max()) >= SAME_WORD}
        return _share(focus, have, snapshot.idf, empty=1.0)

    def _unfit_fragment(self, question: str, answer: Answer) -> str | None:
        """Return why a bare name given as the answer ("England vs South Africa [1].") is not tied to the question,
        or None: the cited passages must name it in a sentence (or with a sentence beside it) that holds at least
        FRAGMENT_FIT of the question's terms. A fragment states nothing the claim check could test on its own."""
        short = answer.short_answer
        plain = [w for w in re.findall(r"[\w'’.-]+", short) if w.lower() not in _CONNECTIVES]
        if not plain or len(plain) > 6 or not all(w[:1].isupper() or w[:1].isdigit() for w in plain) or \
                not re.match(r"^\s*(?:who|whom|which|what)\b", question, re.I):
            return None
        key = plain[-1]
        best = 0.0
        for citation in answer.citations:
            spans = sentence_spans(citation.text)
            sentences = [citation.text[a:b] for a, b in spans]
            for i, sentence in enumerate(sentences):
                if re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", sentence):
                    around = [sentence, " ".join(sentences[max(0, i - 1):i + 1]), " ".join(sentences[i:i + 2])]
                    best = max(best, *(self._focus_coverage(question, text) for text in around))
        if best >= FRAGMENT_FIT:
            return None
        return (f"the answer {short!r} is named by no cited sentence about what the question asks (at best "
                f"{best:.0%} of its terms): not given as the answer")

    def _lead_ins(self, answer: Answer, passages: list[Passage]) -> list[Passage]:
        """Return, for each passage the answer cites, the sentences before it in its article (where a person is
        often named before the passage calls them "the mayor")."""
        cited = {c.span_id for c in answer.citations}
        found = []
        for p in passages:
            lead = self.search.index.lead_in(p.span_id, LEAD_IN) if p.span_id in cited else None
            if lead:
                span_id, start, end, text = lead
                found.append(p.model_copy(update={"span_id": span_id, "start": start, "end": end, "text": text}))
        return found

    def _best_sentence_similarity(self, question: str, passages: list[Passage]) -> float:
        sentences = [p.text[s:e] for p in passages for s, e in sentence_spans(p.text)]
        if not sentences:
            return 0.0
        vectors = self.embedder.encode([question, *sentences])
        return float((vectors[1:] @ vectors[0]).max())

    def prepare(self, turn: Turn) -> None:
        """Make the question standalone, retrieve, analyse it and decide whether it can be answered."""
        turn.standalone = self.standalone_question(turn.question, turn.history, turn.backend)
        turn.retrieved = self.retriever.retrieve(turn.standalone, k=self.settings.retrieval_k, filters=turn.filters)
        snapshot = self.search.index
        turn.passages = select_passages(turn.standalone, turn.retrieved, self.settings.answer_passages,
                                        self.settings.passage_tokens, snapshot.idf)
        turn.plan = analyse(turn.standalone, snapshot.outlets, snapshot.newest_year)
        turn.refusal = self.unanswerable(turn.standalone, turn.retrieved, turn.passages, turn.backend)

    # -- writing
    def generator(self, backend: str) -> Runnable:
        """Return the runnable that turns the prompt inputs (passages, question) into the model's draft text."""
        model = self.backends.chat_model(backend)
        if isinstance(model, LlamaCppChat) and backend not in self._warmed:
            # Evaluate the fixed prefix (instructions, examples) once, so the first question pays only for its
            # passages; llama.cpp reuses the longest common prefix of consecutive prompts.
            self._warmed.add(backend)
            model.warm(self._template.format_messages(passages="", question=""))
        return self._template | model | StrOutputParser()

    def _draft(self, turn: Turn) -> Iterator[str]:
        """Yield the draft's text as it is written (the extractive backend writes it at once)."""
        if turn.backend == "extractive":
            yield extractive_draft(turn.standalone, turn.passages, self.embedder, self.search.index.idf)
            return
        inputs = {"passages": self.prompts.format_passages(turn.passages), "question": turn.standalone}
        yield from self.generator(turn.backend).stream(inputs)

    def _judge(self, backend: str) -> Judge:
        model = None if backend == "extractive" else self.backends.chat_model(backend)
        return Judge(model, self.embedder, self.search.index.idf)

    def _checked_draft(self, turn: Turn) -> Answer:
        judge = self._judge(turn.backend)
        verify = None if turn.backend == "extractive" else (
            lambda claim, passage: judge.supports(claim, passage.text, passage.source or "a news article") >= VERIFIED)
        answer = check_answer(turn.draft, turn.passages, turn.standalone, verify)
        if turn.backend == "extractive" or turn.retrieved is None:
            strict = None
        else:  # the extractive backend's refusal rule: the question has a word no article uses
            strict = self.unanswerable(turn.standalone, turn.retrieved, turn.passages, "extractive")
        if answer.refused and strict:
            answer.notes = [*answer.notes, f"no sentence was quoted instead: {strict}"]
        elif answer.refused and turn.backend != "extractive":
            # The model found nothing it could support, yet the question passed the answerability checks: small
            # models miss answers worded differently from the question. Quote the best-supporting sentences when
            # they clear the extractive threshold, hold most of the question's terms (or words that say them
            # otherwise) and are judged to answer it; they are checked like any draft.
            quoted = check_answer(extractive_draft(turn.standalone, turn.passages, self.embedder,
                                                   self.search.index.idf), turn.passages, turn.standalone)
            plain = _MARKER.sub("", quoted.text)
            # The sentences quoted from one article must hold the question: half-related ones from two articles do
            # not add up to an answer.
            article = {c.n: c.article_id for c in quoted.citations}
            by_source: dict[str, str] = {}
            for a, b in sentence_spans(quoted.text):
                sentence = quoted.text[a:b]
                source = ",".join(sorted({article.get(int(n), n) for n in _MARKER.findall(sentence)}))
                by_source[source] = f"{by_source.get(source, '')} {_MARKER.sub('', sentence)}"
            covered = max((self._focus_coverage(turn.standalone, text) for text in by_source.values()),
                          default=0.0) if not quoted.refused else 0.0
            score = judge.answers(turn.standalone, plain) if not quoted.refused and covered >= QUOTE_COVERAGE else 0.0
            if not quoted.refused and score < ANSWERS_QUESTION:
                # Related sentences are no answer: the refusal stands (the sources stay shown as related reading).
                answer.notes = [*answer.notes, f"the best-matching sentences do not give what the question asks for "
                                f"(they hold {covered:.0%} of its terms; judged {score:.2f}): not quoted as an "
                                "answer; the sources found are shown as related reading"]
            elif not quoted.refused:
                quoted.notes = [*answer.notes, "the model gave no supported answer: these are the article sentences "
                                "that best match the question, quoted"]
                quoted.draft, quoted.trimmed = answer.draft, True
                answer = quoted
        elif strict:
            # The question uses a word no article does, and the model answered anyway: a true sentence about
            # something else is no answer ("Who is the superintendent?" answered with what the order says).
            score = judge.answers(turn.standalone, _MARKER.sub("", answer.text))
            if score < ANSWERS_QUESTION:
                return _refusal([*answer.notes, f"the answer does not give what the question asks for ({score:.2f})"])
        if not answer.refused:
            answer.short_answer = short_answer(turn.standalone, answer.text)
            unfit = self._unfit_fragment(turn.standalone, answer)
            if unfit:
                return _refusal([*answer.notes, unfit])
            name_in_full(answer, turn.standalone, turn.passages)
            name_the_role(answer, turn.standalone, [*turn.passages, *self._lead_ins(answer, turn.passages)])
        return answer

    def _composed(self, turn: Turn, composed: Composed) -> Answer:
        if composed.refused or not composed.text:
            return _refusal(composed.notes)
        text, passages = one_citation_per_story(composed.text, composed.passages)
        citations = [_citation(passage, n, passage.text) for n, passage in enumerate(passages, start=1)]
        return Answer(text=text, short_answer=composed.short, citations=citations, refused=False,
                      notes=composed.notes, draft=composed.text)

    # -- the one path
    def run(self, question: str, history: Sequence | None, filters: Filters | None,
            backend: str) -> Iterator[Event]:
        """Yield ``rewrite`` (a follow-up made standalone), ``sources`` (the passages found), ``progress`` (the steps
        of a composed answer), ``token`` (draft text as the model writes it), then ``answer`` (the checked Answer).
        Raises BackendUnavailable when the model cannot be reached."""
        turns = normalise_history(history)
        turn = Turn(question, turns[len(turns) - min(len(turns), self.settings.rewrite_turns):], filters or Filters(),
                    backend)
        with self._backend_errors(backend):
            self.prepare(turn)
            if turn.standalone != question:
                yield Event("rewrite", turn.standalone)
            plan = turn.plan
            assert plan is not None
            if turn.refusal:
                yield Event("sources", turn.passages)
                turn.answer = _refusal([turn.refusal])
            elif plan.shape in ("yesno", "choice") or (plan.shape == "entity" and plan.outlets):
                planner = Planner(self.retriever, self._judge(backend), self.settings.passage_tokens,
                                  self.search.index.idf, self.search.index.outlets)
                found = planner.gather(plan, turn.filters)
                shown = list({p.span_id: p for p in [*(p for ev in found for p in ev.passages), *turn.passages]}
                             .values())
                yield Event("sources", [p.model_copy(update={"n": i}) for i, p in enumerate(shown, start=1)])
                steps = planner.entity(plan, found, turn.passages) if plan.shape == "entity" else \
                    planner.yes_no(plan, found)
                composed = None
                for step in steps:
                    if isinstance(step, str):
                        yield Event("progress", step)
                    else:
                        composed = step
                assert composed is not None
                turn.answer = self._composed(turn, composed)
            else:
                yield Event("sources", turn.passages)
                sentinel = SentinelFilter()
                for token in self._draft(turn):
                    turn.draft += token
                    if shown_text := sentinel.feed(token):
                        yield Event("token", shown_text)
                turn.answer = self._checked_draft(turn)
        answer = turn.answer
        answer.question, answer.standalone_question, answer.backend = question, turn.standalone, backend
        yield Event("answer", answer)

    def ask(self, question: str, history: Sequence | None, filters: Filters | None, backend: str) -> Answer:
        """Return the checked answer: the last step of ``run``."""
        answer = None
        for event in self.run(question, history, filters, backend):
            if event.kind == "answer":
                answer = event.data
        assert answer is not None
        return answer

    stream = run

    @contextmanager
    def _backend_errors(self, backend: str) -> Iterator[None]:
        """Turn a remote LLM's connection or HTTP failure into a BackendUnavailable that names the backend."""
        try:
            yield
        except Exception as exc:
            mapped = as_backend_error(exc, self.backends.describe(backend))
            if mapped is None or mapped is exc:
                raise
            raise mapped from exc


def one_citation_per_story(text: str, passages: Sequence[Passage]) -> tuple[str, list[Passage]]:
    """Return ``text`` and ``passages`` with the passages of syndicated copies of a story already cited folded into
    the first one (its [n] markers renumbered): copies of one wire story are one source, never two confirmations."""
    stand: dict[int, int] = {}  # old number -> old number of the passage that stands for it
    first: dict[str, int] = {}
    for n, p in enumerate(passages, start=1):
        m = first.setdefault(p.group or p.article_id, n)
        stand[n] = m if passages[m - 1].article_id != p.article_id else n
    kept = [n for n in stand if stand[n] == n]
    if len(kept) == len(passages):
        return text, list(passages)
    new = {old: i for i, old in enumerate(kept, start=1)}

    def marker(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return f"[{new[stand[n]]}]" if n in stand else match.group(0)

    text = re.sub(r"\[(\d+)\]", marker, text)
    text = re.sub(r"(\[\d+\])(?:\1)+", r"\1", text)
    return text, [passages[n - 1] for n in kept]


def _focus_terms(question: str) -> list[str]:
    """Return the question's own terms: not its question words, nor words every answer uses ("article", "report")."""
    return [t for t in dict.fromkeys(terms(question)) if t not in question_terms() and t not in _GENERIC]


def _named_terms(question: str) -> set[str]:
    """Return the terms of the question's names (capitalised words not opening a sentence) and numbers."""
    return set(terms(" ".join(re.findall(r"(?<!^)(?<![.?!] )\b[A-Z][\w'’-]+|\b\d[\d,.\-]*", question))))


def _share(focus: list[str], held: set[str], idf: Callable[[str], float], empty: float) -> float:
    """Return the idf-weighted share of the ``focus`` terms in ``held`` (``empty`` when they weigh nothing)."""
    weight = sum(idf(t) for t in focus)
    return sum(idf(t) for t in focus if t in held) / weight if weight else empty


def _refusal(notes: list[str]) -> Answer:
    return Answer(text=REFUSAL, short_answer=SHORT_REFUSAL, citations=[], refused=True, notes=list(notes))


_NUMBER = re.compile(r"(?:[$£€]\s?)?\d[\d,.]*(?:\s?(?:%|percent|million|billion|thousand|points?|yards?|goals?|"
                     r"games?|years?|days?|people|times))?")
_DATE = re.compile(r"\b(?:(?:January|February|March|April|May|June|July|August|September|October|November|"
                   r"December)\s+\d{1,2}(?:,\s+\d{4})?|\d{4}-\d{2}-\d{2}|(?:Monday|Tuesday|Wednesday|Thursday|"
                   r"Friday|Saturday|Sunday)|(?:19|20)\d\d)\b")


def short_answer(question: str, text: str) -> str:
    """Return the direct answer inside an answer's text: the number for "how many", the date for "when", else the
    first sentence (without its markers)."""
    plain = re.sub(r"\s*\[\d{1,3}\]", "", text).strip()
    first = re.split(r"(?<=[.!?])\s", plain, maxsplit=1)[0].strip()
    if re.match(r"^\s*(?:how (?:many|much|old|long|far)|what (?:is|was|are|were) the (?:number|amount|"
                r"percentage|price|cost|score|rate))\b", question, re.I):
        found = _NUMBER.search(first)
        if found:
            return found.group().strip()
    if re.match(r"^\s*(?:when|what (?:time|date|day|year|month))\b", question, re.I):
        found = _DATE.search(first)
        if found:
            return found.group()
    return first.rstrip(".")

