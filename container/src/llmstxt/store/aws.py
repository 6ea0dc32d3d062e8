"""The AWS store: one DynamoDB table (single-table design) for records, one S3 bucket for files.

Table items (string keys pk/sk, on-demand billing):
    SITE#<site>  META                a site; carries `due = "DUE"` while auto_update is on
    SITE#<site>  VERSION#<version>   a published version
    JOB#<id>     META                a job
GSI `due` (hash `due`, range `next_crawl_at`) is sparse: it holds only auto-update sites, so
claim_due reads exactly the due candidates in due order, and a conditional update on each
(`next_crawl_at <= :now AND (no lease OR lease expired)`) makes the claim atomic even though the
index is eventually consistent. Jobs and site lists use a filtered scan: they are small and rare.
S3 keys: sites/<site>/versions/<version>/<name> (immutable) and sites/<site>/state.bin; bucket
versioning keeps the history of the state object. The endpoint comes from the environment
(AWS_ENDPOINT_URL), never from code, so the same store runs on moto, LocalStack or AWS.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from llmstxt.errors import StoreError
from llmstxt.store.base import (
    JOB_KEYS,
    SITE_KEYS,
    SITE_SETTINGS,
    UNFINISHED,
    JobRecord,
    OutputName,
    SiteRecord,
    VersionRecord,
    check_fields,
    new_version,
)
from llmstxt.store.dynamo import (
    DUE,
    DUE_INDEX,
    Update,
    decode,
    encode,
    job_item_key,
    site_item_key,
    table_spec,
    version_item_key,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

T = TypeVar("T")
Item = dict[str, Any]
CONDITION_FAILED = "ConditionalCheckFailedException"


class AwsStore:
    """DynamoDB + S3; every racing write is a conditional write."""

    def __init__(
        self,
        table: str,
        bucket: str,
        region: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        max_attempts: int = 3,
    ) -> None:
        """Create the clients; the endpoint and credentials come from the environment."""
        self.table = table
        self.bucket = bucket
        self._clock = clock
        config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
        )
        try:
            session = boto3.session.Session(region_name=region)
            self._ddb: DynamoDBClient = session.client("dynamodb", config=config)
            self._s3: S3Client = session.client("s3", config=config)
        except BotoCoreError as exc:
            raise StoreError(f"cannot create AWS clients: {exc}") from exc

    # plumbing

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking boto3 calls in a thread, translating AWS errors to StoreError."""
        try:
            return await asyncio.to_thread(fn, *args)
        except StoreError:
            raise
        except (BotoCoreError, ClientError) as exc:
            raise StoreError(f"aws store: {exc}") from exc

    def _update(self, key: dict[str, Any], update: Update, condition: str) -> Item | None:
        """A conditional UpdateItem; the new item, or None when the condition failed."""
        try:
            out = self._ddb.update_item(TableName=self.table, Key=key, **update.kwargs(condition))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == CONDITION_FAILED:
                return None
            raise
        return dict(out.get("Attributes", {}))

    def _get(self, key: dict[str, Any]) -> Item | None:
        """A strongly consistent GetItem."""
        out = self._ddb.get_item(TableName=self.table, Key=key, ConsistentRead=True)
        return dict(out["Item"]) if "Item" in out else None

    def _scan(self, prefix: str, sk: str = "META") -> Iterator[Item]:
        """Every item whose pk starts with prefix and whose sk is sk, page by page."""
        paginator = self._ddb.get_paginator("scan")
        pages = paginator.paginate(
            TableName=self.table,
            FilterExpression="begins_with(pk, :p) AND sk = :s",
            ExpressionAttributeValues={":p": {"S": prefix}, ":s": {"S": sk}},
            ConsistentRead=True,
        )
        for page in pages:
            yield from (dict(item) for item in page.get("Items", []))

    def _query(self, pk: str, sk_prefix: str | None, forward: bool = True) -> Iterator[Item]:
        """Items of one partition (only those whose sk starts with sk_prefix, if given)."""
        values: dict[str, Any] = {":p": {"S": pk}}
        condition = "pk = :p"
        if sk_prefix:
            values[":s"] = {"S": sk_prefix}
            condition += " AND begins_with(sk, :s)"
        paginator = self._ddb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=forward,
            ConsistentRead=True,
        )
        for page in pages:
            yield from (dict(item) for item in page.get("Items", []))

    def _get_object(self, key: str) -> bytes | None:
        """An S3 object's bytes, or None when it does not exist."""
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    async def create_resources(self) -> None:
        """Create the table (with its GSI) and the versioned bucket if missing (dev and tests)."""
        await self._run(self._create_table)
        await self._run(self._create_bucket)

    def _create_table(self) -> None:
        """Create the on-demand table and wait until it is active."""
        try:
            self._ddb.create_table(**table_spec(self.table))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise
        self._ddb.get_waiter("table_exists").wait(
            TableName=self.table, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )

    def _create_bucket(self) -> None:
        """Create the bucket in the client's region and turn versioning on."""
        region = self._s3.meta.region_name
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if region and region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._s3.create_bucket(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise
        self._s3.put_bucket_versioning(
            Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"}
        )

    async def ping(self) -> None:
        """Raise StoreError unless both the table and the bucket answer."""

        def ping() -> None:
            self._ddb.describe_table(TableName=self.table)
            self._s3.head_bucket(Bucket=self.bucket)

        await self._run(ping)

    async def close(self) -> None:
        """Close the HTTP connection pools."""
        self._ddb.close()
        self._s3.close()

    # jobs

    async def create_job(self, job: JobRecord) -> JobRecord:
        """Insert a new job; StoreError if the id exists."""
        if not job.created_at:
            job = dataclasses.replace(job, created_at=self._clock())
        item = {k: encode(v) for k, v in dataclasses.asdict(job).items() if v is not None}

        def put() -> None:
            self._ddb.put_item(
                TableName=self.table,
                Item=job_item_key(job.id) | item,
                ConditionExpression="attribute_not_exists(pk)",
            )

        await self._run(put)
        return job

    async def get_job(self, job_id: str) -> JobRecord | None:
        """The job, or None."""
        item = await self._run(self._get, job_item_key(job_id))
        return decode(JobRecord, item) if item else None

    async def update_job(self, job_id: str, **fields: Any) -> JobRecord | None:
        """Set some fields of a job; the updated job, or None."""
        check_fields(JobRecord, fields, JOB_KEYS)
        if not fields:
            return await self.get_job(job_id)
        update = Update().fields(fields)
        item = await self._run(self._update, job_item_key(job_id), update, "attribute_exists(pk)")
        return decode(JobRecord, item) if item else None

    async def list_jobs(self, site: str | None = None, limit: int = 100) -> list[JobRecord]:
        """Jobs, newest first, optionally of one site (a scan: jobs are few)."""
        items = await self._run(lambda: list(self._scan("JOB#")))
        jobs = [decode(JobRecord, i) for i in items]
        jobs = [j for j in jobs if site is None or j.site == site]
        jobs.sort(key=lambda j: (j.created_at, j.id), reverse=True)
        return jobs[:limit]

    async def interrupt_unfinished(self) -> int:
        """Mark queued and running jobs interrupted, each by a conditional update; how many."""
        now = self._clock()

        def interrupt() -> int:
            count = 0
            for item in list(self._scan("JOB#")):
                if decode(JobRecord, item).status not in UNFINISHED:
                    continue
                update = Update().fields({"status": "interrupted", "finished_at": now})
                unfinished = ", ".join(update.value(s) for s in UNFINISHED)
                condition = f"{update.name('status')} IN ({unfinished})"
                key = {"pk": item["pk"], "sk": item["sk"]}
                count += self._update(key, update, condition) is not None
            return count

        return await self._run(interrupt)

    # sites

    async def upsert_site(self, site: SiteRecord) -> SiteRecord:
        """Create the site, or overwrite only its settings; the stored record."""
        now = self._clock()
        data = dataclasses.asdict(site) | {"created_at": site.created_at or now, "updated_at": now}
        update = Update().fields({k: data[k] for k in (*SITE_SETTINGS, "updated_at")})
        for name, value in data.items():
            if name not in SITE_SETTINGS and name != "updated_at":
                update.set(name, value, keep=True)
        item = await self._run(self._update, site_item_key(site.site), update, "")
        if item is None:
            raise StoreError(f"upsert of {site.site!r} returned nothing")
        return decode(SiteRecord, item)

    async def get_site(self, site: str) -> SiteRecord | None:
        """The site, or None."""
        item = await self._run(self._get, site_item_key(site))
        return decode(SiteRecord, item) if item else None

    async def list_sites(self) -> list[SiteRecord]:
        """Every site, ordered by key (a scan: sites are few)."""
        items = await self._run(lambda: list(self._scan("SITE#")))
        return sorted((decode(SiteRecord, i) for i in items), key=lambda s: s.site)

    async def patch_site(self, site: str, **fields: Any) -> SiteRecord | None:
        """Set some fields of a site; the updated site, or None."""
        check_fields(SiteRecord, fields, SITE_KEYS)
        update = Update().fields({**fields, "updated_at": self._clock()})
        item = await self._run(self._update, site_item_key(site), update, "attribute_exists(pk)")
        return decode(SiteRecord, item) if item else None

    async def delete_site(self, site: str) -> bool:
        """Remove a site's items and every version of its objects; whether anything existed."""

        def delete() -> bool:
            items = list(self._query(f"SITE#{site}", None))
            for item in items:
                self._ddb.delete_item(
                    TableName=self.table, Key={"pk": item["pk"], "sk": item["sk"]}
                )
            return self._delete_objects(f"sites/{site}/") or bool(items)

        return await self._run(delete)

    def _delete_objects(self, prefix: str) -> bool:
        """Delete every version and delete marker under a prefix; whether there were any."""
        found = False
        paginator = self._s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            entries = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            objects: list[ObjectIdentifierTypeDef] = [
                {"Key": e["Key"], "VersionId": e["VersionId"]} for e in entries
            ]
            if objects:
                found = True
                self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": objects})
        return found

    # outputs

    async def publish(
        self, site: str, llms_txt: str, llms_full: str | None, summary: dict[str, Any]
    ) -> VersionRecord:
        """Put the version's objects, then its item, then move site.current_version forward."""
        record, files = new_version(site, self._clock(), llms_txt, llms_full, summary)
        await self._run(self._write_version_files, record, files)
        await self._run(self._record_version, record)
        return record

    def _write_version_files(self, record: VersionRecord, files: dict[str, str]) -> None:
        """Put each file of a version under its immutable key."""
        for name, text in files.items():
            self._s3.put_object(
                Bucket=self.bucket,
                Key=f"sites/{record.site}/versions/{record.version}/{name}",
                Body=text.encode("utf-8"),
                ContentType="text/markdown; charset=utf-8",
            )

    def _record_version(self, record: VersionRecord) -> None:
        """Write the version item, then point the site at it unless a newer one is current."""
        item = {k: encode(v) for k, v in dataclasses.asdict(record).items() if v is not None}
        self._ddb.put_item(
            TableName=self.table,
            Item=version_item_key(record.site, record.version) | item,
            ConditionExpression="attribute_not_exists(pk)",
        )
        update = Update().fields(
            {"current_version": record.version, "updated_at": record.created_at}
        )
        current, version = update.name("current_version"), update.value(record.version)
        condition = (
            f"attribute_exists(pk) AND (attribute_not_exists({current}) OR {current} < {version})"
        )
        self._update(site_item_key(record.site), update, condition)

    async def get_output(
        self, site: str, name: OutputName, version: str | None = None
    ) -> tuple[str, VersionRecord] | None:
        """The text of a published file and its version, or None."""
        return await self._run(self._read_output, site, name, version)

    def _read_output(
        self, site: str, name: OutputName, version: str | None
    ) -> tuple[str, VersionRecord] | None:
        """Find the version item, then read its object."""
        record = self._find_version(site, version)
        if record is None or name not in ("llms.txt", "llms-full.txt"):
            return None
        body = self._get_object(f"sites/{site}/versions/{record.version}/{name}")
        return None if body is None else (body.decode("utf-8"), record)

    def _find_version(self, site: str, version: str | None) -> VersionRecord | None:
        """The given version, else the site's current one, else its newest."""
        if version is None:
            meta = self._get(site_item_key(site))
            current = meta.get("current_version") if meta else None
            version = current["S"] if current else None
        if version is not None:
            item = self._get(version_item_key(site, version))
        else:
            item = next(self._query(f"SITE#{site}", "VERSION#", forward=False), None)
        return decode(VersionRecord, item) if item else None

    async def list_versions(self, site: str) -> list[VersionRecord]:
        """Published versions, newest first."""
        items = await self._run(lambda: list(self._query(f"SITE#{site}", "VERSION#", False)))
        return [decode(VersionRecord, i) for i in items]

    # page state

    async def save_state(self, site: str, data: bytes) -> None:
        """Replace the site's crawl state object (a single PUT: readers see old or new)."""
        key = f"sites/{site}/state.bin"
        await self._run(lambda: self._s3.put_object(Bucket=self.bucket, Key=key, Body=data))

    async def load_state(self, site: str) -> bytes | None:
        """The site's crawl state, or None."""
        return await self._run(self._get_object, f"sites/{site}/state.bin")

    # leases

    async def claim_due(
        self, now: float, owner: str, lease_seconds: float, limit: int
    ) -> list[SiteRecord]:
        """Read due candidates from the sparse GSI, then lease each by a conditional update."""

        def claim() -> list[SiteRecord]:
            claimed: list[SiteRecord] = []
            for candidate in self._due(now):
                if len(claimed) >= limit:
                    break
                item = self._claim_one(candidate, now, owner, lease_seconds)
                if item is not None:
                    claimed.append(decode(SiteRecord, item))
            return claimed

        return await self._run(claim)

    def _due(self, now: float) -> Iterator[Item]:
        """Keys of auto-update sites with next_crawl_at <= now, earliest first."""
        paginator = self._ddb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table,
            IndexName=DUE_INDEX,
            KeyConditionExpression="#d = :d AND next_crawl_at <= :now",
            ExpressionAttributeNames={"#d": "due"},
            ExpressionAttributeValues={":d": {"S": DUE}, ":now": encode(now)},
        )
        for page in pages:
            yield from (dict(item) for item in page.get("Items", []))

    def _claim_one(self, key: Item, now: float, owner: str, lease_seconds: float) -> Item | None:
        """Lease one site if it is still due and unleased (the check and the write are one)."""
        update = Update().fields({"lease_owner": owner, "lease_until": now + lease_seconds})
        due, nxt, until = (
            update.name("due"),
            update.name("next_crawl_at"),
            update.name("lease_until"),
        )
        marker, at = update.value(DUE), update.value(now)
        condition = (
            f"{due} = {marker} AND {nxt} <= {at} "
            f"AND (attribute_not_exists({until}) OR {until} < {at})"
        )
        return self._update({"pk": key["pk"], "sk": key["sk"]}, update, condition)

    async def release(self, site: str, owner: str, **fields: Any) -> bool:
        """Clear the lease and set fields if owner holds it; whether it did."""
        check_fields(SiteRecord, fields, SITE_KEYS)
        changes = {**fields, "lease_owner": None, "lease_until": None, "updated_at": self._clock()}
        update = Update().fields(changes)
        condition = f"{update.name('lease_owner')} = {update.value(owner)}"
        item = await self._run(self._update, site_item_key(site), update, condition)
        return item is not None
