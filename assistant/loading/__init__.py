"""Loading articles from files, folders and feeds into Article records.

``load_source(path)`` never raises for a bad input: every problem becomes a ``LoadError`` naming the input, and the
good inputs beside it still load.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..text.normalise import http_url
from ..types import SUFFIXES, Failure, Notice
from .article import LoadResult
from .decode import NotTextError, decode_text
from .feeds import parse_json, parse_jsonl
from .html import parse_html_page
from .plaintext import parse_plaintext

__all__ = ["LoadResult", "article_files", "load_bytes", "load_file", "load_source", "load_text"]

DEFAULT_MAX_CHARS = 2_000_000


FUTURE_SLACK = timedelta(days=2)  # time zones and embargoed stories; later than this is a bad date


def drop_future_dates(result: LoadResult, now: datetime | None = None) -> LoadResult:
    """Clear publication dates in the future (a bad date would skew date filters) and say so in warnings."""
    limit = (now or datetime.now(timezone.utc)) + FUTURE_SLACK
    for i, article in enumerate(result.articles):
        if article.published_at and article.published_at > limit:
            result.warnings.append(Notice(
                article.key, f"publication date {article.published_at.date()} is in the future; indexed without a date"
            ))
            result.articles[i] = article.model_copy(update={"published_at": None})
    return result


def drop_unsafe_urls(result: LoadResult) -> LoadResult:
    """Clear article URLs that are not http(s) links (javascript:, data:, relative) and say so in warnings."""
    for i, article in enumerate(result.articles):
        if article.url and http_url(article.url) is None:
            result.warnings.append(Notice(article.key, f"URL {article.url[:80]!r} is not an http(s) link; "
                                                          "indexed without it"))
            result.articles[i] = article.model_copy(update={"url": None})
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
            article = parse_html_page(text, name)
        elif suffix in (".txt", ".md", ".markdown"):
            article = parse_plaintext(text, name, markdown=suffix != ".txt")
        else:
            raise ValueError(f"has an unsupported file type {suffix or '(none)'!r}; supported: {', '.join(SUFFIXES)}")
        if len(article.body) > max_chars:
            raise ValueError(f"article text has {len(article.body):,} characters, more than the limit of {max_chars:,}")
        result.articles.append(article)
    except ValueError as exc:
        result.errors.append(Failure(name, str(exc)))
    return result


def load_bytes(data: bytes, name: str, max_chars: int = DEFAULT_MAX_CHARS,
               max_bytes: int | None = None) -> LoadResult:
    """Return the articles in a file's bytes (any text encoding; format from ``name``'s suffix): the one place where
    bytes become text and size limits are enforced. Problems are Failures naming ``name``."""
    if max_bytes is not None and len(data) > max_bytes:
        return LoadResult(errors=[Failure(name, f"is {len(data) / 2**20:,.1f} MB, larger than the "
                                                f"{max_bytes / 2**20:,.0f} MB limit")])
    if not data:
        return LoadResult(errors=[Failure(name, "is empty")])
    try:
        text, _encoding = decode_text(data)
    except NotTextError as exc:
        return LoadResult(errors=[Failure(name, str(exc))])
    if not text.strip():
        return LoadResult(errors=[Failure(name, "holds only whitespace")])
    return load_text(text, name, max_chars)


def load_file(path: Path, max_chars: int = DEFAULT_MAX_CHARS, max_bytes: int | None = None) -> LoadResult:
    """Return the articles in one file, or an error naming it."""
    name = str(path)
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            return LoadResult(errors=[Failure(name, f"is {size / 2**20:,.0f} MB, larger than the "
                                                    f"{max_bytes / 2**20:,.0f} MB limit")])
        data = path.read_bytes()
    except OSError as exc:
        return LoadResult(errors=[Failure(name, f"cannot be read: {exc.strerror or exc}")])
    return load_bytes(data, name, max_chars)


def article_files(path: Path) -> list[Path]:
    """Return the supported files under ``path`` (itself when a file), skipping hidden ones, sorted."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(path).parts))


def load_source(path: Path, max_chars: int = DEFAULT_MAX_CHARS, max_bytes: int | None = None) -> LoadResult:
    """Return every article under ``path`` (a file or a folder, searched recursively), with per-input errors."""
    if not path.exists():
        return LoadResult(errors=[Failure(str(path), "does not exist")])
    if path.is_file():
        return load_file(path, max_chars, max_bytes)
    if not path.is_dir():
        return LoadResult(errors=[Failure(str(path), "is neither a file nor a folder")])
    result = LoadResult()
    for file in article_files(path):
        result.extend(load_file(file, max_chars, max_bytes))
    if not result.articles and not result.errors:
        result.errors.append(
            Failure(str(path), f"is a folder with no readable article (looked for {', '.join(SUFFIXES)})")
        )
    return result
