#!/usr/bin/env bash
# Build or serve the documentation site (docs/, Astro Starlight) with its locked packages:
#   scripts/docs.sh build     # generate the reference pages, build docs/dist, check every link
#   scripts/docs.sh serve     # the same, then serve the built site on 127.0.0.1 (DOCS_PORT, 4321)
# The reference pages come from the code (`orchestra-docs generate`, docs/generator) before
# every build, so a changed field changes the docs. Node.js comes from scripts/node.sh;
# `npm ci` runs only when docs/package-lock.json changed since the last install, so
# docs/node_modules is the cache; npm's own download cache lives in .cache/npm.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh
export npm_config_cache="$PWD/.cache/npm"
# Astro would otherwise report anonymous usage to its authors: nothing leaves this machine.
export ASTRO_TELEMETRY_DISABLED=1

.venv/bin/orchestra-docs generate

cd docs
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "docs: installing the locked npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
# Astro reports to the terminal; keep the build's own chatter out unless it fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for command in "$@"; do
  case "$command" in
    build)
      if ! node_modules/.bin/astro build >"$log" 2>&1; then
        cat "$log"
        echo "docs: the build failed (above)" >&2
        exit 1
      fi
      echo "docs: built docs/dist ($(find dist -name '*.html' | wc -l) pages, links checked)"
      ;;
    serve)
      node_modules/.bin/astro build >"$log" 2>&1 || { cat "$log"; exit 1; }
      rm -f "$log"
      echo "docs: serving the site on http://127.0.0.1:${DOCS_PORT:-4321}/ (Ctrl-C stops it)"
      exec node_modules/.bin/astro preview --host 127.0.0.1 --port "${DOCS_PORT:-4321}"
      ;;
    *)
      echo "usage: scripts/docs.sh build|serve" >&2
      exit 2
      ;;
  esac
done
