#!/usr/bin/env bash
# Fetch Debian's python3.11-doc (a real Sphinx documentation site) into .cache/, once.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=.cache/python3.11-doc
marker="$dest/usr/share/doc/python3.11/html/index.html"
[ -f "$marker" ] && exit 0
command -v apt-get >/dev/null || { echo "apt-get is needed to fetch python3.11-doc" >&2; exit 1; }
mkdir -p .cache/debs "$dest"
cd .cache/debs
if ! apt-get download python3.11-doc >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  apt-get download python3.11-doc
fi
dpkg -x python3.11-doc_*.deb "../python3.11-doc"
cd ../..
test -f "$marker"
echo "python3.11-doc ready in $dest"
