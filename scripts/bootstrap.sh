#!/usr/bin/env bash
# Install what `make dev` and `make test` need on a fresh machine with only Python 3.11+:
# uv (into a private virtualenv under .cache/), Debian's PostgreSQL binaries (for the
# throwaway servers the stack and the tests start), and the project's locked dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"
BOOT=".cache/bootstrap"

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "bootstrap: Python 3.11 or newer is needed as '$python' (set PYTHON=...)" >&2
  exit 1
fi

if [ ! -x "$BOOT/bin/uv" ] || [ "$("$BOOT/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  echo "bootstrap: installing uv $UV_VERSION into $BOOT"
  "$python" -m venv "$BOOT"
  "$BOOT/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

have_postgres() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null
}
if ! have_postgres; then
  echo "bootstrap: installing Debian's postgresql (the stack starts its own throwaway servers)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

"$BOOT/bin/uv" sync --all-packages --frozen --quiet
