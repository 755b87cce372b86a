#!/usr/bin/env bash
# Run the dashboard's npm scripts (frontend/package.json) with its locked packages:
#   scripts/frontend.sh build            # what `make dev` needs
#   scripts/frontend.sh lint typecheck test build   # what `make test` checks
# Node.js comes from scripts/node.sh (the machine's when 20.19+, else the pinned PyPI
# wheel). `npm ci` runs only when package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh

cd frontend
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "frontend: installing the locked npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
for script in "$@"; do
  npm run --silent "$script"
done
