#!/usr/bin/env bash
# Quick start: install what is missing, build, and run ddbx on 127.0.0.1:8000 with its bundled
# store keeping data in ./data. Extra arguments go to `ddbx serve` (see `ddbx serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh release
exec build/app/ddbx serve --listen 127.0.0.1:8000 --data-dir ./data "$@"
