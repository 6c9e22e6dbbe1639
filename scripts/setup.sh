#!/usr/bin/env bash
# Installs what ddbx needs on Debian bookworm (as root) and builds it.
#
#   scripts/setup.sh [release|test]
#
# release: the Release build in build/ (the ddbx binary at build/app/ddbx).
# test:    also the sanitizer builds the tests use: build-tsan/ (ThreadSanitizer, unit tests)
#          and build-fuzz/ (clang + libFuzzer targets), and the npm packages of tests/js.
# Packages are installed only when missing, after one `apt-get update`.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-release}

packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libuv1-dev node-llhttp libsimdjson-dev librocksdb-dev libssl-dev zlib1g-dev
  libhiredis-dev libjemalloc-dev libcpp-httplib-dev catch2 libtomlplusplus-dev
  libspdlog-dev libfmt-dev libcli11-dev
  redis-server python3 python3-pytest python3-boto3 awscli wrk curl
)
# Node.js and npm for the AWS SDK for JavaScript tests (tests/js): Debian's packages, unless a
# node with its npm is installed already (another distribution of it would conflict with them).
if ! command -v npm > /dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these Debian packages are missing and installing them needs root" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc)

build() {  # build DIR [cmake args...] -- [ninja targets...]
  local dir=$1; shift
  local args=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  targets=("$@")
  cmake -S . -B "$dir" -G Ninja "${args[@]}" > "$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; exit 1; }
  ninja -C "$dir" -j "$jobs" "${targets[@]}"
}

build build -DCMAKE_BUILD_TYPE=Release
if [ "$what" = test ]; then
  build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDDBX_TSAN=ON -- unit_proxy unit_engine unit_cache
  CC=clang CXX=clang++ build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDDBX_FUZZ=ON
  # The AWS SDK for JavaScript v3, at the exact versions of tests/js/package-lock.json.
  if [ ! -f tests/js/node_modules/.package-lock.json ] \
      || [ tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; then
    (cd tests/js && npm ci --no-audit --no-fund)
  fi
fi
