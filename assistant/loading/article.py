"""The Article record every loader produces, and the errors loaders report."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Article:
    """One news article: normalised body text plus its metadata.

    ``key`` identifies the article inside its source (a file path, or a URL/title/position inside a feed) so that an
    edited article replaces its earlier version instead of being added beside it.
    """

    body: str
    title: str
    key: str
    source: str | None = None  # the outlet, e.g. "Reuters"
    author: str | None = None
    published_at: datetime | None = None
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def metadata(self) -> dict[str, str]:
        """Return the displayable metadata as plain strings ('' when unknown)."""
        return {
            "title": self.title,
            "source": self.source or "",
            "author": self.author or "",
            "published_at": self.published_at.isoformat() if self.published_at else "",
            "url": self.url or "",
        }

    def metadata_hash(self) -> str:
        """Return a short hash of the metadata, so metadata-only edits are noticed without re-embedding."""
        blob = json.dumps(self.metadata(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class LoadError:
    """A problem with one input: ``path`` names it (with ``:line`` or ``#item`` when inside a feed)."""

    path: str
    error: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class LoadResult:
    """What loading one source produced: articles, and errors for the inputs that could not be read."""

    articles: list[Article] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    warnings: list[LoadError] = field(default_factory=list)  # loaded, but something was fixed (say what)

    def extend(self, other: LoadResult) -> None:
        self.articles.extend(other.articles)
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)
