"""A real service process (uvicorn on a free loopback port) for the integration and e2e tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx2


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceProcess:
    """`python -m llmstxt.service.main` in a child process, its JSON log written to a file."""

    def __init__(self, data_dir: Path, log_path: Path, **settings: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = os.environ | {
            "LLMSTXT_DATA_DIR": str(data_dir),
            "LLMSTXT_ALLOWED_CIDRS": "127.0.0.0/8",
        }
        self.env |= {f"LLMSTXT_{k.upper()}": v for k, v in settings.items()}
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ServiceProcess:
        """Start the service and wait until /health answers."""
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "llmstxt.service.main", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"service exited with {self._proc.returncode}: {self.log()}")
            try:
                if httpx2.get(self.base + "/health", timeout=1).status_code == 200:
                    return self
            except httpx2.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the service did not start in time")

    def kill(self) -> None:
        """Kill the process at once (no graceful shutdown), as a crash would."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait()

    def stop(self) -> None:
        """Stop the process gracefully (SIGTERM), killing it if it hangs."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        """Wait until text appears in the log (AssertionError after timeout seconds)."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            assert time.monotonic() < deadline, f"{text!r} never logged"
            time.sleep(0.05)

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON lines of the log (other lines skipped)."""
        records = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                records.append(json.loads(line))
        return records

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
