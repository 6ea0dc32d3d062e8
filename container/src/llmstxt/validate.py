"""Check any llms.txt against the spec (llmstxt.org) and what its reference parser can read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# Codes starting with "E" are errors (the file is not a valid llms.txt or a reader misreads it);
# codes starting with "W" are warnings (valid, but worse for readers).
CODES = {
    "E101": "no H1 title",
    "E102": "content before the H1",
    "E103": "more than one H1",
    "E104": "empty H1",
    "W201": "no `> summary` blockquote right after the H1",
    "E301": "a line in an H2 section that is not a `- [title](url)` or `- [title](url): notes` item",
    "E302": "link URL is not an absolute http(s) URL",
    "E303": "duplicate link",
    "E304": "unescaped `]` in a link title",
    "E305": "unescaped `)` in a link URL",
    "E306": "H3 or deeper heading (the reference parser reads it as a section)",
    "E307": "H2 section with no links",
    "E308": "empty link title",
    "W309": "duplicate section name (the reference parser keeps only the last)",
    "W310": "escaped bracket in a link title (valid Markdown, but the reference parser fails on it)",
}

HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
ITEM = re.compile(r"-[ \t]+\[")


@dataclass(frozen=True)
class Problem:
    """One problem of an llms.txt: 1-based line, code (see CODES) and a readable message."""

    line: int
    code: str
    message: str


def is_warning(problem: Problem) -> bool:
    """True for warning-level problems (the file is still a valid llms.txt)."""
    return problem.code.startswith("W")


def _problem(line: int, code: str, detail: str = "") -> Problem:
    """A Problem with the code's message, plus detail when given."""
    return Problem(line, code, CODES[code] + (f": {detail}" if detail else ""))


class _Checker:
    """Walks the lines once, keeping where it is (before H1, intro, inside a section)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.h1 = 0
        self.content_before_h1 = 0
        self.summary_checked = False
        self.fence = ""
        self.section: tuple[int, str] | None = None
        self.links_in_section = 0
        self.sections: dict[str, int] = {}
        self.urls: dict[str, int] = {}

    def line(self, n: int, text: str) -> None:
        """Check one line."""
        if self.section is None and self._in_fence(text):
            self._content(n, text)
            return
        heading = HEADING.fullmatch(text)
        if heading:
            self._heading(n, len(heading.group(1)), (heading.group(2) or "").strip())
        elif text.strip():
            self._content(n, text)

    def _in_fence(self, text: str) -> bool:
        """True while inside (or on the edge of) a fenced code block of the intro."""
        opener = FENCE.match(text)
        marker = opener.group(1) if opener else ""
        if self.fence:
            if marker[:1] == self.fence[0] and len(marker) >= len(self.fence):
                self.fence = ""
            return True
        self.fence = marker
        return bool(marker)

    def _heading(self, n: int, level: int, title: str) -> None:
        """An ATX heading: H1 once and first, H2 opens a section, deeper ones are reported."""
        if level == 1:
            self._h1(n, title)
        elif level == 2:
            self._close_section()
            if title in self.sections:
                self.problems.append(
                    _problem(n, "W309", f"{title!r} (first on line {self.sections[title]})")
                )
            self.sections.setdefault(title, n)
            self.section = (n, title)
            self._summary(n, is_summary=False)
        else:
            self.problems.append(_problem(n, "E306", f"H{level} {title!r}"))

    def _h1(self, n: int, title: str) -> None:
        """The H1: one, first, not empty."""
        if self.h1:
            self.problems.append(_problem(n, "E103", f"first on line {self.h1}"))
            return
        self.h1 = n
        if self.content_before_h1:
            self.problems.append(_problem(self.content_before_h1, "E102"))
        if not title:
            self.problems.append(_problem(n, "E104"))

    def _content(self, n: int, text: str) -> None:
        """A non-heading, non-blank line."""
        if self.section is not None:
            self._link(n, text)
        elif not self.h1:
            self.content_before_h1 = self.content_before_h1 or n
        else:
            self._summary(n, is_summary=text.lstrip().startswith(">"))

    def _summary(self, n: int, *, is_summary: bool) -> None:
        """The first thing after the H1 should be the `>` summary."""
        if self.h1 and not self.summary_checked:
            self.summary_checked = True
            if not is_summary:
                self.problems.append(_problem(n, "W201"))

    def _link(self, n: int, text: str) -> None:
        """A line inside a section: one link item."""
        found = parse_link_line(text)
        if isinstance(found, str):
            self.problems.append(_problem(n, "E301", found))
            return
        title, url, escaped = found
        self.links_in_section += 1
        self.problems += [_problem(n, c, d) for c, d in _link_problems(title, url, escaped)]
        if url in self.urls:
            self.problems.append(_problem(n, "E303", f"{url} (first on line {self.urls[url]})"))
        self.urls.setdefault(url, n)

    def _close_section(self) -> None:
        """Report the open section when it had no links."""
        if self.section is not None and not self.links_in_section:
            self.problems.append(_problem(self.section[0], "E307", repr(self.section[1])))
        self.links_in_section = 0

    def finish(self, last_line: int) -> list[Problem]:
        """The problems, sorted by line, once every line was seen."""
        self._close_section()
        if not self.h1:
            self.problems.append(_problem(1, "E101"))
        else:
            self._summary(last_line + 1, is_summary=False)
        return sorted(self.problems, key=lambda p: (p.line, p.code))


def parse_link_line(text: str) -> tuple[str, str, bool] | str:
    """(title, url, title has escaped brackets) of `- [title](url): notes`, or why it is not one."""
    start = ITEM.match(text)
    if not start:
        return "expected `- [title](url)`"
    i, escaped = start.end(), False
    while i < len(text) and not text.startswith("](", i):
        escaped = escaped or (text[i] == "\\" and text[i + 1 : i + 2] in ("[", "]"))
        i += 2 if text[i] == "\\" else 1
    if i >= len(text):
        return "no `](` closes the link title"
    title, rest = text[start.end() : i], text[i + 2 :]
    ends = [j for j, c in enumerate(rest) if c == ")" and re.match(r"\s*(:|$)", rest[j + 1 :])]
    if not ends:
        return "text after the link must be `: notes`"
    return title, rest[: ends[0]], escaped


def _link_problems(title: str, url: str, escaped: bool) -> list[tuple[str, str]]:
    """(code, detail) for what is wrong inside one link."""
    found: list[tuple[str, str]] = []
    if not title.strip():
        found.append(("E308", ""))
    if re.search(r"(?<!\\)\]", title):
        found.append(("E304", repr(title)))
    if escaped:
        found.append(("W310", repr(title)))
    if re.search(r"(?<!\\)\)", url):
        found.append(("E305", url))
    parts = urlsplit(url) if not re.search(r"\s", url) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        found.append(("E302", repr(url)))
    return found


def validate(text: str) -> list[Problem]:
    """Every problem of an llms.txt, by line; an empty list means the file is valid."""
    checker = _Checker()
    lines = text.splitlines()
    for n, line in enumerate(lines, 1):
        checker.line(n, line)
    return checker.finish(len(lines))
