"""Plain-text and Markdown articles: title, byline, dateline and closing credits recognised as metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..text.normalise import normalise_field, normalise_text, parse_date
from ..types import Article
from .fields import fallback_title

_HEADER = re.compile(r"^(title|headline|source|outlet|publisher|author|byline|date|published|published_at|url|link)\s*:\s*(.+)$", re.I)
_BYLINE = re.compile(r"^by\s+([A-Z][\w.'’\-]*(?:[ ,&]+(?:and\s+)?[A-Z][\w.'’\-]*){0,8})\s*$", re.I)
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'’\- ]{1,40}(?:,\s*[A-Z][A-Za-z.'’\- ]{1,25})?)"
    r"(?:,\s*(?P<date>[A-Z][a-z]{2,9}\.?\s+\d{1,2}(?:,?\s*\d{4})?))?"
    r"\s*\((?P<outlet>[A-Z][\w .&'’\-]{1,40})\)\s*[-–—]+\s*"
)
_CREDITS = re.compile(r"^\(\s*((?:additional\s+)?(?:reporting|writing|editing|compiled)\b.*)\)\s*$", re.I)
_REPORTERS = re.compile(r"reporting by ([^;)]+)", re.I)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)

_KEY_ALIASES = {
    "headline": "title", "outlet": "source", "publisher": "source", "byline": "author", "published": "date",
    "published_at": "date", "link": "url",
}


@dataclass
class _Meta:
    title: str | None = None
    source: str | None = None
    author: str | None = None
    date: datetime | None = None
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def set(self, key: str, value: str) -> None:
        key = _KEY_ALIASES.get(key.lower(), key.lower())
        if key == "date":
            self.date = self.date or parse_date(value)
        elif key in ("title", "source", "author", "url") and not getattr(self, key):
            setattr(self, key, normalise_field(value.strip().strip("\"'")))


def _front_matter(lines: list[str], meta: _Meta) -> list[str]:
    """Consume a ``---`` front-matter block or ``Key: value`` header lines at the top."""
    if lines and lines[0].strip() == "---":
        for end in range(1, min(len(lines), 60)):
            if lines[end].strip() in ("---", "..."):
                for line in lines[1:end]:
                    key, sep, value = line.partition(":")
                    if sep and value.strip():
                        meta.set(key.strip(), value.strip())
                return lines[end + 1 :]
    i = 0
    while i < len(lines) and (m := _HEADER.match(lines[i].strip())):
        meta.set(m.group(1), m.group(2))
        i += 1
    return lines[i:]


def _strip_markdown(text: str) -> str:
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = re.sub(r"^\s{0,3}(?:[-*+]|\d+\.)\s+", "", text, flags=re.M)  # list markers
    text = re.sub(r"^\s{0,3}>\s?", "", text, flags=re.M)  # block quotes
    text = re.sub(r"^(?:```|~~~).*$", "", text, flags=re.M)  # code fences
    return re.sub(r"^\s*(?:[-*_]\s*){3,}$", "", text, flags=re.M)  # horizontal rules


def _looks_like_headline(line: str) -> bool:
    return 3 <= len(line) <= 200 and not line.endswith((".", ",", ";", ":")) and not _BYLINE.match(line)


def parse_plaintext(text: str, key: str, markdown: bool = False) -> Article:
    """Return the Article in a plain-text or Markdown document.

    Raises ValueError when the document holds no article text.
    """
    if markdown:
        text = _HTML_COMMENT.sub("", text)
    lines = normalise_text(text).split("\n")
    meta = _Meta()
    lines = _front_matter(lines, meta)

    # Title: a Markdown heading, or a short first line standing as its own paragraph.
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if nonblank and not meta.title:
        first = lines[nonblank[0]].strip()
        heading = _MD_HEADING.match(first) if markdown else None
        next_blank = nonblank[0] + 1 < len(lines) and not lines[nonblank[0] + 1].strip()
        if heading:
            meta.title = normalise_field(_strip_markdown(heading.group(1)))
            lines[nonblank[0]] = ""
        elif len(nonblank) > 1 and _looks_like_headline(first) and next_blank and not _DATELINE.match(first):
            meta.title = first
            lines[nonblank[0]] = ""

    # Byline within the first few lines.
    for i in [i for i, line in enumerate(lines) if line.strip()][:4]:
        m = _BYLINE.match(lines[i].strip())
        if m:
            meta.set("author", m.group(1))
            lines[i] = ""
            break

    # Closing credits: "(Reporting by ...; Editing by ...)".
    for i in reversed([i for i, line in enumerate(lines) if line.strip()][-2:]):
        m = _CREDITS.match(lines[i].strip())
        if m:
            meta.extra["credits"] = m.group(1).strip()
            if not meta.author and (rep := _REPORTERS.search(m.group(1))):
                meta.set("author", rep.group(1).strip())
            lines[i] = ""
            break

    body = "\n".join(lines)
    if markdown:
        body = "\n".join(_MD_HEADING.sub(r"\1", line) for line in _strip_markdown(body).split("\n"))
    body = normalise_text(body)

    # Dateline at the start of the text: "WASHINGTON (Reuters) -" gives the outlet (and sometimes the date).
    m = _DATELINE.match(body)
    if m:
        meta.extra["dateline"] = m.group("place").strip()
        meta.set("source", m.group("outlet"))
        if m.group("date") and re.search(r"\d{4}", m.group("date")):
            meta.set("date", m.group("date"))
        body = body[m.end() :].lstrip()

    if not body:
        raise ValueError("holds no article text")
    return Article(
        body=body,
        title=meta.title or fallback_title(body),
        key=key,
        source=meta.source,
        author=meta.author,
        published_at=meta.date,
        url=meta.url,
    )
