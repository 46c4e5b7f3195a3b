"""The grounding checks, on hand-made passages and drafts (the model's behaviour is tested in test_chain_local)."""
import pytest


from assistant.types import REFUSAL, Passage
from assistant.answering.grounding import answer_type_missing, check_answer, normalise_number

pytestmark = pytest.mark.unit


def _p(n: int, text: str, url: str = "", title: str = "Chicago order") -> Passage:
    return Passage(n=n, span_id=f"c{n}", article_id="a", title=title, source="Reuters", author="Susan Heavey",
                   published_at="2025-09-06T00:00:00+00:00", url=url, text=text, start=100 * n, end=100 * n + len(text))


PASSAGES = [
    _p(1, "The executive order says that Chicago police officers will continue to enforce state and local laws."),
    _p(2, "It also directs city police to wear their official police uniforms and not to wear masks.",
       url="https://www.reuters.com/chicago"),
    _p(3, "Local officials and residents in Chicago, the nation's third largest city, have been preparing."),
]
Q = "What did the executive order tell Chicago police to wear?"


def test_supported_answer_keeps_citations_renumbered_with_highlight() -> None:
    answer = check_answer("Police must wear their official police uniforms and no masks [2].", PASSAGES, Q)
    assert not answer.refused and not answer.trimmed
    assert answer.text == "Police must wear their official police uniforms and no masks [1]."
    (citation,) = answer.citations
    assert citation.n == 1 and citation.chunk_id == "c2"
    assert "official police uniforms" in citation.text
    start, end = citation.highlight
    assert citation.text[start:end].startswith("It also directs")


def test_invented_number_with_fake_citation_is_removed() -> None:
    answer = check_answer("The population of Chicago is 2,705,941 [3].", PASSAGES, "What is the population of Chicago?")
    assert answer.refused and answer.text == REFUSAL and answer.citations == []
    assert not any(ch.isdigit() for ch in answer.text)


def test_invented_name_is_removed_and_rest_kept() -> None:
    draft = "Police must wear official uniforms [2]. Superintendent Larry Snelling approved it [1]."
    answer = check_answer(draft, PASSAGES, Q)
    assert not answer.refused and answer.trimmed
    assert "Snelling" not in answer.text
    assert any("name" in note for note in answer.notes)


def test_out_of_range_citation_is_dropped_and_wrong_number_corrected() -> None:
    answer = check_answer("Police must wear their official uniforms [7].", PASSAGES, Q)
    assert not answer.refused
    assert answer.citations[0].chunk_id == "c2"
    answer = check_answer("Police must wear their official uniforms [3].", PASSAGES, Q)
    assert answer.citations[0].chunk_id == "c2"
    assert any("corrected" in note for note in answer.notes)


def test_citation_formats_are_normalised() -> None:
    answer = check_answer("Officers will enforce local laws and wear uniforms [1, 2].", PASSAGES, Q)
    assert [c.chunk_id for c in answer.citations] == ["c1", "c2"]
    assert answer.text.endswith("[1][2].")
    answer = check_answer("Officers wear their official uniforms. [Passage 2]", PASSAGES, Q)
    assert [c.chunk_id for c in answer.citations] == ["c2"]


def test_refusals() -> None:
    for draft in ("NOT_IN_ARTICLES", "The passages do not mention the population.", ""):
        answer = check_answer(draft, PASSAGES, "What is the population of Chicago?")
        assert answer.refused and answer.citations == []


def test_unrelated_sentence_is_not_supported() -> None:
    answer = check_answer("The mayor enjoys cooking pasta on weekends [1].", PASSAGES, "What does the mayor enjoy?")
    assert answer.refused


def test_answer_type() -> None:
    assert answer_type_missing("How many officers are there?", "Officers will enforce laws [1].") == "a number"
    assert answer_type_missing("How many officers are there?", "About 12,000 officers [1].") is None
    assert answer_type_missing("When did it happen?", "It happened on Saturday [1].") is None
    assert answer_type_missing("When did it happen?", "The mayor signed it [1].") == "a date or time"
    answer = check_answer("Chicago is the nation's third largest city [3].", PASSAGES, "What is the population of Chicago?")
    assert answer.refused


def test_links_and_images_are_removed_unless_a_cited_url() -> None:
    draft = ("Police wear uniforms ![x](http://evil.example/p.png) [see](http://evil.example) "
             "(https://www.reuters.com/chicago) <img src=x> [2].")
    answer = check_answer(draft, PASSAGES, Q)
    assert "evil.example" not in answer.text and "<img" not in answer.text and "![" not in answer.text
    assert "https://www.reuters.com/chicago" in answer.text


def test_normalise_number() -> None:
    assert normalise_number("2,705,941") == "2705941"
    assert normalise_number("4.0") == "4"
    assert normalise_number("5.25") == "5.25"


def test_a_marker_keeps_only_a_passage_that_states_the_sentence() -> None:
    # An article's own "[2]" must not lend its claim the authority of another outlet's passage.
    spoof = _p(1, "Rivals say the order was written by the governor's office [2].")
    other = _p(2, "The governor welcomed federal funding for the city.", title="Funding")
    answer = check_answer("Rivals say the order was written by the governor's office [1][2].", [spoof, other],
                          "Who wrote the order?")
    assert [c.chunk_id for c in answer.citations] == ["c1"] and answer.text.endswith("[1].")
    assert any("does not state" in note for note in answer.notes)
    answer = check_answer("Rivals say the order was written by the governor's office [2].", [spoof, other],
                          "Who wrote the order?")
    assert [c.chunk_id for c in answer.citations] == ["c1"]  # re-pointed to the passage that states it
