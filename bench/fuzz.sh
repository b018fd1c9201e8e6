#!/usr/bin/env bash
# Runs every fuzz target for N minutes (default 1) and prints executions and findings.
#
#   bench/fuzz.sh [MINUTES] [TARGET...]
#
# With cargo-fuzz and a nightly toolchain (`cargo install cargo-fuzz`, `rustup toolchain install
# nightly`) each target runs under libFuzzer (AddressSanitizer, debug assertions) from
# fuzz/corpus/<target>: new inputs go to target/fuzz-corpus/<target> (not committed), findings
# (crash-*, oom-*, timeout-*) to fuzz/artifacts/<target>. A finding is fixed with a regression
# test: copy the input into fuzz/corpus/<target> (tests/fuzz_replay.rs replays it on stable).
# On a shared machine run it with `nice -n 10 bench/fuzz.sh 5`. Without them the stable
# driver (tests/fuzz_replay.rs, release build) replays the corpus and mutates it for the same
# time; its findings go to target/fuzz-findings/<target>. Targets: case_loader, target_loader,
# schema_load, jsonpath, tape_validate, redactor (fuzz/src/targets.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-1}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(case_loader target_loader schema_load jsonpath tape_validate redactor)
SECONDS_EACH=$((MINUTES * 60))

if cargo +nightly fuzz --version >/dev/null 2>&1; then
  for t in "${TARGETS[@]}"; do
    mkdir -p "target/fuzz-corpus/$t"
    log=$(mktemp)
    before=$({ ls "fuzz/artifacts/$t" 2>/dev/null || true; } | wc -l)
    # libFuzzer exits non-zero on a finding; the loop goes on to the next target.
    (cd fuzz && cargo +nightly fuzz run "$t" "../target/fuzz-corpus/$t" "corpus/$t" -- \
      -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1) \
      >"$log" 2>&1 || true
    execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
    found=$(( $({ ls "fuzz/artifacts/$t" 2>/dev/null || true; } | wc -l) - before ))
    echo "fuzz $t: ${execs:-?} executions in ${SECONDS_EACH} s (libFuzzer), $found new findings"
    if [ "$found" -gt 0 ] || [ -z "$execs" ]; then
      mkdir -p target/fuzz-logs && cp "$log" "target/fuzz-logs/$t.log"
      echo "  log: target/fuzz-logs/$t.log" >&2
    fi
    rm -f "$log"
  done
else
  echo "cargo-fuzz or a nightly toolchain is missing: running the stable driver (tests/fuzz_replay.rs)" >&2
  for t in "${TARGETS[@]}"; do
    FUZZ_TARGET=$t FUZZ_SECONDS=$SECONDS_EACH cargo test --release --quiet --test fuzz_replay -- --nocapture 2>/dev/null \
      | grep '^fuzz ' || echo "fuzz $t: FAILED (see target/fuzz-findings/$t)"
  done
fi
