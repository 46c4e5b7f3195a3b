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
    assert passed / len(true) >= 0.92, passed  # measured 95 of 102
    assert caught / len(false) >= 0.47, caught  # measured 49 of 101; the model check catches most of the rest


@pytest.mark.parametrize("claim,passage,reason", [
    ("Reporter Susan Heavey said Chicago will use the courts.", '"We will use the courts if needed," Johnson said.',
     "the name 'susan'"),
    ("Police will assist federal officers with arrests.",
     "Police will not assist with any patrols, arrests or other actions alongside federal officers.", "negation"),
    ("The team scored four points.", "The team scored three points in the final minute.", "number 4"),
    ("The Eagles beat the Cowboys on Sunday.", "The Cowboys beat the Eagles on Sunday.", "doing what the claim says"),
    ("Chicago is the second largest city in the U.S.", "Chicago, the nation's third largest U.S. city, prepared.",
     "number 2nd"),  # "second" before a superlative is a rank
    ("Chicago is the third largest city in the United Kingdom.", "Chicago is the third largest U.S. city.",
     "the name 'kingdom'"),
    ("Google released the full model.", "But it didn't release the full model, Gemini Ultra, only Gemini Pro.",
     "negation"),
])
def test_false_claims_made_of_the_passages_words(claim: str, passage: str, reason: str) -> None:
    verdict = check_claim(claim, passage)
    assert not verdict.ok and reason in verdict.reason


@pytest.mark.parametrize("claim,passage", [
    ("Silver believes most software companies do not really want to become fintechs.",
     "In his view, most software companies don’t actually want to be fintechs."),  # curly apostrophe
    ("The Swans did not win a game in 2022.", "After a winless campaign in 2022, the Swans have been competitive."),
    ("The spots in Germany have not yet been named.", "It will launch in yet-to-be-named spots in Germany."),
    ("Robertson hurt his shoulder on international duty.",
     "The Reds are without Andy Robertson after the left-back hurt his shoulder on international duty."),
    ("The College Football Playoff will grow to 12 teams in 2024.",
     "Before it expands to 12 teams in 2024, the CFP committee had a difficult decision."),
    ("David Marr describes the book as an act of atonement.",
     "David Marr has written about race all his life. He describes the book as an act of atonement."),
    ("It has been ten years since the flu led to her loss.", "This year marks a decade since the flu led to her loss."),
    ("Chicago is the third largest city in the United States.",
     "Trump threatened Democrat-led U.S. cities. Chicago, the nation's third largest city, is preparing."),  # "U.S."
    ("Google released Gemini Pro instead of the full model.",
     "But it didn't release the full model, Gemini Ultra — only a lite version called Gemini Pro."),
    ("Rather than soldiers, the fence relied on sensors.", "The fence relied on sensors, not on soldiers."),
])
def test_true_claims_in_other_words(claim: str, passage: str) -> None:
    verdict = check_claim(claim, passage)
    assert verdict.ok, verdict.reason


def test_numbers_and_speakers() -> None:
    assert number_tokens("three goals, the 3rd time, $1,200 and 2.0 points") >= {"3", "3rd", "1200", "2"}
    assert speakers('"It is over," said Jonathan Hurst, co-founder of Agility Robotics.') == {"hurst"}
    assert speakers("Michael Hirson of 22V Research said talks will go on.") == {"hirson"}
