"""Builds the one FastAPI app (HTTP API + OpenAI-compatible API + Gradio UI) and runs it with uvicorn.

The server owns the index: it holds the write lock for its whole life, so a CLI `assistant index` on the same index
is refused at once (or sends its work here with --server).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import socket
from collections.abc import Callable

from fastapi import FastAPI

from ... import __version__
from ...assistant import Assistant
from ...errors import ConfigurationError
from ...settings import Settings

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """Return True when ``host`` only accepts connections from this machine."""
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
        except OSError:
            return False


MIN_KEY_CHARS = 16
MIN_PASSWORD_CHARS = 8


def check_bind(settings: Settings, host: str) -> None:
    """Refuse a non-loopback address unless the API key is set: it guards /api and /v1 (and, with no
    ASSISTANT_UI_AUTH, the web UI); a UI password alone would leave the API open to the network. Refuse a key
    too short to resist guessing."""
    if settings.api_key and len(settings.api_key.get_secret_value()) < MIN_KEY_CHARS:
        raise ConfigurationError(f"ASSISTANT_API_KEY is shorter than {MIN_KEY_CHARS} characters: use a long random key, e.g. "
                         "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
    if is_loopback(host) or settings.api_key:
        return
    why = ("only the web UI has a password (ASSISTANT_UI_AUTH); the API would be open" if settings.ui_auth
           else "no authentication is set")
    raise ConfigurationError(
        f"refusing to listen on {host}: it is reachable from other machines and {why}. Set ASSISTANT_API_KEY (a "
        "bearer token for the API; also the web UI's password unless ASSISTANT_UI_AUTH sets user:password for it), "
        "or keep the default --host 127.0.0.1."
    )


def ui_auth(settings: Settings) -> Callable[[str, str], bool] | None:
    """Return the web UI's login check, or None when the UI is open (loopback, nothing configured).

    ASSISTANT_UI_AUTH=user:password sets the login; otherwise, with ASSISTANT_API_KEY set, any user name with the
    API key as password logs in. Raises ConfigurationError when ASSISTANT_UI_AUTH is malformed.
    """
    if settings.ui_auth:
        user, sep, password = settings.ui_auth.partition(":")
        if not sep or not user or not password:
            raise ConfigurationError("ASSISTANT_UI_AUTH must look like user:password")
        if len(password) < MIN_PASSWORD_CHARS:
            raise ConfigurationError(f"the password in ASSISTANT_UI_AUTH is shorter than {MIN_PASSWORD_CHARS} characters")
        return lambda u, p: hmac.compare_digest(u, user) and hmac.compare_digest(p, password)
    if settings.api_key:
        key = settings.api_key.get_secret_value()
        return lambda u, p: hmac.compare_digest(p, key)
    return None


def create_app(assistant: Assistant, settings: Settings, bind_host: str = "127.0.0.1") -> FastAPI:
    """Return the app: API routes first, then the Gradio UI mounted at ``/``, all behind the RequestGuard."""
    import gradio as gr
    from fastapi_offline import FastAPIOffline
    from starlette.middleware.cors import CORSMiddleware

    from .errors import MethodGuard, error_response, install_error_handlers
    from .guard import RequestGuard
    from .http_api import api_router, extend_openapi
    from .openai_compat import openai_router
    from .ui import build_ui

    # The docs page's scripts are served from the package, never a CDN: the product runs offline.
    app = FastAPIOffline(title="News assistant", version=__version__, docs_url="/docs", redoc_url=None,
                  openapi_url="/openapi.json", swagger_ui_parameters={"validatorUrl": None},
                  description="Grounded, cited answers from news articles. /api/* is this server's API; /v1/* is "
                              "OpenAI-compatible. When ASSISTANT_API_KEY is set, both need `Authorization: Bearer KEY`.")
    app.state.assistant = assistant
    install_error_handlers(app)
    app.add_middleware(MethodGuard, api_app=app)
    app.include_router(api_router(assistant, settings))
    app.include_router(openai_router(assistant, settings))
    extend_openapi(app)
    blocks = build_ui(assistant, settings)
    app = gr.mount_gradio_app(app, blocks, path="/", auth=ui_auth(settings), show_error=False,
                              max_file_size=settings.max_upload_bytes, allowed_paths=[],
                              blocked_paths=[str(settings.index_dir.resolve())])
    # mount_gradio_app never marks the Blocks as launched, and Gradio skips its check of client-sent file paths
    # (only files uploaded through Gradio may be event inputs) until it is: without this, any event input could
    # name any file on the server and have it copied into the cache and served back.
    blocks.has_launched = True
    # An explicit CORS policy (none by default) also switches off Gradio's own, which trusts every localhost page.
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=False,
                       allow_methods=["GET", "POST", "DELETE"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(RequestGuard, settings=settings, bind_host=bind_host, error_response=error_response)
    return app


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the server until interrupted. Raises ConfigurationError / IndexBusyError before listening when it cannot run."""
    import uvicorn

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    check_bind(settings, host)
    ui_auth(settings)
    url = f"http://{host}:{port}"
    assistant = Assistant(settings, lock_holder="assistant serve", server_url=url)
    assistant.acquire_writer()  # the server is the one writer for its whole life
    try:
        if assistant.seed_if_empty():
            log.warning("the index was empty: it now holds the bundled sample article")
        app = create_app(assistant, settings, host)
        if assistant.start_polling():  # in this process, through the facade's indexer: one writer, as always
            print(f"polling the followed sources every {settings.poll_interval:g} s", flush=True)
        print(f"News assistant at {url} (API docs at {url}/docs)", flush=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
    finally:
        assistant.stop_polling()
        assistant.release_writer()
        assistant.close()
