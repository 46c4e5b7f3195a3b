"""The only imports this subpackage takes from the rest of the package (re-point them here if they move).

The helpers moved from ``assistant.loading.normalise`` and ``assistant.sentences`` to ``assistant.text`` during the
refactor; both places are tried, the new one first.
"""

from __future__ import annotations

try:
    from assistant.text.normalise import http_url, normalise_field, normalise_text, parse_date
    from assistant.text.sentences import sentence_spans
except ImportError:  # pragma: no cover - the layout before the refactor
    from assistant.loading.normalise import http_url, normalise_field, normalise_text, parse_date
    from assistant.sentences import sentence_spans

__all__ = ["http_url", "normalise_field", "normalise_text", "parse_date", "sentence_spans"]
