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

    def yes_probability(self, messages: list[BaseMessage]) -> float:
        """Return how likely the model's reply to ``messages`` starts with "yes" rather than "no" (one forward pass,
        no sampling): the narrow yes/no steps of answering use it as a score."""
        import numpy as np

        llama = self.llama
        prompt = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in self._messages(messages))
        prompt += "<|im_start|>assistant\n"
        with self.lock:
            tokens = llama.tokenize(prompt.encode(), add_bos=False, special=True)
            cached = llama._input_ids[: llama.n_tokens].tolist()
            keep = 0
            while keep < min(len(cached), len(tokens) - 1) and cached[keep] == tokens[keep]:
                keep += 1  # llama.cpp keeps the common prefix of the last prompt in its KV cache
            llama.n_tokens = keep
            llama._ctx.kv_cache_seq_rm(-1, keep, -1)
            llama.eval(tokens[keep:])
            logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),)).astype(np.float64)
        yes = np.logaddexp.reduce(logits[self._answer_tokens("yes")])
        no = np.logaddexp.reduce(logits[self._answer_tokens("no")])
        return float(1.0 / (1.0 + np.exp(no - yes)))

    def _answer_tokens(self, word: str) -> list[int]:
        forms = (word, word.capitalize(), f" {word}", f" {word.capitalize()}", word.upper())
        return sorted({self.llama.tokenize(f.encode(), add_bos=False, special=False)[0] for f in forms})

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
