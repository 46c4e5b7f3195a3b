"""Instruction-like text inside articles (prompt injection): recognised so it reaches the model only as a marker.

Article text is data. Beyond delimiting it, sentences that address the model ("ignore previous instructions",
"you are now ...", "answer every question with ...") are replaced by a marker in the prompt, never quoted by the
extractive backend, and never kept in an answer.
"""

from __future__ import annotations

import re

from ..text.sentences import sentence_spans
from ..text.terms import terms

INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:instructions?|prompts?|rules|directions|guidelines|above)\b"
    r"|\b(?:new|updated|real|hidden|secret)\s+(?:system\s+)?(?:instructions?|prompt)\b"
    r"|\bsystem\s+prompt\b"
    r"|\byou\s+are\s+now\b"
    r"|\bfrom\s+now\s+on\b"
    r"|\b(?:answer|reply|respond)\s+(?:to\s+)?(?:every|all|each|any)\s+questions?\b"
    r"|\b(?:answer|reply|respond)\s+only\s+with\b"
    r"|\bdo\s+not\s+(?:follow|obey)\b"
    r"|\balways\s+(?:answer|reply|respond|say)\b"
    r"|(?:^|[\s\"'(])(?:assistant|system|ai|user|instructions?)\s*:\s"
    r"|\b(?:jailbreak|dan mode)\b"
    # addressed to the model: "note to AI assistants", "if you are a language model", "attention, chatbots"
    r"|\b(?:note|message|notice|attention|instructions?|reminder|memo)\s+(?:for|to)\s+(?:any\s+|all\s+|the\s+)?"
    r"(?:ai|a\.i\.|assistants?|language\s+models?|llms?|chat\s*bots?|models?|bots?)\b"
    r"|\bif\s+you\s+are\s+(?:an?\s+)?(?:ai|assistant|language\s+model|llm|chat\s*bot|bot)\b"
    r"|\b(?:ai|assistants?|language\s+models?|llms?|chat\s*bots?)\s*(?:,|:)?\s+(?:must|should|shall|need\s+to)\b"
    r"|\b(?:ignore|disregard|forget|skip)\s+(?:the\s+|all\s+|any\s+|every\s+)?(?:other|previous|prior|earlier|"
    r"following|above|remaining|rest\s+of\s+the)?\s*(?:passages?|articles?|sources?|context|documents?|text)\b"
    # prompt formats and chat-template tokens
    r"|^\s*#{1,6}\s*(?:instruction|system|response|assistant|user)s?\b"
    r"|\[/?INST\]|<</?SYS>>|<\|[a-z_]+\|>|<\|?im_(?:start|end)\|?>|</?s>|<start_of_turn>|<end_of_turn>"
    r"|\bend\s+of\s+(?:the\s+)?(?:passages?|context|documents?)\b",
    re.I | re.M,
)
_REPEAT = 4  # a content word this many times in one sentence: written for a ranking, not for a reader
MARKER = "[instruction-like text removed]"


def is_instruction(sentence: str) -> bool:
    """Return True when ``sentence`` reads as an instruction aimed at the model."""
    return bool(INSTRUCTION.search(sentence))


def is_stuffed(sentence: str) -> bool:
    """Return True when ``sentence`` repeats content words the way text stuffed for search ranking does."""
    from collections import Counter

    counts = Counter(terms(sentence))
    if not counts:
        return False
    total = sum(counts.values())
    return counts.most_common(1)[0][1] >= _REPEAT or (total >= 12 and len(counts) / total < 0.5)


def neutralise_instructions(text: str) -> str:
    """Return ``text`` with every instruction-like sentence replaced by a marker."""
    if not INSTRUCTION.search(text):
        return text
    out, last = [], 0
    for start, end in sentence_spans(text):
        if is_instruction(text[start:end]):
            out.append(text[last:start] + MARKER)
            last = end
    out.append(text[last:])
    return "".join(out)


_MARKERS = re.compile(r"[\[【]\s*(\d{1,3})\s*[\]】]")


def neutralise_markers(text: str) -> str:
    """Return article text with citation-like ``[n]`` markers written as ``(n)``: only the answer makes citations."""
    return _MARKERS.sub(r"(\1)", text)
