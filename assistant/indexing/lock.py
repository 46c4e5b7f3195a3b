"""One writer per index: an exclusive OS-level lock on ``<index>/write.lock``, refused at once when held.

The lock file also says who holds it (pid, command, and the URL of a server), so the second writer gets a message
that says what to do. The OS releases the lock when the holder dies, even by SIGKILL.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from pathlib import Path
from types import TracebackType

from ..errors import IndexBusy


def read_holder(index_dir: Path) -> dict:
    """Return what the lock file says about its holder ({} when unknown)."""
    try:
        return json.loads((index_dir / "write.lock").read_text() or "{}")
    except (OSError, ValueError):
        return {}


class IndexLock:
    """Exclusive, non-blocking, re-entrant within one process (a server holds it while its threads index)."""

    def __init__(self, index_dir: Path, holder: str = "assistant index", url: str | None = None) -> None:
        self.path = index_dir / "write.lock"
        self.info = {"pid": os.getpid(), "holder": holder, "url": url}
        self._fd: int | None = None
        self._depth = 0
        self._mutex = threading.RLock()

    def acquire(self) -> None:
        """Take the lock. Raises IndexBusy naming the holder when another process has it."""
        with self._mutex:
            if self._depth:
                self._depth += 1
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                holder = read_holder(self.path.parent)
                who = f"{holder.get('holder', 'another process')} (pid {holder.get('pid', '?')})"
                hint = (
                    f"; send the work to that server (`assistant index --server {holder['url']} PATH`) or stop it first"
                    if holder.get("url") else "; wait for it to finish"
                )
                raise IndexBusy(f"the index at {self.path.parent} is being written by {who}{hint}", holder) from None
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(self.info).encode())
            os.fsync(fd)
            self._fd = fd
            self._depth = 1

    def release(self) -> None:
        with self._mutex:
            if not self._depth:
                return
            self._depth -= 1
            if self._depth == 0 and self._fd is not None:
                os.ftruncate(self._fd, 0)
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> IndexLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
