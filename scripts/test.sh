#!/usr/bin/env bash
# Quick start: install what is missing, build every variant, and run every test:
#   1. Catch2 unit tests (Release build)
#   2. the concurrency unit tests again under ThreadSanitizer
#   3. each libFuzzer target for a short run (FUZZ_SECONDS, default 20) from its seed corpus
#   4. the black-box suite: real clients (boto3, the AWS CLI, the AWS SDK for JavaScript v3)
#      against the built binary
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/setup.sh test

failed=()
step() { echo; echo "==== $*"; }

step "unit tests"
ctest --test-dir build --output-on-failure || failed+=(unit)

step "unit tests under ThreadSanitizer"
for t in unit_proxy unit_engine unit_cache; do
  if [ -x "build-tsan/tests/$t" ]; then
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp" "build-tsan/tests/$t" || failed+=("tsan:$t")
  fi
done

step "fuzz targets"
fuzz_seconds=${FUZZ_SECONDS:-20}
for f in build-fuzz/tests/fuzz/*_fuzz; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  seeds="tests/fuzz/corpus/$name"
  work=$(mktemp -d)
  [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
  echo "-- $name for ${fuzz_seconds}s"
  if ! "$f" -max_total_time="$fuzz_seconds" -rss_limit_mb=4096 -print_final_stats=0 \
      -artifact_prefix="$root/build-fuzz/$name-" "$work" > "build-fuzz/$name.log" 2>&1; then
    tail -50 "build-fuzz/$name.log"
    failed+=("fuzz:$name")
  else
    grep -E "^Done [0-9]+ runs" "build-fuzz/$name.log" || tail -2 "build-fuzz/$name.log"
  fi
  rm -rf "$work"
done

step "black-box tests (boto3, AWS CLI, AWS SDK for JavaScript)"
DDBX_BIN="$root/build/app/ddbx" /usr/bin/python3 -m pytest -q tests/integration || failed+=(integration)

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: FAILED: ${failed[*]}"
  exit 1
fi
echo "test.sh: every suite passed"
