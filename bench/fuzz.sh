#!/usr/bin/env bash
# Runs every fuzz target for N minutes (default 1) and prints executions and findings.
#
#   bench/fuzz.sh [MINUTES] [TARGET...]
#
# With cargo-fuzz and a nightly toolchain (`cargo install cargo-fuzz`, `rustup toolchain install
# nightly`) each target runs under libFuzzer from fuzz/corpus/<target> (new inputs go to
# target/fuzz-corpus/<target>, findings to fuzz/artifacts/<target>). Without them the stable
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
    (cd fuzz && cargo +nightly fuzz run "$t" "../target/fuzz-corpus/$t" "corpus/$t" -- \
      -max_total_time="$SECONDS_EACH" -rss_limit_mb=1024 -timeout=10) >"$log" 2>&1 || true
    execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
    found=$(ls "fuzz/artifacts/$t" 2>/dev/null | wc -l)
    echo "fuzz $t: $execs executions in ${SECONDS_EACH} s (libFuzzer), $found findings"
    rm -f "$log"
  done
else
  echo "cargo-fuzz or a nightly toolchain is missing: running the stable driver (tests/fuzz_replay.rs)" >&2
  for t in "${TARGETS[@]}"; do
    FUZZ_TARGET=$t FUZZ_SECONDS=$SECONDS_EACH cargo test --release --quiet --test fuzz_replay -- --nocapture 2>/dev/null \
      | grep '^fuzz ' || echo "fuzz $t: FAILED (see target/fuzz-findings/$t)"
  done
fi
