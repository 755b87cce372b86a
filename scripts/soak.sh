#!/usr/bin/env bash
# Run the whole suite several times from fresh clones while other processes keep every
# core busy, as CI's shared machine does: a flaky test shows up here, not in someone's CI.
#   scripts/soak.sh            # five runs
#   RUNS=2 scripts/soak.sh     # fewer
#   COMMIT=abc123 scripts/soak.sh
# Each run is `make test` in a fresh clone of one commit (COMMIT, or HEAD when the soak
# starts: commits made meanwhile do not change what is tested), with shared/ beside it
# when the checkout has one, and one busy-looping process per core for the whole time.
# Prints one line per run and exits non-zero if any run failed; logs stay in the work dir.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
commit=$(git rev-parse --verify "${COMMIT:-HEAD}^{commit}")
echo "soak: $runs runs of $commit"
work=$(mktemp -d /tmp/orchestra-soak-XXXXXX)
cores=$(nproc)
hogs=()
for _ in $(seq "$cores"); do
  python3 -c 'while True: pass' &
  hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null || true' EXIT
failed=0
for run in $(seq "$runs"); do
  dir="$work/run-$run"
  mkdir -p "$dir"
  [ -d ../shared ] && ln -s "$(cd ../shared && pwd)" "$dir/shared"
  git clone -q . "$dir/main"
  git -C "$dir/main" checkout -q --detach "$commit"
  started=$(date +%s)
  if (cd "$dir/main" && CI=true make test </dev/null >"$dir/test.log" 2>&1); then
    outcome=passed
  else
    outcome=FAILED
    failed=$((failed + 1))
  fi
  summary=$(grep -E '^=+ .*(passed|failed).* in ' "$dir/test.log" | tail -1 || true)
  echo "run $run/$runs: $outcome in $(( $(date +%s) - started )) s  ${summary}  (log: $dir/test.log)"
done
echo "soak: $((runs - failed)) of $runs runs of $commit passed under load on $cores cores"
[ "$failed" -eq 0 ]
