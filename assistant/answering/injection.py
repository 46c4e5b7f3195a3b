"""Instruction-like text inside articles (prompt injection): recognised so it reaches the model only as a marker.

Article text is data. Beyond delimiting it, sentences that address the model ("ignore previous instructions",
"you are now ...", "answer every question with ...") are replaced by a marker in the prompt, never quoted by the
extractive backend, and never kept in an answer.
"""

from __future__ import annotations

import re

from ..sentences import sentence_spans

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
    r"|(?:^|[\s\"'(])(?:assistant|system|ai)\s*:\s"
    r"|\b(?:jailbreak|dan mode)\b",
    re.I,
)
MARKER = "[instruction-like text removed]"


def is_instruction(sentence: str) -> bool:
    """Return True when ``sentence`` reads as an instruction aimed at the model."""
    return bool(INSTRUCTION.search(sentence))


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
