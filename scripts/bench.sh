#!/usr/bin/env bash
# `npm run bench`: every benchmark, each printing its figures next to a baseline measured in the
# same run. Set-up first (npm packages, build, etcd for the etcd figures). Bounded in time.
#   scripts/bench.sh [startup|storage|apiserver|scheduler|sim|dns|endpointslice|runtime|images|agent|stats|netpol|proxy|cluster|protobuf|openapi|apply|crd|rbac]...
#   (default: all but cluster, which is long; runtime, images, agent and stats need root and containerd;
#   netpol and proxy need root and nftables)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
which=("$@")
if [ "${#which[@]}" -eq 0 ]; then
  which=(startup storage apiserver scheduler sim dns endpointslice protobuf openapi apply crd rbac)
  [ "$(id -u)" = 0 ] && which+=(runtime images agent stats netpol proxy)
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), node $(node --version), $(uname -r)"
for b in "${which[@]}"; do
  echo
  echo "=== $b ==="
  case "$b" in
    startup) node --import tsx bench/startup.bench.ts ;;
    storage) node --import tsx bench/storage.bench.ts ;;
    apiserver) node --import tsx bench/apiserver.bench.ts ;;
    scheduler) node --import tsx bench/scheduler.bench.ts ;;
    sim) node --import tsx bench/sim.bench.ts ;;
    dns) node --import tsx bench/dns.bench.ts ;;
    runtime) node --import tsx bench/runtime.bench.ts ;;
    images) node --import tsx bench/images.bench.ts --containerd ;;
    agent) node --import tsx bench/agent.bench.ts ;;
    stats) node --import tsx bench/stats.bench.ts ;;
    proxy) node --import tsx bench/proxy.bench.ts ;;
    endpointslice) node --import tsx bench/endpointslice.bench.ts ;;
    netpol) node --import tsx bench/netpol.bench.ts ;;
    cluster) node --import tsx bench/cluster.bench.ts ;;
    protobuf) node --import tsx bench/protobuf.bench.ts ;;
    openapi) node --import tsx bench/openapi.bench.ts ;;
    apply) node --import tsx bench/apply.bench.ts ;;
    crd) node --import tsx bench/crd.bench.ts ;;
    rbac) node --import tsx bench/rbac.bench.ts ;;
    *) echo "bench: unknown benchmark $b (startup, storage, apiserver, scheduler, sim, dns, endpointslice, runtime, images, agent, stats, netpol, proxy, cluster, protobuf, openapi, apply, crd, rbac)" >&2; exit 2 ;;
  esac
done
