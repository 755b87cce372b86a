#!/usr/bin/env bash
# docker compose plus kind (README, "docker compose plus kind"):
#   scripts/kind.sh up     # kind cluster, its kubeconfig for the containers, the CRD, compose up
#   scripts/kind.sh down   # compose down (with its volumes) and the cluster deleted
# Needs docker (with compose) and kind on PATH; kubectl comes from the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER="orchestra"
KUBE_DIR=".kind"
KUBECTL=".venv/bin/kubectl"

need() {
  command -v "$1" >/dev/null || { echo "kind: '$1' is needed on PATH ($2)" >&2; exit 1; }
}

up() {
  need docker "a Docker engine with the compose plugin"
  need kind "https://kind.sigs.k8s.io/"
  if ! kind get clusters | grep -qx "$CLUSTER"; then
    kind create cluster --config deploy/kind/cluster.yaml --wait 120s
  fi
  mkdir -p "$KUBE_DIR"
  chmod 0755 "$KUBE_DIR"
  # Two kubeconfigs: the host's (127.0.0.1, for kubectl here) and the containers'
  # (--internal: the control plane's name on Docker's `kind` network, which compose's
  # operator and sync join), readable by their uid 10001.
  kind get kubeconfig --name "$CLUSTER" > "$KUBE_DIR/host-kubeconfig"
  chmod 0600 "$KUBE_DIR/host-kubeconfig"
  kind get kubeconfig --internal --name "$CLUSTER" > "$KUBE_DIR/kubeconfig"
  chmod 0644 "$KUBE_DIR/kubeconfig"
  "$KUBECTL" --kubeconfig "$KUBE_DIR/host-kubeconfig" apply --server-side \
    -f charts/orchestra/crds/workshops.yaml
  docker compose up --build --detach
  echo "kind: up. Dashboard http://localhost:8080/ ; kubectl: $KUBECTL --kubeconfig $KUBE_DIR/host-kubeconfig get workshops -A"
}

down() {
  need docker "a Docker engine with the compose plugin"
  need kind "https://kind.sigs.k8s.io/"
  docker compose down --volumes --remove-orphans
  kind delete cluster --name "$CLUSTER"
  rm -rf "$KUBE_DIR"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: scripts/kind.sh up|down" >&2; exit 2 ;;
esac
