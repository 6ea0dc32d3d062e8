"""Helpers for the infra tests: the tools in .venv-infra, CloudFormation YAML, emulator environment."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
INFRA_BIN = ROOT / ".venv-infra" / "bin"
TEMPLATE = ROOT / "template.yaml"
SERVICE = ROOT / "container" / "service.yaml"
REGION = "us-east-1"


def tool(name: str) -> str:
    """The path of a CLI installed in .venv-infra by `make infra-deps`."""
    path = INFRA_BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make infra-deps` (make test does)")
    return str(path)


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a tool from the repository root; fail the test with its output when it exits non-zero."""
    merged = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": REGION, **(env or {})}
    proc = subprocess.run(args, cwd=ROOT, env=merged, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


class CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    """A YAML loader that reads CloudFormation short forms (!Ref, !Sub, ...) as their long forms."""


def _intrinsic(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    """Turn `!Name value` into {"Fn::Name": value} (or {"Ref": value})."""
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path) -> dict[str, Any]:
    """A CloudFormation template as plain data."""
    data: dict[str, Any] = yaml.load(path.read_text(), Loader=CfnLoader)
    return data


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def aws_env(endpoint: str) -> dict[str, str]:
    """Environment for boto3 and the AWS CLIs to talk to the emulator with fake credentials."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
