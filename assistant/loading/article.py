"""What loading one source produces: articles, inputs that failed, and notices."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..types import Article, Failure, Notice


@dataclass
class LoadResult:
    """Articles read from one source, with a Failure for each input that could not be read."""

    articles: list[Article] = field(default_factory=list)
    errors: list[Failure] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)  # loaded, but something was fixed (say what)

    def extend(self, other: LoadResult) -> None:
        self.articles.extend(other.articles)
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)
