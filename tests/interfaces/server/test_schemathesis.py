"""Schemathesis against the served OpenAPI schema: generated requests, valid and invalid, never get a 5xx and every
response matches the schema (status codes, content types, headers, bodies, event streams), with and without the API
key. Runs the `schemathesis` CLI (its pytest plugin does not load under pytest 9), bounded by SCHEMATHESIS_EXAMPLES
examples per operation (default 25: about a minute per run here).

Every check runs except positive_data_acceptance: some values the JSON schema cannot describe are rightly refused
with a 422 naming the field (a date string that is not a date, a question of only zero-width characters, a file type
the loaders do not read, a conversation that does not end with the user's question).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.interfaces.server.conftest import start_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
EXE = str(Path(sys.executable).with_name("schemathesis"))
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "25")
KEY = "fuzzing-key-0123456789"


@pytest.mark.parametrize("keyed", [False, True], ids=["open", "with-api-key"])
def test_api_conforms_to_its_schema(tmp_path: Path, keyed: bool) -> None:
    # The fuzzer sends hundreds of wrong keys on purpose: the per-address limit (tests/security) is lifted here.
    env = {"ASSISTANT_API_KEY": KEY, "ASSISTANT_AUTH_FAILURES_PER_MINUTE": "100000"} if keyed else None
    server = start_server(tmp_path / "index", env=env)
    try:
        command = [EXE, "run", f"{server.url}/openapi.json", "--checks", "all",
                   "--exclude-checks", "positive_data_acceptance", "--max-examples", EXAMPLES, "--workers", "1",
                   "--phases", "examples,coverage,fuzzing", "--no-color"]
        if keyed:
            command += ["--header", f"Authorization: Bearer {KEY}"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path,
                                env=os.environ | {"SCHEMATHESIS_HOOKS": "tests.interfaces.server.schemathesis_hooks",
                                                  "PYTHONPATH": str(REPO)})
    finally:
        server.stop()
    report = result.stdout[-20_000:] + result.stderr[-5_000:]
    assert result.returncode == 0, report
    assert "passed" in result.stdout and "Operations:       14 selected / 14 total" in result.stdout, report
    assert "Traceback" not in server.log.read_text()
