#!/usr/bin/env bash
# A/B: alternate two sessconform binaries on the peers' small and large workloads (../shared/bench),
# RUNS times each (default 15), and print medians, best runs and peak RSS.
# Usage: bash bench/ab.sh OLD_BINARY NEW_BINARY   (build each with `cargo build --release`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${SESSCONFORM_SHARED:-$here/../../shared}/bench
A=$1; B=$2; runs=${RUNS:-15}
command -v nginx >/dev/null || apt-get install -y -q nginx-light >/dev/null
work=$(mktemp -d); chmod 755 "$work"
trap 'nginx -p "$work" -c server/nginx.conf -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/server/run/tmp" "$work/fixtures" "$work/specs" "$work/cases"
cp "$shared/nginx.conf" "$work/server/nginx.conf"; cp "$shared/small.json" "$shared/large.json" "$work/fixtures/"
python3 - "$shared/sessions.schema.json" "$work/specs/sessions.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s = {"$id": "bench/sessions", **s}
json.dump(s, open(sys.argv[2], "w"), indent=1)
PY
for spec in "small 2000" "large 50"; do set -- $spec; python3 - $1 $2 > "$work/cases/$1.yaml" <<'PY'
import sys
name, n = sys.argv[1], int(sys.argv[2])
print(f"suite: {name}\napi: bench\ncases:")
for i in range(n):
    print(f"  - name: case {i}\n    request: {{path: /v1/sessions}}\n    expect: {{status: 200, schema: bench/sessions}}")
PY
done
nginx -p "$work" -c server/nginx.conf
for wl in "small 18080" "large 18081"; do
  set -- $wl
  ta=(); tb=(); ra=(); rb=()
  for i in $(seq $runs); do
    for which in A B; do
      bin=$A; [ $which = B ] && bin=$B
      /usr/bin/time -f "%e %M" -o "$work/t" "$bin" run "$work/cases/$1.yaml" --specs "$work/specs" --base-url "http://127.0.0.1:$2" --jobs 16 --color never > /dev/null 2>&1
      read -r s k < "$work/t"
      if [ $which = A ]; then ta+=("$s"); ra+=("$k"); else tb+=("$s"); rb+=("$k"); fi
    done
  done
  python3 - "$1" "${ta[*]}" "${tb[*]}" "${ra[*]}" "${rb[*]}" <<'PY'
import sys, statistics as st
name=sys.argv[1]; f=lambda s:[float(x) for x in s.split()]
a,b,ra,rb=map(f,sys.argv[2:6])
print(f"{name}: A median {st.median(a):.3f}s (best {min(a):.2f}) rss {max(ra)/1024:.0f}MiB | B median {st.median(b):.3f}s (best {min(b):.2f}) rss {max(rb)/1024:.0f}MiB")
PY
done
