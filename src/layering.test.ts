/**
 * The import graph rules of DESIGN.md, checked on every run:
 * - lib/, api/ and every reconcile.ts import no I/O (no node:* modules, no storage/apiserver/cli);
 * - lib/ depends on nothing else in src/;
 * - api/ depends only on lib/ and itself;
 * - the scheduler's framework, plugins, queue and explain are pure too (only lib/, api/, themselves);
 * - the node agent's pod logic (agent/pods/) is pure: lib/, api/, itself and the CRI contract
 *   (agent/runtime/cri-types.ts, cri-errors.ts) only;
 * - the agent's other decision modules (PURE_AGENT_MODULES: probe state and targets, containerd
 *   config, CNI config, egress guard and portmap plans, node objects and status, pull-secret
 *   matching, stats math) import no I/O either.
 * (Test files and testing/ helpers are exempt: they may use fixtures and I/O.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = dirname(fileURLToPath(import.meta.url));

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'testing') out.push(...files(p));
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  return out;
}

/** The top-level src/ folder a relative import lands in, or undefined for packages. */
function target(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return relative(SRC, resolve(dirname(file), spec)).split('/')[0];
}

/** Decision modules of the node agent that must stay free of I/O (paths relative to src/). */
const PURE_AGENT_MODULES = new Set([
  'agent/probes/state.ts',
  'agent/probes/target.ts',
  'agent/runtime/containerd/config.ts',
  'agent/network/cni-config.ts',
  'agent/network/egress-guard.ts',
  'agent/network/portmap-cleanup.ts',
  'agent/node/node-objects.ts',
  'agent/node/node-status.ts',
  'agent/kubelet/pull-secrets.ts',
  'agent/runtime/registries-file.ts',
  'controllers/endpointslice/util.ts',
  'proxy/nftables/model.ts',
  'proxy/nftables/script.ts',
  'proxy/nftables/topology.ts',
  'proxy/nftables/conntrack.ts',
  'proxy/nftables/family.ts',
  'proxy/netpol/compile.ts',
  'proxy/netpol/ranges.ts',
  'proxy/netpol/nft-script.ts',
  'proxy/dns/ip.ts',
  'proxy/dns/cluster-index.ts',
  'proxy/dns/resolver.ts',
  'proxy/dns/answer-cache.ts',
  'proxy/dns/dns-redirect.ts',
  'apiserver/registry/service-alloc/slots.ts',
  'apiserver/registry/service-alloc/ip-range.ts',
  'apiserver/registry/service-alloc/port-range.ts',
  'apiserver/registry/service-alloc/errors.ts',
  'apiserver/registry/service-alloc/allocator.ts',
  'controllers/endpointslice/topology.ts',
  'controllers/endpointslice/trigger-time.ts',
  'agent/stats/rates.ts',
  'agent/stats/summary.ts',
  'agent/stats/host-parse.ts',
  'agent/stats/resource-metrics.ts',
  'apiserver/authz/rules.ts',
  'apiserver/authz/rbac-index.ts',
  'apiserver/authz/bootstrap-policy.ts',
  'apiserver/authz/aggregation.ts',
  'apiserver/authz/forbidden.ts',
  'apiserver/authz/node-authorizer.ts',
  'apiserver/crd/reconcile.ts',
  'apiserver/openapi/upstream-docs.ts',
  'apiserver/authz/node-graph.ts',
]);

const violations: string[] = [];
const scanned = files(SRC);
for (const file of scanned) {
  const rel = relative(SRC, file);
  const top = rel.split('/')[0];
  const pureScheduler = /^scheduler\/(framework|plugins|queue|explain)\//.test(rel);
  const pureAgentPods = rel.startsWith('agent/pods/');
  const pure = top === 'lib' || top === 'api' || rel.endsWith('/reconcile.ts') || pureScheduler || pureAgentPods || PURE_AGENT_MODULES.has(rel);
  for (const spec of imports(file)) {
    if (pure && (spec.startsWith('node:') || ['fs', 'path', 'http', 'https', 'net', 'os', 'child_process'].includes(spec)))
      violations.push(`${rel}: imports ${spec} (no I/O in lib/, api/, reconcile.ts or the other pure layers)`);
    if (pureAgentPods && spec.startsWith('.')) {
      const r = relative(SRC, resolve(dirname(file), spec));
      const ok = /^(lib|api|agent\/pods)\//.test(r) || r === 'agent/runtime/cri-types.js' || r === 'agent/runtime/cri-errors.js';
      if (!ok) violations.push(`${rel}: agent/pods/ may import only lib/, api/, itself and the CRI contract (${spec})`);
    }
    const t = target(file, spec);
    if (t === undefined || t === top) continue;
    if (top === 'lib') violations.push(`${rel}: lib/ may not import ${t}/ (${spec})`);
    if (top === 'api' && t !== 'lib') violations.push(`${rel}: api/ may import only lib/ (${spec})`);
    if (rel.endsWith('/reconcile.ts') && t !== 'lib' && t !== 'api') violations.push(`${rel}: reconcile.ts may import only lib/ and api/ (${spec})`);
    if (pureScheduler && t !== 'lib' && t !== 'api') violations.push(`${rel}: the scheduler's decision layers may import only lib/ and api/ (${spec})`);
  }
}

test('the import graph keeps pure layers pure', () => {
  assert.ok(scanned.length > 50, `scanned only ${scanned.length} files`);
  assert.ok(imports(join(SRC, 'apiserver/server.ts')).includes('node:crypto'), 'import parsing works');
  assert.deepEqual(violations, []);
  const missing = [...PURE_AGENT_MODULES].filter((m) => !scanned.some((f) => relative(SRC, f) === m));
  assert.deepEqual(missing, [], 'every listed pure agent module exists');
});
