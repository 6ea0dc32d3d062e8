"""The Store protocol and its records: sites, jobs, published versions, page state and leases.

Every implementation (local SQLite + files, AWS DynamoDB + S3) passes one contract suite
(tests/integration/test_store_contract.py). Times are epoch seconds (float, UTC) so they compare
the same way in SQLite, DynamoDB and JSON. Only `llmstxt.errors.StoreError` escapes a store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

from llmstxt.errors import InputError, StoreError

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]
OutputName = Literal["llms.txt", "llms-full.txt"]

UNFINISHED: tuple[JobStatus, ...] = ("queued", "running")
OUTPUT_NAMES: tuple[OutputName, ...] = ("llms.txt", "llms-full.txt")
DEFAULT_INTERVAL_MINUTES = 360
MIN_INTERVAL_MINUTES = 60

# On an existing site, upsert_site overwrites these and keeps everything else (history, lease, secret).
SITE_SETTINGS = (
    "base_url",
    "max_pages",
    "full",
    "auto_update",
    "interval_minutes",
    "next_crawl_at",
)
# Fields the store owns: release() and patch_site() never let a caller rename a record.
SITE_KEYS = ("site",)
JOB_KEYS = ("id",)


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """An enrolled (or once generated) site: its settings, schedule, lease and current output."""

    site: str
    base_url: str
    max_pages: int = 500
    full: bool = True
    auto_update: bool = False
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES
    next_crawl_at: float | None = None  # due when <= now (only auto_update sites are claimed)
    last_crawl_at: float | None = None
    last_status: str | None = None  # "ok" | "failed" | "unchanged" | ...
    last_error: str | None = None
    failures: int = 0  # consecutive failed crawls, for backoff
    lease_owner: str | None = None
    lease_until: float | None = None
    webhook_secret: str | None = None
    current_version: str | None = None
    page_count: int = 0
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One generation job, as the API shows it; persisted so a restart can mark it interrupted."""

    site: str
    url: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: JobStatus = "queued"
    params: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One published output of a site; written only after its files are complete."""

    site: str
    version: str  # sortable: zero-padded microseconds + short hash; newer sorts later
    created_at: float
    sha256: str  # of llms.txt (UTF-8), usable as an ETag
    size: int  # bytes of llms.txt
    full_size: int | None = None  # bytes of llms-full.txt, None when not generated
    full_sha256: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)  # {"added": [...], "removed": [...], ...}


R = TypeVar("R", SiteRecord, JobRecord, VersionRecord)


def to_dict(record: SiteRecord | JobRecord | VersionRecord) -> dict[str, Any]:
    """A record as a JSON-serialisable dict."""
    return dataclasses.asdict(record)


def from_dict(cls: type[R], data: dict[str, Any]) -> R:
    """Build a record from a dict, ignoring unknown keys (e.g. storage keys)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def site_key(url: str) -> str:
    """A stable slug for a site from its base URL: host[_port] plus path segments joined by '~'."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host:
        raise InputError(f"not an http(s) URL: {url!r}")
    default = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError as exc:
        raise InputError(f"bad port in {url!r}") from exc
    head = f"{host}_{port}" if port and port != default else host
    segments = [s for s in parts.path.split("/") if s]
    slug = "~".join([head, *segments])
    return re.sub(r"[^a-z0-9._~-]+", "-", slug.lower())[:200]


def make_version(created_at: float, sha256: str) -> str:
    """A version id that sorts by time (microseconds, zero-padded) and names its content."""
    return f"{round(created_at * 1_000_000):017d}-{sha256[:8]}"


def sha256_text(text: str) -> str:
    """The hex SHA-256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_version(
    site: str, now: float, llms_txt: str, llms_full: str | None, summary: dict[str, Any]
) -> tuple[VersionRecord, dict[str, str]]:
    """The record of a version about to be published, and its files by name."""
    sha = sha256_text(llms_txt)
    record = VersionRecord(
        site=site,
        version=make_version(now, sha),
        created_at=now,
        sha256=sha,
        size=len(llms_txt.encode("utf-8")),
        full_size=None if llms_full is None else len(llms_full.encode("utf-8")),
        full_sha256=None if llms_full is None else sha256_text(llms_full),
        summary=summary,
    )
    files = {"llms.txt": llms_txt} | ({} if llms_full is None else {"llms-full.txt": llms_full})
    return record, files


def check_fields(cls: type[Any], fields: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Refuse to set unknown field names or a record's key (StoreError)."""
    unknown = fields.keys() - ({f.name for f in dataclasses.fields(cls)} - set(keys))
    if unknown:
        raise StoreError(f"cannot set {sorted(unknown)} on {cls.__name__}")


@runtime_checkable
class Store(Protocol):
    """Persistence for the service: jobs, sites, versioned outputs, page state and leases."""

    async def ping(self) -> None:
        """Raise StoreError unless the backing store answers (for /health/ready)."""

    async def close(self) -> None:
        """Release connections; the store is unusable afterwards."""

    # jobs
    async def create_job(self, job: JobRecord) -> JobRecord:
        """Insert a new job (created_at set if 0); StoreError if the id exists."""

    async def get_job(self, job_id: str) -> JobRecord | None:
        """The job, or None."""

    async def update_job(self, job_id: str, **fields: Any) -> JobRecord | None:
        """Set some fields of a job; the updated job, or None if it does not exist."""

    async def list_jobs(self, site: str | None = None, limit: int = 100) -> list[JobRecord]:
        """Jobs, newest first, optionally of one site."""

    async def interrupt_unfinished(self) -> int:
        """Mark every queued or running job `interrupted` (at service startup); how many."""

    # sites
    async def upsert_site(self, site: SiteRecord) -> SiteRecord:
        """Create the site, or overwrite only its SITE_SETTINGS; the stored record."""

    async def get_site(self, site: str) -> SiteRecord | None:
        """The site, or None."""

    async def list_sites(self) -> list[SiteRecord]:
        """Every site, ordered by key."""

    async def patch_site(self, site: str, **fields: Any) -> SiteRecord | None:
        """Set some fields of a site (None clears); the updated site, or None if absent."""

    async def delete_site(self, site: str) -> bool:
        """Remove a site with its versions, files and state; whether it existed."""

    # outputs
    async def publish(
        self, site: str, llms_txt: str, llms_full: str | None, summary: dict[str, Any]
    ) -> VersionRecord:
        """Store a new version: files first, then its record and site.current_version."""

    async def get_output(
        self, site: str, name: OutputName, version: str | None = None
    ) -> tuple[str, VersionRecord] | None:
        """The text of a published file (current version by default) and its version, or None."""

    async def list_versions(self, site: str) -> list[VersionRecord]:
        """Published versions of a site, newest first."""

    # page state for incremental recrawls
    async def save_state(self, site: str, data: bytes) -> None:
        """Replace the site's opaque crawl state."""

    async def load_state(self, site: str) -> bytes | None:
        """The site's crawl state, or None."""

    # leases
    async def claim_due(
        self, now: float, owner: str, lease_seconds: float, limit: int
    ) -> list[SiteRecord]:
        """Atomically lease up to `limit` auto-update sites due at `now` and not leased."""

    async def release(self, site: str, owner: str, **fields: Any) -> bool:
        """Clear the lease and set fields, only if `owner` holds it; whether it did."""
