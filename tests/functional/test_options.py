"""Crawl options, scope and robots.txt rules, and the CLI's behaviour on good and bad input."""

from __future__ import annotations

import itertools
import json
import socket
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from tests.functional.conftest import generate_sync, path_of, run_cli


def kept(result: Any) -> set[str]:
    """Paths of the pages a run kept."""
    return {path_of(r.url) for r in result.records if r.kept}


def test_include_keeps_only_matching_pages(serve_site: Any, tmp_path: Path) -> None:
    """--include limits the kept pages to the glob (the start page aside)."""
    site, base = serve_site(pages=60, traps=False)
    result = generate_sync(base + "/", tmp_path, include=("/docs/api/*",))
    api = {p for p in site.site.expected_kept() if p.startswith("/docs/api/")}
    assert api <= kept(result)
    assert all(fnmatch(p, "/docs/api/*") for p in kept(result) - {"/"})


def test_exclude_drops_matching_pages(serve_site: Any, tmp_path: Path) -> None:
    """--exclude drops the glob's pages and keeps the rest."""
    site, base = serve_site(pages=60, traps=False)
    result = generate_sync(base + "/", tmp_path, exclude=("/blog/*",))
    assert not {p for p in kept(result) if p.startswith("/blog/")}
    assert {p for p in site.site.expected_kept() if not p.startswith("/blog/")} <= kept(result)
    assert result.report["pages"]["skipped"].get("excluded", 0) >= 1


def test_max_pages_caps_the_pages_fetched(serve_site: Any, tmp_path: Path) -> None:
    """--max-pages N fetches at most N pages."""
    site, base = serve_site(pages=60, traps=False)
    result = generate_sync(base + "/", tmp_path, max_pages=10)
    assert result.report["pages"]["fetched"] <= 10
    assert 1 <= result.report["pages"]["kept"] <= 10
    pages = [p for p in site.paths_requested() if p.endswith((".html", "/")) and "sitemap" not in p]
    assert len(set(pages)) <= 10


def test_max_depth_bounds_link_depth(serve_site: Any, tmp_path: Path) -> None:
    """--max-depth D fetches nothing deeper than D."""
    site, base = serve_site(pages=200, traps=False)
    result = generate_sync(base + "/", tmp_path, max_depth=1)
    assert all(row["depth"] <= 1 for row in result.report["urls"] if row.get("status"))
    assert result.report["pages"]["kept"] < len(site.site.expected_kept())


def test_no_full_writes_no_llms_full(serve_site: Any, tmp_path: Path) -> None:
    """--no-full writes llms.txt and report.json only."""
    _, base = serve_site(pages=20, traps=False)
    result = generate_sync(base + "/", tmp_path, full=False)
    assert result.llms_full_txt is None
    outputs = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert outputs == ["llms.txt", "report.json"]


def test_path_prefix_scope(serve_site: Any, tmp_path: Path) -> None:
    """Starting at /docs/ keeps every docs page and never requests pages outside /docs/."""
    site, base = serve_site(pages=60, traps=False)
    result = generate_sync(base + "/docs/", tmp_path)
    assert site.site.expected_kept("/docs/") <= kept(result)
    assert all(p.startswith("/docs/") for p in kept(result))
    outside = [p for p in site.paths_requested() if p.startswith(("/blog/", "/about/"))]
    assert not outside


def test_robots_5xx_means_nothing_is_crawled(serve_site: Any, tmp_path: Path) -> None:
    """RFC 9309: a robots.txt answering 5xx disallows everything, and the run fails clearly."""
    from llmstxt.errors import LlmstxtError

    site, base = serve_site(pages=20, traps=False, robots="500")
    with pytest.raises(LlmstxtError):
        generate_sync(base + "/", tmp_path, max_retries=0)
    assert {p for p in site.paths_requested()} == {"/robots.txt"}
    assert not (tmp_path / "llms.txt").exists()


def test_robots_5xx_cli_exits_with_one_line(serve_site: Any, tmp_path: Path) -> None:
    """The CLI turns the robots refusal into a non-zero exit and one error line."""
    _, base = serve_site(pages=20, traps=False, robots="500")
    done = run_cli("generate", base + "/", "--out", str(tmp_path / "out"))
    assert done.returncode != 0
    assert len(error_lines(done.stderr)) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_robots_404_allows_everything(serve_site: Any, tmp_path: Path) -> None:
    """RFC 9309: a robots.txt answering 4xx allows everything, /private/ included."""
    site, base = serve_site(pages=20, traps=False, robots="404")
    result = generate_sync(base + "/", tmp_path)
    assert site.site.expected_kept(ignore_robots=True) <= kept(result)


def test_crawl_delay_spaces_requests(serve_site: Any, tmp_path: Path) -> None:
    """Crawl-delay: the server sees consecutive page requests at least the delay apart."""
    site, base = serve_site(pages=8, traps=False, crawl_delay=0.3)
    generate_sync(base + "/", tmp_path, concurrency=8, max_pages=8)
    hits = sorted(site.log, key=lambda h: h.at)  # robots.txt itself comes first, then every request
    assert len(hits) >= 6
    # Any k consecutive gaps span at least k delays, less a fixed allowance for when each request
    # reaches the server (a loaded machine delays one arrival, which shortens one gap only).
    short = [
        (round(hits[j].at - hits[i].at, 3), j - i, hits[j].path)
        for i, j in itertools.combinations(range(len(hits)), 2)
        if hits[j].at - hits[i].at < (j - i) * 0.3 - 0.08
    ]
    assert not short, f"requests closer than the 0.3 s Crawl-delay allows: {short}"


def error_lines(stderr: str) -> list[str]:
    """The error lines of a CLI run's stderr (progress lines may precede them)."""
    return [line for line in stderr.splitlines() if line.startswith("error")]


def test_cli_generate_writes_the_files(serve_site: Any, tmp_path: Path) -> None:
    """`llmstxt generate URL --out DIR` exits 0 and writes llms.txt, llms-full.txt, report.json."""
    site, base = serve_site(pages=20, traps=False)
    out = tmp_path / "out"
    done = run_cli("generate", base + "/", "--out", str(out), "--max-pages", "50")
    assert done.returncode == 0, done.stderr
    outputs = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert outputs == ["llms-full.txt", "llms.txt", "report.json"]
    kept = json.loads((out / "report.json").read_text())["pages"]["kept"]
    assert kept == len(site.site.expected_kept())
    assert run_cli("validate", str(out / "llms.txt")).returncode == 0


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/", "http://"])
def test_cli_rejects_a_bad_url(url: str, tmp_path: Path) -> None:
    """A bad URL: non-zero exit, one error line, no traceback."""
    done = run_cli("generate", url, "--out", str(tmp_path / "out"))
    assert done.returncode != 0
    assert len(error_lines(done.stderr)) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_cli_unreachable_host(tmp_path: Path) -> None:
    """A closed port: non-zero exit, one error line, no traceback, nothing written."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but never listening: connections are refused
        done = run_cli("generate", f"http://127.0.0.1:{port}/", "--out", str(tmp_path / "out"))
    assert done.returncode != 0
    assert len(error_lines(done.stderr)) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "llms.txt").exists()
