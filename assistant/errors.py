"""One error hierarchy, raised by the core and mapped once per interface (exit codes, HTTP statuses, OpenAI error
bodies, UI messages). Every message is one line that names the input at fault and says what is wrong."""

from __future__ import annotations


class AssistantError(Exception):
    """Anything the assistant reports to its user rather than crashing on."""


class InvalidRequest(AssistantError):
    """Something the caller sent is wrong; ``field`` names it and ``message`` says what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(InvalidRequest):
    """The thing asked for (an article id) does not exist."""


class ReadOnlyIndex(InvalidRequest):
    """A write sent to a read replica (ASSISTANT_REPLICA): the index folder that owns the collection writes it."""


class ConfigurationError(AssistantError):
    """The assistant cannot run as configured: a model, a prompt folder or a setting is unusable."""


class BackendUnavailable(AssistantError):
    """The answering backend (an LLM) is unknown, unreachable or failed."""


class StoreUnavailable(AssistantError):
    """The article store cannot be opened or used (unreachable Chroma server, damaged folder...)."""


class IndexMismatch(StoreUnavailable):
    """The index was built with another embedding model than the one configured."""


class IndexBusy(AssistantError):
    """Another process is writing to this index; ``holder`` says who (pid, command, server URL)."""

    def __init__(self, message: str, holder: dict) -> None:
        super().__init__(message)
        self.holder = holder


