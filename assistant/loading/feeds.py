"""JSON and JSON Lines feeds: one article per object (title/body/source/author/published_at/url, common aliases)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from .article import Article, LoadError, LoadResult
from .normalise import normalise_field, normalise_text, parse_date
from .plaintext import fallback_title

_BODY = ("body", "text", "content", "article", "article_body", "articleBody", "description")
_TITLE = ("title", "headline", "name")
_SOURCE = ("source", "outlet", "publisher", "site_name", "site", "source_name")
_AUTHOR = ("author", "authors", "byline", "creator")
_DATE = ("published_at", "publishedAt", "published", "date", "pubDate", "datePublished", "pub_date", "time")
_URL = ("url", "link", "canonical_url", "href")
_LIST_KEYS = ("articles", "items", "data", "documents", "entries", "results")


def _first(obj: dict, names: tuple[str, ...]) -> object:
    for name in names:
        value = obj.get(name)
        if value not in (None, "", []):
            return value
    return None


def article_from_object(obj: object, key_prefix: str, position: str, max_chars: int) -> Article:
    """Return the Article in one feed object. Raises ValueError naming what is wrong with it."""
    if not isinstance(obj, dict):
        raise ValueError(f"is a JSON {type(obj).__name__}, not an object with title/body fields")
    body_value = _first(obj, _BODY)
    if body_value is None:
        raise ValueError(f"has no article text: none of the fields {', '.join(_BODY[:4])} is present and non-empty")
    if not isinstance(body_value, str):
        raise ValueError(f"field {next(n for n in _BODY if obj.get(n) is body_value)!r} is not text")
    body = normalise_text(body_value)
    if not body:
        raise ValueError("has an empty article text")
    if len(body) > max_chars:
        raise ValueError(f"article text has {len(body):,} characters, more than the limit of {max_chars:,}")
    source = _first(obj, _SOURCE)
    if isinstance(source, dict):
        source = source.get("name") or source.get("title")
    title = normalise_field(_first(obj, _TITLE))
    url = normalise_field(_first(obj, _URL))
    key = f"{key_prefix}#{url or title or position}"
    return Article(
        body=body,
        title=title or fallback_title(body),
        key=key,
        source=normalise_field(source),
        author=normalise_field(_first(obj, _AUTHOR)),
        published_at=parse_date(_first(obj, _DATE)),
        url=url,
    )


def _objects_of_json(data: object) -> Iterator[tuple[str, object]]:
    if isinstance(data, dict):
        for name in _LIST_KEYS:
            if isinstance(data.get(name), list):
                data = data[name]
                break
        else:
            yield "item 1", data
            return
    if not isinstance(data, list):
        raise ValueError(f"holds a JSON {type(data).__name__}; expected an article object or a list of them")
    for i, obj in enumerate(data):
        yield f"item {i + 1}", obj


def parse_json(text: str, path: str, max_chars: int) -> LoadResult:
    """Return the articles of a JSON document (one object, a list, or {"articles": [...]}) and per-item errors."""
    result = LoadResult()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        result.errors.append(LoadError(path, f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"))
        return result
    except RecursionError:
        result.errors.append(LoadError(path, "nests arrays or objects too deeply to be an article feed"))
        return result
    try:
        for position, obj in _objects_of_json(data):
            try:
                result.articles.append(article_from_object(obj, path, position, max_chars))
            except ValueError as exc:
                result.errors.append(LoadError(f"{path} {position}", str(exc)))
    except ValueError as exc:
        result.errors.append(LoadError(path, str(exc)))
    return result


def parse_jsonl(text: str, path: str, max_chars: int) -> LoadResult:
    """Return the articles of a JSON Lines document; a broken line is an error of its own, the others still load."""
    result = LoadResult()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            result.errors.append(LoadError(f"{path}:{number}", f"is not valid JSON: {exc.msg} at column {exc.colno}"))
            continue
        except RecursionError:
            result.errors.append(LoadError(f"{path}:{number}", "nests arrays or objects too deeply"))
            continue
        try:
            result.articles.append(article_from_object(obj, path, f"line {number}", max_chars))
        except ValueError as exc:
            result.errors.append(LoadError(f"{path}:{number}", str(exc)))
    return result
