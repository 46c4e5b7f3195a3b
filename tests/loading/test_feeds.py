import pytest
import json
from pathlib import Path

from assistant.loading import load_source, load_text
from tests.conftest import CORPUS, needs_multihop


@needs_multihop
def test_multihop_corpus_loads_as_it_is() -> None:
    result = load_source(CORPUS)
    assert not result.errors
    assert len(result.articles) == 609
    first = result.articles[0]
    assert first.title == "200+ of the best deals from Amazon's Cyber Monday sale"
    assert first.source == "Mashable" and first.author is None
    assert first.published_at.isoformat() == "2023-11-27T08:45:59+00:00"
    assert first.url == "https://mashable.com/article/cyber-monday-deals-amazon-2023"
    assert len({a.key for a in result.articles}) == 609


@pytest.mark.unit
def test_jsonl_broken_lines_are_errors_and_good_lines_load(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    good = {"title": "A", "body": "Alpha text here.", "source": "X", "published_at": "2024-01-01"}
    feed.write_text("\n".join([json.dumps(good), "{not json", json.dumps({"title": "no body"}),
                               json.dumps(good | {"title": "B", "body": "Beta text."})]))
    result = load_source(feed)
    assert [a.title for a in result.articles] == ["A", "B"]
    assert [e.path for e in result.errors] == [f"{feed}:2", f"{feed}:3"]
    assert "not valid JSON" in result.errors[0].error
    assert "no article text" in result.errors[1].error


@pytest.mark.unit
def test_json_aliases_and_wrong_fields() -> None:
    doc = {"articles": [
        {"headline": "H", "text": "Some text.", "outlet": {"name": "O"}, "authors": ["A1", "A2"], "date": "2024-02-02"},
        {"title": "T", "body": 42},
        "a string",
    ]}
    result = load_text(json.dumps(doc), "feed.json")
    (article,) = result.articles
    assert (article.title, article.source, article.author) == ("H", "O", "A1, A2")
    assert [e.path for e in result.errors] == ["feed.json item 2", "feed.json item 3"]
    assert "not text" in result.errors[0].error and "not an object" in result.errors[1].error


@pytest.mark.unit
def test_invalid_json_document() -> None:
    result = load_text("{oops", "bad.json")
    assert not result.articles and "not valid JSON" in result.errors[0].error


@pytest.mark.unit
def test_folder_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("First article text.")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("# B\n\nSecond article text.")
    (tmp_path / "notes.csv").write_text("ignored")
    (tmp_path / ".hidden.txt").write_text("ignored too")
    assert sorted(a.title for a in load_source(tmp_path).articles) == ["B", "First article text"]
    missing = load_source(tmp_path / "nope")
    assert missing.errors[0].error == "does not exist"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no readable article" in load_source(empty).errors[0].error
