import pytest
from assistant.text.normalise import normalise_text, parse_date

pytestmark = pytest.mark.unit


def test_nfc_control_and_zero_width_characters() -> None:
    decomposed = "Cafe\u0301"  # e + combining acute
    text = f"{decomposed}\u200b owners\x07 met\u00a0 here.\r\n\r\n\r\nNext\u00ad line\ufeff"
    assert normalise_text(text) == "Café owners met here.\n\nNext line"


def test_parse_date_forms() -> None:
    assert parse_date("2023-09-28T12:00:00+00:00").isoformat() == "2023-09-28T12:00:00+00:00"
    assert parse_date("September 6, 2025").isoformat() == "2025-09-06T00:00:00+00:00"
    assert parse_date(1700000000).year == 2023
    assert parse_date("not a date") is None
    assert parse_date("") is None
