"""Storage for the service: the Store protocol, its records, and `open_store` to pick a backend."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from llmstxt.store.base import (
    OUTPUT_NAMES,
    JobRecord,
    JobStatus,
    OutputName,
    SiteRecord,
    Store,
    VersionRecord,
    from_dict,
    site_key,
    to_dict,
)

__all__ = [
    "OUTPUT_NAMES",
    "JobRecord",
    "JobStatus",
    "OutputName",
    "SiteRecord",
    "Store",
    "VersionRecord",
    "from_dict",
    "open_store",
    "site_key",
    "to_dict",
]


def open_store(
    kind: Literal["local", "aws"] = "local",
    *,
    data_dir: str | Path = "data",
    table: str = "llmstxt",
    bucket: str = "llmstxt-artifacts",
    region: str | None = None,
) -> Store:
    """Open the local store (SQLite + files under data_dir) or the AWS one (DynamoDB + S3)."""
    if kind == "local":
        from llmstxt.store.local import LocalStore

        return LocalStore(Path(data_dir))
    if kind == "aws":
        # Imported here so the local path never needs boto3.
        from llmstxt.store.aws import AwsStore

        return AwsStore(table=table, bucket=bucket, region=region)
    raise ValueError(f"unknown store kind: {kind!r}")
