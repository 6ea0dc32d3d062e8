"""llmstxt: turn any website into a spec-valid llms.txt and llms-full.txt."""

import sys
import types

__version__ = "0.1.0"

# httpx imports its own command-line client on import when click, rich and pygments are installed
# (they are, for our CLI): ~90 ms of CPU at every start, for code we never run. An empty module in
# its place takes httpx's own fallback for "CLI extras not installed"; the library is unchanged.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", types.ModuleType("httpx._main"))
