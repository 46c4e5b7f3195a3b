"""Temporary re-export while assistant/sources is integrated (moved to assistant.text.normalise)."""
from ..text.normalise import *  # noqa: F401,F403
from ..text.normalise import http_url, normalise_field, normalise_text, parse_date  # noqa: F401
