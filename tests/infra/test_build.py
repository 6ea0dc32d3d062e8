"""`sam build` (no container) packages the recrawl Lambda small, and the package imports."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from infratools import ROOT

MAX_PACKAGE = 5 * 1024 * 1024


def test_build_writes_function_and_template(sam_build: Path) -> None:
    """The build holds the handler next to its dependencies and a template pointing at them."""
    function = sam_build / "RecrawlFunction"
    assert (function / "app.py").read_text() == (ROOT / "functions/recrawl/app.py").read_text()
    for package in ("aws_lambda_powertools", "aws_xray_sdk", "wrapt"):
        assert (function / package / "__init__.py").is_file(), package
    assert "CodeUri: RecrawlFunction" in (sam_build / "template.yaml").read_text()


def test_package_leaves_runtime_libraries_out(sam_build: Path) -> None:
    """boto3/botocore come with the Lambda runtime: bundling them is what made the old package 70 MB."""
    names = {path.name for path in (sam_build / "RecrawlFunction").iterdir()}
    assert not names & {"boto3", "botocore", "s3transfer", "urllib3", "dateutil"}


def test_package_is_under_5_mb(sam_build: Path, tmp_path: Path) -> None:
    """The zip sam uploads stays under 5 MB."""
    archive = shutil.make_archive(str(tmp_path / "function"), "zip", sam_build / "RecrawlFunction")
    assert Path(archive).stat().st_size < MAX_PACKAGE


def test_built_handler_imports_from_the_package(sam_build: Path) -> None:
    """The handler loads Powertools from the package itself, as in the Lambda runtime."""
    code = (
        "import app, aws_lambda_powertools, aws_xray_sdk;"
        "print(app.lambda_handler.__name__, aws_lambda_powertools.__file__, aws_xray_sdk.__file__)"
    )
    env = {"PYTHONPATH": str(sam_build / "RecrawlFunction"), "POWERTOOLS_TRACE_DISABLED": "true"}
    env |= {"POWERTOOLS_METRICS_NAMESPACE": "llmstxt", "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "lambda_handler"
    assert all(path.startswith(str(sam_build)) for path in out[1:])
