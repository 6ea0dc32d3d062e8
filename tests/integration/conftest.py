"""Integration fixtures: a real moto server on loopback, reached over HTTP through AWS_ENDPOINT_URL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

AWS_REGION = "us-east-1"


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """A `moto_server` child process on a free loopback port."""

    def __init__(self) -> None:
        """Choose a port; nothing runs until start()."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> MotoServer:
        """Start the server and wait until it accepts connections."""
        exe = Path(sys.executable).with_name("moto_server")
        self._proc = subprocess.Popen(
            [str(exe), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self._proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("moto_server did not start in time")

    def stop(self) -> None:
        """Stop the server process (and wait for it)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The endpoint URL of a moto server shared by the whole session."""
    server = MotoServer().start()
    try:
        yield server.url
    finally:
        server.stop()


def aws_environ(endpoint: str) -> dict[str, str]:
    """The environment that points boto3 (or a child process) at an emulator endpoint."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": AWS_REGION,
        "AWS_REGION": AWS_REGION,
    }


def point_boto3_at(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set the environment so boto3 talks to the emulator with fake credentials, no profile."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    for name, value in aws_environ(endpoint).items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def aws_env(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point boto3 at the session's moto server for one test; the endpoint URL."""
    point_boto3_at(moto_server, monkeypatch)
    return moto_server


@pytest.fixture
def own_moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """A moto server of this test's own (so it may stop it), with boto3 pointed at it."""
    server = MotoServer().start()
    point_boto3_at(server.url, monkeypatch)
    try:
        yield server
    finally:
        server.stop()
