"""The one way a mapping of fields (a feed item, a posted article, a pasted form) becomes an Article."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from ..text.normalise import http_url, normalise_field, normalise_text, parse_date
from ..types import Article

BODY = ("body", "text", "content", "article", "article_body", "articleBody", "description")
TITLE = ("title", "headline", "name")
SOURCE = ("source", "outlet", "publisher", "site_name", "site", "source_name")
AUTHOR = ("author", "authors", "byline", "creator")
DATE = ("published_at", "publishedAt", "published", "date", "pubDate", "datePublished", "pub_date", "time")
URL = ("url", "link", "canonical_url", "href")
KNOWN = frozenset(BODY + TITLE + SOURCE + AUTHOR + DATE + URL)


class FieldError(ValueError):
    """One field of an article is unusable: ``field`` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def fallback_title(body: str) -> str:
    """Return a title made from the first sentence of ``body`` (at most ~90 characters)."""
    first = re.split(r"(?<=[.!?])\s", body.strip(), maxsplit=1)[0].strip()
    if len(first) <= 90:
        return first.rstrip(".") or "Untitled article"
    cut = first[:90].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _first(fields: Mapping, names: tuple[str, ...]) -> tuple[str | None, object]:
    for name in names:
        value = fields.get(name)
        if value not in (None, "", []):
            return name, value
    return None, None


def body_key(body: str) -> str:
    """Return the identity of an article known only by its text."""
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()[:32]


def field_problems(fields: Mapping, max_chars: int) -> list[FieldError]:
    """Return every problem that makes ``fields`` no article when posted or pasted (strict), not just the first."""
    problems: list[FieldError] = []
    checks = ({k: v for k, v in fields.items() if k not in DATE + URL},
              {k: v for k, v in fields.items() if k in DATE} | {"body": "x"},
              {k: v for k, v in fields.items() if k in URL} | {"body": "x"})
    for part in checks:
        try:
            article_from_fields(part, "check", "check", max_chars, strict=True)
        except FieldError as exc:
            problems.append(exc)
    return problems


def article_from_fields(fields: object, key_prefix: str, position: str, max_chars: int,
                        strict: bool = False) -> Article:
    """Return the Article described by ``fields`` (``title/body/source/author/published_at/url`` or a common alias).

    Its key is ``key_prefix#`` + its URL, else its title (``strict``: its text's hash), else ``position``. With
    ``strict`` (an article someone posts or pastes) a date that is no date or a URL that is no http(s) link is an
    error; from a file they are dropped (the loader warns about the URL). Raises FieldError naming the field.
    """
    if not isinstance(fields, Mapping):
        raise FieldError("", f"is a JSON {type(fields).__name__}, not an object with title/body fields")
    name, raw_body = _first(fields, BODY)
    if raw_body is None:
        raise FieldError("body", f"has no article text: none of the fields {', '.join(BODY[:4])} is present and "
                         "non-empty")
    if not isinstance(raw_body, str):
        raise FieldError(name or "body", "is not text")
    body = normalise_text(raw_body)
    if not body:
        raise FieldError(name or "body", "holds no text once control and zero-width characters are removed")
    if len(body) > max_chars:
        raise FieldError(name or "body", f"article text has {len(body):,} characters, more than the limit of "
                         f"{max_chars:,}")
    _, source = _first(fields, SOURCE)
    if isinstance(source, Mapping):
        source = source.get("name") or source.get("title")
    date_name, raw_date = _first(fields, DATE)
    published = parse_date(raw_date)
    if strict and raw_date is not None and published is None:
        raise FieldError(date_name or "published_at", f"{raw_date!r} is not a date (use ISO 8601, e.g. 2024-03-20)")
    url_name, raw_url = _first(fields, URL)
    url = normalise_field(raw_url)
    if strict and url and http_url(url) is None:
        raise FieldError(url_name or "url", f"{url[:80]!r} is not an http:// or https:// URL")
    title = normalise_field(_first(fields, TITLE)[1])
    identity = url or (body_key(body) if strict else title) or position
    return Article(body=body, title=title or fallback_title(body), key=f"{key_prefix}#{identity}",
                   source=normalise_field(source), author=normalise_field(_first(fields, AUTHOR)[1]),
                   published_at=published, url=url)
