#!/usr/bin/env bash
# Replays the hostile conditions of issue 15 against the release binary and prints one table
# row per scenario: expected and actual exit code, wall time, peak RSS, and whether the JSON
# report is valid (every scenario that runs cases writes reports).
#
#   bench/hostile.sh            # builds the release binary once, then runs every scenario
#   SESSCONFORM=path bench/hostile.sh   # uses that binary instead
#
# Needs python3 and GNU time (/usr/bin/time). Every server listens on 127.0.0.1 only. The last
# row turns it around: 2,000 half-open clients against `sessconform serve`.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${SESSCONFORM:-target/release/sessconform}
[ -n "${SESSCONFORM:-}" ] || cargo build --release --quiet
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT
PORT=18800

python3 -c "open('$WORK/m3.json','w').write('{\"request_id\":\"r\",\"status_code\":200,\"sessions\":['+','.join(['{}']*1000000)+']}')"
cat > "$WORK/case.yaml" <<'YAML'
suite: hostile
api: stytch
cases:
  - name: hostile response
    request: {path: /v1/sessions}
    expect:
      status: 200
      schema: stytch/sessions-get-response
YAML

printf '| scenario | expected exit | exit | time | peak RSS | reports |\n| --- | --- | --- | --- | --- | --- |\n'

# row NAME EXPECTED -- command...: runs the command under GNU time, prints a row.
row() {
  local name=$1 expected=$2; shift 3
  /usr/bin/time -o "$WORK/time" -f '%e %M' "$@" >"$WORK/out" 2>"$WORK/err"
  local code=$?
  # GNU time prints "Command exited with non-zero status N" first when the exit code is not 0.
  read -r secs kb < <(tail -1 "$WORK/time")
  local reports="-"
  if [ -f "$WORK/reports/report.json" ]; then
    if python3 -c "import json,sys; d=json.load(open('$WORK/reports/report.json')); sys.exit(0 if 'summary' in d else 1)"; then
      reports="valid"
    else
      reports="INVALID"
    fi
  fi
  local mark=""
  [ "$code" = "$expected" ] || mark=" ✗"
  printf '| %s | %s | %s%s | %s s | %s MiB | %s |\n' "$name" "$expected" "$code" "$mark" "$secs" "$((kb / 1024))" "$reports"
  rm -rf "$WORK/reports"
}

serve() { # MODE: starts a hostile server, waits for it
  PORT=$((PORT + 1))
  python3 bench/hostile_servers.py "$1" "$PORT" &
  for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return; sleep 0.1; done
}

RUN=("$BIN" run "$WORK/case.yaml" --color never --reports "$WORK/reports")
url() { echo "http://127.0.0.1:$PORT"; }

row "validate: 3 MB, 1,000,000 violations" 1 -- "$BIN" validate --schema stytch/sessions-get-response "$WORK/m3.json"
serve violations;  row "run: 3 MB body, 1,000,000 violations" 1 -- "${RUN[@]}" --base-url "$(url)" --timeout 30s
serve stall;       row "run: server stalls (--timeout 2s)" 3 -- "${RUN[@]}" --base-url "$(url)" --timeout 2s
serve endless;     row "run: endless body (10 MiB cap)" 3 -- "${RUN[@]}" --base-url "$(url)" --timeout 30s
serve gzip-bomb;   row "run: gzip bomb (1 GiB inflated)" 3 -- "${RUN[@]}" --base-url "$(url)" --timeout 30s
serve retry-after-0
row "run: Retry-After: 0, --max-retries 100000" 3 -- "${RUN[@]}" --base-url "$(url)" --timeout 5s --max-retries 100000
echo "(Retry-After: 0 server saw $(curl -s "http://127.0.0.1:$PORT/count") requests)" >&2
serve slow
# SIGTERM 1.5 s into a run whose request takes 30 s: GNU time runs the binary, which gets it.
/usr/bin/time -o "$WORK/time" -f '%e %M' "$BIN" run "$WORK/case.yaml" --base-url "http://127.0.0.1:$PORT" \
  --color never --reports "$WORK/reports" --timeout 60s >"$WORK/out" 2>"$WORK/err" &
TIMER=$!
sleep 1.5
kill -TERM "$(pgrep -P "$TIMER")"
wait "$TIMER"; code=$?
read -r secs kb < <(tail -1 "$WORK/time")
reports=$(python3 -c "import json; d=json.load(open('$WORK/reports/report.json')); print('valid, interrupted' if d['run']['interrupted'] else 'valid')" 2>/dev/null || echo missing)
printf '| %s | 3 | %s | %s s | %s MiB | %s |\n' "run: SIGTERM mid-run" "$code" "$secs" "$((kb / 1024))" "$reports"

# The reference server against 2,000 half-open clients (each sent part of a request head) with
# --header-timeout 2s: how many connections it still holds 4 s later (0 expected), and whether
# a well-behaved request is answered meanwhile.
PORT=$((PORT + 1))
/usr/bin/time -o "$WORK/time" -f '%e %M' "$BIN" serve --addr "127.0.0.1:$PORT" --header-timeout 2s \
  >"$WORK/out" 2>"$WORK/err" &
SERVER=$!
for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
held=$(python3 - "$PORT" <<'PY'
import socket, sys, time, urllib.error, urllib.request
port = int(sys.argv[1])
socks = []
for _ in range(2000):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    socks.append(s)
try:
    served = urllib.request.urlopen(f"http://127.0.0.1:{port}/clerk/v1/jwks", timeout=5).status
except urllib.error.HTTPError as e:
    served = e.code
time.sleep(4)
held = 0
for s in socks:
    s.setblocking(False)
    try:
        if s.recv(1) != b"":
            held += 1
    except BlockingIOError:
        held += 1
    except OSError:
        pass
print(f"{held} of 2000 held after 4 s, a normal request got {served}")
PY
)
kill -INT "$(pgrep -P "$SERVER")" 2>/dev/null
wait "$SERVER"; code=$?
read -r secs kb < <(tail -1 "$WORK/time")
printf '| %s | 0 | %s | %s s | %s MiB | %s |\n' "serve: 2,000 half-open clients (--header-timeout 2s)" "$code" "$secs" "$((kb / 1024))" "$held"
