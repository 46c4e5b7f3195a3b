import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import IndexBusy
from assistant.indexing.lock import IndexLock

pytestmark = pytest.mark.unit

TRY_LOCK = """
import sys
from pathlib import Path
from assistant.errors import IndexBusy
from assistant.indexing.lock import IndexLock

try:
    IndexLock(Path(sys.argv[1])).acquire()
except IndexBusy as exc:
    print(exc)
    sys.exit(3)
"""


def test_second_process_is_refused_at_once_with_the_holder(tmp_path: Path) -> None:
    lock = IndexLock(tmp_path, holder="assistant serve", url="http://127.0.0.1:7860")
    with lock:
        result = subprocess.run([sys.executable, "-c", TRY_LOCK, str(tmp_path)], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 3
        assert "assistant serve" in result.stdout and "http://127.0.0.1:7860" in result.stdout
    result = subprocess.run([sys.executable, "-c", TRY_LOCK, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0


def test_reentrant_in_one_process(tmp_path: Path) -> None:
    lock = IndexLock(tmp_path)
    with lock, lock:
        pass
    other = IndexLock(tmp_path)
    other.acquire()
    with pytest.raises(IndexBusy):
        # a second lock object in the same process is another writer too
        IndexLock(tmp_path).acquire()
    other.release()
