"""The change summary of a new version: links added, removed, and changed (title or description)."""

from __future__ import annotations

from llmstxt.service.jobs import link_changes

OLD = """# Acme

> Widgets.

## Docs

- [Alpha](https://acme.example/a.html): The first page.
- [Bravo \\] b](https://acme.example/b.html): Stays the same.
- [Charlie](https://acme.example/c.html)
- [Delta](https://acme.example/d.html): Renamed next.
"""

NEW = """# Acme

> Widgets.

## Docs

- [Alpha](https://acme.example/a.html): The first page, revised.
- [Bravo \\] b](https://acme.example/b.html): Stays the same.
- [Delta Two](https://acme.example/d.html): Renamed next.
- [Echo](https://acme.example/e.html)
"""


def test_added_removed_and_changed_links_are_named() -> None:
    summary = link_changes(OLD, NEW)
    assert summary == {
        "added": ["https://acme.example/e.html"],
        "removed": ["https://acme.example/c.html"],
        "changed": ["https://acme.example/a.html", "https://acme.example/d.html"],
        "links": 4,
    }


def test_the_same_file_changes_nothing() -> None:
    summary = link_changes(OLD, OLD)
    assert (summary["added"], summary["removed"], summary["changed"]) == ([], [], [])


def test_a_first_version_adds_every_link() -> None:
    summary = link_changes("", NEW)
    assert len(summary["added"]) == 4 and summary["changed"] == [] == summary["removed"]
