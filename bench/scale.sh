#!/usr/bin/env bash
# Scaling benchmark (issue 13): the small workload of bench/run.sh (one GET of the 3-session body,
# status + schema check per case) at 2,000 / 20,000 / 200,000 / 1,000,000 cases, each run with and
# without `--reports DIR`; prints wall time, cases/s, peak RSS and report sizes (median of RUNS,
# default 3; SIZES overrides the case counts, e.g. SIZES="2000 20000").
# Cases go into files of at most 100,000 cases. BIN=path/to/sessconform compares another build.
# Usage: bash bench/scale.sh          (builds the release binary; installs nginx if missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${SESSCONFORM_SHARED:-$root/../shared}/bench
runs=${RUNS:-3}
jobs=${JOBS:-16}
sizes=${SIZES:-2000 20000 200000 1000000}

command -v nginx >/dev/null || { echo "installing nginx…" >&2; apt-get install -y -q nginx-light >/dev/null; }
[ -x /usr/bin/time ] || apt-get install -y -q time >/dev/null
if [ -z "${BIN:-}" ]; then (cd "$root" && cargo build --release -q); fi
bin=${BIN:-$root/target/release/sessconform}

work=$(mktemp -d)
chmod 755 "$work"
trap 'nginx -p "$work" -c server/nginx.conf -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/server/run/tmp" "$work/fixtures" "$work/specs"
cp "$shared/nginx.conf" "$work/server/nginx.conf"
cp "$shared/small.json" "$shared/large.json" "$work/fixtures/"
cp "$shared/small.json" "$work/fixtures/bad.json"
python3 - "$shared/sessions.schema.json" "$work/specs/sessions.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s = {"$id": "bench/sessions", **s}
json.dump(s, open(sys.argv[2], "w"), indent=1)
PY
gen() { # dir count
  mkdir -p "$1"
  python3 - "$1" "$2" <<'PY'
import sys
out, n = sys.argv[1], int(sys.argv[2])
per = 100_000
for f in range((n + per - 1) // per):
    lo, hi = f * per, min(n, (f + 1) * per)
    with open(f"{out}/s{f:02d}.yaml", "w") as fh:
        fh.write(f"suite: scale{f:02d}\napi: bench\ncases:\n")
        for i in range(lo, hi):
            fh.write(f"  - name: case {i}\n    request: {{path: /v1/sessions}}\n    expect: {{status: 200, schema: bench/sessions}}\n")
PY
}
nginx -p "$work" -c server/nginx.conf

echo "sessconform $("$bin" --version | cut -d' ' -f2), jobs=$jobs, median of $runs runs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| cases | reports | seconds (median) | cases/s | peak RSS (MiB) | junit.xml | report.json | index.html |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for n in $sizes; do
  rm -rf "$work/cases"; gen "$work/cases" "$n"
  r=$runs; [ "$n" -ge 1000000 ] && r=1
  for mode in none reports; do
    times=(); rss=()
    for _ in $(seq "$r"); do
      rm -rf "$work/reports"
      extra=(); [ "$mode" = reports ] && extra=(--reports "$work/reports")
      set +e
      /usr/bin/time -f "%e %M" -o "$work/t" "$bin" run "$work/cases" --specs "$work/specs" \
        --base-url "http://127.0.0.1:18080" --jobs "$jobs" --color never "${extra[@]}" > "$work/out" 2>&1
      code=$?
      set -e
      if [ "$code" != 0 ]; then echo "$n/$mode: exit $code" >&2; tail -5 "$work/out" >&2; exit 1; fi
      read -r secs kb < <(tail -n 1 "$work/t")
      times+=("$secs"); rss+=("$kb")
    done
    sizes_mb="– | – | –"
    if [ "$mode" = reports ]; then
      sizes_mb=$(for f in junit.xml report.json index.html; do stat -c %s "$work/reports/$f"; done | awk '{printf "%.1f MB | ", $1/1e6}' | sed 's/ | $//')
    fi
    python3 - "$n" "$mode" "${times[*]}" "${rss[*]}" "$sizes_mb" "$work/results" <<'PY'
import sys, statistics
n, mode = int(sys.argv[1]), sys.argv[2]
t = statistics.median(float(x) for x in sys.argv[3].split())
m = max(int(x) for x in sys.argv[4].split()) / 1024
print(f"| {n:,} | {'--reports' if mode == 'reports' else '–'} | {t:.2f} | {n / max(t, 0.01):,.0f} | {m:.0f} | {sys.argv[5]} |")
with open(sys.argv[6], "a") as f:
    f.write(f"{n} {mode} {t} {m}\n")
PY
  done
done
# What the targets of issue 13 are about: memory per case (the slope of peak RSS between the two
# largest sizes), cases/s from the smallest to the largest size, and the cost of --reports.
python3 - "$work/results" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
r = {(int(n), m): (float(t), float(mib)) for n, m, t, mib in rows}
sizes = sorted({n for n, _ in r})
if len(sizes) >= 2:
    a, b = sizes[-2], sizes[-1]
    for mode in ("none", "reports"):
        if (a, mode) in r and (b, mode) in r:
            per = (r[(b, mode)][1] - r[(a, mode)][1]) * 1024 * 1024 / (b - a)
            rate = [n / r[(n, mode)][0] for n in sizes if (n, mode) in r]
            print(f"{mode}: {per:,.0f} bytes per case ({a:,} → {b:,}); cases/s from {sizes[0]:,} to {sizes[-1]:,}: "
                  f"{min(rate):,.0f} … {max(rate):,.0f} (spread {100 * (max(rate) / min(rate) - 1):.0f}%)")
for n in sizes:
    if (n, "none") in r and (n, "reports") in r:
        print(f"{n:,} cases: --reports takes {r[(n, 'reports')][0] / r[(n, 'none')][0]:.2f}× the time without")
PY
