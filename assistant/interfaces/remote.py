"""``assistant index --server URL PATH...``: read the files here and send them to a running server to index.

The server owns its index (one writer), so the files travel, not the paths: this works with a server on another
machine too. Each file is sent under its absolute path as its name, so sending an edited file again replaces its
articles. Files removed from a folder are not removed from the index this way (DELETE /api/articles/{id} does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from ..assistant import article_files
from ..types import Failure, IndexReport

BATCH_BYTES = 32 * 2**20  # per request; the server takes up to 100 MB
BATCH_FILES = 500
Progress = Callable[[str, int, int], None]


class RemoteIndexError(RuntimeError):
    """The server could not be reached or refused the request; the message says what to do."""


def collect(paths: list[Path]) -> tuple[list[Path], list[Failure]]:
    """Return the files to send and the inputs that cannot be read here (missing paths, unreadable files)."""
    files: list[Path] = []
    failed: list[Failure] = []
    for raw in paths:
        path = raw.expanduser().resolve()
        if not path.exists():
            failed.append(Failure(str(path), "does not exist"))
        elif not (path.is_file() or path.is_dir()):
            failed.append(Failure(str(path), "is neither a file nor a folder"))
        else:
            files.extend(article_files(path))
    return files, failed


def batches(files: list[Path], failed: list[Failure]) -> Iterator[list[tuple[str, bytes]]]:
    """Yield ``(name, content)`` batches of at most BATCH_BYTES / BATCH_FILES; unreadable files go to ``failed``."""
    batch: list[tuple[str, bytes]] = []
    size = 0
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            failed.append(Failure(str(path), f"cannot be read: {exc.strerror or exc}"))
            continue
        if batch and (size + len(data) > BATCH_BYTES or len(batch) >= BATCH_FILES):
            yield batch
            batch, size = [], 0
        batch.append((str(path), data))
        size += len(data)
    if batch:
        yield batch


def _error_of(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error") or response.text)
    except ValueError:
        return response.text[:300] or response.reason_phrase


def send(url: str, paths: list[Path], api_key: str | None, progress: Progress | None = None,
         timeout: float = 3600) -> IndexReport:
    """Send the files under ``paths`` to the server at ``url``; return the merged index report.

    Raises RemoteIndexError when the server cannot be reached, wants a key, or answers with a server error."""
    files, failed = collect(paths)
    total = len(files)
    report = IndexReport()
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    sent = 0
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=httpx.Timeout(timeout, connect=10)) as client:
        for batch in batches(files, failed):
            if progress:
                progress("sending", sent, total)
            try:
                response = client.post("/api/articles", files=[("file", (name, data)) for name, data in batch])
            except httpx.HTTPError as exc:
                raise RemoteIndexError(f"cannot reach the server at {url}: {exc}") from None
            sent += len(batch)
            if response.status_code == 401:
                raise RemoteIndexError(f"the server at {url} wants an API key: set ASSISTANT_API_KEY to its key "
                                       f"({_error_of(response)})")
            if response.status_code == 422:  # nothing in this batch could be indexed: every file is listed
                items = response.json().get("errors") or [{"field": batch[0][0], "message": _error_of(response)}]
                report.failed += [Failure(i["field"], i["message"]) for i in items]
                continue
            if response.status_code != 200:
                raise RemoteIndexError(f"the server at {url} answered {response.status_code}: {_error_of(response)}")
            part = response.json()
            report = report.merge(IndexReport.model_validate(part))
    if progress:
        progress("sending", total, total)
    report.failed[:0] = failed
    return report
