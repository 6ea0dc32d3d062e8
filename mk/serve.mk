# The service: `make serve` runs it on 127.0.0.1:8000 with the embedded store (SQLite + files in ./data).
.PHONY: serve browser-deps

HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

serve: venv
	$(PY) -m llmstxt.service.main --host $(HOST) --port $(PORT)

# Headless Chromium for the web page's end-to-end tests (Debian's package; Playwright drives it).
browser-deps:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

test-deps: browser-deps
