"""Render a plan as llms.txt and llms-full.txt text (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from llmstxt.compose.model import ATX, FENCE, SETEXT, Entry, SitePlan, escape_url, same_text
from llmstxt.models import PageRecord


def render_llms_txt(plan: SitePlan) -> str:
    """The llms.txt text of a plan."""
    lines = [f"# {plan.name}", "", f"> {plan.summary}", "", plan.intro, ""]
    for section in plan.sections:
        lines += [f"## {section.title}", ""]
        lines += [_link_line(e) for e in section.entries]
        lines.append("")
    return "\n".join(lines)


def _link_line(entry: Entry) -> str:
    """`- [title](url): description`, without the colon when there is no description."""
    tail = f": {entry.description}" if entry.description else ""
    return f"- [{entry.title}]({entry.url}){tail}"


def render_llms_full(
    plan: SitePlan,
    records: Iterable[PageRecord],
    markdown_of: Callable[[str], str | None],
    budget_bytes: int = 10 * 1024 * 1024,
) -> str:
    """llms-full.txt: each entry's Markdown in llms.txt order, stopping before budget_bytes."""
    sources = _sources(records)
    parts = [f"# {plan.name}\n\n> {plan.summary}\n"]
    size = len(parts[0].encode())
    left_out: list[Entry] = []
    for entry in (e for section in plan.sections for e in section.entries):
        if not left_out:
            block = _page_block(entry, markdown_of(sources.get(entry.url, entry.url)))
            if size + len(block.encode()) + 1 <= budget_bytes:
                parts.append(block)
                size += len(block.encode()) + 1
                continue
        left_out.append(entry)
    if left_out:
        parts.append(_left_out_note(left_out, budget_bytes))
    return "\n".join(parts)


def _sources(records: Iterable[PageRecord]) -> dict[str, str]:
    """Each llms.txt link URL -> the record URL its Markdown is kept under."""
    found: dict[str, str] = {}
    for r in records:
        if r.kept and r.page is not None:
            link = escape_url(r.page.markdown_url or r.url)
            found[link] = min(found.get(link, r.url), r.url, key=lambda u: (len(u), u))
    return found


def _page_block(entry: Entry, markdown: str | None) -> str:
    """`## title`, the source line and the page's Markdown with its headings demoted."""
    body = demote_headings(markdown or "", entry.title) or entry.description
    block = f"## {entry.title}\n\nSource: {entry.url}\n"
    return block + (f"\n{body}\n" if body else "")


def _left_out_note(left_out: Sequence[Entry], budget_bytes: int) -> str:
    """The closing note that says which pages did not fit."""
    n = len(left_out)
    what = "1 page was" if n == 1 else f"{n} pages were"
    lines = [f"## Left out\n\n{what} left out to keep this file within {budget_bytes} bytes:\n"]
    lines += [_link_line(Entry(e.title, e.url, "")) for e in left_out]
    return "\n".join(lines) + "\n"


def demote_headings(markdown: str, title: str = "") -> str:
    """markdown with its headings moved to level 3 and below, a leading title heading dropped."""
    lines = _atx_lines(markdown.strip("\n").splitlines())
    first = ATX.fullmatch(lines[0][1]) if lines and lines[0][0] else None
    if first and title and same_text(first.group(2) or "", title):
        lines = lines[1:]
        while lines and not lines[0][1].strip():
            lines = lines[1:]
    levels = [level for level, _ in lines if level]
    shift = max(0, 3 - min(levels)) if levels else 0
    out: list[str] = []
    for level, line in lines:
        if level:
            text = ATX.fullmatch(line)
            heading = (text.group(2) or "") if text else line
            line = "#" * min(6, level + shift) + (f" {heading}" if heading else "")
        out.append(line)
    return "\n".join(out).strip("\n")


def _atx_lines(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(heading level or 0, line) for each line, setext headings rewritten as ATX, fences skipped."""
    out: list[tuple[int, str]] = []
    fence = ""
    paragraph = False  # the previous line is plain paragraph text (a setext underline may follow)
    for line in lines:
        # Every pattern below starts with at most 3 spaces and then one of a few characters: the
        # first other character rules most lines out before any regex runs (llms-full: 1e5 lines).
        first = line.lstrip(" ")[:1]
        opener = FENCE.match(line) if first and first in "`~" else None
        if fence or opener:
            marker = opener.group(1) if opener else ""
            if not fence:
                fence = marker
            elif marker[:1] == fence[0] and len(marker) >= len(fence):
                fence = ""
            out.append((0, line))
            paragraph = False
        elif first == "#" and (atx := ATX.fullmatch(line)) is not None:
            out.append((len(atx.group(1)), line))
            paragraph = False
        elif paragraph and first and first in "=-" and SETEXT.fullmatch(line):
            level = 1 if line.strip().startswith("=") else 2
            out[-1] = (level, "#" * level + " " + out[-1][1].strip())
            paragraph = False
        else:
            out.append((0, line))
            listed = bool(first) and (first in "-*+>" or first.isdigit()) and _LIST_ITEM.match(line)
            paragraph = bool(line.strip()) and not listed
    return out


_LIST_ITEM = re.compile(r" {0,3}([-*+>]|\d+[.)])(\s|$)")
