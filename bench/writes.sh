#!/usr/bin/env bash
# Write costs of the bundled engine, side by side in one run (the indexes-and-transactions
# issue):
#   1. PutItem of new ~200-byte items into a table with two GSIs against the same table without
#      indexes: throughput, latency, and the write amplification measured from the store (the
#      bytes of the table's items plus its index entries, over the bytes of its items);
#   2. TransactWriteItems of two Puts against two single PutItems: items written per second.
#
#   bench/writes.sh                         # after scripts/setup.sh (ddbx in build/)
#   MODE=disk ROUNDS=3 DURATION=10s bench/writes.sh
#
# Builds nothing. Needs $BUILD/app/ddbx, wrk, curl. Steps: start `ddbx serve` (in memory by
# default; MODE=disk: a durable store in a temporary directory, every write fsynced) pinned to
# SERVER_CPU; create "plain" (pk S) and "indexed" (pk S, GSI by_g1 on g1 S, GSI by_g2 on g2 N,
# both projecting ALL), PAY_PER_REQUEST; then, each round, alternating: wrk PutItem into plain,
# into indexed; TransactWriteItems (two Puts) into plain, PutItem into plain; all with
# -tWRK_THREADS -cCONNECTIONS. Medians over the rounds; a last line RESULT ... for scripts.
#
# Environment (defaults): BUILD (./build), MODE (memory), DURATION (10s), WARMUP (2s), ROUNDS (1),
# CONNECTIONS (32), WRK_THREADS (1), SERVER_CPU (0), WRK_CPU (1), PIN (auto).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=writes.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

BUILD=${BUILD:-./build}
MODE=${MODE:-memory}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-1}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-1}

ddbx_bin=$BUILD/app/ddbx
lua=$here/writes.lua
[ -x "$ddbx_bin" ] || die "$ddbx_bin not found: build ddbx first (scripts/setup.sh)"
need_tools wrk curl
case $MODE in memory | disk) ;; *) die "MODE must be memory or disk" ;; esac
setup_pinning
start_tmp

port=$(free_port)
store=(--in-memory)
[ "$MODE" = disk ] && store=(--data-dir "$tmp/data")
"${server_pin[@]}" "$ddbx_bin" serve "${store[@]}" --listen "127.0.0.1:$port" \
  > "$tmp/ddbx.log" 2>&1 &
ddbx_pid=$!
track_pid "$ddbx_pid"
wait_ready ddbx "$ddbx_pid" "$port" "$tmp/ddbx.log"

call "$port" CreateTable '{"TableName":"plain","BillingMode":"PAY_PER_REQUEST",
  "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}'
call "$port" CreateTable '{"TableName":"indexed","BillingMode":"PAY_PER_REQUEST",
  "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
    {"AttributeName":"g1","AttributeType":"S"},{"AttributeName":"g2","AttributeType":"N"}],
  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
  "GlobalSecondaryIndexes":[
    {"IndexName":"by_g1","KeySchema":[{"AttributeName":"g1","KeyType":"HASH"}],
     "Projection":{"ProjectionType":"ALL"}},
    {"IndexName":"by_g2","KeySchema":[{"AttributeName":"g2","KeyType":"HASH"}],
     "Projection":{"ProjectionType":"ALL"}}]}'
wait_active "$port" plain
wait_active "$port" indexed
echo "ddbx: pid $ddbx_pid, port $port, serve ${store[*]}, $(nproc) CPUs"

# measure NAME OP TABLE ROUND
measure() {
  local name=$1 op=$2 table=$3 round=$4
  local args=(-t"$WRK_THREADS" -c"$CONNECTIONS" --latency -s "$lua")
  export WRITES_OP=$op WRITES_TABLE=$table
  if [ "$round" = 1 ] && [ "$WARMUP" != 0 ]; then
    run_wrk "$tmp/$name-warmup.txt" "${args[@]}" -d"$WARMUP" "http://127.0.0.1:$port/" \
      || { cat "$tmp/$name-warmup.txt" >&2; die "wrk failed ($name warm-up)"; }
  fi
  echo "== $name, round $round/$ROUNDS: WRITES_OP=$op WRITES_TABLE=$table wrk ${args[*]} -d$DURATION"
  run_wrk "$tmp/$name-$round.txt" "${args[@]}" -d"$DURATION" "http://127.0.0.1:$port/" \
    || { cat "$tmp/$name-$round.txt" >&2; die "wrk failed ($name)"; }
  grep -E 'Requests/sec|Latency|non-200' "$tmp/$name-$round.txt" | sed 's/^/  /'
  grep '^WRK_RESULT' "$tmp/$name-$round.txt" >> "$tmp/$name.results" \
    || die "no WRK_RESULT line ($name)"
}

for round in $(seq 1 "$ROUNDS"); do
  measure put_plain put plain "$round"
  measure put_indexed put indexed "$round"
  measure transact transact plain "$round"
  measure put_again put plain "$round"
done

status=0
for name in put_plain put_indexed transact put_again; do
  for f in non200 socket_errors; do
    n=$(summarize "$name" "$f" sum)
    if [ "$n" != 0 ]; then
      echo "writes.sh: $name: $f = $n" >&2
      status=1
    fi
  done
done

# Write amplification, from the store: the bytes of indexed's items and of its index entries.
call "$port" DescribeTable '{"TableName":"indexed"}'
amplification=$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["Table"]
items, size = t["ItemCount"], t["TableSizeBytes"]
index_bytes = sum(i["IndexSizeBytes"] for i in t["GlobalSecondaryIndexes"])
entries = sum(i["ItemCount"] for i in t["GlobalSecondaryIndexes"])
print(f"{items} {size} {entries} {index_bytes} {(size + index_bytes) / size:.2f} {1 + entries / items:.2f}")
' "$tmp/answer.json")
read -r items table_bytes entries index_bytes byte_amp record_amp <<< "$amplification"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.3fms", us / 1000 }'; }
declare -A rps p50 p99
for name in put_plain put_indexed transact put_again; do
  rps[$name]=$(summarize "$name" rps median)
  p50[$name]=$(summarize "$name" p50_us median)
  p99[$name]=$(summarize "$name" p99_us median)
done
tx_items=$(awk -v r="${rps[transact]}" 'BEGIN { printf "%.1f", 2 * r }')

echo
[ "$ROUNDS" -gt 1 ] && echo "medians over $ROUNDS rounds"
echo "PutItem of new ~200-byte items ($MODE store)"
printf '  %-26s %10s %10s %10s\n' table 'puts/s' p50 p99
printf '  %-26s %10.0f %10s %10s\n' 'plain (no index)' "${rps[put_plain]}" \
  "$(ms "${p50[put_plain]}")" "$(ms "${p99[put_plain]}")"
printf '  %-26s %10.0f %10s %10s\n' 'indexed (two GSIs, ALL)' "${rps[put_indexed]}" \
  "$(ms "${p50[put_indexed]}")" "$(ms "${p99[put_indexed]}")"
echo "  ratio indexed/plain: $(ratio "${rps[put_indexed]}" "${rps[put_plain]}")x"
echo "  write amplification of indexed: ${record_amp}x records, ${byte_amp}x bytes" \
  "($items items, $table_bytes bytes; $entries index entries, $index_bytes bytes)"
echo "TransactWriteItems of two Puts against single PutItems (plain)"
printf '  %-26s %10s %10s %10s %10s\n' request 'requests/s' 'items/s' p50 p99
printf '  %-26s %10.0f %10.0f %10s %10s\n' 'TransactWriteItems (2 Puts)' "${rps[transact]}" \
  "$tx_items" "$(ms "${p50[transact]}")" "$(ms "${p99[transact]}")"
printf '  %-26s %10.0f %10.0f %10s %10s\n' 'PutItem' "${rps[put_again]}" "${rps[put_again]}" \
  "$(ms "${p50[put_again]}")" "$(ms "${p99[put_again]}")"
echo "  items/s ratio transaction/PutItem: $(ratio "$tx_items" "${rps[put_again]}")x"
echo "RESULT mode=$MODE put_plain_rps=${rps[put_plain]} put_indexed_rps=${rps[put_indexed]}" \
  "index_ratio=$(ratio "${rps[put_indexed]}" "${rps[put_plain]}") record_amplification=$record_amp" \
  "byte_amplification=$byte_amp transact_rps=${rps[transact]} transact_items_per_s=$tx_items" \
  "put_rps=${rps[put_again]} transact_item_ratio=$(ratio "$tx_items" "${rps[put_again]}")"
exit $status
