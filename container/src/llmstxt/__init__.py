"""llmstxt: turn any website into a spec-valid llms.txt and llms-full.txt."""

__version__ = "0.1.0"
