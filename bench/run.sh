#!/usr/bin/env bash
# Benchmark: the same workload the peer tools were measured with (../shared/bench/README.md).
#   small: 2,000 cases, each one GET of a 3-session body (2,408 bytes) + status + schema check
#   large: 50 cases of a 1,500-session body (~1.3 MB) + status + schema check
# Whole process from start to exit (median and best of RUNS, default 9), cases/s, and peak RSS.
# Usage: bash bench/run.sh            (builds the release binary; installs nginx if missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${SESSCONFORM_SHARED:-$root/../shared}/bench
runs=${RUNS:-9}
jobs=${JOBS:-16}

command -v nginx >/dev/null || { echo "installing nginx…" >&2; apt-get install -y -q nginx-light >/dev/null; }
[ -x /usr/bin/time ] || apt-get install -y -q time >/dev/null
(cd "$root" && cargo build --release -q)
bin=$root/target/release/sessconform

work=$(mktemp -d)
chmod 755 "$work"   # nginx workers run as an unprivileged user
trap 'nginx -p "$work" -c server/nginx.conf -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/server/run/tmp" "$work/fixtures" "$work/specs" "$work/cases"
cp "$shared/nginx.conf" "$work/server/nginx.conf"
cp "$shared/small.json" "$shared/large.json" "$work/fixtures/"
# Negative control: the small body with one invalid date-time.
sed 's/"expires_at":"2024-08-30T11:34:26.272Z"/"expires_at":"2024-08-30 11:34"/' "$shared/small.json" > "$work/fixtures/bad.json"
# The peers' schema, given an $id so cases can name it (validation is unchanged).
python3 - "$shared/sessions.schema.json" "$work/specs/sessions.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s = {"$id": "bench/sessions", **s}
json.dump(s, open(sys.argv[2], "w"), indent=1)
PY
gen() { # name count
  python3 - "$1" "$2" > "$work/cases/$1.yaml" <<'PY'
import sys
name, n = sys.argv[1], int(sys.argv[2])
print(f"suite: {name}\napi: bench\ncases:")
for i in range(n):
    print(f"  - name: case {i}\n    request: {{path: /v1/sessions}}\n    expect: {{status: 200, schema: bench/sessions}}")
PY
}
gen small 2000; gen large 50
nginx -p "$work" -c server/nginx.conf

measure() { # label cases-file port count expected-exit
  local label=$1 file=$2 port=$3 count=$4 want=$5 times=() rss=()
  for _ in $(seq "$runs"); do
    set +e
    /usr/bin/time -f "%e %M" -o "$work/t" "$bin" run "$file" --specs "$work/specs" \
      --base-url "http://127.0.0.1:$port" --jobs "$jobs" --color never > "$work/out" 2>&1
    code=$?
    set -e
    if [ "$code" != "$want" ]; then echo "$label: exit $code, expected $want" >&2; tail -5 "$work/out" >&2; exit 1; fi
    read -r secs kb < <(tail -n 1 "$work/t")
    times+=("$secs"); rss+=("$kb")
  done
  python3 - "$label" "$count" "${times[*]}" "${rss[*]}" <<'PY'
import sys, statistics
label, n = sys.argv[1], int(sys.argv[2])
times = [float(x) for x in sys.argv[3].split()]
t = statistics.median(times)
best = max(min(times), 0.01)  # /usr/bin/time reports hundredths of a second
m = max(int(x) for x in sys.argv[4].split()) / 1024
print(f"| {label} | {n} | {t:.3f} | {n / t:,.0f} | {n / best:,.0f} | {m:.1f} |")
PY
}
echo "sessconform $("$bin" --version | cut -d' ' -f2), jobs=$jobs, median of $runs runs, $(nproc) cores"
echo "| workload | cases | seconds (median) | cases/s (median) | cases/s (best run) | peak RSS (MiB) |"
echo "| --- | --- | --- | --- | --- | --- |"
measure "small body (2.4 KB)" "$work/cases/small.yaml" 18080 2000 0
measure "large body (1.3 MB)" "$work/cases/large.yaml" 18081 50 0
measure "negative control (all must fail)" "$work/cases/small.yaml" 18082 2000 1
