"""Follow-up questions made standalone before retrieval: with the LLM when there is one, else by a fixed rule."""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from ..text.terms import QUESTION_WORDS, STOPWORDS, words

Turn = dict[str, str]  # {"role": "user" | "assistant", "content": str}

_FOLLOW_UP = re.compile(
    r"\b(?:it|its|they|them|their|theirs|he|him|his|she|her|hers|this|that|these|those|there|then|the same|"
    r"the (?:governor|mayor|president|company|city|order|report|article|agency|court|team|deal|plan|law))\b",
    re.I,
)
_ENTITY = re.compile(r"\b(?:[A-Z][\w'’.\-]*)(?:\s+(?:of\s+|the\s+)?[A-Z][\w'’.\-]*)*")


def normalise_history(history: Sequence | None) -> list[Turn]:
    """Accept OpenAI/Gradio-style message dicts or (user, assistant) pairs; return message dicts."""
    turns: list[Turn] = []
    for item in history or []:
        if isinstance(item, dict):
            content = item.get("content")
            if isinstance(content, list):  # Gradio may send [{"type": "text", "text": ...}]
                content = " ".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
            if item.get("role") in ("user", "assistant") and content:
                turns.append({"role": str(item["role"]), "content": str(content)})
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            if item[0]:
                turns.append({"role": "user", "content": str(item[0])})
            if item[1]:
                turns.append({"role": "assistant", "content": str(item[1])})
    return turns


def needs_context(question: str) -> bool:
    """Return True when a question leans on the conversation (pronouns, "and ...", or very short)."""
    content = [w for w in words(question) if w not in STOPWORDS]
    return bool(_FOLLOW_UP.search(question)) or question.strip().lower().startswith(("and ", "what about", "how about")) \
        or len(content) <= 2


def rule_rewrite(question: str, history: list[Turn]) -> str:
    """Return ``question`` with the subjects of the previous question appended (deterministic)."""
    previous = next((t["content"] for t in reversed(history) if t["role"] == "user"), "")
    if not previous:
        return question
    found = (re.sub(r"^(?:" + "|".join(sorted(QUESTION_WORDS)) + r")\s+", "", e, flags=re.I)
             for e in _ENTITY.findall(previous))  # "Did Sam Altman" names Sam Altman
    entities = [e for e in found if e.lower() not in STOPWORDS and len(e) > 2]
    content = [w for w in re.findall(r"[\w'’\-]+", previous) if w.lower() not in STOPWORDS and len(w) > 2]
    context = ", ".join(dict.fromkeys(entities)) or " ".join(content[:8])
    return f"{question.rstrip()} ({context})" if context else question


def llm_rewrite(question: str, history: list[Turn], model: BaseChatModel, template: str) -> str:
    """Return the LLM's standalone rewrite, or the rule-based one when the LLM's reply is unusable."""
    transcript = "\n".join(f"{t['role'].capitalize()}: {t['content'][:400]}" for t in history)
    reply = model.invoke([HumanMessage(template.format(history=transcript, question=question))])
    text = str(reply.content).strip().split("\n")[0].strip().strip('"')
    if not text or len(text) > 3 * len(question) + 200 or text.upper().startswith("NOT_IN"):
        return rule_rewrite(question, history)
    return text
