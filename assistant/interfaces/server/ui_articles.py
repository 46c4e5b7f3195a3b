"""The Articles tab's logic: upload or paste articles, the index report, the searchable list, deletion, stats.

Every writer goes through the facade (one Indexer: process lock + thread mutex), and the UI runs these handlers in
their own Gradio concurrency group of one, so indexing never blocks chat and never runs two writers at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from ...assistant import Assistant
from ...errors import AssistantError, IndexBusy, StoreUnavailable
from ...types import Failure, IndexReport
from .ui_render import followed_html, md_text, message_html, report_html

log = logging.getLogger(__name__)

UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".json", ".jsonl"]
LIST_LIMIT = 200
COLUMNS = ["Title", "Outlet", "Author", "Published", "Sentences"]
FIELD_LABELS = {"body": "Article text", "title": "Title", "published_at": "Date", "url": "URL", "source": "Outlet",
                "author": "Author"}
Progress = Callable[[str, int, int], None]


def write_failure(exc: BaseException) -> str:
    """Return a plain message for a failed write."""
    if isinstance(exc, IndexBusy):
        return f"The index is busy: {exc}. Try again when it is done."
    if isinstance(exc, StoreUnavailable):
        return f"The index could not be written: {exc}"
    if isinstance(exc, AssistantError):
        return f"Not indexed: {exc}"
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

    def __init__(self, assistant: Assistant, upload_dir: Path) -> None:
        self.assistant = assistant
        self.upload_dir = upload_dir

    # -- adding
    def upload(self, paths: Sequence[str] | None, progress: Progress | None = None) -> str:
        """Index uploaded files; return the index report as HTML (bad files are listed with their reasons)."""
        if not paths:
            return message_html("Choose one or more files first (" + ", ".join(UPLOAD_TYPES) + ").")
        files: list[tuple[str, bytes]] = []
        refused: list[Failure] = []
        for raw in paths:
            path = Path(raw)
            if not inside(path, self.upload_dir):
                log.warning("refused to index %s: not a file uploaded through the web UI", raw)
                refused.append(Failure(path.name, "was not uploaded through this page"))
                continue
            try:
                files.append((path.name, path.read_bytes()))
            except OSError as exc:
                refused.append(Failure(path.name, f"cannot be read: {exc.strerror or exc}"))
            finally:
                path.unlink(missing_ok=True)  # read once: the upload is not kept in Gradio's cache
        try:
            report = self.assistant.index_files(files, source="upload", progress=progress) if files else IndexReport()
        except Exception as exc:  # noqa: BLE001 - shown as a plain message, logged when unexpected
            if not isinstance(exc, AssistantError):
                log.exception("indexing uploads failed")
            return message_html(write_failure(exc))
        report.failed[:0] = refused
        return report_html(report, f"indexed {len(paths)} file{'s' if len(paths) != 1 else ''}")

    def paste(self, title: str, outlet: str, author: str, date: str, url: str, body: str,
              progress: Progress | None = None) -> str:
        """Index one pasted article with its metadata; return the report, or a message naming every bad field."""
        title, outlet, author, date, url = (str(v or "").strip() for v in (title, outlet, author, date, url))
        record = {"title": title, "body": str(body or "").strip(), "source": outlet, "author": author,
                  "published_at": date, "url": url}
        problems = [] if title else [("title", "give the article a title")]
        problems += self.assistant.article_problems(record)
        if problems:
            return message_html("Not indexed. " + "; ".join(f"{FIELD_LABELS.get(f, f)}: {m}" for f, m in problems)
                                + ".")
        try:
            report = self.assistant.add_articles([record], source="upload", field="article", progress=progress)
        except Exception as exc:  # noqa: BLE001
            if not isinstance(exc, AssistantError):
                log.exception("indexing a pasted article failed")
            return message_html(write_failure(exc))
        return report_html(report, f"indexed “{title}”")

    # -- listing and deleting
    def listing(self, text: str = "") -> tuple[list[list], list[str], str]:
        """Return (table rows, their article ids, a caption) for the articles matching ``text``."""
        total, rows = self.assistant.articles(text=(text or "").strip(), limit=LIST_LIMIT)
        table = [[r.title, r.source or "", r.author or "", r.published_iso[:10], r.chunks] for r in rows]
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
        bits = [row.source, row.author, row.published_iso[:10], f"{row.chunks} sentences"]
        return md_text(f"Selected: “{row.title}” ({', '.join(b for b in bits if b)})")  # article data: untrusted

    def delete(self, article_id: str | None) -> str:
        """Delete the article; return a notice saying what happened."""
        row = self.assistant.article(article_id) if article_id else None
        if row is None:
            return message_html("Select an article in the list first.", "info")
        try:
            deleted = self.assistant.delete_article(row.id)
        except Exception as exc:  # noqa: BLE001
            if not isinstance(exc, AssistantError):
                log.exception("deleting %s failed", row.id)
            return message_html(write_failure(exc))
        if not deleted:
            return message_html(f"“{row.title}” was already deleted.", "info")
        return message_html(f"Deleted “{row.title}”: it is no longer searched or cited.", "info")

    # -- followed feeds and sites
    def followed(self) -> str:
        """Return the followed sources as HTML (URL, last poll, new articles, errors)."""
        return followed_html(self.assistant.followed_sources())

    def follow(self, url: str, progress: Progress | None = None) -> tuple[str, str]:
        """Follow ``url`` and poll it at once; return (the report or a message, the followed list)."""
        url = str(url or "").strip()
        if not url:
            return message_html("Give the URL of an RSS or Atom feed, a news sitemap or an article page."), \
                self.followed()
        try:
            followed = self.assistant.follow_source(url)
            report = self.assistant.index([followed.url], progress)
        except Exception as exc:  # shown as a plain message, logged when unexpected
            if not isinstance(exc, AssistantError):
                log.exception("following %s failed", url[:200])
            return message_html(write_failure(exc)), self.followed()
        return report_html(report, f"following {followed.url}"), self.followed()

    def unfollow(self, url: str) -> tuple[str, str]:
        """Stop following ``url`` (its articles stay); return (a notice, the followed list)."""
        url = str(url or "").strip()
        if not url:
            return message_html("Give the followed URL to remove.", "info"), self.followed()
        try:
            self.assistant.unfollow_source(url)
        except Exception as exc:
            if not isinstance(exc, AssistantError):
                log.exception("unfollowing %s failed", url[:200])
            return message_html(str(exc) if isinstance(exc, AssistantError) else write_failure(exc)), \
                self.followed()
        return message_html(f"No longer following {url}; its articles stay indexed.", "info"), self.followed()

    def poll(self, progress: Progress | None = None) -> tuple[str, str]:
        """Poll every followed source now; return (the report, the followed list)."""
        try:
            report = self.assistant.poll(progress)
        except Exception as exc:
            if not isinstance(exc, AssistantError):
                log.exception("polling the followed sources failed")
            return message_html(write_failure(exc)), self.followed()
        if not report.sources:
            return message_html("No followed sources to poll.", "info"), self.followed()
        return report_html(report, f"polled {len(report.sources)} source{'s' if len(report.sources) != 1 else ''}"), \
            self.followed()
