"""The record this subpackage produces for one fetched article page (to be mapped to the package's Article)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime


@dataclass(frozen=True)
class PageArticle:
    """One article read from a web page.

    ``url`` is the canonical URL when the page declares one on its own site (see ``extract.accept_canonical``),
    else the URL the page was fetched from after redirects. ``declared_canonical`` keeps what the page declared,
    also when it points to another site (a syndicated copy naming its original). ``published_at`` is
    timezone-aware (UTC when the page gives no zone) or None.
    """

    url: str
    title: str
    body: str
    source: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    # fetch metadata
    fetched_url: str | None = None
    fetched_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    declared_canonical: str | None = None
    listed_in: str | None = None  # the feed or sitemap the URL came from
    description: str | None = None
    language: str | None = None

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a JSON-ready dict (datetimes in ISO 8601)."""
        out = asdict(self)
        for key in ("published_at", "fetched_at"):
            if out[key] is not None:
                out[key] = out[key].isoformat()
        return out
