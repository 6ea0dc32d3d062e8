"""The embedded store: SQLite (WAL) for records, plain files for outputs and crawl state.

Layout under data_dir: `store.sqlite3`; `sites/<site>/versions/<version>/{llms.txt,llms-full.txt}`;
`sites/<site>/state.bin`. A version's files are written to a temporary directory and renamed into
place before its row is committed, and readers only follow committed rows, so nobody ever reads a
partial file. Blocking calls run in a worker thread; one connection is shared under a lock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from llmstxt.errors import StoreError
from llmstxt.store.base import (
    JOB_KEYS,
    SITE_KEYS,
    SITE_SETTINGS,
    UNFINISHED,
    JobRecord,
    OutputName,
    R,
    SiteRecord,
    VersionRecord,
    check_fields,
    new_version,
)

T = TypeVar("T")

JSON_FIELDS = frozenset({"params", "counters", "summary"})
BOOL_FIELDS = frozenset({"full", "auto_update"})
# Kept from the existing row when an upsert hits a site that already exists and has them set.
SITE_KEPT = ("webhook_secret", "created_at")

SCHEMA = """
CREATE TABLE IF NOT EXISTS sites (
  site TEXT PRIMARY KEY, base_url TEXT NOT NULL, max_pages INTEGER, full INTEGER,
  auto_update INTEGER, interval_minutes INTEGER, next_crawl_at REAL, last_crawl_at REAL,
  last_status TEXT, last_error TEXT, failures INTEGER, lease_owner TEXT, lease_until REAL,
  webhook_secret TEXT, current_version TEXT, page_count INTEGER, created_at REAL, updated_at REAL);
CREATE INDEX IF NOT EXISTS sites_due ON sites (auto_update, next_crawl_at);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, site TEXT, url TEXT, status TEXT, params TEXT, counters TEXT, error TEXT,
  created_at REAL, started_at REAL, finished_at REAL);
CREATE INDEX IF NOT EXISTS jobs_site ON jobs (site, created_at);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
CREATE TABLE IF NOT EXISTS versions (
  site TEXT, version TEXT, created_at REAL, sha256 TEXT, size INTEGER, full_size INTEGER,
  full_sha256 TEXT, summary TEXT, PRIMARY KEY (site, version));
"""


def _columns(cls: type[Any]) -> list[str]:
    """The column names of a record type, in field order."""
    return [f.name for f in dataclasses.fields(cls)]


def _to_row(record: SiteRecord | JobRecord | VersionRecord) -> dict[str, Any]:
    """A record as SQLite values: dicts as JSON text, bools as 0/1."""
    row = dataclasses.asdict(record)
    for name in JSON_FIELDS & row.keys():
        row[name] = json.dumps(row[name], sort_keys=True)
    for name in BOOL_FIELDS & row.keys():
        row[name] = int(row[name])
    return row


def _from_row(cls: type[R], row: sqlite3.Row) -> R:
    """A record from a SQLite row (the inverse of _to_row)."""
    data = {key: row[key] for key in row.keys()}  # noqa: SIM118 - Row is not a Mapping
    for name in JSON_FIELDS & data.keys():
        data[name] = json.loads(data[name]) if data[name] else {}
    for name in BOOL_FIELDS & data.keys():
        data[name] = bool(data[name])
    return cls(**data)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a file so readers see the old bytes or the new bytes, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LocalStore:
    """SQLite + files under one data directory; safe to share between threads and processes."""

    def __init__(self, data_dir: Path, *, clock: Callable[[], float] = time.time) -> None:
        """Open (and create if needed) the database and folders under data_dir."""
        self.data_dir = Path(data_dir)
        self._clock = clock
        self._lock = threading.Lock()
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.data_dir / "store.sqlite3",
                timeout=30.0,
                isolation_level=None,
                check_same_thread=False,
            )
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open local store in {self.data_dir}: {exc}") from exc

    # plumbing

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking call in a thread, translating sqlite and file errors to StoreError."""
        try:
            return await asyncio.to_thread(fn, *args)
        except StoreError:
            raise
        except (sqlite3.Error, OSError, ValueError) as exc:
            raise StoreError(f"local store: {exc}") from exc

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes SQLite's write lock up front (no upgrade deadlocks)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        """Rows of a read-only query."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _site_dir(self, site: str) -> Path:
        """The folder of one site's files."""
        if not site or "/" in site or site in (".", ".."):
            raise StoreError(f"bad site key: {site!r}")
        return self.data_dir / "sites" / site

    async def ping(self) -> None:
        """Raise StoreError unless the database answers."""
        await self._run(self._query, "SELECT 1")

    async def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    # jobs

    async def create_job(self, job: JobRecord) -> JobRecord:
        """Insert a new job; StoreError if the id exists."""
        if not job.created_at:
            job = dataclasses.replace(job, created_at=self._clock())
        row = _to_row(job)
        sql = f"INSERT INTO jobs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"

        def insert() -> None:
            with self._tx() as conn:
                conn.execute(sql, tuple(row.values()))

        await self._run(insert)
        return job

    async def get_job(self, job_id: str) -> JobRecord | None:
        """The job, or None."""
        rows = await self._run(self._query, "SELECT * FROM jobs WHERE id = ?", job_id)
        return _from_row(JobRecord, rows[0]) if rows else None

    async def update_job(self, job_id: str, **fields: Any) -> JobRecord | None:
        """Set some fields of a job; the updated job, or None."""
        check_fields(JobRecord, fields, JOB_KEYS)
        return await self._run(self._update, JobRecord, "jobs", "id", job_id, fields)

    def _update(
        self, cls: type[R], table: str, key: str, value: str, fields: dict[str, Any]
    ) -> R | None:
        """UPDATE one row by key and read it back inside one transaction."""
        row = _to_row(cls(**{**_defaults(cls), **fields}))
        sets: dict[str, Any] = {name: row[name] for name in fields}
        with self._tx() as conn:
            if sets:
                assign = ", ".join(f"{name} = ?" for name in sets)
                conn.execute(
                    f"UPDATE {table} SET {assign} WHERE {key} = ?", (*sets.values(), value)
                )
            found = conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", (value,)).fetchone()
        return _from_row(cls, found) if found else None

    async def list_jobs(self, site: str | None = None, limit: int = 100) -> list[JobRecord]:
        """Jobs, newest first, optionally of one site."""
        where, params = ("WHERE site = ?", (site,)) if site is not None else ("", ())
        sql = f"SELECT * FROM jobs {where} ORDER BY created_at DESC, id DESC LIMIT ?"
        rows = await self._run(self._query, sql, *params, limit)
        return [_from_row(JobRecord, r) for r in rows]

    async def interrupt_unfinished(self) -> int:
        """Mark queued and running jobs interrupted; how many."""
        marks = ", ".join("?" * len(UNFINISHED))

        def interrupt() -> int:
            with self._tx() as conn:
                cur = conn.execute(
                    f"UPDATE jobs SET status = 'interrupted', finished_at = ? "
                    f"WHERE status IN ({marks})",
                    (self._clock(), *UNFINISHED),
                )
                return cur.rowcount

        return await self._run(interrupt)

    # sites

    async def upsert_site(self, site: SiteRecord) -> SiteRecord:
        """Create the site, or overwrite only its settings; the stored record."""
        now = self._clock()
        site = dataclasses.replace(site, created_at=site.created_at or now, updated_at=now)
        row = _to_row(site)
        updates = [f"{n} = excluded.{n}" for n in (*SITE_SETTINGS, "updated_at")]
        updates += [f"{n} = COALESCE(sites.{n}, excluded.{n})" for n in SITE_KEPT]
        sql = (
            f"INSERT INTO sites ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) "
            f"ON CONFLICT (site) DO UPDATE SET {', '.join(updates)}"
        )

        def upsert() -> SiteRecord:
            with self._tx() as conn:
                conn.execute(sql, tuple(row.values()))
                found = conn.execute("SELECT * FROM sites WHERE site = ?", (site.site,)).fetchone()
            return _from_row(SiteRecord, found)

        return await self._run(upsert)

    async def get_site(self, site: str) -> SiteRecord | None:
        """The site, or None."""
        rows = await self._run(self._query, "SELECT * FROM sites WHERE site = ?", site)
        return _from_row(SiteRecord, rows[0]) if rows else None

    async def list_sites(self) -> list[SiteRecord]:
        """Every site, ordered by key."""
        rows = await self._run(self._query, "SELECT * FROM sites ORDER BY site")
        return [_from_row(SiteRecord, r) for r in rows]

    async def patch_site(self, site: str, **fields: Any) -> SiteRecord | None:
        """Set some fields of a site; the updated site, or None."""
        check_fields(SiteRecord, fields, SITE_KEYS)
        fields = {**fields, "updated_at": self._clock()}
        return await self._run(self._update, SiteRecord, "sites", "site", site, fields)

    async def delete_site(self, site: str) -> bool:
        """Remove a site, its versions, files and state; whether it existed."""
        folder = self._site_dir(site)

        def delete() -> bool:
            with self._tx() as conn:
                gone = conn.execute("DELETE FROM sites WHERE site = ?", (site,)).rowcount
                gone += conn.execute("DELETE FROM versions WHERE site = ?", (site,)).rowcount
            existed = gone > 0 or folder.exists()
            shutil.rmtree(folder, ignore_errors=True)
            return existed

        return await self._run(delete)

    # outputs

    async def publish(
        self, site: str, llms_txt: str, llms_full: str | None, summary: dict[str, Any]
    ) -> VersionRecord:
        """Write the version's files, then commit its row and point the site at it."""
        record, files = new_version(site, self._clock(), llms_txt, llms_full, summary)
        await self._run(self._write_version_files, record, files)
        await self._run(self._record_version, record)
        return record

    def _write_version_files(self, record: VersionRecord, files: dict[str, str]) -> None:
        """Write all files in a hidden folder, then rename it into place in one step."""
        versions = self._site_dir(record.site) / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=versions, prefix=".tmp-"))
        try:
            for name, text in files.items():
                (tmp / name).write_bytes(text.encode("utf-8"))
            os.replace(tmp, versions / record.version)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _record_version(self, record: VersionRecord) -> None:
        """Commit the version row and move site.current_version forward, in one transaction."""
        row = _to_row(record)
        sql = f"INSERT INTO versions ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
        with self._tx() as conn:
            conn.execute(sql, tuple(row.values()))
            conn.execute(
                "UPDATE sites SET current_version = ?, updated_at = ? WHERE site = ? "
                "AND (current_version IS NULL OR current_version < ?)",
                (record.version, record.created_at, record.site, record.version),
            )

    async def get_output(
        self, site: str, name: OutputName, version: str | None = None
    ) -> tuple[str, VersionRecord] | None:
        """The text of a published file and its version, or None."""
        return await self._run(self._read_output, site, name, version)

    def _read_output(
        self, site: str, name: OutputName, version: str | None
    ) -> tuple[str, VersionRecord] | None:
        """Find the committed version row, then read its file."""
        record = self._find_version(site, version)
        if record is None or name not in ("llms.txt", "llms-full.txt"):
            return None
        path = self._site_dir(site) / "versions" / record.version / name
        try:
            return path.read_bytes().decode("utf-8"), record
        except FileNotFoundError:
            return None

    def _find_version(self, site: str, version: str | None) -> VersionRecord | None:
        """The given version, else the site's current one, else its newest."""
        if version is None:
            rows = self._query("SELECT current_version FROM sites WHERE site = ?", site)
            version = rows[0]["current_version"] if rows else None
        if version is None:
            sql = "SELECT * FROM versions WHERE site = ? ORDER BY version DESC LIMIT 1"
            rows = self._query(sql, site)
        else:
            sql = "SELECT * FROM versions WHERE site = ? AND version = ?"
            rows = self._query(sql, site, version)
        return _from_row(VersionRecord, rows[0]) if rows else None

    async def list_versions(self, site: str) -> list[VersionRecord]:
        """Published versions, newest first."""
        sql = "SELECT * FROM versions WHERE site = ? ORDER BY version DESC"
        rows = await self._run(self._query, sql, site)
        return [_from_row(VersionRecord, r) for r in rows]

    # page state

    async def save_state(self, site: str, data: bytes) -> None:
        """Replace the site's crawl state file atomically."""
        await self._run(_write_atomic, self._site_dir(site) / "state.bin", data)

    async def load_state(self, site: str) -> bytes | None:
        """The site's crawl state, or None."""
        path = self._site_dir(site) / "state.bin"

        def load() -> bytes | None:
            try:
                return path.read_bytes()
            except FileNotFoundError:
                return None

        return await self._run(load)

    # leases

    async def claim_due(
        self, now: float, owner: str, lease_seconds: float, limit: int
    ) -> list[SiteRecord]:
        """Lease due, unleased auto-update sites inside one write transaction."""

        def claim() -> list[SiteRecord]:
            with self._tx() as conn:
                keys = [
                    r["site"]
                    for r in conn.execute(
                        "SELECT site FROM sites WHERE auto_update = 1 AND next_crawl_at <= ? "
                        "AND (lease_until IS NULL OR lease_until < ?) "
                        "ORDER BY next_crawl_at, site LIMIT ?",
                        (now, now, limit),
                    )
                ]
                marks = ", ".join("?" * len(keys))
                conn.execute(
                    f"UPDATE sites SET lease_owner = ?, lease_until = ? WHERE site IN ({marks})",
                    (owner, now + lease_seconds, *keys),
                )
                rows = conn.execute(
                    f"SELECT * FROM sites WHERE site IN ({marks}) ORDER BY next_crawl_at, site",
                    keys,
                ).fetchall()
            return [_from_row(SiteRecord, r) for r in rows]

        return await self._run(claim)

    async def release(self, site: str, owner: str, **fields: Any) -> bool:
        """Clear the lease and set fields if owner holds it; whether it did."""
        check_fields(SiteRecord, fields, SITE_KEYS)
        fields = {**fields, "lease_owner": None, "lease_until": None, "updated_at": self._clock()}
        row = _to_row(SiteRecord(**{**_defaults(SiteRecord), **fields}))
        assign = ", ".join(f"{name} = ?" for name in fields)
        sql = f"UPDATE sites SET {assign} WHERE site = ? AND lease_owner = ?"

        def release() -> bool:
            with self._tx() as conn:
                values = [row[name] for name in fields]
                return conn.execute(sql, (*values, site, owner)).rowcount == 1

        return await self._run(release)


def _defaults(cls: type[Any]) -> dict[str, Any]:
    """Placeholder values for a record's required fields, so a partial update can be encoded."""
    required = (
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
    return dict.fromkeys(required, "")
