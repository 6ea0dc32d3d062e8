"""The crawler: URL policy, SSRF guard, robots.txt, sitemaps, fetching, frontier and engine."""
