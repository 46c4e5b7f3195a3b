import pytest
from assistant.indexing.chunking import Chunker, ChunkingConfig, article_id, make_token_counter, words_token_counter
from assistant.indexing.embedding import default_model_dir
from assistant.loading import load_source
from tests.conftest import CORPUS, SAMPLE, needs_multihop


@pytest.mark.unit
def test_chunks_keep_whole_sentences_offsets_and_limit() -> None:
    counter = make_token_counter(default_model_dir())
    chunker = Chunker(ChunkingConfig(max_tokens=60, overlap_tokens=0, pack=True), counter)
    body = load_source(SAMPLE).articles[0].body
    chunks = chunker.chunk(body, "a1")
    assert len(chunks) > 3
    for c in chunks:
        assert body[c.start:c.end] == c.text
        assert counter([c.text])[0] <= 60
        assert c.text[-1] in '.?!"”' or c.end == len(body)
    assert [c.id for c in chunks] == [f"a1-{i:04d}" for i in range(len(chunks))]
    # nothing lost: every sentence of the body is in some chunk
    joined = " ".join(c.text for c in chunks)
    assert joined.replace("\n", " ").split() == body.replace("\n", " ").split()


@pytest.mark.unit
def test_overlap_repeats_trailing_sentences() -> None:
    chunker = Chunker(ChunkingConfig(max_tokens=12, overlap_tokens=6, pack=True), words_token_counter)
    body = "One two three. Four five six. Seven eight nine. Ten eleven twelve. End here now."
    chunks = chunker.chunk(body, "x")
    assert len(chunks) >= 2
    assert chunks[1].start < chunks[0].end  # overlapping
    assert chunks[-1].end == len(body)


@pytest.mark.unit
def test_overlong_sentence_is_cut_at_spaces() -> None:
    counter = make_token_counter(default_model_dir())
    chunker = Chunker(ChunkingConfig(max_tokens=20), counter)
    body = " ".join(f"word{i}" for i in range(200)) + "."
    chunks = chunker.chunk(body, "x")
    assert all(counter([c.text])[0] <= 20 for c in chunks)
    assert " ".join(c.text for c in chunks) == body


@pytest.mark.unit
def test_default_stores_one_sentence_per_chunk() -> None:
    counter = make_token_counter(default_model_dir())
    chunker = Chunker(ChunkingConfig(), counter)
    body = "First sentence here. Second one follows! Then " + " ".join(["word"] * 300) + "."
    chunks = chunker.chunk(body, "a")
    assert [c.text for c in chunks[:2]] == ["First sentence here.", "Second one follows!"]
    assert all(0 < c.tokens <= ChunkingConfig().max_tokens for c in chunks)
    assert all(counter([c.text])[0] == c.tokens for c in chunks)
    assert len(chunks) >= 5  # the 300-word sentence is cut


@pytest.mark.unit
def test_ids_are_content_addressed() -> None:
    assert article_id("body", "v1") == article_id("body", "v1")
    assert article_id("body", "v1") != article_id("body!", "v1")
    assert article_id("body", "v1") != article_id("body", "v2")


@needs_multihop
def test_corpus_chunks_within_limit() -> None:
    counter = make_token_counter(default_model_dir())
    config = ChunkingConfig()
    chunker = Chunker(config, counter)
    articles = load_source(CORPUS).articles[:40]
    for a in articles:
        chunks = chunker.chunk(a.body, "x")
        assert max(counter([c.text for c in chunks])) <= config.max_tokens
