"""validate: every spec problem reported with its code and 1-based line, valid files pass clean."""

from __future__ import annotations

import pytest

from llmstxt.validate import CODES, Problem, is_warning, parse_link_line, validate

GOOD = """\
# Project

> One line about it.

Some notes: with *Markdown*, a list and code.

- not a link section yet
```
# not a heading inside code
```

## Docs

- [Intro](https://example.com/intro): How to start
- [API (v2) reference](https://example.com/api?x=1&y=%29)

## Optional

- [Blog](http://example.com/blog)
"""


def codes(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in validate(text)]


def test_a_valid_file_has_no_problems() -> None:
    assert validate(GOOD) == []
    assert validate(GOOD.replace("\n", "\r\n")) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(1, "E101")]),
        ("## Docs\n\n- [a](https://x.org/)\n", [(1, "E101")]),
        ("intro\n# T\n\n> s\n", [(1, "E102")]),
        ("# T\n\n> s\n\n# Again\n", [(5, "E103")]),
        ("#\n\n> s\n", [(1, "E104")]),
        ("# T\n\nno summary\n", [(3, "W201")]),
        ("# T\n\n## S\n\n- [a](https://x.org/)\n", [(3, "W201")]),
        ("# T\n", [(2, "W201")]),
        ("# T\n> s\n## S\n\nplain text\n", [(3, "E307"), (5, "E301")]),
        ("# T\n> s\n## S\n* [a](https://x.org/)\n", [(3, "E307"), (4, "E301")]),
        ("# T\n> s\n## S\n- [a](https://x.org/) and more\n", [(3, "E307"), (4, "E301")]),
        ("# T\n> s\n## S\n- [a(https://x.org/)\n", [(3, "E307"), (4, "E301")]),
        ("# T\n> s\n## S\n- [a](/relative)\n", [(4, "E302")]),
        ("# T\n> s\n## S\n- [a](ftp://x.org/f)\n", [(4, "E302")]),
        ("# T\n> s\n## S\n- [a](https://x.org/a b)\n", [(4, "E302")]),
        ("# T\n> s\n## S\n- [a](https://x.org/)\n## U\n- [b](https://x.org/)\n", [(6, "E303")]),
        ("# T\n> s\n## S\n- [a ] b](https://x.org/)\n", [(4, "E304")]),
        ("# T\n> s\n## S\n- [a](https://x.org/(b))\n", [(4, "E305")]),
        ("# T\n> s\n## S\n- [a](https://x.org/)\n### Sub\n- [b](https://x.org/b)\n", [(5, "E306")]),
        ("# T\n> s\n### Notes\n", [(3, "E306")]),
        ("# T\n> s\n## Empty\n\n## S\n- [a](https://x.org/)\n", [(3, "E307")]),
        ("# T\n> s\n## S\n- [a](https://x.org/)\n## Last\n", [(5, "E307")]),
        ("# T\n> s\n## S\n- [ ](https://x.org/)\n", [(4, "E308")]),
        ("# T\n> s\n## S\n- [a](https://x.org/)\n## S\n- [b](https://x.org/b)\n", [(5, "W309")]),
        ("# T\n> s\n## S\n- [a \\] b](https://x.org/)\n", [(4, "W310")]),
    ],
)
def test_each_problem_is_reported_at_its_line(text: str, expected: list[tuple[int, str]]) -> None:
    assert codes(text) == expected


def test_several_problems_come_sorted_by_line_with_readable_messages() -> None:
    text = "# T\n\n## S\n\n- [a](x)\n- [a](x)\n"
    problems = validate(text)
    assert [(p.line, p.code) for p in problems] == [
        (3, "W201"),
        (5, "E302"),
        (6, "E302"),
        (6, "E303"),
    ]
    assert problems[-1].message == "duplicate link: x (first on line 5)"


def test_warnings_are_told_apart_from_errors() -> None:
    assert is_warning(Problem(1, "W201", ""))
    assert not is_warning(Problem(1, "E101", ""))
    assert all(code[0] in "EW" and code[1:].isdigit() for code in CODES)


def test_parse_link_line_reads_title_url_and_notes() -> None:
    assert parse_link_line("- [a: b](https://x.org/a): notes [x](y)") == (
        "a: b",
        "https://x.org/a",
        False,
    )
    assert parse_link_line("- [a \\[1\\]](https://x.org/)") == ("a \\[1\\]", "https://x.org/", True)
    assert isinstance(parse_link_line("-[a](https://x.org/)"), str)
