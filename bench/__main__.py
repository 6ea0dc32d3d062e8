"""`make bench`: crawl generated sites served by a separate process on loopback and measure the crawler.

python -m bench [--pages 500] [--big-pages 5000] [--latency-ms 50] [--concurrency 16]
                [--repeat 3] [--skip-big] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from bench import baseline

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
TARGETS = {"ratio": 1.3, "cpu_ms_per_page": 3.0, "peak_rss_mb": 150.0, "speedup": 15.0}


@dataclass
class CrawlRun:
    """One `llmstxt generate` child process: its wall time, CPU, memory and report."""

    label: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    requests: int
    fetched: int
    kept: int
    run_s: float  # the pipeline's own total (report.json timings.total_s), without start-up
    medians: dict[str, float] = field(default_factory=dict)  # of the repeated runs

    def ideal_s(self, latency_s: float, concurrency: int) -> float:
        """The bound: every request costs one latency, concurrency of them at a time."""
        return self.requests * latency_s / concurrency

    @property
    def cpu_ms_per_page(self) -> float:
        """CPU milliseconds per page fetched (interpreter start-up included)."""
        return 1000 * self.cpu_s / max(self.fetched, 1)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def site_process(pages: int, latency_ms: float, usage: dict[str, float]) -> Iterator[str]:
    """Serve a generated site (no traps) from a separate process; yield its base URL.

    The server's own CPU seconds land in usage["server_cpu_s"] once it has stopped: the crawler
    and the server share the machine's CPUs.
    """
    port = free_port()
    command = [sys.executable, "-m", "tests.sites.testsite", "--pages", str(pages)]
    command += ["--latency-ms", str(latency_ms), "--port", str(port), "--no-traps"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/robots.txt")
        yield base
    finally:
        server.terminate()
        _, _, rusage = os.wait4(server.pid, 0)
        server.returncode = 0
        usage["server_cpu_s"] = usage.get("server_cpu_s", 0.0) + rusage.ru_utime + rusage.ru_stime


def wait_until_up(url: str, seconds: float = 30.0) -> None:
    """Poll url until it answers."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx2.get(url, timeout=2.0)
            return
        except httpx2.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def run_child(command: list[str]) -> tuple[int, float, float, float]:
    """Run command; return (exit code, wall seconds, user+sys CPU seconds, peak RSS MB) of that child."""
    began = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        assert child.stderr is not None
        sys.exit(f"crawler failed ({child.returncode}): {child.stderr.read().decode()[-2000:]}")
    return child.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def crawl(label: str, base: str, concurrency: int, max_pages: int, *extra: str) -> CrawlRun:
    """Run `llmstxt generate` on base in a child process and read its report."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "llmstxt.cli", "generate", base + "/", "--out", out]
        command += ["--concurrency", str(concurrency), "--max-pages", str(max_pages), *extra]
        _, wall, cpu, rss = run_child(command)
        report = json.loads((Path(out) / "report.json").read_text())
    pages = report["pages"]
    total = float(report["timings"]["total_s"])
    return CrawlRun(
        label, wall, cpu, rss, report["requests"], pages["fetched"], pages["kept"], total
    )


def repeated(times: int, label: str, *args: Any) -> CrawlRun:
    """crawl() `times` times: the best of each figure, as timeit reports (on this shared, noisy
    machine the same work costs up to 50% more CPU from one minute to the next; interference only
    adds). The medians are kept beside them in the results."""
    runs = [crawl(label, *args) for _ in range(times)]
    best = CrawlRun(
        label,
        min(r.wall_s for r in runs),
        min(r.cpu_s for r in runs),
        max(r.peak_rss_mb for r in runs),
        runs[0].requests,
        runs[0].fetched,
        runs[0].kept,
        min(r.run_s for r in runs),
    )
    best.medians = {
        "wall_s": statistics.median(r.wall_s for r in runs),
        "cpu_s": statistics.median(r.cpu_s for r in runs),
        "run_s": statistics.median(r.run_s for r in runs),
    }
    return best


def startup_cost() -> tuple[float, float]:
    """Wall and CPU seconds of starting the CLI and importing the generator, doing nothing."""
    code = "import llmstxt.cli, llmstxt.pipeline"
    runs = [run_child([sys.executable, "-c", code]) for _ in range(5)]
    return min(r[1] for r in runs), min(r[2] for r in runs)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run every measurement; return the results as one dict."""
    latency = args.latency_ms / 1000
    results: dict[str, Any] = {"machine": machine(), "params": vars(args), "targets": TARGETS}
    start_wall, start_cpu = startup_cost()
    results["startup"] = {"wall_s": start_wall, "cpu_s": start_cpu}
    usage: dict[str, float] = {}
    with site_process(args.pages, args.latency_ms, usage) as base:
        crawl("warm-up", base, args.concurrency, 2 * args.pages, "--no-full")
        n, pages = args.repeat, 2 * args.pages
        runs = [
            repeated(n, "no-full", base, args.concurrency, pages, "--no-full"),
            repeated(n, "full", base, args.concurrency, pages, "--full"),
        ]
        # The speed-up at twice the concurrency too: the bound scales with it, a sequential
        # crawler's does not (ratios of this run are against its own, twice-as-tight, bound).
        wide = repeated(n, "no-full-2x", base, 2 * args.concurrency, pages, "--no-full")
        if not args.skip_baseline:
            results["baseline"] = asdict(baseline.crawl(base + "/", 2 * args.pages))
    if not args.skip_big:
        with site_process(args.big_pages, args.latency_ms, usage) as base:
            runs.append(crawl("big", base, args.concurrency, args.big_pages, "--full"))
    results["server_cpu_s"] = usage.get("server_cpu_s", 0.0)
    results["runs"] = [run_summary(r, latency, args.concurrency, start_cpu) for r in runs]
    results["runs"].append(run_summary(wide, latency, 2 * args.concurrency, start_cpu))
    return results


def run_summary(
    run: CrawlRun, latency: float, concurrency: int, start_cpu: float
) -> dict[str, Any]:
    """One run's figures, derived ratios included."""
    ideal = run.ideal_s(latency, concurrency)
    pages = max(run.fetched, 1)
    return asdict(run) | {
        "ideal_s": ideal,
        "ratio_wall": run.wall_s / ideal,
        "ratio_run": run.run_s / ideal,
        "cpu_ms_per_page": run.cpu_ms_per_page,
        "cpu_ms_per_page_net": 1000 * max(run.cpu_s - start_cpu, 0) / pages,
    }


def machine() -> dict[str, Any]:
    """Where the numbers were measured, with how fast this machine runs Python right now."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "reference_loop_s": reference_loop(),
    }


def reference_loop() -> float:
    """CPU seconds of a fixed pure-Python loop (10 million additions), best of 3: CPU figures from
    two machines (or two moments of one shared machine) compare after dividing by it."""
    best = float("inf")
    for _ in range(3):
        began, total = time.process_time(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.process_time() - began)
    return round(best, 3)


def table(results: dict[str, Any]) -> str:
    """The results as a plain-text table."""
    head = f"{'run':<11}{'pages':>7}{'reqs':>7}{'wall s':>8}{'run s':>7}{'ideal s':>8}"
    head += f"{'ratio':>13}{'CPU ms/pg':>15}{'RSS MB':>8}"
    lines = [head, "-" * len(head)]
    for r in results["runs"]:
        lines.append(
            f"{r['label']:<11}{r['fetched']:>7}{r['requests']:>7}{r['wall_s']:>8.2f}{r['run_s']:>7.2f}"
            f"{r['ideal_s']:>8.2f}{r['ratio_wall']:>6.2f} /{r['ratio_run']:>5.2f}"
            f"{r['cpu_ms_per_page']:>7.2f} /{r['cpu_ms_per_page_net']:>5.2f}{r['peak_rss_mb']:>8.1f}"
        )
    lines.append("ratio: process wall / pipeline run, over the ideal; CPU: with / without start-up")
    lines.append(
        f"reference loop: {results['machine']['reference_loop_s']:.3f} s CPU (machine speed)"
    )
    base = results.get("baseline")
    if base:
        up = speedups(results)
        wider = 2 * results["params"]["concurrency"]
        lines.append(
            f"baseline (sequential httpx + BeautifulSoup): {base['pages']} pages in "
            f"{base['wall_s']:.1f}s = {base['pages'] / base['wall_s']:.1f} pages/s, "
            f"{1000 * base['cpu_s'] / base['pages']:.1f} ms CPU/page; speed-up "
            f"{up['speedup']:.1f}x (wall, ours with start-up); at "
            f"--concurrency {wider}: {up['speedup_2x']:.1f}x"
        )
        # The baseline is timed around its crawl inside this process (its imports done): the
        # like-for-like figure puts our pipeline's own run (report.json total_s) beside it.
        lines.append(
            f"speed-up like for like (both without interpreter start-up): "
            f"{up['speedup_pipeline']:.1f}x; at --concurrency {wider}: "
            f"{up['speedup_pipeline_2x']:.1f}x"
        )
    return "\n".join(lines)


def speedups(results: dict[str, Any]) -> dict[str, float]:
    """The baseline's wall time over ours: the whole process and the pipeline's own run, at the
    benchmark's concurrency and at twice it."""
    base, ours, wide = results["baseline"]["wall_s"], results["runs"][0], results["runs"][-1]
    return {
        "speedup": base / ours["wall_s"],
        "speedup_2x": base / wide["wall_s"],
        "speedup_pipeline": base / ours["run_s"],
        "speedup_pipeline_2x": base / wide["run_s"],
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, print the table, write bench/results/latest.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--big-pages", type=int, default=5000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is shown)")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    results = measure(parser.parse_args(argv))
    if "baseline" in results:
        results |= speedups(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
