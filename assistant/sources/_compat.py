"""The only imports this subpackage takes from the rest of the package (re-point them here if they move)."""

from __future__ import annotations

from assistant.loading.normalise import http_url, normalise_field, normalise_text, parse_date
from assistant.sentences import sentence_spans

__all__ = ["http_url", "normalise_field", "normalise_text", "parse_date", "sentence_spans"]
