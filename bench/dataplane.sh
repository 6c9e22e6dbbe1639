#!/usr/bin/env bash
# Data-plane throughput and latency of ddbx against dynalite (an in-memory DynamoDB on Node.js,
# pinned in bench/package.json): the same data, the same client and the same load on both, side
# by side in one run, for UpdateItem, Query and a full Scan.
#
#   (cd bench && npm ci)                  # once: installs dynalite into bench/node_modules
#   bench/dataplane.sh                    # after scripts/setup.sh release (ddbx in build/)
#   BUILD=build-bench DURATION=30s ROUNDS=3 bench/dataplane.sh
#
# Builds nothing. Needs $BUILD/app/ddbx, bench/node_modules/.bin/dynalite, node, wrk, curl and
# python3; its shell helpers live in bench/lib.sh, shared with bench/getitem.sh. Steps:
#   1. start `ddbx serve --in-memory` (default worker threads) and `dynalite --port N` (in memory)
#      on free 127.0.0.1 ports, wait for GET / = 200 from both;
#   2. on each, create table `dataplane` (pk S hash, sk S range, PAY_PER_REQUEST), wait for
#      ACTIVE, and load PARTITIONS x PER_PARTITION items of ITEM_BYTES bytes of JSON with
#      bench/dataplane_load.py (BatchWriteItem), which then checks that a Query returns one whole
#      partition and a Scan followed to its end returns every item;
#   3. for each operation in OPS, for each round: wrk with bench/dataplane.lua against ddbx, then
#      against dynalite, identical settings, each after a warm-up run whose figures are thrown
#      away (update/query: -tWRK_THREADS -cCONNECTIONS; scan: one chain of pages per connection,
#      -tSCAN_CONNECTIONS -cSCAN_CONNECTIONS);
#   4. print a table per operation (medians over the rounds) with the ratio ddbx/dynalite, then a
#      last machine-readable line: RESULT update_ddbx_ops=... update_dynalite_ops=... ...
# With two or more CPUs both servers run on SERVER_CPU (0), wrk and the loader on WRK_CPU (1).
# The run fails (exit 1) if any answer is not 200 or wrk reports socket errors.
#
# Environment (defaults): BUILD (./build), DURATION (10s), WARMUP (2s; 0 skips it), ROUNDS (1),
# OPS ("query scan update"), CONNECTIONS (32), WRK_THREADS (1), SCAN_CONNECTIONS (4),
# SCAN_LIMIT (empty: 1 MB pages), PARTITIONS (100), PER_PARTITION (100), ITEM_BYTES (200),
# TARGET (5), WRK_TIMEOUT (30s), SERVER_CPU (0), WRK_CPU (1), PIN (auto; 0 disables pinning),
# DDBX_ARGS (extra arguments for `ddbx serve`), DYNALITE (bench/node_modules/.bin/dynalite).
# ddbx reads its own DDBX_* variables (DDBX_THREADS, DDBX_ENGINE_THREADS, ...) as always.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=dataplane.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

BUILD=${BUILD:-./build}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-1}
OPS=${OPS:-query scan update}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-1}
SCAN_CONNECTIONS=${SCAN_CONNECTIONS:-4}
SCAN_LIMIT=${SCAN_LIMIT:-}
PARTITIONS=${PARTITIONS:-100}
PER_PARTITION=${PER_PARTITION:-100}
ITEM_BYTES=${ITEM_BYTES:-200}
TARGET=${TARGET:-5}
WRK_TIMEOUT=${WRK_TIMEOUT:-30s}
DDBX_ARGS=${DDBX_ARGS:-}
DYNALITE=${DYNALITE:-$here/node_modules/.bin/dynalite}

ddbx_bin=$BUILD/app/ddbx
lua=$here/dataplane.lua
loader=$here/dataplane_load.py
table=dataplane
[ -x "$ddbx_bin" ] || die "$ddbx_bin not found: build ddbx first (scripts/setup.sh release)"
[ -x "$DYNALITE" ] || die "$DYNALITE not found: install it first (cd bench && npm ci)"
need_tools wrk curl python3 node
for n in "$ROUNDS" "$CONNECTIONS" "$WRK_THREADS" "$SCAN_CONNECTIONS" "$PARTITIONS" \
  "$PER_PARTITION" "$ITEM_BYTES"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS, CONNECTIONS, WRK_THREADS, SCAN_CONNECTIONS," \
    "PARTITIONS, PER_PARTITION and ITEM_BYTES must be positive integers"
done
[ -z "$SCAN_LIMIT" ] || [[ "$SCAN_LIMIT" =~ ^[1-9][0-9]*$ ]] \
  || die "SCAN_LIMIT must be empty or a positive integer"
for op in $OPS; do
  case $op in
    update | query | scan) ;;
    *) die "OPS may hold update, query and scan, not $op" ;;
  esac
done
setup_pinning
start_tmp

# --- 1. the servers ------------------------------------------------------------------------------
ddbx_port=$(free_port)
# shellcheck disable=SC2086  # DDBX_ARGS is split into words on purpose
"${server_pin[@]}" "$ddbx_bin" serve --in-memory --listen "127.0.0.1:$ddbx_port" \
  $DDBX_ARGS > "$tmp/ddbx.log" 2>&1 &
ddbx_pid=$!
track_pid "$ddbx_pid"

dynalite_port=$(free_port)
"${server_pin[@]}" "$DYNALITE" --host 127.0.0.1 --port "$dynalite_port" --createTableMs 0 \
  > "$tmp/dynalite.log" 2>&1 &
dynalite_pid=$!
track_pid "$dynalite_pid"

wait_ready ddbx "$ddbx_pid" "$ddbx_port" "$tmp/ddbx.log"
wait_ready dynalite "$dynalite_pid" "$dynalite_port" "$tmp/dynalite.log"

# --- 2. the table and the data -------------------------------------------------------------------
# load NAME PORT: creates and fills the table on one server; its LOAD line goes to
# $tmp/NAME.load.
load() {
  local name=$1 port=$2 limit=()
  call "$port" CreateTable "{\"TableName\":\"$table\",
    \"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},
                              {\"AttributeName\":\"sk\",\"AttributeType\":\"S\"}],
    \"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},
                   {\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],
    \"BillingMode\":\"PAY_PER_REQUEST\"}"
  wait_active "$port" "$table"
  [ -z "$SCAN_LIMIT" ] || limit=(--scan-limit "$SCAN_LIMIT")
  "${wrk_pin[@]}" python3 "$loader" --port "$port" --table "$table" --partitions "$PARTITIONS" \
    --per-partition "$PER_PARTITION" --item-bytes "$ITEM_BYTES" "${limit[@]}" \
    > "$tmp/$name.load" || die "loading $name failed"
  grep -q '^LOAD ' "$tmp/$name.load" || die "no LOAD line from the loader for $name"
}

# field FILE NAME: the value of NAME=value in FILE's first line holding it.
field() {
  sed -nE "s/.*(^| )$2=([^ ]*).*/\2/p" "$1" | head -n 1
}

load ddbx "$ddbx_port"
load dynalite "$dynalite_port"
items=$((PARTITIONS * PER_PARTITION))
payload_bytes=$(field "$tmp/ddbx.load" payload_bytes)
echo "data: $items items in $PARTITIONS partitions of $PER_PARTITION, $ITEM_BYTES bytes of JSON" \
  "each (payload $payload_bytes bytes)"
for name in ddbx dynalite; do
  echo "  $name: loaded in $(field "$tmp/$name.load" seconds) s;" \
    "a full Scan is $(field "$tmp/$name.load" scan_pages) page(s)"
done
echo "ddbx: pid $ddbx_pid, port $ddbx_port, serve --in-memory${DDBX_ARGS:+ $DDBX_ARGS}," \
  "DDBX_THREADS=${DDBX_THREADS:-(unset: one worker per CPU it may run on)}"
echo "dynalite: pid $dynalite_pid, port $dynalite_port, $(node --version)," \
  "$(node -p 'require(process.argv[1]).version' "$here/node_modules/dynalite/package.json" \
  2> /dev/null || echo '?')"
if [ ${#server_pin[@]} -gt 0 ]; then
  echo "pinned: both servers (all their threads) on CPU $SERVER_CPU, wrk and the loader on" \
    "CPU $WRK_CPU"
else
  echo "not pinned (fewer than 2 CPUs, no taskset, or PIN=0)"
fi

# --- 3. the load ---------------------------------------------------------------------------------
export DATAPLANE_TABLE=$table DATAPLANE_PARTITIONS=$PARTITIONS
export DATAPLANE_PER_PARTITION=$PER_PARTITION DATAPLANE_PAYLOAD_BYTES=$payload_bytes
export DATAPLANE_SCAN_LIMIT=${SCAN_LIMIT:-0}

# measure NAME PORT OP ROUND: one measured run (after a warm-up in round 1); appends its
# WRK_RESULT line to $tmp/NAME-OP.results.
measure() {
  local name=$1 port=$2 op=$3 round=$4
  local url="http://127.0.0.1:$port/" threads=$WRK_THREADS conns=$CONNECTIONS
  if [ "$op" = scan ]; then
    threads=$SCAN_CONNECTIONS
    conns=$SCAN_CONNECTIONS
  fi
  local args=(-t"$threads" -c"$conns" --timeout "$WRK_TIMEOUT" --latency -s "$lua")
  local out="$tmp/$name-$op-$round.txt"
  export DATAPLANE_OP=$op
  DATAPLANE_SCAN_PAGES=$(field "$tmp/$name.load" scan_pages)
  export DATAPLANE_SCAN_PAGES
  if [ "$round" = 1 ] && [ "$WARMUP" != 0 ]; then
    run_wrk "$tmp/$name-$op-warmup.txt" "${args[@]}" -d"$WARMUP" "$url" \
      || { cat "$tmp/$name-$op-warmup.txt" >&2; die "wrk failed (warm-up, $op against $name)"; }
  fi
  echo "== $op, $name, round $round/$ROUNDS: DATAPLANE_OP=$op" \
    "wrk -t$threads -c$conns -d$DURATION --timeout $WRK_TIMEOUT --latency -s dataplane.lua $url"
  run_wrk "$out" "${args[@]}" -d"$DURATION" "$url" \
    || { cat "$out" >&2; die "wrk failed ($op against $name)"; }
  grep -v '^WRK_RESULT' "$out"
  grep '^WRK_RESULT' "$out" >> "$tmp/$name-$op.results" \
    || die "no WRK_RESULT line from wrk ($op against $name)"
}

# Rounds alternate ddbx and dynalite, so that drift in the machine's speed hits both alike. The
# reads run first by default, so that both servers answer them from the data as loaded.
for op in $OPS; do
  for round in $(seq 1 "$ROUNDS"); do
    measure ddbx "$ddbx_port" "$op" "$round"
    measure dynalite "$dynalite_port" "$op" "$round"
  done
done

# --- 4. the tables -------------------------------------------------------------------------------
ratio() {  # ratio A B: A / B with two decimals, nan when B is 0
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'
}
verdict() {  # verdict RATIO: whether it meets TARGET
  awk -v r="$1" -v t="$TARGET" \
    'BEGIN { if (r != "nan" && r + 0 >= t + 0) print "met"; else print "MISSED" }'
}
ms() {  # ms MICROSECONDS
  awk -v us="$1" 'BEGIN { printf "%.3fms", us / 1000 }'
}

status=0
result=RESULT
declare -A title=(
  [update]="UpdateItem: SET payload = :p ADD #c :one (#c = counter) on a random item of $items"
  [query]="Query: pk = :pk on a random partition, $PER_PARTITION items per answer"
  [scan]="Scan: full scans of $items items following LastEvaluatedKey"
)
echo
if [ "$ROUNDS" -gt 1 ]; then
  echo "medians over $ROUNDS rounds"
fi
for op in $OPS; do
  declare -A v=()
  for name in ddbx dynalite; do
    for f in rps p50_us p99_us scans_per_s pages_per_scan scan_p50_us scan_p99_us; do
      v[$name.$f]=$(summarize "$name-$op" "$f" median)
    done
    for f in non200 socket_errors; do
      v[$name.$f]=$(summarize "$name-$op" "$f" sum)
      if [ "${v[$name.$f]}" != 0 ]; then
        echo "dataplane.sh: $op against $name: $f = ${v[$name.$f]}" >&2
        status=1
      fi
    done
  done
  echo "${title[$op]}"
  if [ "$op" = scan ]; then
    r=$(ratio "${v[ddbx.scans_per_s]}" "${v[dynalite.scans_per_s]}")
    printf '  %-9s %9s %10s %6s %10s %10s %10s %10s\n' server 'scans/s' 'pages/s' 'pages' \
      'scan p50' 'scan p99' 'page p50' 'page p99'
    for name in ddbx dynalite; do
      printf '  %-9s %9.2f %10.1f %6.2f %10s %10s %10s %10s\n' "$name" \
        "${v[$name.scans_per_s]}" "${v[$name.rps]}" "${v[$name.pages_per_scan]}" \
        "$(ms "${v[$name.scan_p50_us]}")" "$(ms "${v[$name.scan_p99_us]}")" \
        "$(ms "${v[$name.p50_us]}")" "$(ms "${v[$name.p99_us]}")"
    done
    echo "  ratio ddbx/dynalite: ${r}x full scans/s," \
      "$(ratio "${v[ddbx.rps]}" "${v[dynalite.rps]}")x pages/s; target ${TARGET}x: $(verdict "$r")"
    result+=" scan_ddbx_scans_per_s=${v[ddbx.scans_per_s]}"
    result+=" scan_dynalite_scans_per_s=${v[dynalite.scans_per_s]} scan_ratio=$r"
    result+=" scan_ddbx_pages_per_s=${v[ddbx.rps]} scan_dynalite_pages_per_s=${v[dynalite.rps]}"
    result+=" scan_ddbx_pages_per_scan=${v[ddbx.pages_per_scan]}"
    result+=" scan_dynalite_pages_per_scan=${v[dynalite.pages_per_scan]}"
    result+=" scan_ddbx_p50_us=${v[ddbx.scan_p50_us]} scan_ddbx_p99_us=${v[ddbx.scan_p99_us]}"
    result+=" scan_dynalite_p50_us=${v[dynalite.scan_p50_us]}"
    result+=" scan_dynalite_p99_us=${v[dynalite.scan_p99_us]}"
    result+=" scan_ddbx_page_p50_us=${v[ddbx.p50_us]} scan_ddbx_page_p99_us=${v[ddbx.p99_us]}"
    result+=" scan_dynalite_page_p50_us=${v[dynalite.p50_us]}"
    result+=" scan_dynalite_page_p99_us=${v[dynalite.p99_us]}"
  else
    r=$(ratio "${v[ddbx.rps]}" "${v[dynalite.rps]}")
    printf '  %-9s %9s %10s %10s\n' server 'ops/s' 'p50' 'p99'
    for name in ddbx dynalite; do
      printf '  %-9s %9.0f %10s %10s\n' "$name" "${v[$name.rps]}" \
        "$(ms "${v[$name.p50_us]}")" "$(ms "${v[$name.p99_us]}")"
    done
    echo "  ratio ddbx/dynalite: ${r}x; target ${TARGET}x: $(verdict "$r")"
    result+=" ${op}_ddbx_ops=${v[ddbx.rps]} ${op}_dynalite_ops=${v[dynalite.rps]}"
    result+=" ${op}_ratio=$r ${op}_ddbx_p50_us=${v[ddbx.p50_us]}"
    result+=" ${op}_ddbx_p99_us=${v[ddbx.p99_us]} ${op}_dynalite_p50_us=${v[dynalite.p50_us]}"
    result+=" ${op}_dynalite_p99_us=${v[dynalite.p99_us]}"
  fi
  result+=" ${op}_non200=$((${v[ddbx.non200]} + ${v[dynalite.non200]}))"
  result+=" ${op}_target_met=$([ "$(verdict "$r")" = met ] && echo 1 || echo 0)"
  unset v
done
echo "$result items=$items item_bytes=$ITEM_BYTES"
exit $status
