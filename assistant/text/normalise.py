"""Text normalisation and date parsing shared by every loader."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

from dateutil import parser as date_parser

# Zero-width and invisible formatting characters (kept out of the text so that search and offsets are stable).
# Control characters (but tab and newlines) too.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_MARKUP = re.compile(r"<!--.*?(?:-->|$)|</?[a-zA-Z][^<>]*>", re.S)


def normalise_text(text: str) -> str:
    """Return ``text`` in NFC with control and zero-width characters removed and whitespace tidied.

    Line breaks survive (paragraphs stay apart, collapsed to at most one blank line); runs of spaces become one space.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    if "<!--" in text:  # markup comments are no part of an article (and a place to hide instructions)
        text = _COMMENT.sub(" ", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def normalise_field(value: object) -> str | None:
    """Return a metadata value as one clean line, or None when it is empty or not text-like."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        parts = [normalise_field(v) for v in value]
        value = ", ".join(p for p in parts if p)
    elif isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    text = _MARKUP.sub("", normalise_text(str(value)).replace("\n", " "))  # metadata is shown as text: no markup
    text = _SPACES.sub(" ", text).strip()
    return text or None


def http_url(value: str | None) -> str | None:
    """Return ``value`` when it is an absolute http(s) URL with a host, else None (javascript:, data:, relative)."""
    from urllib.parse import urlsplit

    if not value:
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc and " " not in url else None


def parse_date(value: object) -> datetime | None:
    """Return a timezone-aware datetime (UTC when the input names no zone), or None when ``value`` is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value  # milliseconds in many feeds
        try:
            parsed = datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        text = str(value).strip()
        if not text or len(text) > 64 or not re.search(r"\d", text):
            return None
        try:
            parsed = date_parser.parse(text, fuzzy=False)
        except (ValueError, OverflowError, TypeError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    if not 1800 <= parsed.year <= 2200:
        return None
    return parsed
