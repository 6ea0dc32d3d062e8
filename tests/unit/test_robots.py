"""robots.txt policy: RFC 9309 fetch outcomes, group selection by product token, and match rules."""

from __future__ import annotations

import pytest

from llmstxt.crawl.robots import (
    MAX_ROBOTS_BYTES,
    RobotsPolicy,
    policy_from_response,
    product_token,
    robots_url,
)

UA = "llmstxt/0.1 (+https://github.com/llmstxt)"
DISALLOW_ROOT = b"User-agent: *\nDisallow: /\n"


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (None, False),  # unreachable: connection error, timeout, DNS
        (500, False),
        (502, False),
        (503, False),
        (599, False),
        (429, False),  # rate-limited: treated as server error (Google does the same)
        (400, True),
        (401, True),
        (403, True),
        (404, True),
        (410, True),
        (451, True),
        (304, True),
    ],
)
def test_fetch_outcomes(status: int | None, allowed: bool) -> None:
    # The body must not matter when the status says the file is unavailable or unreachable.
    policy = policy_from_response(status, DISALLOW_ROOT, UA)
    assert policy.allowed("https://x.com/docs/") is allowed
    assert policy.crawl_delay is None
    assert policy.sitemaps == ()


def test_2xx_body_is_obeyed() -> None:
    assert not policy_from_response(200, DISALLOW_ROOT, UA).allowed("https://x.com/a")
    assert not policy_from_response(203, DISALLOW_ROOT, UA).allowed("https://x.com/a")


def test_allow_all_and_disallow_all() -> None:
    assert RobotsPolicy.allow_all().allowed("https://x.com/anything")
    assert not RobotsPolicy.disallow_all().allowed("https://x.com/anything")


def test_robots_txt_itself_is_always_allowed() -> None:
    assert policy_from_response(200, DISALLOW_ROOT, UA).allowed("https://x.com/robots.txt")


def test_empty_body_allows_everything() -> None:
    policy = policy_from_response(200, b"", UA)
    assert policy.allowed("https://x.com/a")
    assert policy.crawl_delay is None


@pytest.mark.parametrize(
    ("user_agent", "token"),
    [
        (UA, "llmstxt"),
        ("LLMSTXT", "llmstxt"),
        ("my-bot_2/1.0", "my-bot_2"),
        ("  llmstxt ", "llmstxt"),
        ("", "*"),
        ("/1.0", "*"),
    ],
)
def test_product_token(user_agent: str, token: str) -> None:
    assert product_token(user_agent) == token


GROUPS = b"""\
User-agent: llm
Disallow: /a

User-agent: llmstxt-bot
Disallow: /b

User-agent: LLMsTxT/2.0
Disallow: /c

User-agent: *
Disallow: /d
"""


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/a", True), ("/b", True), ("/c", False), ("/d", True), ("/e", True)],
)
def test_group_is_chosen_by_whole_product_token(path: str, allowed: bool) -> None:
    # "llm" and "llmstxt-bot" are other crawlers; "LLMsTxT/2.0" is ours (case-insensitive token).
    assert policy_from_response(200, GROUPS, UA).allowed("https://x.com" + path) is allowed


def test_star_group_applies_when_no_group_names_us() -> None:
    body = b"User-agent: Googlebot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\n"
    policy = policy_from_response(200, body, UA)
    assert policy.allowed("https://x.com/docs")
    assert not policy.allowed("https://x.com/private/x")


def test_other_groups_only_means_allowed() -> None:
    body = b"User-agent: Googlebot\nDisallow: /\n"
    assert policy_from_response(200, body, UA).allowed("https://x.com/docs")


def test_groups_naming_us_are_merged() -> None:
    # RFC 9309 2.2.1: several groups for one agent combine into one.
    body = b"User-agent: llmstxt\nDisallow: /a\n\nUser-agent: *\nDisallow: /\n\nUser-agent: llmstxt\nDisallow: /b\n"
    policy = policy_from_response(200, body, UA)
    assert [policy.allowed(f"https://x.com/{p}") for p in "abc"] == [False, False, True]


def test_several_agents_share_one_group() -> None:
    body = b"User-agent: otherbot\nUser-agent: llmstxt\nDisallow: /shared\n"
    assert not policy_from_response(200, body, UA).allowed("https://x.com/shared/x")


# RFC 9309 section 5.1 (simple example) and 2.2.2 (most specific match; allow wins a tie)
RFC_EXAMPLE = b"""\
User-Agent: *
Disallow: *.gif$
Disallow: /example/
Allow: /publications/

User-Agent: foobot
Disallow:/
Allow:/example/page.html
Allow:/example/allowed.gif

User-Agent: barbot
User-Agent: bazbot
Disallow: /example/page.html

User-Agent: quxbot
"""


@pytest.mark.parametrize(
    ("agent", "path", "allowed"),
    [
        ("foobot", "/example/page.html", True),
        ("foobot", "/example/allowed.gif", True),
        ("foobot", "/other", False),
        ("barbot", "/example/page.html", False),
        ("bazbot", "/example/page.html", False),
        ("barbot", "/example/other.html", True),
        ("quxbot", "/example/page.html", True),  # an empty group allows everything
        ("llmstxt", "/example/page.html", False),
        ("llmstxt", "/publications/a.gif", True),  # /publications/ is longer than *.gif$
        ("llmstxt", "/img/a.gif", False),
        ("llmstxt", "/publications/a.html", True),
        ("llmstxt", "/a.gif?x=1", True),
    ],
)
def test_rfc9309_example(agent: str, path: str, allowed: bool) -> None:
    policy = policy_from_response(200, RFC_EXAMPLE, f"{agent}/1.0")
    assert policy.allowed("https://example.com" + path) is allowed


RULES = b"""\
User-agent: *
Disallow: /*.php$
Disallow: /fish
Allow: /fish/ok
Disallow: /%7Ejoe/
Disallow: /search?q=
Disallow: /caf\xc3\xa9
Allow: /tie
Disallow: /tie
Disallow: /
Allow: /$
Allow: /docs/
"""


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/", True),  # "Allow: /$" is longer than "Disallow: /"
        ("/index.html", False),
        ("/docs/intro", True),
        ("/docs/a.php", False),  # /*.php$ (7 chars) beats /docs/ (6)
        ("/docs/a.php?x=1", True),  # $ anchors at the end of path+query
        ("/fish", False),
        ("/fish/salmon", False),
        ("/fish/ok", True),
        ("/fish/ok/more", True),
        ("/Fish", False),  # paths match case-sensitively: /Fish falls to "Disallow: /"
        ("/~joe/x", False),  # %7E and ~ are the same octet
        ("/%7ejoe/x", False),
        ("/search?q=x", False),
        ("/search", False),
        ("/caf%C3%A9", False),  # UTF-8 rules match percent-encoded URLs
        ("/tie", True),  # equally specific allow and disallow: allow wins
    ],
)
def test_match_rules(path: str, allowed: bool) -> None:
    assert policy_from_response(200, RULES, UA).allowed("https://x.com" + path) is allowed


def test_crawl_delay_for_our_group() -> None:
    body = b"User-agent: *\nCrawl-delay: 10\n\nUser-agent: llmstxt\nCrawl-delay: 1.5\nAllow: /\n"
    assert policy_from_response(200, body, UA).crawl_delay == 1.5
    assert policy_from_response(200, body, "otherbot").crawl_delay == 10.0


def test_no_crawl_delay_is_none() -> None:
    assert policy_from_response(200, b"User-agent: *\nDisallow: /x\n", UA).crawl_delay is None


def test_sitemaps_resolved_deduplicated_in_order() -> None:
    body = (
        b"Sitemap: https://x.com/b.xml\n"
        b"User-agent: *\nDisallow:\n"
        b"sitemap: /a.xml\n"
        b"Sitemap: https://x.com/b.xml\n"
        b"Sitemap: ftp://x.com/c.xml\n"
    )
    policy = policy_from_response(200, body, UA, base_url="https://x.com/robots.txt")
    assert policy.sitemaps == ("https://x.com/b.xml", "https://x.com/a.xml")


def test_relative_sitemaps_dropped_without_base() -> None:
    body = b"Sitemap: /a.xml\nSitemap: https://x.com/b.xml\n"
    assert policy_from_response(200, body, UA).sitemaps == ("https://x.com/b.xml",)


def test_byte_order_mark_does_not_hide_the_first_line() -> None:
    body = "\ufeffUser-agent: *\nDisallow: /p\n".encode()
    assert not policy_from_response(200, body, UA).allowed("https://x.com/p")


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    body = b"User-agent: *\nDisallow: /\xff\xfe\nDisallow: /private\n"
    policy = policy_from_response(200, body, UA)
    assert not policy.allowed("https://x.com/private")
    assert policy.allowed("https://x.com/public")


def test_comments_crlf_and_unknown_lines() -> None:
    body = b"# hi\r\nUser-agent: llmstxt # us\r\nfoo: bar\r\nDisallow: /x # no\r\n"
    policy = policy_from_response(200, body, UA)
    assert not policy.allowed("https://x.com/x")
    assert policy.allowed("https://x.com/y")


def test_body_beyond_max_bytes_is_ignored() -> None:
    padding = b"# " + b"p" * (MAX_ROBOTS_BYTES + 10) + b"\n"
    body = b"User-agent: *\nDisallow: /early\n" + padding + b"Disallow: /late\n"
    policy = policy_from_response(200, body, UA)
    assert not policy.allowed("https://x.com/early")
    assert policy.allowed("https://x.com/late")
    small = policy_from_response(200, b"User-agent: *\nDisallow: /early\n", UA, max_bytes=20)
    assert small.allowed("https://x.com/early")  # the rule was cut off


def test_huge_rule_list_parses() -> None:
    rules = b"".join(b"Disallow: /p%d/*x$\n" % i for i in range(20000))
    policy = policy_from_response(200, b"User-agent: *\n" + rules, UA)
    assert not policy.allowed("https://x.com/p19999/ax")
    assert policy.allowed("https://x.com/p19999/a")


@pytest.mark.parametrize(
    ("url", "robots"),
    [
        ("https://x.com/docs/a?b=1#c", "https://x.com/robots.txt"),
        ("http://x.com:8080/", "http://x.com:8080/robots.txt"),
        ("https://www.x.com", "https://www.x.com/robots.txt"),
    ],
)
def test_robots_url(url: str, robots: str) -> None:
    assert robots_url(url) == robots
