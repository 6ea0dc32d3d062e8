"""The recrawl benchmark: what keeping a 500-page site current costs, unchanged and with 3 changes.

python -m bench.recrawl [--pages 500] [--latency-ms 50] [--concurrency 16]
(writes bench/results/recrawl.json)

The site runs in a separate process (tests.sites.testsite, no traps) on a fixed port, so the start
URL, and with it the saved crawl state, survives a restart with `--changed 3`.
(a) CLI: `llmstxt generate` first crawl, then a recrawl into the same folder: requests, body bytes,
    wall time, page outcomes, output bytes. After the restart with 3 pages revised, a recrawl
    must fetch exactly those 3 in full.
(b) Service (uvicorn, local store), the path a user of hosted files meets: a job, a second job
    (no new version may appear), then after the change a third (one new version whose change
    summary names the 3 pages).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2

from bench.__main__ import free_port, machine, run_child, wait_until_up
from bench.service import service_process, wait_job
from tests.sites.model import SiteSpec, build_site

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "recrawl.json"
CHANGED = 3
# wall: the crawl's own wall time (report.json timings.crawl_s); the pipeline's and the process's
# are printed beside it (they add composing and interpreter start-up, the same in both runs).
TARGETS = {"share_304": 0.95, "bytes_ratio": 0.05, "crawl_ratio": 0.30}
OUTPUTS = ("llms.txt", "llms-full.txt")


@contextlib.contextmanager
def site_process(port: int, pages: int, latency_ms: float, changed: int = 0) -> Iterator[str]:
    """Serve the generated site (no traps, `changed` pages revised) on port; its base URL."""
    command = [sys.executable, "-m", "tests.sites.testsite", "--pages", str(pages), "--no-traps"]
    command += ["--latency-ms", str(latency_ms), "--port", str(port), "--changed", str(changed)]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/robots.txt")
        yield base
    finally:
        server.terminate()
        server.wait()


def cli_run(base: str, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """`llmstxt generate` into out in a child process: wall and CPU seconds, and report.json."""
    command = [sys.executable, "-m", "llmstxt.cli", "generate", base + "/", "--out", str(out)]
    command += ["--concurrency", str(args.concurrency), "--max-pages", str(2 * args.pages)]
    _, wall, cpu, _ = run_child([*command, "--full"])
    report = json.loads((out / "report.json").read_text())
    return {"wall_s": wall, "cpu_s": cpu, "report": report}


def page_outcomes(report: dict[str, Any]) -> dict[str, int]:
    """How the crawl's pages were had: not asked (lastmod), 304, 200 with a body, other."""
    rows = [r for r in report["urls"] if "status" in r]
    unchanged = sum(1 for r in rows if r.get("reused") == "lastmod")
    not_modified = sum(1 for r in rows if r.get("reused") == "not_modified")
    full = sum(1 for r in rows if r["status"] == 200)
    return {
        "pages": len(rows),
        "unchanged_by_lastmod": unchanged,
        "not_modified_304": not_modified,
        "fetched_200": full,
        "other": len(rows) - unchanged - not_modified - full,
        "page_requests": len(rows) - unchanged,
    }


def outputs_of(out: Path) -> dict[str, bytes]:
    """The published files of a CLI run."""
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def cli_part(port: int, args: argparse.Namespace, changed_paths: list[str]) -> dict[str, Any]:
    """First crawl, unchanged recrawl, then a recrawl after CHANGED pages were revised."""
    work = Path(tempfile.mkdtemp(prefix="bench-recrawl-"))
    try:
        with site_process(port, args.pages, args.latency_ms) as base:
            cli_run(base, work / "warm-up", args)  # caches and page cache, as `make bench` does
            first = cli_run(base, work / "out", args)
            first_files = outputs_of(work / "out")
            again = cli_run(base, work / "out", args)
            same = outputs_of(work / "out") == first_files
        with site_process(port, args.pages, args.latency_ms, CHANGED) as base:
            changed = cli_run(base, work / "out", args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summarize(first, again, changed, same, base, changed_paths)


def summarize(
    first: dict[str, Any],
    again: dict[str, Any],
    changed: dict[str, Any],
    same: bool,
    base: str,
    changed_paths: list[str],
) -> dict[str, Any]:
    """The figures of the CLI part, ratios against the first crawl included."""
    outcomes = page_outcomes(again["report"])
    refetched = sorted(
        r["url"].removeprefix(base) for r in changed["report"]["urls"] if r.get("status") == 200
    )
    f, a = first["report"], again["report"]
    return {
        "first": {"wall_s": first["wall_s"], "run_s": f["timings"]["total_s"]}
        | {"crawl_s": f["timings"]["crawl_s"], "requests": f["requests"], "bytes": f["bytes"]},
        "recrawl": {"wall_s": again["wall_s"], "run_s": a["timings"]["total_s"]}
        | {"crawl_s": a["timings"]["crawl_s"], "requests": a["requests"], "bytes": a["bytes"]}
        | outcomes,
        "share_304": outcomes["not_modified_304"] / max(outcomes["page_requests"], 1),
        "share_not_downloaded": (outcomes["unchanged_by_lastmod"] + outcomes["not_modified_304"])
        / max(outcomes["pages"], 1),
        "bytes_ratio": a["bytes"] / f["bytes"],
        "wall_ratio": again["wall_s"] / first["wall_s"],
        "run_ratio": a["timings"]["total_s"] / f["timings"]["total_s"],
        "crawl_ratio": a["timings"]["crawl_s"] / f["timings"]["crawl_s"],
        "output_identical": same,
        "changed": {
            "expected": changed_paths,
            "fetched_200": refetched,
            "exactly_those": refetched == sorted(changed_paths),
            "outcomes": page_outcomes(changed["report"]),
        },
    }


def job(service: str, url: str, pages: int) -> dict[str, Any]:
    """Run one service job for url to the end; its view."""
    body = {"url": url + "/", "maxPages": pages, "full": True}
    response = httpx2.post(service + "/api/v1/jobs", json=body, timeout=30.0)
    response.raise_for_status()
    view, _ = wait_job(service, str(response.json()["id"]))
    return view


def service_part(port: int, args: argparse.Namespace, changed_paths: list[str]) -> dict[str, Any]:
    """Versions the service's local store keeps across an unchanged and a changed recrawl."""
    with tempfile.TemporaryDirectory() as data, service_process(data) as (service, _):
        with site_process(port, args.pages, args.latency_ms) as base:
            site = job(service, base, 2 * args.pages)["site"]
            job(service, base, 2 * args.pages)
            unchanged = httpx2.get(f"{service}/api/v1/sites/{site}/versions").json()["versions"]
            status = httpx2.get(f"{service}/api/v1/sites/{site}").json()["last_status"]
        with site_process(port, args.pages, args.latency_ms, CHANGED) as base:
            job(service, base, 2 * args.pages)
            after = httpx2.get(f"{service}/api/v1/sites/{site}/versions").json()["versions"]
    summary = after[0]["summary"]
    named = sorted(u.removeprefix(base) for u in summary.get("changed", []))
    return {
        "versions_after_unchanged_recrawl": len(unchanged),
        "last_status_after_unchanged_recrawl": status,
        "versions_after_change": len(after),
        "summary": summary,
        "summary_names_the_changed_pages": named == sorted(changed_paths),
    }


def verdicts(cli: dict[str, Any], service: dict[str, Any]) -> dict[str, bool]:
    """Each acceptance figure of the issue, met or not."""
    return {
        "share_304 >= 95%": cli["share_304"] >= TARGETS["share_304"],
        "bytes <= 5%": cli["bytes_ratio"] <= TARGETS["bytes_ratio"],
        "crawl wall <= 30%": cli["crawl_ratio"] <= TARGETS["crawl_ratio"],
        "output identical": cli["output_identical"],
        "no new version": service["versions_after_unchanged_recrawl"] == 1,
        "exactly the 3 changed pages fetched": cli["changed"]["exactly_those"],
        "one new version naming them": service["versions_after_change"] == 2
        and service["summary_names_the_changed_pages"],
    }


def table(results: dict[str, Any]) -> str:
    """The figures as plain text."""
    c, r = results["cli"], results["cli"]["recrawl"]
    lines = [
        f"unchanged {r['pages']}-page recrawl: {r['unchanged_by_lastmod']} not asked (lastmod), "
        f"{r['not_modified_304']} answered 304, {r['fetched_200']} fetched (200), {r['other']} other",
        f"  page requests answered 304: {100 * c['share_304']:.1f}%   "
        f"pages not downloaded: {100 * c['share_not_downloaded']:.1f}%",
        f"  requests {r['requests']} vs {c['first']['requests']}; body bytes "
        f"{100 * c['bytes_ratio']:.2f}% of the first crawl",
        f"  crawl wall {r['crawl_s']:.2f}s vs {c['first']['crawl_s']:.2f}s = "
        f"{100 * c['crawl_ratio']:.0f}%; pipeline {100 * c['run_ratio']:.0f}%, "
        f"process (with start-up) {100 * c['wall_ratio']:.0f}%",
        f"  output byte-identical: {c['output_identical']}; service versions after it: "
        f"{results['service']['versions_after_unchanged_recrawl']}",
        f"after {CHANGED} pages changed: fetched in full {c['changed']['fetched_200']}",
        f"  new version's summary: {results['service']['summary']}",
    ]
    lines += [f"{'PASS' if ok else 'FAIL'}  {name}" for name, ok in results["verdicts"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run both parts, print the figures, write bench/results/recrawl.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    spec = SiteSpec(pages=args.pages, traps=False, changed=CHANGED)
    changed_paths = [p.path for p in build_site(spec).pages.values() if p.revised]
    port = free_port()
    results: dict[str, Any] = {"machine": machine(), "params": vars(args), "targets": TARGETS}
    results["cli"] = cli_part(port, args, changed_paths)
    results["service"] = service_part(port, args, changed_paths)
    results["verdicts"] = verdicts(results["cli"], results["service"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
