#!/usr/bin/env bash
# GetItem throughput and latency of ddbx against the floor: the same load on ddbx and on
# floor_server, a bare libuv + llhttp server that answers every request with ddbx's own GetItem
# answer (bench/floor_server.c). The ratio ddbx/floor is how close ddbx's request path comes to
# the fastest a server on the same libraries can answer.
#
#   bench/getitem.sh                      # after scripts/setup.sh release (binaries in build/)
#   BUILD=build-bench DURATION=30s CONNECTIONS=64 bench/getitem.sh
#
# Builds nothing. Needs $BUILD/app/ddbx, $BUILD/bench/floor_server, wrk, curl and python3 (to find
# free ports); its shell helpers live in bench/lib.sh, shared with bench/dataplane.sh. Steps:
#   1. start `ddbx serve --in-memory --threads 1` on a free 127.0.0.1 port, wait for GET / = 200;
#   2. create table `bench` (pk S hash, PAY_PER_REQUEST), wait for ACTIVE, put one item of
#      ITEM_BYTES bytes of JSON (pk "item-1" and a `payload` S attribute padding it out);
#   3. GetItem it once and keep the exact response body; start floor_server with that body;
#   4. run wrk with bench/getitem.lua against ddbx, then against the floor, identical settings,
#      each after a warm-up run whose figures are thrown away; ROUNDS times, alternating;
#   5. print requests/s, p50 and p99 for each (medians over the rounds) and the ratio of the
#      requests/s, then a last machine-readable line:
#      RESULT ddbx_rps=... floor_rps=... ratio=... ddbx_p50_us=... ddbx_p99_us=... ...
# With two or more CPUs, the server under test runs on SERVER_CPU (0) and wrk on WRK_CPU (1).
# ddbx's engine threads inherit its affinity, so they share the server's CPU.
# The run fails (exit 1) if any response is not 200 or wrk reports socket errors.
#
# Environment (defaults): BUILD (./build), DURATION (10s), CONNECTIONS (32), WRK_THREADS (1),
# WARMUP (2s; 0 skips it), ROUNDS (1), ITEM_BYTES (200), SERVER_CPU (0), WRK_CPU (1),
# PIN (auto; 0 disables pinning), DDBX_ARGS (extra arguments for `ddbx serve`).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=getitem.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

BUILD=${BUILD:-./build}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-1}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-1}
ITEM_BYTES=${ITEM_BYTES:-200}
DDBX_ARGS=${DDBX_ARGS:-}

ddbx_bin=$BUILD/app/ddbx
floor_bin=$BUILD/bench/floor_server
lua=$here/getitem.lua
[ -x "$ddbx_bin" ] || die "$ddbx_bin not found: build ddbx first (scripts/setup.sh release)"
[ -x "$floor_bin" ] || die "$floor_bin not found: build it first (ninja -C $BUILD floor_server)"
need_tools wrk curl python3
setup_pinning
start_tmp

# --- 1. ddbx -------------------------------------------------------------------------------------
ddbx_port=$(free_port)
# shellcheck disable=SC2086  # DDBX_ARGS is split into words on purpose
"${server_pin[@]}" "$ddbx_bin" serve --in-memory --threads 1 --listen "127.0.0.1:$ddbx_port" \
  $DDBX_ARGS > "$tmp/ddbx.log" 2>&1 &
ddbx_pid=$!
track_pid "$ddbx_pid"
wait_ready ddbx "$ddbx_pid" "$ddbx_port" "$tmp/ddbx.log"

# --- 2. the table and the item -------------------------------------------------------------------
call "$ddbx_port" CreateTable '{"TableName":"bench",
  "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
  "BillingMode":"PAY_PER_REQUEST"}'
wait_active "$ddbx_port" bench

item_head='{"pk":{"S":"item-1"},"payload":{"S":"'
item_tail='"}}'
pad=$((ITEM_BYTES - ${#item_head} - ${#item_tail}))
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[ "$pad" -ge 1 ] || die "ITEM_BYTES must be at least $((${#item_head} + ${#item_tail} + 1))"
item=$item_head$(head -c "$pad" /dev/zero | tr '\0' 'x')$item_tail
call "$ddbx_port" PutItem "{\"TableName\":\"bench\",\"Item\":$item}"

# --- 3. the real answer, and the floor serving it ------------------------------------------------
call "$ddbx_port" GetItem '{"TableName":"bench","Key":{"pk":{"S":"item-1"}}}'
cp "$tmp/answer.json" "$tmp/getitem-body.json"
grep -q '"payload"' "$tmp/getitem-body.json" \
  || die "GetItem did not return the item: $(cat "$tmp/getitem-body.json")"
body_bytes=$(wc -c < "$tmp/getitem-body.json")

floor_port=$(free_port)
"${server_pin[@]}" "$floor_bin" "$floor_port" "$tmp/getitem-body.json" > "$tmp/floor.log" 2>&1 &
floor_pid=$!
track_pid "$floor_pid"
wait_ready floor_server "$floor_pid" "$floor_port" "$tmp/floor.log"

# --- 4. the load ---------------------------------------------------------------------------------
# measure NAME PORT ROUND: one measured run (after a warm-up in round 1); appends its
# WRK_RESULT line to $tmp/NAME.results.
measure() {
  local name=$1 port=$2 round=$3
  local url="http://127.0.0.1:$port/"
  local args=(-t"$WRK_THREADS" -c"$CONNECTIONS" --latency -s "$lua")
  local out="$tmp/$name-$round.txt"
  if [ "$round" = 1 ] && [ "$WARMUP" != 0 ]; then
    run_wrk "$tmp/$name-warmup.txt" "${args[@]}" -d"$WARMUP" "$url" \
      || { cat "$tmp/$name-warmup.txt" >&2; die "wrk failed (warm-up against $name)"; }
  fi
  echo "== $name, round $round/$ROUNDS:" \
    "wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency -s getitem.lua $url"
  run_wrk "$out" "${args[@]}" -d"$DURATION" "$url" \
    || { cat "$out" >&2; die "wrk failed against $name"; }
  grep -v '^WRK_RESULT' "$out"
  grep '^WRK_RESULT' "$out" >> "$tmp/$name.results" \
    || die "no WRK_RESULT line from wrk against $name"
}

echo "ddbx GetItem answer: $body_bytes bytes (item JSON $ITEM_BYTES bytes)"
if [ ${#server_pin[@]} -gt 0 ]; then
  echo "pinned: servers on CPU $SERVER_CPU (ddbx's engine threads too), wrk on CPU $WRK_CPU"
else
  echo "not pinned (fewer than 2 CPUs, no taskset, or PIN=0)"
fi

# Rounds alternate ddbx and the floor, so that drift in the machine's speed hits both alike.
for round in $(seq 1 "$ROUNDS"); do
  measure ddbx "$ddbx_port" "$round"
  measure floor "$floor_port" "$round"
done
ddbx_rps=$(summarize ddbx rps median)
ddbx_p50=$(summarize ddbx p50_us median)
ddbx_p99=$(summarize ddbx p99_us median)
ddbx_non200=$(summarize ddbx non200 sum)
ddbx_sockerr=$(summarize ddbx socket_errors sum)
floor_rps=$(summarize floor rps median)
floor_p50=$(summarize floor p50_us median)
floor_p99=$(summarize floor p99_us median)
floor_non200=$(summarize floor non200 sum)
floor_sockerr=$(summarize floor socket_errors sum)

# --- 5. the table --------------------------------------------------------------------------------
ratio=$(awk -v a="$ddbx_rps" -v b="$floor_rps" \
  'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }')
echo
if [ "$ROUNDS" -gt 1 ]; then
  echo "medians over $ROUNDS rounds"
fi
row() {  # row NAME RPS P50_US P99_US
  awk -v n="$1" -v r="$2" -v p50="$3" -v p99="$4" \
    'BEGIN { printf "%-8s %12.0f %8.3fms %8.3fms\n", n, r, p50 / 1000, p99 / 1000 }'
}
printf '%-8s %12s %10s %10s\n' server 'requests/s' 'p50' 'p99'
row ddbx "$ddbx_rps" "$ddbx_p50" "$ddbx_p99"
row floor "$floor_rps" "$floor_p50" "$floor_p99"
echo "ratio ddbx/floor (requests/s): $ratio"

status=0
if [ "$ddbx_non200" != 0 ] || [ "$floor_non200" != 0 ]; then
  echo "getitem.sh: non-200 responses: ddbx $ddbx_non200, floor $floor_non200" >&2
  status=1
fi
if [ "$ddbx_sockerr" != 0 ] || [ "$floor_sockerr" != 0 ]; then
  echo "getitem.sh: socket errors: ddbx $ddbx_sockerr, floor $floor_sockerr" >&2
  status=1
fi
echo "RESULT ddbx_rps=$ddbx_rps floor_rps=$floor_rps ratio=$ratio" \
  "ddbx_p50_us=$ddbx_p50 ddbx_p99_us=$ddbx_p99 floor_p50_us=$floor_p50 floor_p99_us=$floor_p99" \
  "ddbx_non200=$ddbx_non200 floor_non200=$floor_non200 body_bytes=$body_bytes"
exit $status
