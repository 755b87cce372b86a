#!/usr/bin/env bash
# Install the real peers the tests start that come from npm (tests/peers/*/package-lock.json):
# today the OpenID provider of the api's identity tests (tests/peers/oidc, oidc-provider).
# Node.js comes from scripts/node.sh; `npm ci` runs only when a lock changed since the last
# install. `make test` and `make unit` run this first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh

for lock in tests/peers/*/package-lock.json; do
  peer=$(dirname "$lock")
  if [ ! -f "$peer/node_modules/.package-lock.json" ] || [ "$lock" -nt "$peer/node_modules/.package-lock.json" ]; then
    echo "peers: installing the locked npm packages of $peer (npm ci)"
    (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
