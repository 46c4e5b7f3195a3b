"""A real `assistant serve` process per test module (or per test when asked), on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

EXE = str(Path(sys.executable).with_name("assistant"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    index_dir: Path
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(index_dir: Path, backend: str = "extractive", env: dict[str, str] | None = None,
                 args: tuple[str, ...] = (), timeout: float = 180) -> Server:
    """Start `assistant serve` and wait until /health answers. Raises RuntimeError with the log when it fails."""
    port = free_port()
    log = index_dir.parent / f"server-{port}.log"
    full_env = os.environ.copy() | {"ASSISTANT_INDEX_DIR": str(index_dir)} | (env or {})
    with log.open("w") as sink:
        process = subprocess.Popen([EXE, "serve", "--port", str(port), "--backend", backend, *args],
                                   stdout=sink, stderr=subprocess.STDOUT, env=full_env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return Server(url, index_dir, process, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"server did not answer within {timeout} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over the seeded sample index, extractive backend, shared by the tests of a module."""
    running = start_server(tmp_path_factory.mktemp("served") / "index")
    yield running
    running.stop()
