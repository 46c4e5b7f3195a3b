import pytest
from assistant.text.sentences import sentence_spans, split_sentences

pytestmark = pytest.mark.unit


def test_abbreviations_initials_and_quotes() -> None:
    text = ('U.S. President Donald Trump spoke. Illinois Governor J.B. Pritzker said no. "We will use the courts," '
            'Johnson said. It is No. 5 at 5 p.m. Friday. Really?')
    assert split_sentences(text) == [
        "U.S. President Donald Trump spoke.",
        "Illinois Governor J.B. Pritzker said no.",
        '"We will use the courts," Johnson said.',
        "It is No. 5 at 5 p.m. Friday.",
        "Really?",
    ]


def test_spans_are_exact_offsets_and_lines_end_sentences() -> None:
    text = "  First one. Second one\nThird line without stop\n\nFourth."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one", "Third line without stop", "Fourth."]
