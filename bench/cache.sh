#!/usr/bin/env bash
# What ddbx's item and query caches buy and cost, side by side in one run, with the same wrk
# client, the same connections and the same payloads on every side:
#   1. GetItem cache hits of one ~200-byte item on `ddbx serve --in-memory --threads 1` (cache on)
#      against the floor (bench/floor_server.c answering with ddbx's exact GetItem body, as in
#      bench/getitem.sh): requests/s, p50, p99 and the ratios ddbx/floor, held to RPS_TARGET
#      (requests/s ratio >= 0.85) and P99_TARGET (p99 ratio <= 1.5);
#   2. the same GetItems on `ddbx serve --in-memory --threads 1 --cache=false` (cache off, every
#      GetItem a read of the store): hit against miss;
#   3. a Query returning all QUERY_ITEMS (20) items of one partition, the same Query over and
#      over: cache on (hits) against cache off (store reads), the same items loaded into both;
#      afterwards GET /metrics must show ItemCacheHits > 0 and QueryCacheHits > 0 on the cache-on
#      server and no hits on the cache-off one, else the run fails;
#   4. (MEMORY=1, the default) memory per cached item: two fresh servers, cache on with
#      --cache-max-bytes MEMORY_CACHE_BYTES, and the same cache layer keeping nothing (every
#      TTL 0: the requests take the same path, only no entry is stored), each loaded with the same
#      MEMORY_ITEMS (1,000,000) items of ITEM_BYTES bytes of JSON by bench/cache_load.py
#      (BatchWriteItem, 25 items per call, LOAD_CONNECTIONS connections; writes go through the
#      cache, so every item ends up in the cache-on server's item cache); then
#      (VmRSS on - VmRSS off) / MEMORY_ITEMS, next to the cache's own accounting from GET /metrics
#      (EstimatedDbSize / CachedEntryCount) and the ratio of the two.
#
#   bench/cache.sh                        # after scripts/setup.sh release (binaries in build/)
#   ROUNDS=5 DURATION=10s MEMORY=0 bench/cache.sh
#
# Builds nothing. Needs $BUILD/app/ddbx, $BUILD/bench/floor_server, wrk, curl, python3 (to find
# free ports) and /usr/bin/python3 (the loader); its shell helpers live in bench/lib.sh. All
# servers run with one worker thread; with two or more CPUs they all run on SERVER_CPU (0), only
# the one under test busy at any time, and wrk and the loader on WRK_CPU (1). Each measured run
# is `wrk -tWRK_THREADS -cCONNECTIONS -dDURATION --latency -s bench/cache.lua`, after a warm-up
# run (round 1 only) whose figures are thrown away; ROUNDS rounds, alternating the servers; the
# tables show medians. Ends with one machine-readable line: RESULT getitem_hit_rps=... ...
# The run fails (exit 1) if any answer is not 200, wrk reports socket errors, the hit counters
# say the cache did not serve the hits (or the cache-off server did), or, with MEMORY=1, the
# cache does not hold every loaded item. A missed target is reported, not an error.
#
# Environment (defaults): BUILD (./build), DURATION (5s), ROUNDS (3), CONNECTIONS (32),
# WRK_THREADS (1), WARMUP (2s; 0 skips it), ITEM_BYTES (200), QUERY_ITEMS (20), RPS_TARGET (0.85),
# P99_TARGET (1.5), MEMORY (1; 0 skips part 4), MEMORY_ITEMS (1000000), MEMORY_CACHE_BYTES
# (4294967296), LOAD_CONNECTIONS (16), SERVER_CPU (0), WRK_CPU (1), PIN (auto; 0 disables
# pinning), DDBX_ARGS (extra arguments for every `ddbx serve`).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=cache.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

BUILD=${BUILD:-./build}
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-1}
WARMUP=${WARMUP:-2s}
ITEM_BYTES=${ITEM_BYTES:-200}
QUERY_ITEMS=${QUERY_ITEMS:-20}
RPS_TARGET=${RPS_TARGET:-0.85}
P99_TARGET=${P99_TARGET:-1.5}
MEMORY=${MEMORY:-1}
MEMORY_ITEMS=${MEMORY_ITEMS:-1000000}
MEMORY_CACHE_BYTES=${MEMORY_CACHE_BYTES:-4294967296}
LOAD_CONNECTIONS=${LOAD_CONNECTIONS:-16}
DDBX_ARGS=${DDBX_ARGS:-}

ddbx_bin=$BUILD/app/ddbx
floor_bin=$BUILD/bench/floor_server
lua=$here/cache.lua
loader=$here/cache_load.py
python=/usr/bin/python3
[ -x "$ddbx_bin" ] || die "$ddbx_bin not found: build ddbx first (scripts/setup.sh release)"
[ -x "$floor_bin" ] || die "$floor_bin not found: build it first (ninja -C $BUILD floor_server)"
[ -x "$python" ] || die "$python not found (the loader runs with it)"
need_tools wrk curl python3
for n in "$ROUNDS" "$CONNECTIONS" "$WRK_THREADS" "$ITEM_BYTES" "$QUERY_ITEMS" "$MEMORY_ITEMS" \
  "$MEMORY_CACHE_BYTES" "$LOAD_CONNECTIONS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS, CONNECTIONS, WRK_THREADS, ITEM_BYTES, QUERY_ITEMS," \
    "MEMORY_ITEMS, MEMORY_CACHE_BYTES and LOAD_CONNECTIONS must be positive integers"
done
case $MEMORY in 0 | 1) ;; *) die "MEMORY must be 0 or 1" ;; esac
setup_pinning
start_tmp

# --- helpers -------------------------------------------------------------------------------------
declare -A pid=() port=()

# start_ddbx NAME ARG...: `ddbx serve --in-memory --threads 1 ARG...` on a free port, pinned to
# the servers' CPU; waits for GET / = 200. Sets pid[NAME] and port[NAME].
start_ddbx() {
  local name=$1 p
  shift
  p=$(free_port)
  # shellcheck disable=SC2086  # DDBX_ARGS is split into words on purpose
  "${server_pin[@]}" "$ddbx_bin" serve --in-memory --threads 1 --listen "127.0.0.1:$p" "$@" \
    $DDBX_ARGS > "$tmp/$name.log" 2>&1 &
  pid[$name]=$!
  port[$name]=$p
  track_pid "${pid[$name]}"
  wait_ready "$name" "${pid[$name]}" "$p" "$tmp/$name.log"
}

# create_table PORT TABLE [RANGE]: TABLE with hash key pk S (and range key sk S when RANGE is
# given), PAY_PER_REQUEST; waits for ACTIVE.
create_table() {
  local attributes='{"AttributeName":"pk","AttributeType":"S"}'
  local keys='{"AttributeName":"pk","KeyType":"HASH"}'
  if [ $# -gt 2 ]; then
    attributes+=',{"AttributeName":"sk","AttributeType":"S"}'
    keys+=',{"AttributeName":"sk","KeyType":"RANGE"}'
  fi
  call "$1" CreateTable "{\"TableName\":\"$2\",\"AttributeDefinitions\":[$attributes],
    \"KeySchema\":[$keys],\"BillingMode\":\"PAY_PER_REQUEST\"}"
  wait_active "$1" "$2"
}

# load NAME TABLE ITEMS PER_PARTITION CONNECTIONS: bench/cache_load.py into server NAME, pinned
# to wrk's CPU; its LOAD line goes to $tmp/NAME-TABLE.load.
load() {
  "${wrk_pin[@]}" "$python" "$loader" --port "${port[$1]}" --table "$2" --items "$3" \
    --per-partition "$4" --item-bytes "$ITEM_BYTES" --connections "$5" \
    > "$tmp/$1-$2.load" || die "loading $2 into $1 failed"
  grep -q '^LOAD ' "$tmp/$1-$2.load" || die "no LOAD line from the loader for $1"
}

# metrics NAME: GET /metrics of server NAME into $tmp/NAME.metrics.
metrics() {
  curl -s --max-time 10 -o "$tmp/$1.metrics" "http://127.0.0.1:${port[$1]}/metrics" \
    || die "GET /metrics of $1 failed"
}

# metric NAME METRIC [DEFAULT]: the value of the unlabelled METRIC in $tmp/NAME.metrics, as an
# integer; DEFAULT when it is missing (a server with its cache off has no cache metrics), else
# the run dies.
metric() {
  awk -v m="$2" -v d="${3:-}" '$1 == m { printf "%.0f", $2; found = 1; exit }
    END { if (!found && d != "") printf "%s", d; else if (!found) exit 1 }' \
    "$tmp/$1.metrics" || die "no $2 in GET /metrics of $1"
}

# rss PID: the resident memory of PID in bytes (VmRSS).
rss() {
  awk '/^VmRSS:/ { printf "%.0f", $2 * 1024 }' "/proc/$1/status"
}

# settled_rss PID: VmRSS once two readings a second apart agree within 0.1 % (the allocator
# hands freed pages back for a moment after a load), at most 20 s.
settled_rss() {
  local before after _
  before=$(rss "$1")
  for _ in $(seq 1 20); do
    sleep 1
    after=$(rss "$1")
    if awk -v a="$before" -v b="$after" 'BEGIN { d = a - b; exit !(d * d <= (a / 1000) ^ 2) }'
    then
      break
    fi
    before=$after
  done
  echo "$after"
}

ratio() {  # ratio A B: A / B with three decimals, nan when B is 0
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'
}
at_least() {  # at_least RATIO TARGET: met when RATIO >= TARGET
  awk -v r="$1" -v t="$2" 'BEGIN { print (r != "nan" && r + 0 >= t + 0) ? "met" : "not met" }'
}
at_most() {  # at_most RATIO TARGET: met when RATIO <= TARGET
  awk -v r="$1" -v t="$2" 'BEGIN { print (r != "nan" && r + 0 <= t + 0) ? "met" : "not met" }'
}
ms() {  # ms MICROSECONDS
  awk -v us="$1" 'BEGIN { printf "%.3fms", us / 1000 }'
}
mb() {  # mb BYTES: in MB (10^6 bytes), one decimal
  awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'
}

# --- 1. the servers, the item, the floor ---------------------------------------------------------
start_ddbx on
start_ddbx off --cache=false

item_head='{"pk":{"S":"item-1"},"payload":{"S":"'
item_tail='"}}'
pad=$((ITEM_BYTES - ${#item_head} - ${#item_tail}))
[ "$pad" -ge 1 ] || die "ITEM_BYTES must be at least $((${#item_head} + ${#item_tail} + 1))"
item=$item_head$(head -c "$pad" /dev/zero | tr '\0' 'x')$item_tail
query_request="{\"TableName\":\"query\",\"KeyConditionExpression\":\"pk = :pk\",
  \"ExpressionAttributeValues\":{\":pk\":{\"S\":\"p0000000\"}}}"
for name in on off; do
  create_table "${port[$name]}" bench
  call "${port[$name]}" PutItem "{\"TableName\":\"bench\",\"Item\":$item}"
  call "${port[$name]}" GetItem '{"TableName":"bench","Key":{"pk":{"S":"item-1"}}}'
  cp "$tmp/answer.json" "$tmp/getitem-$name.json"
  grep -q '"payload"' "$tmp/getitem-$name.json" \
    || die "GetItem on $name did not return the item: $(cat "$tmp/getitem-$name.json")"

  # The Query's partition: QUERY_ITEMS items, loaded the same way into both.
  create_table "${port[$name]}" query range
  load "$name" query "$QUERY_ITEMS" "$QUERY_ITEMS" 1
  call "${port[$name]}" Query "$query_request"
  cp "$tmp/answer.json" "$tmp/query-$name.json"
  if ! grep -q "\"Count\":${QUERY_ITEMS}[,}]" "$tmp/query-$name.json" \
    || grep -q '"LastEvaluatedKey"' "$tmp/query-$name.json"; then
    die "Query on $name did not return $QUERY_ITEMS items in one page:" \
      "$(head -c 300 "$tmp/query-$name.json")"
  fi
done
cmp -s "$tmp/getitem-on.json" "$tmp/getitem-off.json" \
  || die "GetItem answers differ between cache on and off:" \
    "$(cat "$tmp/getitem-on.json") / $(cat "$tmp/getitem-off.json")"
cmp -s "$tmp/query-on.json" "$tmp/query-off.json" \
  || die "Query answers differ between cache on and off"
body_bytes=$(wc -c < "$tmp/getitem-on.json")
query_body_bytes=$(wc -c < "$tmp/query-on.json")

floor_port=$(free_port)
"${server_pin[@]}" "$floor_bin" "$floor_port" "$tmp/getitem-on.json" > "$tmp/floor.log" 2>&1 &
pid[floor]=$!
port[floor]=$floor_port
track_pid "${pid[floor]}"
wait_ready floor_server "${pid[floor]}" "$floor_port" "$tmp/floor.log"

echo "GetItem answer: $body_bytes bytes (item JSON $ITEM_BYTES bytes), the same from both ddbx"
echo "Query answer: $query_body_bytes bytes ($QUERY_ITEMS items of $ITEM_BYTES bytes of JSON)," \
  "the same from both ddbx"
echo "ddbx cache on: pid ${pid[on]}, port ${port[on]}, serve --in-memory --threads 1" \
  "(cache on by default)${DDBX_ARGS:+ $DDBX_ARGS}"
echo "ddbx cache off: pid ${pid[off]}, port ${port[off]}, serve --in-memory --threads 1" \
  "--cache=false${DDBX_ARGS:+ $DDBX_ARGS}"
echo "floor: pid ${pid[floor]}, port $floor_port, answering with ddbx's GetItem body"
if [ ${#server_pin[@]} -gt 0 ]; then
  echo "pinned: servers on CPU $SERVER_CPU (ddbx's engine threads too), wrk and the loader on" \
    "CPU $WRK_CPU"
else
  echo "not pinned (fewer than 2 CPUs, no taskset, or PIN=0)"
fi

# --- 2. the load ---------------------------------------------------------------------------------
# measure RUN SERVER OP ROUND: one measured run of OP against SERVER (after a warm-up in round
# 1); appends its WRK_RESULT line to $tmp/RUN.results.
measure() {
  local run=$1 server=$2 op=$3 round=$4
  local url="http://127.0.0.1:${port[$server]}/"
  local args=(-t"$WRK_THREADS" -c"$CONNECTIONS" --latency -s "$lua")
  local out="$tmp/$run-$round.txt"
  export CACHE_OP=$op
  if [ "$round" = 1 ] && [ "$WARMUP" != 0 ]; then
    run_wrk "$tmp/$run-warmup.txt" "${args[@]}" -d"$WARMUP" "$url" \
      || { cat "$tmp/$run-warmup.txt" >&2; die "wrk failed (warm-up, $run)"; }
  fi
  echo "== $run, round $round/$ROUNDS: CACHE_OP=$op" \
    "wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency -s cache.lua $url"
  run_wrk "$out" "${args[@]}" -d"$DURATION" "$url" \
    || { cat "$out" >&2; die "wrk failed ($run)"; }
  grep -E 'Latency +[0-9]|Requests/sec|non-200' "$out" | sed 's/^ */  /'
  grep '^WRK_RESULT' "$out" >> "$tmp/$run.results" || die "no WRK_RESULT line ($run)"
}

# Rounds alternate the servers, so that drift in the machine's speed hits all alike.
for round in $(seq 1 "$ROUNDS"); do
  measure getitem_hit on getitem "$round"
  measure getitem_floor floor getitem "$round"
  measure getitem_miss off getitem "$round"
done
for round in $(seq 1 "$ROUNDS"); do
  measure query_hit on query "$round"
  measure query_miss off query "$round"
done

status=0
declare -A v=()
declare -A total=([non200]=0 [socket_errors]=0)
for run in getitem_hit getitem_floor getitem_miss query_hit query_miss; do
  for f in rps p50_us p99_us; do
    v[$run.$f]=$(summarize "$run" "$f" median)
  done
  for f in non200 socket_errors; do
    v[$run.$f]=$(summarize "$run" "$f" sum)
    total[$f]=$((total[$f] + v[$run.$f]))
    if [ "${v[$run.$f]}" != 0 ]; then
      echo "cache.sh: $run: $f = ${v[$run.$f]}" >&2
      status=1
    fi
  done
done
non200=${total[non200]}
socket_errors=${total[socket_errors]}

# The hit counters: the cache-on server must have served hits, the cache-off one none.
declare -A m=()
for name in on off; do
  metrics "$name"
  for f in ItemCacheHits ItemCacheMisses QueryCacheHits QueryCacheMisses; do
    m[$name.$f]=$(metric "$name" "$f" "$([ "$name" = off ] && echo 0)")
  done
done
if [ "${m[on.ItemCacheHits]}" = 0 ] || [ "${m[on.QueryCacheHits]}" = 0 ]; then
  echo "cache.sh: the cache-on server served no cache hits (ItemCacheHits" \
    "${m[on.ItemCacheHits]}, QueryCacheHits ${m[on.QueryCacheHits]}): not a cache benchmark" >&2
  status=1
fi
if [ "${m[off.ItemCacheHits]}" != 0 ] || [ "${m[off.QueryCacheHits]}" != 0 ]; then
  echo "cache.sh: the cache-off server served cache hits (ItemCacheHits" \
    "${m[off.ItemCacheHits]}, QueryCacheHits ${m[off.QueryCacheHits]})" >&2
  status=1
fi
hit_ratio() {  # hit_ratio HITS MISSES
  awk -v h="$1" -v m="$2" 'BEGIN { if (h + m > 0) printf "%.4f", h / (h + m); else print "nan" }'
}
item_hit_ratio=$(hit_ratio "${m[on.ItemCacheHits]}" "${m[on.ItemCacheMisses]}")
query_hit_ratio=$(hit_ratio "${m[on.QueryCacheHits]}" "${m[on.QueryCacheMisses]}")

# --- 3. memory per cached item -------------------------------------------------------------------
if [ "$MEMORY" = 1 ]; then
  echo
  echo "== memory: $MEMORY_ITEMS items of $ITEM_BYTES bytes of JSON into two fresh servers" \
    "(cache on with --cache-max-bytes $MEMORY_CACHE_BYTES; cache keeping nothing), BatchWriteItem," \
    "$LOAD_CONNECTIONS connections"
  # jemalloc returns freed pages to the kernel at once (no decay), so that resident memory is
  # what is allocated, not what the load's temporary allocations left dirty.
  export MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0
  start_ddbx mem_on --cache-max-bytes "$MEMORY_CACHE_BYTES"
  start_ddbx mem_off --cache-item-ttl-ms 0 --cache-negative-ttl-ms 0 --cache-query-ttl-ms 0
  unset MALLOC_CONF
  declare -A rss_before=() rss_after=()
  for name in mem_on mem_off; do
    create_table "${port[$name]}" memory range
    rss_before[$name]=$(settled_rss "${pid[$name]}")
  done
  for name in mem_on mem_off; do
    load "$name" memory "$MEMORY_ITEMS" 100 "$LOAD_CONNECTIONS"
    echo "  $name: $(cut -d' ' -f2- "$tmp/$name-memory.load")"
  done
  for name in mem_on mem_off; do
    rss_after[$name]=$(settled_rss "${pid[$name]}")
    metrics "$name"
  done
  cached_entries=$(metric mem_on CachedEntryCount)
  charged_bytes=$(metric mem_on EstimatedDbSize)
  evicted_bytes=$(metric mem_on EvictedSize)
  off_entries=$(metric mem_off CachedEntryCount 0)
  if [ "$cached_entries" != "$MEMORY_ITEMS" ]; then
    echo "cache.sh: the cache holds $cached_entries entries, not the $MEMORY_ITEMS loaded items" \
      "(EvictedSize $evicted_bytes): raise MEMORY_CACHE_BYTES" >&2
    status=1
  fi
  if [ "$off_entries" != 0 ]; then
    echo "cache.sh: the cache-off server holds $off_entries cache entries" >&2
    status=1
  fi
  per_item=$(awk -v a="${rss_after[mem_on]}" -v b="${rss_after[mem_off]}" -v n="$MEMORY_ITEMS" \
    'BEGIN { printf "%.1f", (a - b) / n }')
  charged_per_entry=$(awk -v c="$charged_bytes" -v n="$cached_entries" \
    'BEGIN { if (n > 0) printf "%.1f", c / n; else print "nan" }')
  real_over_charged=$(awk -v r="$per_item" -v c="$charged_per_entry" \
    'BEGIN { if (c > 0) printf "%.3f", r / c; else print "nan" }')
fi

# --- 4. the tables -------------------------------------------------------------------------------
echo
if [ "$ROUNDS" -gt 1 ]; then
  echo "medians over $ROUNDS rounds of $DURATION, wrk -t$WRK_THREADS -c$CONNECTIONS," \
    "one ddbx worker thread"
fi
row() {  # row LABEL RUN
  printf '  %-34s %11.0f %10s %10s\n' "$1" "${v[$2.rps]}" "$(ms "${v[$2.p50_us]}")" \
    "$(ms "${v[$2.p99_us]}")"
}
on_off() {  # on_off HIT_RUN MISS_RUN: the cache-on / cache-off ratios
  echo "  cache on/off: requests/s $(ratio "${v[$1.rps]}" "${v[$2.rps]}")," \
    "p50 $(ratio "${v[$1.p50_us]}" "${v[$2.p50_us]}"), p99 $(ratio "${v[$1.p99_us]}" "${v[$2.p99_us]}")"
}
floor_rps_ratio=$(ratio "${v[getitem_hit.rps]}" "${v[getitem_floor.rps]}")
floor_p99_ratio=$(ratio "${v[getitem_hit.p99_us]}" "${v[getitem_floor.p99_us]}")
floor_rps_verdict=$(at_least "$floor_rps_ratio" "$RPS_TARGET")
floor_p99_verdict=$(at_most "$floor_p99_ratio" "$P99_TARGET")
echo "GetItem of one item ($ITEM_BYTES bytes of JSON, answer $body_bytes bytes)"
printf '  %-34s %11s %10s %10s\n' server 'requests/s' p50 p99
row 'ddbx, cache on (hits)' getitem_hit
row 'floor (same body)' getitem_floor
row 'ddbx, cache off (store reads)' getitem_miss
echo "  hits, ddbx/floor: requests/s $floor_rps_ratio (target >= $RPS_TARGET: $floor_rps_verdict)," \
  "p99 $floor_p99_ratio (target <= $P99_TARGET: $floor_p99_verdict)"
on_off getitem_hit getitem_miss
echo "  cache-on server: ItemCacheHits ${m[on.ItemCacheHits]}, ItemCacheMisses" \
  "${m[on.ItemCacheMisses]} (hit ratio $item_hit_ratio); cache-off server: ItemCacheHits" \
  "${m[off.ItemCacheHits]}"
echo "Query of one partition: $QUERY_ITEMS items of $ITEM_BYTES bytes of JSON (answer" \
  "$query_body_bytes bytes)"
printf '  %-34s %11s %10s %10s\n' server 'requests/s' p50 p99
row 'ddbx, cache on (hits)' query_hit
row 'ddbx, cache off (store reads)' query_miss
on_off query_hit query_miss
echo "  cache-on server: QueryCacheHits ${m[on.QueryCacheHits]}, QueryCacheMisses" \
  "${m[on.QueryCacheMisses]} (hit ratio $query_hit_ratio); cache-off server: QueryCacheHits" \
  "${m[off.QueryCacheHits]}"
if [ "$MEMORY" = 1 ]; then
  echo "Memory: $MEMORY_ITEMS items of $ITEM_BYTES bytes of JSON, loaded into both"
  printf '  %-34s %14s %14s %12s\n' server 'RSS before' 'RSS after' 'growth/item'
  for name in mem_on mem_off; do
    label='ddbx, cache on'
    [ "$name" = mem_off ] && label='ddbx, cache off'
    printf '  %-34s %14s %14s %12s\n' "$label" "$(mb "${rss_before[$name]}")" \
      "$(mb "${rss_after[$name]}")" "$(awk -v a="${rss_after[$name]}" \
      -v b="${rss_before[$name]}" -v n="$MEMORY_ITEMS" 'BEGIN { printf "%.1f B", (a - b) / n }')"
  done
  echo "  resident memory per cached item, (RSS on - RSS off) / $MEMORY_ITEMS: $per_item bytes"
  echo "  the cache's own charge, EstimatedDbSize / CachedEntryCount: $charged_per_entry bytes" \
    "($charged_bytes bytes, $cached_entries entries, EvictedSize $evicted_bytes)"
  echo "  resident / charged: $real_over_charged"
fi

result="RESULT getitem_hit_rps=${v[getitem_hit.rps]} floor_rps=${v[getitem_floor.rps]}"
result+=" getitem_miss_rps=${v[getitem_miss.rps]} floor_rps_ratio=$floor_rps_ratio"
result+=" floor_p99_ratio=$floor_p99_ratio"
result+=" floor_rps_target_met=$([ "$floor_rps_verdict" = met ] && echo 1 || echo 0)"
result+=" floor_p99_target_met=$([ "$floor_p99_verdict" = met ] && echo 1 || echo 0)"
result+=" getitem_hit_p50_us=${v[getitem_hit.p50_us]} getitem_hit_p99_us=${v[getitem_hit.p99_us]}"
result+=" floor_p50_us=${v[getitem_floor.p50_us]} floor_p99_us=${v[getitem_floor.p99_us]}"
result+=" getitem_miss_p50_us=${v[getitem_miss.p50_us]}"
result+=" getitem_miss_p99_us=${v[getitem_miss.p99_us]}"
result+=" getitem_hit_miss_rps_ratio=$(ratio "${v[getitem_hit.rps]}" "${v[getitem_miss.rps]}")"
result+=" getitem_hit_miss_p99_ratio=$(ratio "${v[getitem_hit.p99_us]}" \
  "${v[getitem_miss.p99_us]}")"
result+=" query_hit_rps=${v[query_hit.rps]} query_miss_rps=${v[query_miss.rps]}"
result+=" query_hit_miss_rps_ratio=$(ratio "${v[query_hit.rps]}" "${v[query_miss.rps]}")"
result+=" query_hit_p50_us=${v[query_hit.p50_us]} query_hit_p99_us=${v[query_hit.p99_us]}"
result+=" query_miss_p50_us=${v[query_miss.p50_us]} query_miss_p99_us=${v[query_miss.p99_us]}"
result+=" query_hit_miss_p99_ratio=$(ratio "${v[query_hit.p99_us]}" "${v[query_miss.p99_us]}")"
result+=" item_cache_hits=${m[on.ItemCacheHits]} item_hit_ratio=$item_hit_ratio"
result+=" query_cache_hits=${m[on.QueryCacheHits]} query_hit_ratio=$query_hit_ratio"
result+=" non200=$non200 socket_errors=$socket_errors body_bytes=$body_bytes"
result+=" query_body_bytes=$query_body_bytes query_items=$QUERY_ITEMS item_bytes=$ITEM_BYTES"
result+=" memory=$MEMORY"
if [ "$MEMORY" = 1 ]; then
  result+=" memory_items=$MEMORY_ITEMS rss_on_bytes=${rss_after[mem_on]}"
  result+=" rss_off_bytes=${rss_after[mem_off]} bytes_per_cached_item=$per_item"
  result+=" charged_bytes_per_entry=$charged_per_entry cached_entries=$cached_entries"
  result+=" resident_over_charged=$real_over_charged"
fi
echo "$result"
exit $status
