#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up (npm and Debian packages), type check, then every
# unit and end-to-end test with node's test runner. Exit code 0 only when every test passed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec node scripts/run-tests.mjs "$@"
