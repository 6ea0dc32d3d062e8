"""The service Dockerfile's properties, read from the file (there is no Docker engine to build it)."""

from __future__ import annotations

import json
import re

from infratools import ROOT

DOCKERFILE = ROOT / "container" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    pairs = [line.split(None, 1) for line in lines if line and not line.startswith("#")]
    return [(pair[0].upper(), pair[1] if len(pair) > 1 else "") for pair in pairs]


def final_stage() -> list[tuple[str, str]]:
    """The instructions of the last stage (the image that ships)."""
    steps = instructions()
    start = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[start:]


def test_multi_stage_on_slim_python_311() -> None:
    """Two stages, both on the slim Python 3.11 base; the runtime copies only the built venv."""
    bases = [args for op, args in instructions() if op == "FROM"]
    assert len(bases) == 2
    assert all(base.startswith("python:3.11-slim") for base in bases)
    copies = [args for op, args in final_stage() if op == "COPY"]
    assert copies == ["--from=build /opt/venv /opt/venv"]


def test_runtime_has_no_build_tools_and_runs_as_non_root() -> None:
    """No package installs in the shipped stage; USER is a numeric non-root id."""
    runtime = final_stage()
    runs = " ".join(args for op, args in runtime if op == "RUN")
    assert not re.search(r"apt-get install|pip install|gcc|build-essential", runs)
    users = [args for op, args in runtime if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert users[-1].split(":")[0].isdigit()


def test_healthcheck_uses_python_on_health() -> None:
    """curl is not in slim images: the health check is a Python one-liner against /health."""
    (check,) = [args for op, args in final_stage() if op == "HEALTHCHECK"]
    command = json.loads(check.split("CMD", 1)[1])
    assert command[0] == "python" and "/health" in command[-1]


def test_uvicorn_serves_the_factory_behind_the_proxy() -> None:
    """uvicorn serves the app factory on 0.0.0.0:8000 and trusts the ALB's forwarded headers."""
    (cmd,) = [json.loads(args) for op, args in final_stage() if op == "CMD"]
    assert cmd[:3] == ["uvicorn", "llmstxt.service.app:create_app", "--factory"]
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0" and cmd[cmd.index("--port") + 1] == "8000"
    assert "--proxy-headers" in cmd and "--forwarded-allow-ips" in cmd
    assert ("EXPOSE", "8000") in final_stage()


def test_dockerignore_sends_only_the_package() -> None:
    """The build context holds pyproject.toml and src/ only."""
    lines = (ROOT / "container" / ".dockerignore").read_text().splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[:3] == ["*", "!pyproject.toml", "!src/"]
    assert (ROOT / "container" / "pyproject.toml").is_file()
