"""Prompt templates, read at run time from the ``prompts/`` folder (shipped inside the wheel as ``_prompts``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate

from ..errors import ConfigurationError
from ..types import Passage
from .injection import neutralise_instructions, neutralise_markers

NOT_IN_ARTICLES = "NOT_IN_ARTICLES"


def prompts_dir(configured: Path | None = None) -> Path:
    """Return the prompts folder: the configured one, the installed package's copy, or the checkout's."""
    if configured is not None:
        return configured
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "_prompts", package.parent / "prompts"):
        if (candidate / "answer_system.txt").is_file():
            return candidate
    raise ConfigurationError(f"no prompts folder found beside {package}")


def _examples(text: str) -> list[BaseMessage]:
    messages: list[BaseMessage] = []
    for match in re.finditer(r"^### (user|assistant)\n(.*?)(?=^### |\Z)", text, re.S | re.M):
        role, content = match.group(1), match.group(2).strip()
        messages.append(HumanMessage(content) if role == "user" else AIMessage(content))
    return messages


def sanitize_passage_text(text: str) -> str:
    """Return passage text safe to put in the prompt: instruction-like sentences replaced by a marker, tags
    neutralised (it cannot close the passages block), ``[n]`` markers turned into ``(n)`` (nor forge citations)."""
    return neutralise_markers(neutralise_instructions(text).replace("<", "‹").replace(">", "›"))


@dataclass
class Prompts:
    """The templates of one prompts folder."""

    folder: Path
    system: str
    user: str
    passage: str
    examples: list[BaseMessage]
    rewrite: str

    @classmethod
    def load(cls, folder: Path) -> Prompts:
        """Read every template. Raises ConfigurationError naming a missing file."""
        def read(name: str) -> str:
            path = folder / name
            try:
                return path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigurationError(f"cannot read the prompt file {path}: {exc.strerror or exc}") from exc

        return cls(folder, read("answer_system.txt"), read("answer_user.txt"), read("passage.txt"),
                   _examples(read("answer_examples.txt")), read("rewrite.txt"))

    def answer_template(self) -> ChatPromptTemplate:
        """Return the chat prompt: fixed system + examples first (a reusable prefix), then passages and question."""
        return ChatPromptTemplate.from_messages(
            [SystemMessage(self.system), *self.examples, ("human", self.user)]
        )

    def format_passages(self, passages: list[Passage]) -> str:
        blocks = []
        for p in passages:
            date = f", {p.published_iso[:10]}" if p.published_at else ""
            author = f", by {sanitize_passage_text(p.author)}" if p.author else ""
            blocks.append(
                self.passage.format(n=p.n, source=sanitize_passage_text(p.source) or "Unknown outlet", author=author,
                                    date=date, title=sanitize_passage_text(p.title), text=sanitize_passage_text(p.text))
            )
        return "\n\n".join(blocks)
