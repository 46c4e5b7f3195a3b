"""The embedding model on onnxruntime gives the vectors sentence-transformers gives on torch: exported from the
installed weights into a fresh cache folder, compared on real sentences, one by one and in batches."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.indexing import onnx_encoder
from assistant.indexing.embedding import Embedder, resolve_model
from tests.conftest import SAMPLE

TEXTS = [line.strip() for line in SAMPLE.read_text().split(".") if len(line.split()) > 3][:40] + [
    "Who?", "Did The Verge and TechCrunch both report that the board fired Sam Altman in November 2023?", "é ü ß 中文"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Embedder, Embedder]:
    name, folder = resolve_model(None)
    cache = tmp_path_factory.mktemp("cache")
    onnx = Embedder(name, folder, batch_size=8, threads=2, onnx_dir=cache)
    torch = Embedder(name, folder, batch_size=8, threads=2)
    onnx.encode(["warm up"])
    assert onnx.runtime == "onnx" and torch.dimension == onnx.dimension == 384 and torch.runtime == "torch"
    assert list((cache / "onnx").glob("*.onnx"))  # exported once, into the given cache folder
    return onnx, torch


def test_onnx_vectors_equal_torch_vectors(pair: tuple[Embedder, Embedder]) -> None:
    onnx, torch = pair
    together = onnx.encode(TEXTS)
    assert together.dtype == np.float32 and together.shape == (len(TEXTS), 384)
    assert np.abs(together - torch.encode(TEXTS)).max() < 1e-5
    alone = np.vstack([onnx.encode([t]) for t in TEXTS[-3:]])  # no padding: the same vectors
    assert np.abs(alone - together[-3:]).max() < 1e-5
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    long = " ".join(TEXTS) * 3  # past the model's 256 tokens: truncated as sentence-transformers truncates
    assert np.abs(onnx.encode([long]) - torch.encode([long])).max() < 1e-5


def test_a_second_process_reuses_the_export(pair: tuple[Embedder, Embedder]) -> None:
    onnx, _ = pair
    again = Embedder(onnx.name, onnx.model_dir, onnx_dir=onnx.onnx_dir)
    path = onnx_encoder.graph_path(onnx.model_dir, onnx.onnx_dir)
    stamp = path.stat().st_mtime_ns
    assert np.abs(again.encode(TEXTS[:3]) - onnx.encode(TEXTS[:3])).max() < 1e-6
    assert again.runtime == "onnx" and again._model is None and path.stat().st_mtime_ns == stamp


def test_other_models_and_broken_exports_stay_on_torch(tmp_path: Path) -> None:
    name, folder = resolve_model(None)
    assert onnx_encoder.supported(folder)
    other = tmp_path / "cls-model"
    other.mkdir()
    for f in folder.iterdir():
        if f.is_file():
            (other / f.name).symlink_to(f)
    (other / "1_Pooling").mkdir()
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    pooling |= {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}
    (other / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert not onnx_encoder.supported(other)  # CLS pooling: not what the ONNX path computes
    broken = tmp_path / "cache"
    path = onnx_encoder.graph_path(folder, broken)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an onnx graph")
    fallback = Embedder(name, folder, onnx_dir=broken)
    vector = fallback.encode(["The mayor signed the order."])
    assert fallback.runtime == "torch" and vector.shape == (1, 384)


def test_concurrent_questions_get_their_own_vectors(pair: tuple[Embedder, Embedder]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    onnx, _ = pair
    expected = onnx.encode(TEXTS)
    with ThreadPoolExecutor(4) as pool:  # a server answers several questions at once through one encoder
        got = list(pool.map(lambda i: onnx.encode([TEXTS[i], TEXTS[-1 - i]]), range(16)))
    for i, vectors in enumerate(got):
        assert np.abs(vectors - expected[[i, len(TEXTS) - 1 - i]]).max() < 1e-5
