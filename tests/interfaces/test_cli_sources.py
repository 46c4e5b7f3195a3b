"""`assistant sources add|list|remove` and `assistant index` (no path, or a URL) as users run them: a real process,
a real HTTP server on 127.0.0.1, the real store and embedding model."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sources.sitegen import build_hostile_site, serve

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # every test starts the command


def run(*args: str, allow_private: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
    # `python -m` from this checkout, so the command runs this checkout's code (not an installed copy).
    env = os.environ | {"PYTHONPATH": str(REPO), "ASSISTANT_FETCH_MIN_DELAY": "0"}
    if allow_private:
        env["ASSISTANT_FETCH_ALLOW_PRIVATE"] = "true"
    return subprocess.run([sys.executable, "-m", "assistant.interfaces.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=REPO, check=False)


@pytest.fixture
def site() -> Iterator[str]:
    with serve(build_hostile_site()) as base:
        yield base


def test_follow_poll_list_remove(site: str) -> None:
    feed = f"{site}/feeds/good.xml"
    added = run("sources", "add", "--json", feed)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)[0]["url"] == feed

    polled = run("index", "--json")  # no path: polls the followed sources
    assert polled.returncode == 0, polled.stderr
    report = json.loads(polled.stdout)
    assert report["added"] == 1 and report["chunks_embedded"] > 0
    (source,) = report["sources"]
    assert source["url"] == feed and source["kind"] == "rss" and source["added"] == 1

    again = json.loads(run("index", "--json").stdout)
    assert again["chunks_embedded"] == 0 and again["unchanged"] == 1 and again["sources"][0]["not_modified"] == 2

    listed = run("sources", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert row["url"] == feed and row["articles"] == 1 and row["last_poll"] and row["last_errors"] == []

    removed = run("sources", "remove", feed)
    assert removed.returncode == 0 and "no longer following" in removed.stdout
    assert json.loads(run("sources", "list", "--json").stdout) == []


def test_user_mistakes_are_one_clear_line(site: str) -> None:
    bad = run("sources", "add", "ftp://example.org/feed")
    assert bad.returncode != 0 and "ftp://example.org/feed" in bad.stderr and "Traceback" not in bad.stderr
    gone = run("sources", "remove", f"{site}/never-followed.xml")
    assert gone.returncode != 0 and "not a followed source" in gone.stderr and "Traceback" not in gone.stderr
    refused = run("index", "--json", f"{site}/ok.html", allow_private=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    (failure,) = json.loads(refused.stdout)["failed"]
    assert failure["path"] == f"{site}/ok.html" and "127.0.0.1" in failure["error"]
