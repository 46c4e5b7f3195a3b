"""`assistant serve`: binds to loopback by default, refuses a public address without authentication."""

import subprocess
from pathlib import Path

import httpx

from tests.interfaces.server.conftest import EXE, Server


def test_health_and_ui_on_loopback(server: Server) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{server.url}/health").json() == {"status": "ok"}
    page = httpx.get(server.url + "/")
    assert page.status_code == 200 and "gradio" in page.text.lower()


def test_public_address_without_auth_is_refused(tmp_path: Path) -> None:
    result = subprocess.run([EXE, "serve", "--host", "0.0.0.0", "--port", "7999"], capture_output=True, text=True,
                            timeout=120, env={"ASSISTANT_INDEX_DIR": str(tmp_path / "i"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0" in result.stderr and "ASSISTANT_API_KEY" in result.stderr and "ASSISTANT_UI_AUTH" in result.stderr
    assert "Traceback" not in result.stderr
