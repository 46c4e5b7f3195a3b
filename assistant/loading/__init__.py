"""Loading articles from files, folders and feeds into Article records.

``load_source(path)`` never raises for a bad input: every problem becomes a ``LoadError`` naming the input, and the
good inputs beside it still load.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .article import Article, LoadError, LoadResult
from .decode import NotTextError, decode_text
from .feeds import article_from_object, parse_json, parse_jsonl
from .html import parse_html
from .normalise import http_url
from .plaintext import parse_plaintext

__all__ = [
    "Article", "LoadError", "LoadResult", "SUFFIXES", "article_from_object", "load_file", "load_source", "load_text",
]

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson")
DEFAULT_MAX_CHARS = 2_000_000
_MAX_FILE_BYTES = 512 * 1024 * 1024


FUTURE_SLACK = timedelta(days=2)  # time zones and embargoed stories; later than this is a bad date


def drop_future_dates(result: LoadResult, now: datetime | None = None) -> LoadResult:
    """Clear publication dates in the future (a bad date would skew date filters) and say so in warnings."""
    limit = (now or datetime.now(timezone.utc)) + FUTURE_SLACK
    for i, article in enumerate(result.articles):
        if article.published_at and article.published_at > limit:
            result.warnings.append(LoadError(
                article.key, f"publication date {article.published_at.date()} is in the future; indexed without a date"
            ))
            result.articles[i] = dataclasses.replace(article, published_at=None)
    return result


def drop_unsafe_urls(result: LoadResult) -> LoadResult:
    """Clear article URLs that are not http(s) links (javascript:, data:, relative) and say so in warnings."""
    for i, article in enumerate(result.articles):
        if article.url and http_url(article.url) is None:
            result.warnings.append(LoadError(article.key, f"URL {article.url[:80]!r} is not an http(s) link; "
                                                          "indexed without it"))
            result.articles[i] = dataclasses.replace(article, url=None)
    return result


def load_text(text: str, name: str, max_chars: int = DEFAULT_MAX_CHARS) -> LoadResult:
    """Return the articles in ``text``, read as the format that ``name``'s suffix says (e.g. an upload)."""
    return drop_unsafe_urls(drop_future_dates(_parse(text, name, max_chars)))


def _parse(text: str, name: str, max_chars: int) -> LoadResult:
    suffix = Path(name).suffix.lower()
    result = LoadResult()
    try:
        if suffix == ".json":
            return parse_json(text, name, max_chars)
        if suffix in (".jsonl", ".ndjson"):
            return parse_jsonl(text, name, max_chars)
        if suffix in (".html", ".htm"):
            article = parse_html(text, name)
        elif suffix in (".txt", ".md", ".markdown"):
            article = parse_plaintext(text, name, markdown=suffix != ".txt")
        else:
            raise ValueError(f"has an unsupported file type {suffix or '(none)'!r}; supported: {', '.join(SUFFIXES)}")
        if len(article.body) > max_chars:
            raise ValueError(f"article text has {len(article.body):,} characters, more than the limit of {max_chars:,}")
        result.articles.append(article)
    except ValueError as exc:
        result.errors.append(LoadError(name, str(exc)))
    return result


def load_file(path: Path, max_chars: int = DEFAULT_MAX_CHARS) -> LoadResult:
    """Return the articles in one file, or an error naming it."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size == 0:
            return LoadResult(errors=[LoadError(name, "is empty")])
        if size > _MAX_FILE_BYTES:
            return LoadResult(errors=[LoadError(name, f"is {size / 2**20:,.0f} MB, larger than the 512 MB limit")])
        text, _encoding = decode_text(path.read_bytes())
    except NotTextError as exc:
        return LoadResult(errors=[LoadError(name, str(exc))])
    except OSError as exc:
        return LoadResult(errors=[LoadError(name, f"cannot be read: {exc.strerror or exc}")])
    if not text.strip():
        return LoadResult(errors=[LoadError(name, "holds only whitespace")])
    return load_text(text, name, max_chars)


def load_source(path: Path, max_chars: int = DEFAULT_MAX_CHARS) -> LoadResult:
    """Return every article under ``path`` (a file or a folder, searched recursively), with per-input errors."""
    if not path.exists():
        return LoadResult(errors=[LoadError(str(path), "does not exist")])
    if path.is_file():
        return load_file(path, max_chars)
    if not path.is_dir():
        return LoadResult(errors=[LoadError(str(path), "is neither a file nor a folder")])
    result = LoadResult()
    files = sorted(
        p for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    for file in files:
        result.extend(load_file(file, max_chars))
    if not result.articles and not result.errors:
        result.errors.append(
            LoadError(str(path), f"is a folder with no readable article (looked for {', '.join(SUFFIXES)})")
        )
    return result
