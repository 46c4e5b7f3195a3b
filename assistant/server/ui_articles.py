"""The Articles tab's logic: upload or paste articles, the index report, the searchable list, deletion, stats.

Every writer goes through the facade (one Indexer: process lock + thread mutex), and the UI runs these handlers in
their own Gradio concurrency group of one, so indexing never blocks chat and never runs two writers at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from ..api import Assistant
from ..indexer import IndexReport
from ..indexlock import IndexBusyError
from ..loading import SUFFIXES, LoadError
from ..loading.decode import NotTextError, decode_text
from ..loading.normalise import parse_date
from ..store import StoreError
from .ui_render import md_text, message_html, report_html, safe_url

log = logging.getLogger(__name__)

UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".json", ".jsonl"]
MAX_UPLOAD_BYTES = 50 * 2**20
LIST_LIMIT = 200
COLUMNS = ["Title", "Outlet", "Author", "Published", "Chunks"]
Progress = Callable[[str, int, int], None]


def merge(reports: Sequence[IndexReport]) -> dict:
    """Return one report dict summing several runs."""
    total = IndexReport()
    for r in reports:
        for name in ("added", "updated", "unchanged", "removed", "duplicates", "chunks_embedded", "chunks_deleted",
                     "repaired"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.failed.extend(r.failed)
        total.seconds += r.seconds
    return total.as_dict()


def write_failure(exc: BaseException) -> str:
    """Return a plain message for a failed write."""
    if isinstance(exc, IndexBusyError):
        return f"The index is busy: {exc}. Try again when it is done."
    if isinstance(exc, StoreError):
        return f"The index could not be written: {exc}"
    return "Indexing failed unexpectedly; the error was logged for whoever runs this server."


def inside(path: Path, folder: Path) -> bool:
    """Return True when ``path`` (symlinks resolved) lies inside ``folder``."""
    try:
        path.resolve(strict=True).relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
    return True


class ArticleHandlers:
    """Handlers of the Articles tab over one shared Assistant. ``upload_dir`` is where Gradio keeps uploaded files:
    the only files the upload handler reads (a client can name any path in an event's payload)."""

    def __init__(self, assistant: Assistant, upload_dir: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self.assistant = assistant
        self.upload_dir = upload_dir
        self.max_bytes = max_bytes

    # -- adding
    def upload(self, paths: Sequence[str] | None, progress: Progress | None = None) -> str:
        """Index uploaded files; return the index report as HTML (bad files are listed with their reasons)."""
        if not paths:
            return message_html("Choose one or more files first (" + ", ".join(UPLOAD_TYPES) + ").")
        reports: list[IndexReport] = []
        for i, raw in enumerate(paths):
            path = Path(raw)
            name = path.name
            step = (lambda phase, done, total, i=i, name=name:
                    progress(f"{name} ({i + 1}/{len(paths)}): {phase}", done, total)) if progress else None
            if step:
                step("reading", 0, 1)
            if not inside(path, self.upload_dir):
                log.warning("refused to index %s: not a file uploaded through the web UI", raw)
                reports.append(IndexReport(failed=[LoadError(name, "was not uploaded through this page")]))
                continue
            if path.suffix.lower() not in SUFFIXES:
                path.unlink(missing_ok=True)
                reports.append(IndexReport(failed=[LoadError(name, "has an unsupported file type "
                                                   f"{path.suffix or '(none)'!r}; supported: {', '.join(UPLOAD_TYPES)}")]))
                continue
            try:
                if path.stat().st_size > self.max_bytes:
                    raise ValueError(f"is {path.stat().st_size / 2**20:.0f} MB, larger than the "
                                     f"{self.max_bytes / 2**20:.0f} MB limit")
                data = path.read_bytes()
                if not data.strip():
                    raise ValueError("is empty")
                text, _ = decode_text(data)
            except (NotTextError, ValueError) as exc:
                reports.append(IndexReport(failed=[LoadError(name, str(exc))]))
                continue
            except OSError as exc:
                reports.append(IndexReport(failed=[LoadError(name, f"cannot be read: {exc.strerror or exc}")]))
                continue
            finally:
                path.unlink(missing_ok=True)  # read once: the upload is not kept in Gradio's cache
            try:
                reports.append(self.assistant.index_text(text, name, source="upload", progress=step))
            except Exception as exc:  # noqa: BLE001 - shown as a plain message, logged when unexpected
                if not isinstance(exc, (IndexBusyError, StoreError)):
                    log.exception("indexing upload %s failed", name)
                return message_html(write_failure(exc))
        files = f"{len(paths)} file{'s' if len(paths) != 1 else ''}"
        return report_html(merge(reports), f"indexed {files}")

    def paste(self, title: str, outlet: str, author: str, date: str, url: str, body: str,
              progress: Progress | None = None) -> str:
        """Index one pasted article with its metadata; return the report, or a message naming a bad field."""
        title, outlet, author, date, url = (str(v or "").strip() for v in (title, outlet, author, date, url))
        body = str(body or "").strip()
        problems = []
        if not body:
            problems.append("Article text: paste the article's text")
        if not title:
            problems.append("Title: give the article a title")
        if date and parse_date(date) is None:
            problems.append(f"Date: {date!r} is not a date (use YYYY-MM-DD)")
        if url and not safe_url(url):
            problems.append(f"URL: {url!r} is not an http:// or https:// link")
        if problems:
            return message_html("Not indexed. " + "; ".join(problems) + ".")
        record = {"title": title, "body": body, "source": outlet or None, "author": author or None,
                  "published_at": date or None, "url": url or None}
        try:
            report = self.assistant.index_text(json.dumps(record), "pasted-article.json", source="upload",
                                               progress=progress)
        except Exception as exc:  # noqa: BLE001
            if not isinstance(exc, (IndexBusyError, StoreError)):
                log.exception("indexing a pasted article failed")
            return message_html(write_failure(exc))
        return report_html(report.as_dict(), f"indexed “{title}”")

    # -- listing and deleting
    def listing(self, text: str = "") -> tuple[list[list], list[str], str]:
        """Return (table rows, their article ids, a caption) for the articles matching ``text``."""
        total, rows = self.assistant.articles(text=(text or "").strip(), limit=LIST_LIMIT)
        table = [[r.title, r.source or "", r.author or "", (r.published_at or "")[:10], r.n_chunks] for r in rows]
        if not total:
            caption = "No article matches." if text else "The index is empty: upload files or paste an article."
        elif total > len(rows):
            caption = f"Showing the newest {len(rows)} of {total:,} matching articles; search to narrow."
        else:
            caption = f"{total:,} article{'s' if total != 1 else ''}" + (" match." if text else " indexed.")
        return table, [r.id for r in rows], caption

    def describe(self, article_id: str | None) -> str:
        """Return a one-line description of the selected article ('' when none)."""
        row = self.assistant.article(article_id) if article_id else None
        if row is None:
            return "Select an article in the list to delete it."
        bits = [row.source, row.author, (row.published_at or "")[:10], f"{row.n_chunks} chunks"]
        return md_text(f"Selected: “{row.title}” ({', '.join(b for b in bits if b)})")  # article data: untrusted

    def delete(self, article_id: str | None) -> str:
        """Delete the article; return a notice saying what happened."""
        row = self.assistant.article(article_id) if article_id else None
        if row is None:
            return message_html("Select an article in the list first.", "info")
        try:
            deleted = self.assistant.delete_article(row.id)
        except Exception as exc:  # noqa: BLE001
            if not isinstance(exc, (IndexBusyError, StoreError)):
                log.exception("deleting %s failed", row.id)
            return message_html(write_failure(exc))
        if not deleted:
            return message_html(f"“{row.title}” was already deleted.", "info")
        return message_html(f"Deleted “{row.title}”: it is no longer searched or cited.", "info")
