"""Compose llms.txt and llms-full.txt from page records: pure and deterministic.

plan.py decides what the file says (name, summary, sections in the site's own order), sitenav.py
merges the navigation the pages share, render.py writes the text, model.py holds the plan's types.
"""

from __future__ import annotations

from collections.abc import Iterable

from llmstxt.compose.model import Entry, Section, SitePlan, escape_title, escape_url, one_line
from llmstxt.compose.plan import plan_site
from llmstxt.compose.render import demote_headings, render_llms_full, render_llms_txt
from llmstxt.models import PageRecord

__all__ = [
    "Entry",
    "Section",
    "SitePlan",
    "compose",
    "demote_headings",
    "escape_title",
    "escape_url",
    "one_line",
    "plan_site",
    "render_llms_full",
    "render_llms_txt",
]


def compose(records: Iterable[PageRecord], start_url: str) -> str:
    """The llms.txt of the kept records."""
    return render_llms_txt(plan_site(records, start_url))
