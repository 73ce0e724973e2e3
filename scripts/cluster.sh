#!/usr/bin/env bash
# Starts a one-machine Flotilla cluster in the foreground (the README's "start a cluster" command):
# installs what is missing and compiles (scripts/setup.sh), then runs `flotilla server` with any
# flags given, e.g.  npm run cluster -- --secure-port 7443 --tls-san my.host
# State lives in /var/lib/flotilla as root (~/.flotilla otherwise); Ctrl-C stops it and keeps it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/flotilla.js server "$@"
