"""Expand the SAM transform of a packaged template with aws-sam-translator (run by .venv-infra's python)."""

import json
import sys
from typing import Any

import boto3
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """A managed-policy loader for templates that name no SAM policy templates (the emulator has none)."""

    def load(self) -> dict[str, str]:
        """No managed policy names to resolve."""
        return {}


def main(packaged: str, params: str) -> None:
    """Print the expanded CloudFormation template as JSON."""
    with open(packaged) as f:
        template: dict[str, Any] = yaml_parse(f.read())
    parameters = json.loads(params)
    parameters.setdefault("AWS::Region", boto3.session.Session().region_name)
    expanded = transform(template, parameters, NoManagedPolicies())
    json.dump(expanded, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}")
