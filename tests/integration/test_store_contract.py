"""One contract for every Store: local (SQLite + files) and AWS (DynamoDB + S3 on a moto server)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from llmstxt.errors import StoreError
from llmstxt.store import JobRecord, SiteRecord, Store, open_store, site_key
from llmstxt.store.aws import AwsStore
from llmstxt.store.local import LocalStore

Opener = Callable[[], Store]


@pytest.fixture(params=["local", "aws"])
async def opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Open stores on one fresh backend; each call is another client, as another process would be."""
    opened: list[Store] = []
    if request.param == "local":

        def make() -> Store:
            opened.append(LocalStore(tmp_path / "data"))
            return opened[-1]

    else:
        request.getfixturevalue("aws_env")
        table, bucket = f"t-{uuid.uuid4().hex[:12]}", f"b-{uuid.uuid4().hex[:12]}"

        def make() -> Store:
            opened.append(AwsStore(table, bucket, region="us-east-1"))
            return opened[-1]

        setup = AwsStore(table, bucket, region="us-east-1")
        opened.append(setup)
        await setup.create_resources()
    yield make
    for store in opened:
        await store.close()


@pytest.fixture
def store(opener: Opener) -> Store:
    """A store on a fresh backend."""
    return opener()


def due_site(name: str, at: float, **fields: Any) -> SiteRecord:
    """An auto-update site due at `at`."""
    return SiteRecord(
        site=name, base_url=f"https://{name}/", auto_update=True, next_crawl_at=at, **fields
    )


# jobs


async def test_job_create_get_update(store: Store) -> None:
    job = await store.create_job(JobRecord(site="a.test", url="https://a.test/", params={"n": 5}))
    assert job.created_at > 0
    assert await store.get_job(job.id) == job
    assert await store.get_job("nope") is None
    with pytest.raises(StoreError):
        await store.create_job(job)

    counters = {"pages": 3, "errors": 0, "ratio": 0.5}
    updated = await store.update_job(job.id, status="running", started_at=12.5, counters=counters)
    assert updated is not None
    assert (updated.status, updated.started_at, updated.counters) == ("running", 12.5, counters)
    assert updated.params == {"n": 5}
    assert await store.get_job(job.id) == updated
    cleared = await store.update_job(job.id, started_at=None, error="boom")
    assert cleared is not None and cleared.started_at is None and cleared.error == "boom"
    assert await store.update_job("nope", status="failed") is None
    with pytest.raises(StoreError):
        await store.update_job(job.id, colour="red")


async def test_list_jobs_newest_first_by_site(store: Store) -> None:
    for i in range(4):
        site = "a.test" if i % 2 == 0 else "b.test"
        await store.create_job(JobRecord(id=f"j{i}", site=site, url="u", created_at=100.0 + i))
    assert [j.id for j in await store.list_jobs()] == ["j3", "j2", "j1", "j0"]
    assert [j.id for j in await store.list_jobs(site="a.test")] == ["j2", "j0"]
    assert [j.id for j in await store.list_jobs(limit=1)] == ["j3"]


async def test_interrupt_unfinished(store: Store) -> None:
    statuses = ["queued", "running", "succeeded", "failed", "cancelled"]
    for status in statuses:
        await store.create_job(JobRecord(id=status, site="a.test", url="u", status=status))  # type: ignore[arg-type]
    assert await store.interrupt_unfinished() == 2
    after = {j.id: j for j in await store.list_jobs()}
    assert {k: j.status for k, j in after.items()} == {
        "queued": "interrupted",
        "running": "interrupted",
        "succeeded": "succeeded",
        "failed": "failed",
        "cancelled": "cancelled",
    }
    assert after["running"].finished_at is not None
    assert after["succeeded"].finished_at is None
    assert await store.interrupt_unfinished() == 0


# sites


async def test_site_crud(store: Store) -> None:
    created = await store.upsert_site(
        SiteRecord(site="b.test", base_url="https://b.test/", webhook_secret="s1")
    )
    assert created.created_at > 0 and created.updated_at >= created.created_at
    assert await store.get_site("b.test") == created
    await store.upsert_site(SiteRecord(site="a.test", base_url="https://a.test/"))
    assert [s.site for s in await store.list_sites()] == ["a.test", "b.test"]

    patched = await store.patch_site("b.test", failures=2, last_error="down", last_status="failed")
    assert patched is not None and (patched.failures, patched.last_error) == (2, "down")
    cleared = await store.patch_site("b.test", last_error=None)
    assert cleared is not None and cleared.last_error is None and cleared.failures == 2
    assert await store.patch_site("missing.test", failures=1) is None
    with pytest.raises(StoreError):
        await store.patch_site("b.test", colour="red")

    assert await store.delete_site("a.test") is True
    assert await store.delete_site("a.test") is False
    assert await store.get_site("a.test") is None
    assert [s.site for s in await store.list_sites()] == ["b.test"]


async def test_upsert_keeps_history_and_overwrites_settings(store: Store) -> None:
    first = await store.upsert_site(
        SiteRecord(site="a.test", base_url="https://a.test/", webhook_secret="keep-me")
    )
    await store.publish("a.test", "# A\n", None, {})
    await store.patch_site("a.test", failures=3, page_count=40, last_status="ok")
    again = await store.upsert_site(
        SiteRecord(
            site="a.test",
            base_url="https://a.test/",
            max_pages=50,
            full=False,
            auto_update=True,
            interval_minutes=60,
            next_crawl_at=500.0,
            webhook_secret="other",
        )
    )
    assert (again.max_pages, again.full, again.auto_update) == (50, False, True)
    assert (again.interval_minutes, again.next_crawl_at) == (60, 500.0)
    assert (again.failures, again.page_count, again.last_status) == (3, 40, "ok")
    assert again.webhook_secret == "keep-me"
    assert again.created_at == first.created_at
    assert again.current_version is not None


# outputs


async def test_publish_get_output_and_versions(store: Store) -> None:
    await store.upsert_site(SiteRecord(site="a.test", base_url="https://a.test/"))
    assert await store.get_output("a.test", "llms.txt") is None
    v1 = await store.publish("a.test", "# A\n\n> one ✓\n", "# A full\n", {"added": ["u1"]})
    v2 = await store.publish("a.test", "# A\n\n> two\n", None, {"removed": ["u1"], "added": []})
    assert v1.version < v2.version

    current = await store.get_output("a.test", "llms.txt")
    assert current == ("# A\n\n> two\n", v2)
    assert await store.get_output("a.test", "llms-full.txt") is None
    assert await store.get_output("a.test", "llms-full.txt", v1.version) == ("# A full\n", v1)
    old = await store.get_output("a.test", "llms.txt", v1.version)
    assert old is not None and old[0] == "# A\n\n> one ✓\n"
    assert await store.get_output("a.test", "llms.txt", "0-nope") is None
    assert await store.get_output("other.test", "llms.txt") is None

    assert v1.size == len("# A\n\n> one ✓\n".encode()) and v1.full_size == len("# A full\n")
    assert v2.full_size is None and v2.summary == {"removed": ["u1"], "added": []}
    assert await store.list_versions("a.test") == [v2, v1]
    site = await store.get_site("a.test")
    assert site is not None and site.current_version == v2.version


async def test_publish_without_site_serves_newest(store: Store) -> None:
    await store.publish("loose.test", "# one\n", None, {})
    v2 = await store.publish("loose.test", "# two\n", None, {})
    assert await store.get_output("loose.test", "llms.txt") == ("# two\n", v2)


async def test_failed_publish_keeps_serving_old_version(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.upsert_site(SiteRecord(site="a.test", base_url="https://a.test/"))
    v1 = await store.publish("a.test", "# good\n", "# good full\n", {})

    def crash(*args: object) -> None:
        raise StoreError("crashed after the files, before the record")

    monkeypatch.setattr(store, "_record_version", crash)
    with pytest.raises(StoreError):
        await store.publish("a.test", "# half\n", "# half full\n", {})
    monkeypatch.undo()

    assert await store.get_output("a.test", "llms.txt") == ("# good\n", v1)
    assert await store.get_output("a.test", "llms-full.txt") == ("# good full\n", v1)
    assert await store.list_versions("a.test") == [v1]


async def test_readers_see_only_whole_files_during_publishes(store: Store) -> None:
    await store.upsert_site(SiteRecord(site="a.test", base_url="https://a.test/"))
    texts = [f"# v{i}\n" + f"- line {i}\n" * 20_000 for i in range(5)]
    await store.publish("a.test", texts[0], None, {})

    async def read_many() -> list[str]:
        seen = []
        for _ in range(15):
            out = await store.get_output("a.test", "llms.txt")
            assert out is not None
            seen.append(out[0])
        return seen

    async def publish_all() -> None:
        for text in texts[1:]:
            await store.publish("a.test", text, None, {})

    seen, _ = await asyncio.gather(read_many(), publish_all())
    assert set(seen) <= set(texts)
    final = await store.get_output("a.test", "llms.txt")
    assert final is not None and final[0] == texts[-1]


async def test_delete_site_removes_outputs_and_state(store: Store) -> None:
    await store.upsert_site(SiteRecord(site="a.test", base_url="https://a.test/"))
    await store.publish("a.test", "# A\n", "# full\n", {})
    await store.save_state("a.test", b"state")
    await store.upsert_site(SiteRecord(site="b.test", base_url="https://b.test/"))
    await store.publish("b.test", "# B\n", None, {})

    assert await store.delete_site("a.test") is True
    assert await store.get_output("a.test", "llms.txt") is None
    assert await store.list_versions("a.test") == []
    assert await store.load_state("a.test") is None
    assert await store.get_output("b.test", "llms.txt") is not None


# page state


async def test_state_round_trip(store: Store) -> None:
    assert await store.load_state("a.test") is None
    blob = bytes(range(256)) * 100
    await store.save_state("a.test", blob)
    assert await store.load_state("a.test") == blob
    await store.save_state("a.test", b"newer")
    assert await store.load_state("a.test") == b"newer"
    assert await store.load_state("b.test") is None


# leases


async def test_claim_due_picks_only_due_auto_update_sites(store: Store) -> None:
    await store.upsert_site(due_site("late.test", 90.0))
    await store.upsert_site(due_site("early.test", 50.0))
    await store.upsert_site(due_site("future.test", 200.0))
    await store.upsert_site(SiteRecord(site="off.test", base_url="u", next_crawl_at=10.0))
    await store.upsert_site(due_site("turned-off.test", 10.0))
    await store.patch_site("turned-off.test", auto_update=False)
    await store.upsert_site(SiteRecord(site="never.test", base_url="https://never.test/"))

    claimed = await store.claim_due(now=100.0, owner="w1", lease_seconds=30, limit=10)
    assert [s.site for s in claimed] == ["early.test", "late.test"]
    assert all(s.lease_owner == "w1" and s.lease_until == 130.0 for s in claimed)
    stored = await store.get_site("early.test")
    assert stored is not None and stored.lease_owner == "w1"
    assert await store.claim_due(now=100.0, owner="w2", lease_seconds=30, limit=10) == []


async def test_claim_due_respects_limit(store: Store) -> None:
    for i in range(5):
        await store.upsert_site(due_site(f"s{i}.test", 10.0 + i))
    first = await store.claim_due(now=100.0, owner="w1", lease_seconds=30, limit=2)
    second = await store.claim_due(now=100.0, owner="w1", lease_seconds=30, limit=2)
    assert [s.site for s in first] == ["s0.test", "s1.test"]
    assert [s.site for s in second] == ["s2.test", "s3.test"]


async def test_concurrent_claims_never_share_a_site(opener: Opener) -> None:
    setup = opener()
    sites = {f"s{i:02d}.test" for i in range(24)}
    for name in sites:
        await setup.upsert_site(due_site(name, 10.0))

    async def worker(owner: str) -> list[str]:
        store, got = opener(), []
        while batch := await store.claim_due(now=100.0, owner=owner, lease_seconds=60, limit=3):
            got += [s.site for s in batch]
        return got

    results = await asyncio.gather(*(worker(f"w{i}") for i in range(3)))
    everything = [name for got in results for name in got]
    assert sorted(everything) == sorted(sites)  # every site once: no site claimed twice
    for name in sites:
        site = await setup.get_site(name)
        owners = [f"w{i}" for i, got in enumerate(results) if name in got]
        assert site is not None and [site.lease_owner] == owners


async def test_expired_lease_is_reclaimable_and_release_needs_owner(store: Store) -> None:
    await store.upsert_site(due_site("a.test", 50.0, last_error="old"))
    assert [s.site for s in await store.claim_due(100.0, "w1", 10, 5)] == ["a.test"]
    assert await store.claim_due(105.0, "w2", 10, 5) == []
    taken = await store.claim_due(111.0, "w2", 10, 5)
    assert [(s.site, s.lease_owner, s.lease_until) for s in taken] == [("a.test", "w2", 121.0)]

    assert await store.release("a.test", "w1", next_crawl_at=999.0) is False
    site = await store.get_site("a.test")
    assert site is not None and site.next_crawl_at == 50.0 and site.lease_owner == "w2"

    fields = {"next_crawl_at": 500.0, "last_status": "ok", "last_error": None, "failures": 0}
    assert await store.release("a.test", "w2", last_crawl_at=111.0, **fields) is True
    site = await store.get_site("a.test")
    assert site is not None
    assert (site.lease_owner, site.lease_until, site.last_error) == (None, None, None)
    assert (site.next_crawl_at, site.last_status, site.last_crawl_at) == (500.0, "ok", 111.0)
    assert await store.release("a.test", "w2") is False
    assert await store.claim_due(200.0, "w1", 10, 5) == []
    assert [s.site for s in await store.claim_due(500.0, "w1", 10, 5)] == ["a.test"]


async def test_release_can_turn_auto_update_off(store: Store) -> None:
    await store.upsert_site(due_site("a.test", 50.0))
    await store.claim_due(100.0, "w1", 10, 5)
    assert await store.release("a.test", "w1", auto_update=False, next_crawl_at=0.0) is True
    assert await store.claim_due(1000.0, "w1", 10, 5) == []


# health


async def test_ping(store: Store) -> None:
    await store.ping()


async def test_ping_fails_on_closed_local_store(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    await store.ping()
    await store.close()
    with pytest.raises(StoreError):
        await store.ping()


async def test_ping_fails_when_moto_server_stops(own_moto_server: Any) -> None:
    store = AwsStore(table="ping", bucket="ping-bucket", region="us-east-1", max_attempts=1)
    await store.create_resources()
    await store.ping()
    own_moto_server.stop()
    with pytest.raises(StoreError):
        await store.ping()
    await store.close()


async def test_open_store_picks_backend(tmp_path: Path) -> None:
    local = open_store("local", data_dir=tmp_path)
    assert isinstance(local, LocalStore) and isinstance(local, Store)
    await local.close()
    with pytest.raises(ValueError):
        open_store("nope")  # type: ignore[arg-type]


def test_site_key() -> None:
    assert site_key("https://Docs.Example.com/") == "docs.example.com"
    assert site_key("http://docs.example.com") == "docs.example.com"
    assert site_key("https://example.com/docs/v2/") == "example.com~docs~v2"
    assert site_key("http://127.0.0.1:8123/x") == "127.0.0.1_8123~x"
    assert site_key("https://example.com:443/a b") == "example.com~a-b"
    with pytest.raises(ValueError):
        site_key("ftp://example.com/")
