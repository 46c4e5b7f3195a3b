"""Temporary re-export while assistant/sources is integrated (moved to assistant.text.sentences)."""
from .text.sentences import sentence_spans, split_sentences  # noqa: F401
