"""Infra fixtures: the templates as data, a built SAM app, a moto server on loopback."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from infratools import INFRA_BIN, SERVICE, TEMPLATE, free_port, load_template, run, tool


@pytest.fixture(scope="session")
def root_template() -> dict[str, Any]:
    """template.yaml as data."""
    return load_template(TEMPLATE)


@pytest.fixture(scope="session")
def service_template() -> dict[str, Any]:
    """container/service.yaml as data."""
    return load_template(SERVICE)


@pytest.fixture(scope="session")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sam build` (no container) into a temporary build dir; its path."""
    build_dir = tmp_path_factory.mktemp("sam-build")
    cache_dir = tmp_path_factory.mktemp("sam-cache")
    run(
        [tool("sam"), "build", "--build-dir", str(build_dir), "--cache-dir", str(cache_dir)],
        env={"PYTHON": str(INFRA_BIN / "python")},
    )
    return build_dir


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server of the infra venv on loopback; its URL names `localhost` so S3 URLs resolve."""
    port = free_port()
    proc = subprocess.Popen(
        [tool("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto_server did not start")
                time.sleep(0.05)
        yield f"http://localhost:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
