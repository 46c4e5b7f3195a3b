"""Narrow yes/no steps: does this passage state this claim; do these two passages agree about this topic.

A small model does these well when the prompt is short and the answer is one word, so every step is one such
prompt, scored by how likely the model says "yes". The reasoning that combines the steps (several claims, several
outlets, dates) is done in code (answering/plans.py). Without a model (the extractive backend) the steps are scored
from the claim check and the sentence embeddings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from ..indexing.embedding import Embedder
from .claims import check_claim
from .injection import neutralise_instructions, neutralise_markers
from .llamacpp import LlamaCppChat

SYSTEM = "You check news articles. You answer only yes or no."
SUPPORT = ("Passage from {source}:\n{passage}\n\nStatement: {claim}\n\nIs the statement fully supported by the "
           "passage, with the same people, roles, numbers, places and times? Answer yes or no.")
ANSWERS = ("Question: {question}\n\nReply: {reply}\n\nDoes the reply give what the question asks for (not just something "
           "related to it)? Answer yes or no.")
AGREE = ("First passage, from {first_source}:\n{first}\n\nSecond passage, from {second_source}:\n{second}\n\n"
         "Topic: {topic}\n\nDo the two passages agree about the topic? Answer yes or no.")


def _clean(text: str) -> str:
    return neutralise_markers(neutralise_instructions(text)).replace("<", "‹").replace(">", "›")


class Judge:
    """Scores narrow yes/no questions about passages with a chat model (or, with none, without one)."""

    def __init__(self, model: BaseChatModel | None, embedder: Embedder,
                 idf: Callable[[str], float] = lambda term: 1.0) -> None:
        self.model = model
        self.embedder = embedder
        self.idf = idf

    def _yes(self, prompt: str) -> float:
        messages = [SystemMessage(SYSTEM), HumanMessage(prompt)]
        if isinstance(self.model, LlamaCppChat):
            return self.model.yes_probability(messages)
        assert self.model is not None
        reply = str(self.model.invoke(messages, max_tokens=3).content).strip().lower()
        return 1.0 if reply.startswith("yes") else 0.0 if reply.startswith("no") else 0.5

    def supports(self, claim: str, passage: str, source: str = "a news article") -> float:
        """Return how likely ``passage`` states ``claim`` (0 to 1)."""
        if self.model is None:
            return self._similarity(claim, passage) if check_claim(claim, passage, self.idf).ok else 0.0
        return self._yes(SUPPORT.format(source=_clean(source), passage=_clean(passage), claim=_clean(claim)))

    def answers(self, question: str, reply: str) -> float:
        """Return how likely ``reply`` gives what ``question`` asks for (0 to 1); 1.0 with no model."""
        if self.model is None:
            return 1.0
        return self._yes(ANSWERS.format(question=_clean(question), reply=_clean(reply)))

    def agree(self, topic: str, first: str, second: str, first_source: str = "a news article",
              second_source: str = "another news article") -> float:
        """Return how likely the two passages agree about ``topic`` (0 to 1)."""
        if self.model is None:
            return self._similarity(first, second)
        return self._yes(AGREE.format(topic=_clean(topic), first=_clean(first), second=_clean(second),
                                      first_source=_clean(first_source), second_source=_clean(second_source)))

    def _similarity(self, a: str, b: str) -> float:
        vectors = self.embedder.encode([a, b])
        return float(np.clip(vectors[0] @ vectors[1], 0.0, 1.0))

    def best(self, statement: str, sentences: Sequence[str]) -> int:
        """Return the index of the sentence closest in meaning to ``statement`` (embeddings)."""
        if not sentences:
            return -1
        vectors = self.embedder.encode([statement, *sentences])
        return int(np.argmax(vectors[1:] @ vectors[0]))


