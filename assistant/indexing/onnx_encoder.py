"""The embedding model on onnxruntime: the same vectors as sentence-transformers on torch (to 1e-6), computed
1.5-1.9x faster for a question and its clauses and ~13% faster in bulk on 2 cores (benchmarks/RESULTS.md).

The ONNX graph is exported once from the installed weights (torch.onnx, on this machine: nothing is downloaded) and
kept in the cache folder under a fingerprint of the model folder. Only models that are a BERT encoder with mean
pooling (and optional normalisation), as all-MiniLM-L6-v2 is, are run this way; any other model stays on torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"
FORMAT = 1  # bump when the exported graph changes


def supported(model_dir: Path) -> bool:
    """Return True when the model folder holds a BERT encoder with mean pooling (what this module reproduces)."""
    try:
        listed = json.loads((model_dir / "modules.json").read_text())
        modules = [m["type"] for m in listed]
        pooling_path = next(m["path"] for m in listed if m["type"] == _POOLING)
        pooling = json.loads((model_dir / pooling_path / "config.json").read_text())
        config = json.loads((model_dir / "config.json").read_text())
    except (OSError, ValueError, KeyError, StopIteration):
        return False
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    return (modules in ([_TRANSFORMER, _POOLING], [_TRANSFORMER, _POOLING, _NORMALIZE])
            and modes == ["pooling_mode_mean_tokens"] and config.get("model_type") == "bert")


def graph_path(model_dir: Path, cache_dir: Path) -> Path:
    """Return where the exported graph of this model folder is kept (a fingerprint of its config and weights)."""
    digest = hashlib.sha256(f"{FORMAT}|{model_dir.resolve()}".encode())
    for name in ("config.json", "sentence_bert_config.json"):
        if (model_dir / name).exists():
            digest.update((model_dir / name).read_bytes())
    for weights in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("pytorch_model*.bin")):
        stat = weights.stat()
        digest.update(f"{weights.name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return cache_dir / "onnx" / f"{model_dir.name}-{digest.hexdigest()[:16]}.onnx"


def export(model: object, path: Path) -> None:
    """Export the transformer of a loaded SentenceTransformer to ``path`` (written atomically)."""
    import torch

    bert = model[0].auto_model  # type: ignore[index]
    bert.eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    sample = model[0].tokenizer(["a sample", "a longer sample sentence"], padding=True,  # type: ignore[index]
                                return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"hidden": {0: "batch", 1: "tokens"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on tracing concern graphs other than this one
        torch.onnx.export(Hidden(), tuple(sample[n] for n in names), str(partial), input_names=names,
                          output_names=["hidden"], dynamic_axes=axes, opset_version=17, dynamo=False)
    os.replace(partial, path)


class OnnxEncoder:
    """Encodes texts with an exported graph: mean pooling over the tokens, then unit length (as the model does)."""

    def __init__(self, path: Path, model_dir: Path, threads: int) -> None:
        """Raises any onnxruntime or tokenizer error when the graph or the model folder cannot be loaded."""
        import onnxruntime as ort
        from transformers import AutoTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: on a busy 2-core machine spinning threads steal the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        config = json.loads((model_dir / "sentence_bert_config.json").read_text()) \
            if (model_dir / "sentence_bert_config.json").exists() else {}
        self.max_length = int(config.get("max_seq_length") or self.tokenizer.model_max_length)
        self.dimension = int(json.loads((model_dir / "config.json").read_text())["hidden_size"])
        # A fast tokenizer called with padding or truncation from two threads at once raises "Already borrowed".
        self._tokenizing = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Return the unit vectors of ``texts`` (float32), in order, ``batch_size`` texts per run."""
        out = np.empty((len(texts), self.dimension), np.float32)
        for i in range(0, len(texts), batch_size):
            with self._tokenizing:
                enc = self.tokenizer(list(texts[i : i + batch_size]), padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="np")
            feeds = {n: enc[n].astype(np.int64) for n in ("input_ids", "attention_mask", "token_type_ids")}
            hidden = self.session.run(None, feeds)[0]
            mask = feeds["attention_mask"][..., None].astype(np.float32)
            vectors = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            out[i : i + len(vectors)] = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12,
                                                          None)
        return out
