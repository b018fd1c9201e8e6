#!/usr/bin/env bash
# Benchmark: `sessconform explore` throughput against the embedded reference server (Stytch
# consumer, mutating operations), operations/s and requests/s (cleanup included), median of RUNS
# (default 5) runs of BUDGET (default 2000 requests) each, with different seeds. Also the
# no-false-alarm sweep: SEEDS (default 10) seeds × FALSE_ALARM_BUDGET (default 60s), each must
# exit 0.
# For comparison, `run` of the built-in suites against the embedded server (cases/s, requests/s).
# Usage: bash bench/explore.sh        (builds the release binary)
#        SKIP_SWEEP=1 bash bench/explore.sh     (throughput only)
#        bash bench/explore.sh --api clerk      (or API=clerk; stytch-b2b; default stytch)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
api=${API:-stytch}
if [ "${1:-}" = "--api" ] && [ -n "${2:-}" ]; then api=$2; fi
runs=${RUNS:-5}
budget=${BUDGET:-2000}
if [ -n "${SESSCONFORM_BIN:-}" ]; then
  bin=$SESSCONFORM_BIN          # e.g. a debug build: SESSCONFORM_BIN=target/debug/sessconform
else
  (cd "$root" && cargo build --release -q)
  bin=$root/target/release/sessconform
fi
err=$(mktemp)
trap 'rm -f "$err"' EXIT

ops=()
for seed in $(seq "$runs"); do
  line=$("$bin" explore --api "$api" --seed "$seed" --budget "$budget" --color never 2>&1 >/dev/null | grep '^explore: seed' | tail -1)
  # explore: seed 1: 230 sequences (230 passed), 1650 operations, 2004 requests in 3.1 s (532 operations/s), 0 failures
  o=$(sed -E 's/.*\(([0-9]+) operations\/s\).*/\1/' <<<"$line")
  echo "$line"
  ops+=("$o")
done
python3 - "${ops[*]}" "$api" <<'PY'
import sys, statistics
ops = [float(x) for x in sys.argv[1].split()]
print(f"explore ({sys.argv[2]}) throughput: median {statistics.median(ops):.0f} operations/s (min {min(ops):.0f}, max {max(ops):.0f}) over {len(ops)} runs")
PY

# run's figure on the same server: the built-in suites (126 cases), median of RUNS.
rt=()
for _ in $(seq "$runs"); do
  s=$( { TIMEFORMAT=%R; time "$bin" run --color never >/dev/null 2>&1; } 2>&1 | tail -1)
  rt+=("$s")
done
python3 - "${rt[*]}" <<'PY'
import sys, statistics
t = statistics.median(float(x) for x in sys.argv[1].split())
print(f"run (built-in suites, 126 cases, embedded server): median {t:.2f} s, {126/t:.0f} cases/s")
PY

if [ -z "${SKIP_SWEEP:-}" ]; then
  seeds=${SEEDS:-10}
  fa_budget=${FALSE_ALARM_BUDGET:-60s}
  for seed in $(seq 100 $((99 + seeds))); do
    set +e
    "$bin" explore --api "$api" --seed "$seed" --budget "$fa_budget" --color never >/dev/null 2>"$err"
    code=$?
    set -e
    line=$(grep '^explore: seed' "$err" | tail -1)
    echo "exit $code  $line"
    if [ "$code" != 0 ]; then echo "false alarm with seed $seed" >&2; exit 1; fi
  done
  echo "no false alarm ($api): $seeds seeds × $fa_budget"
fi
