# shellcheck shell=bash disable=SC2034  # variables here are used by the sourcing script
# Shell helpers shared by the benchmark scripts (bench/getitem.sh, bench/dataplane.sh, bench/writes.sh,
# bench/cache.sh). Sourced,
# never run. The sourcing script sets `set -euo pipefail` and BENCH_NAME (the prefix of error
# messages) first; everything here runs in that one shell, on its one thread.
#
#   die MESSAGE...                  "BENCH_NAME: MESSAGE" on stderr, exit 1
#   need_tools TOOL...              die unless every TOOL is on PATH
#   setup_pinning                   server_pin / wrk_pin: taskset prefixes (empty when not pinning)
#   start_tmp                       $tmp, a fresh directory, and the EXIT/INT/TERM traps that stop
#                                   every tracked process, wait for it and remove $tmp
#   track_pid PID                   PID is stopped (SIGTERM, then waited for) on exit
#   free_port                       prints a free TCP port on 127.0.0.1
#   wait_ready NAME PID PORT LOG    waits up to 10 s for GET / on PORT to answer 200; dies (with
#                                   LOG) if PID exits first or it never does
#   api PORT OPERATION BODY         one DynamoDB call; answer body in $tmp/answer.json, prints the
#                                   HTTP status
#   call PORT OPERATION BODY        api, dying unless the status is 200
#   wait_active PORT TABLE          waits up to 10 s for DescribeTable to say ACTIVE
#   run_wrk OUT ARGS...             wrk ARGS pinned to wrk_pin, output to OUT, its exit status
#   summarize NAME FIELD HOW        median (HOW=median) or sum (HOW=sum) of FIELD=value over the
#                                   lines of $tmp/NAME.results
#
# Variables read: PIN (auto; 0 disables pinning), SERVER_CPU (0), WRK_CPU (1).

BENCH_NAME=${BENCH_NAME:-bench}

die() {
  echo "$BENCH_NAME: $*" >&2
  exit 1
}

need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" > /dev/null || die "$tool is not installed (scripts/setup.sh installs it)"
  done
}

# CPU pinning: only with at least two CPUs, so the load generator does not steal the server's.
server_pin=()
wrk_pin=()
setup_pinning() {
  SERVER_CPU=${SERVER_CPU:-0}
  WRK_CPU=${WRK_CPU:-1}
  PIN=${PIN:-auto}
  server_pin=()
  wrk_pin=()
  if [ "$PIN" != 0 ] && command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ]; then
    server_pin=(taskset -c "$SERVER_CPU")
    wrk_pin=(taskset -c "$WRK_CPU")
  fi
}

tmp=
tracked_pids=()
wrk_pid=
# shellcheck disable=SC2317  # runs from the EXIT trap
bench_cleanup() {
  local pid
  for pid in $wrk_pid "${tracked_pids[@]}"; do
    kill -TERM "$pid" 2> /dev/null || true
  done
  for pid in $wrk_pid "${tracked_pids[@]}"; do
    wait "$pid" 2> /dev/null || true
  done
  [ -z "$tmp" ] || rm -rf "$tmp"
}

start_tmp() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddbx-bench.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

track_pid() {
  tracked_pids+=("$1")
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

wait_ready() {
  local name=$1 pid=$2 port=$3 log=$4 i code
  for i in $(seq 1 100); do
    if ! kill -0 "$pid" 2> /dev/null; then
      echo "$BENCH_NAME: $name exited during startup; its output:" >&2
      cat "$log" >&2
      exit 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  echo "$BENCH_NAME: $name did not answer GET / with 200 within 10 s; its output:" >&2
  cat "$log" >&2
  exit 1
}

# Sent by api and by the wrk scripts: a well-formed SigV4 Authorization header with a made-up
# signature. ddbx must run in an auth mode that does not verify it (the default of serve).
bench_authorization="AWS4-HMAC-SHA256 \
Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, \
SignedHeaders=host;x-amz-date, \
Signature=$(printf '0123456789abcdef%.0s' 1 2 3 4)"

api() {
  curl -s -o "$tmp/answer.json" -w '%{http_code}' --max-time 10 \
    -X POST "http://127.0.0.1:$1/" \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H "X-Amz-Target: DynamoDB_20120810.$2" \
    -H 'X-Amz-Date: 20240101T000000Z' \
    -H "Authorization: $bench_authorization" \
    --data-binary "$3"
}

call() {
  local status
  status=$(api "$1" "$2" "$3") || die "$2: curl failed"
  [ "$status" = 200 ] || die "$2 answered $status: $(cat "$tmp/answer.json")"
}

wait_active() {
  local port=$1 table=$2 _
  for _ in $(seq 1 100); do
    call "$port" DescribeTable "{\"TableName\":\"$table\"}"
    grep -q '"TableStatus":"ACTIVE"' "$tmp/answer.json" && return 0
    sleep 0.1
  done
  die "table $table is not ACTIVE after 10 s: $(cat "$tmp/answer.json")"
}

# wrk runs in the background and is waited for, so that a signal to the script runs the cleanup
# trap at once instead of after the run.
run_wrk() {
  local out=$1 rc=0
  shift
  "${wrk_pin[@]}" wrk "$@" > "$out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || rc=$?
  wrk_pid=
  return $rc
}

# The median of an even count is the mean of the middle two.
summarize() {
  sed -E "s/.* $2=([0-9.]+).*/\1/" "$tmp/$1.results" | sort -g | awk -v how="$3" '
    { v[NR] = $1; total += $1 }
    END {
      if (how == "sum") { printf "%d", total; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      if (int(m) == m) printf "%d", m; else printf "%.1f", m
    }'
}
