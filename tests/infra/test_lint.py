"""The templates and the Dockerfile pass sam validate --lint, cfn-lint, checkov and hadolint."""

from __future__ import annotations

import json
import re

from infratools import ROOT, SERVICE, TEMPLATE, run, tool


def test_sam_validate_lint() -> None:
    """sam validate --lint accepts the root template (SAM transform included)."""
    out = run([tool("sam"), "validate", "--lint", "--template-file", str(TEMPLATE)])
    assert "is a valid SAM Template" in out.stdout + out.stderr


def test_cfn_lint_both_templates() -> None:
    """cfn-lint reports nothing, warnings included, on the root and the nested template."""
    out = run([tool("cfn-lint"), "--format", "parseable", str(TEMPLATE), str(SERVICE)])
    assert out.stdout.strip() == ""


def test_checkov_passes_with_the_kept_skip_list() -> None:
    """checkov finds no failed check on either template or the Dockerfile beyond .checkov.yaml's skips."""
    args = [tool("checkov"), "--config-file", str(ROOT / ".checkov.yaml"), "-o", "json"]
    for path in (TEMPLATE, SERVICE, ROOT / "container" / "Dockerfile"):
        args += ["-f", str(path)]
    reports = json.loads(run(args).stdout)
    reports = reports if isinstance(reports, list) else [reports]
    kinds = {report["check_type"]: report["summary"] for report in reports}
    assert set(kinds) == {"cloudformation", "dockerfile"}
    assert all(summary["failed"] == 0 for summary in kinds.values()), kinds
    assert kinds["cloudformation"]["resource_count"] > 30
    assert kinds["cloudformation"]["parsing_errors"] == 0


def test_every_checkov_skip_has_a_reason() -> None:
    """Each skipped check names its id and says why on the same line."""
    lines = (ROOT / ".checkov.yaml").read_text().splitlines()
    start = lines.index("skip-check:")
    skips = [line for line in lines[start + 1 :] if line.startswith("  - ")]
    assert skips
    for line in skips:
        assert re.fullmatch(r"  - CKV2?_[A-Z]+_\d+ +# .{20,}", line), line


def test_hadolint_dockerfile() -> None:
    """hadolint has nothing to say about the service Dockerfile."""
    out = run([tool("hadolint"), "--no-color", str(ROOT / "container" / "Dockerfile")])
    assert out.stdout.strip() == ""
