"""A LangChain chat model over llama-cpp-python, with one model instance shared by every caller of the process.

llama.cpp keeps the tokens of the last prompt in its KV cache and reuses the longest common prefix: our prompts put
the fixed part (instructions and examples) first, so only the passages and the question are evaluated per question.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def load_llama(model_path: Path, n_ctx: int, threads: int) -> Any:
    """Return a llama_cpp.Llama for ``model_path`` (about 3 s and 2 GB for the 1.5B model)."""
    from llama_cpp import Llama

    return Llama(model_path=str(model_path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, n_batch=512,
                 flash_attn=True, verbose=False)


class LlamaCppChat(BaseChatModel):
    """Streams chat completions from a shared llama.cpp model; generations are serialised by a lock."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llama: Any
    lock: Any
    model_name: str = "local"
    max_tokens: int = 200
    temperature: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @staticmethod
    def _messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
        return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self.lock:
            for part in self.llama.create_chat_completion(
                self._messages(messages), stream=True, max_tokens=kwargs.get("max_tokens", self.max_tokens),
                temperature=self.temperature, stop=stop or [], seed=0,
            ):
                delta = part["choices"][0]["delta"].get("content")
                if delta:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                    if run_manager:
                        run_manager.on_llm_new_token(delta, chunk=chunk)
                    yield chunk

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def warm(self, messages: list[BaseMessage]) -> None:
        """Evaluate ``messages`` once so their tokens sit in the KV cache for the next prompt that starts with them."""
        with self.lock:
            self.llama.create_chat_completion(self._messages(messages), max_tokens=1, temperature=0.0)


class LockedLlama:
    """A lazily loaded llama.cpp model plus the lock that serialises its use."""

    def __init__(self, model_path: Path, n_ctx: int, threads: int) -> None:
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.threads = threads
        self.lock = threading.Lock()  # not RLock: a stream abandoned mid-answer may be closed from another thread
        self._llama: Any = None

    def get(self) -> Any:
        with self.lock:
            if self._llama is None:
                self._llama = load_llama(self.model_path, self.n_ctx, self.threads)
            return self._llama
