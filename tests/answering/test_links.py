"""Citation links open the publisher's page at the quoted sentence (URL text fragments)."""

import pytest

from assistant.answering.links import text_fragment_link

pytestmark = pytest.mark.unit


def test_long_sentences_are_matched_by_their_first_and_last_words() -> None:
    link = text_fragment_link("https://news.example/a", "It also directs city police to wear their official police "
                              "uniforms, continue to identify themselves.")
    assert link == "https://news.example/a#:~:text=It%20also%20directs%20city,continue%20to%20identify%20themselves"


def test_short_sentences_whole_reserved_characters_encoded_page_fragment_kept() -> None:
    assert text_fragment_link("https://news.example/a#top", "A one-off, rare win & more.") == \
        "https://news.example/a#top:~:text=A%20one%2Doff%2C%20rare%20win%20%26%20more"


def test_no_link_without_an_http_url() -> None:
    assert text_fragment_link(None, "x") is None and text_fragment_link("javascript:alert(1)", "x") is None
