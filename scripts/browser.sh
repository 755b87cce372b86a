#!/usr/bin/env bash
# The browser the end-to-end tests drive: Debian's Chromium (never a browser download).
set -euo pipefail
if command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "browser: installing Debian's chromium for the dashboard's browser tests"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
