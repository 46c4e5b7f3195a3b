"""The claim check (code part) on the claims set: true claims it passes, false ones it catches; the model's narrow
verification on top is measured in benchmarks/claim_check.py (RESULTS.md)."""

import json

import pytest

from assistant.answering.claims import check_claim, number_tokens, speakers
from tests.conftest import DATA

pytestmark = pytest.mark.unit
CLAIMS = json.loads((DATA / "claims.json").read_text())


def test_the_set_is_large_and_balanced() -> None:
    assert len(CLAIMS) >= 100
    assert 0.4 < sum(c["label"] for c in CLAIMS) / len(CLAIMS) < 0.6


def test_code_check_on_the_claims_set() -> None:
    true = [c for c in CLAIMS if c["label"]]
    false = [c for c in CLAIMS if not c["label"]]
    passed = sum(check_claim(c["claim"], c["passage"]).ok for c in true)
    caught = sum(not check_claim(c["claim"], c["passage"]).ok for c in false)
    assert passed / len(true) >= 0.85, passed  # measured 88 of 102
    assert caught / len(false) >= 0.46, caught  # measured 48 of 101; the model check catches most of the rest


@pytest.mark.parametrize("claim,passage,reason", [
    ("Reporter Susan Heavey said Chicago will use the courts.", '"We will use the courts if needed," Johnson said.',
     "the name 'susan'"),
    ("Police will assist federal officers with arrests.",
     "Police will not assist with any patrols, arrests or other actions alongside federal officers.", "negation"),
    ("The team scored four points.", "The team scored three points in the final minute.", "number 4"),
    ("The Eagles beat the Cowboys on Sunday.", "The Cowboys beat the Eagles on Sunday.", "doing what the claim says"),
])
def test_false_claims_made_of_the_passages_words(claim: str, passage: str, reason: str) -> None:
    verdict = check_claim(claim, passage)
    assert not verdict.ok and reason in verdict.reason


def test_numbers_and_speakers() -> None:
    assert number_tokens("three goals, the 3rd time, $1,200 and 2.0 points") >= {"3", "3rd", "1200", "2"}
    assert speakers('"It is over," said Jonathan Hurst, co-founder of Agility Robotics.') == {"hurst"}
    assert speakers("Michael Hirson of 22V Research said talks will go on.") == {"hirson"}
