"""The llmstxt service: REST API, live progress over WebSocket and SSE, hosted outputs, a web page."""
