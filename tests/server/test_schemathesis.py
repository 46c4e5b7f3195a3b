"""Schemathesis against the served OpenAPI schema: generated requests, valid and invalid, never get a 5xx, and every
response matches the schema (status codes, content types, bodies). Bounded: SCHEMATHESIS_EXAMPLES per operation."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.server.conftest import Server, start_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("fuzzed") / "index")
    yield running
    running.stop()


@pytest.fixture
def api_schema(fuzzed_server: Server):  # noqa: ANN201 - schemathesis' schema object
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(timeout=120)
