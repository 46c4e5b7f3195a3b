"""The answering chain (LCEL): retrieve -> numbered passages in the prompt -> LLM -> checks -> Answer.

``chain(backend).invoke`` answers in one go; ``stream`` runs the same steps and yields events as they happen:
the standalone question, the sources (as soon as retrieval ends), the model's tokens, then the checked answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from ..indexing.embedding import Embedder
from ..retrieval.retriever import Retrieved, Retriever
from ..retrieval.search_index import SearchIndexHolder
from ..settings import Settings
from ..text.sentences import sentence_spans
from ..text.terms import question_terms, terms
from ..types import Answer, Event, Filters, Passage
from .backends import Backends, as_backend_error
from .extractive import extractive_draft
from .grounding import _GENERIC, check_answer
from .llamacpp import LlamaCppChat
from .passages import select_passages
from .prompts import NOT_IN_ARTICLES, Prompts
from .rewrite import llm_rewrite, needs_context, normalise_history, rule_rewrite

# A question with words no article contains is unanswerable unless some passage sentence is at least this similar.
UNKNOWN_TERM_RESCUE = 0.55
DENSE_FLOOR = 0.15  # below this nothing retrieved is about the question


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


class Answerer:
    """Builds and runs the answering chain for any backend; shared by every interface."""

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

    # -- steps
    def standalone_question(self, question: str, history: list[dict[str, str]], backend: str) -> str:
        if not history or not needs_context(question):
            return question
        if backend == "extractive":
            return rule_rewrite(question, history)
        return llm_rewrite(question, history, self.backends.chat_model(backend), self.prompts.rewrite)

    def unanswerable(self, question: str, retrieved: Retrieved, passages: list[Passage]) -> str | None:
        """Return why the articles cannot answer ``question`` (checked before any LLM runs), or None."""
        if not passages:
            return "no indexed article matches the question"
        snapshot = self.search.index
        focus = [t for t in dict.fromkeys(terms(question)) if t not in question_terms() and t not in _GENERIC]
        passage_terms = {t for p in passages for t in terms(p.text)}
        weight = sum(snapshot.idf(t) for t in focus) or 1.0
        lexical_coverage = sum(snapshot.idf(t) for t in focus if t in passage_terms) / weight
        if retrieved.best_dense < DENSE_FLOOR and lexical_coverage < 0.5:
            return "nothing retrieved is about the question"
        unknown = [t for t in focus if not snapshot.knows(t)]
        if unknown and self._best_sentence_similarity(question, passages) < UNKNOWN_TERM_RESCUE:
            return f"no indexed article mentions {', '.join(repr(t) for t in unknown)}"
        return None

    def _best_sentence_similarity(self, question: str, passages: list[Passage]) -> float:
        sentences = [p.text[s:e] for p in passages for s, e in sentence_spans(p.text)]
        if not sentences:
            return 0.0
        vectors = self.embedder.encode([question, *sentences])
        return float((vectors[1:] @ vectors[0]).max())

    def _prepare(self, inputs: dict) -> dict:
        history = normalise_history(inputs.get("history"))
        history = history[len(history) - min(len(history), self.settings.rewrite_turns):]
        backend = inputs["backend"]
        standalone = self.standalone_question(inputs["question"], history, backend)
        filters: Filters = inputs.get("filters") or Filters()
        retrieved = self.retriever.retrieve(standalone, k=self.settings.retrieval_k, filters=filters)
        passages = select_passages(standalone, retrieved, self.settings.answer_passages,
                                   self.settings.passage_tokens, self.search.index.idf)
        return {**inputs, "standalone": standalone, "retrieved": retrieved, "passages": passages,
                "skip": self.unanswerable(standalone, retrieved, passages)}

    def _prompt_inputs(self, ctx: dict) -> dict:
        return {"passages": self.prompts.format_passages(ctx["passages"]), "question": ctx["standalone"]}

    def generator(self, backend: str) -> Runnable:
        """Return the runnable that turns a prepared context into the model's draft text."""
        if backend == "extractive":
            write: Runnable = RunnableLambda(
                lambda ctx: extractive_draft(ctx["standalone"], ctx["passages"], self.embedder, self.search.index.idf),
                name="extract",
            )
        else:
            model = self.backends.chat_model(backend)
            if isinstance(model, LlamaCppChat) and backend not in self._warmed:
                # Evaluate the fixed prefix (instructions, examples) once, so the first question pays only for its
                # passages; llama.cpp reuses the longest common prefix of consecutive prompts.
                self._warmed.add(backend)
                model.warm(self._template.format_messages(passages="", question=""))
            write = RunnableLambda(self._prompt_inputs, name="prompt_inputs") | self._template | model | StrOutputParser()
        refuse = RunnableLambda(lambda ctx: NOT_IN_ARTICLES, name="refuse")
        return RunnableLambda(lambda ctx: refuse if ctx["skip"] else write, name="generate")

    def _check(self, ctx: dict) -> Answer:
        answer = check_answer(ctx["draft"], ctx["passages"], ctx["standalone"])
        if answer.refused and not ctx["skip"] and ctx["backend"] != "extractive":
            # The model found nothing it could support, yet the question passed the answerability checks: small
            # models miss answers worded differently from the question. Quote the best-supporting sentences when
            # they clear the extractive threshold; they are checked like any draft.
            quoted = check_answer(
                extractive_draft(ctx["standalone"], ctx["passages"], self.embedder, self.search.index.idf),
                ctx["passages"], ctx["standalone"],
            )
            if not quoted.refused:
                quoted.notes = [*answer.notes, "the model gave no supported answer: these are the article sentences "
                                "that best match the question, quoted"]
                quoted.draft, quoted.trimmed = answer.draft, True
                answer = quoted
        answer.question = ctx["question"]
        answer.standalone_question = ctx["standalone"]
        answer.backend = ctx["backend"]
        if ctx["skip"]:
            answer.notes.insert(0, ctx["skip"])
        return answer

    def chain(self, backend: str) -> Runnable:
        """Return the whole LCEL chain for ``backend``: input dict -> Answer."""
        return (
            RunnableLambda(self._prepare, name="retrieve")
            | RunnablePassthrough.assign(draft=self.generator(backend))
            | RunnableLambda(self._check, name="check")
        )

    # -- entry points
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

    def ask(self, question: str, history: Sequence | None, filters: Filters | None, backend: str) -> Answer:
        with self._backend_errors(backend):
            return self.chain(backend).invoke(
                {"question": question, "history": history, "filters": filters, "backend": backend}
            )

    def stream(self, question: str, history: Sequence | None, filters: Filters | None, backend: str) -> Iterator[Event]:
        with self._backend_errors(backend):
            ctx = RunnableLambda(self._prepare, name="retrieve").invoke(
                {"question": question, "history": history, "filters": filters, "backend": backend}
            )
            if ctx["standalone"] != question:
                yield Event("rewrite", ctx["standalone"])
            yield Event("sources", ctx["passages"])
            draft, sentinel = "", SentinelFilter()
            for token in self.generator(backend).stream(ctx):
                draft += token
                if shown := sentinel.feed(token):
                    yield Event("token", shown)
            yield Event("answer", self._check({**ctx, "draft": draft}))
