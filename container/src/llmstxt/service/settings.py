"""The service's typed settings, read once from the environment (prefix LLMSTXT_)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[tuple[str, ...], NoDecode]


class Settings(BaseSettings):
    """Everything the service reads from its environment; nothing below the edge reads os.environ."""

    model_config = SettingsConfigDict(env_prefix="LLMSTXT_", frozen=True, extra="ignore")

    store: Literal["local", "aws"] = "local"
    data_dir: Path = Path("data")
    table: str = "llmstxt"
    bucket: str = "llmstxt-artifacts"
    region: str | None = None

    # With no keys the service is open (local use); behind the ALB keys are always set.
    api_keys: CommaList = ()
    cron_secret: SecretStr | None = None
    jwt_secret: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_urlsafe(32)))
    token_ttl_seconds: int = Field(default=300, ge=30, le=3600)

    allow_private_networks: bool = False
    allowed_cidrs: CommaList = ()
    cors_origins: CommaList = ()
    public_url: str = ""  # base of hosted-file links; the request's own base when empty

    max_concurrent_jobs: int = Field(default=2, ge=1, le=64)
    max_queued_jobs: int = Field(default=16, ge=0, le=10_000)
    max_pages_limit: int = Field(default=5000, ge=1)
    crawl_concurrency: int = Field(default=8, ge=1, le=64)
    crawl_deadline_seconds: float = Field(default=600.0, gt=0)
    # 0: parse inline. Forking a worker from a threaded server process is not safe (locks held
    # by other threads at fork time); the CLI, single-threaded at that point, uses one.
    extract_workers: int = Field(default=0, ge=0, le=16)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    ws_ping_seconds: float = Field(default=15.0, gt=0, le=20.0)
    retry_after_seconds: int = Field(default=30, ge=1)
    # A recrawl's hold on a site: a service that dies mid-crawl leaves it, and it expires.
    lease_seconds: float = Field(default=15 * 60, gt=0)
    log_level: str = "INFO"

    @field_validator("api_keys", "allowed_cidrs", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        """Accept a comma-separated string as well as a sequence."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @property
    def auth_required(self) -> bool:
        """True when at least one API key is configured."""
        return bool(self.api_keys)
