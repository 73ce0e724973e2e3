/**
 * NetworkPolicy update latency (issue 5's figure), next to baselines measured in the same run:
 *   1. compile: the pure compiler over a cluster of P pods (half on this node) and K policies;
 *   2. one change (a pod's label, then one policy's port) → compile + diff + `nft -f` of only what
 *      changed; baseline: rewriting this node's whole ruleset for the same change (what a
 *      non-incremental applier would do);
 *   3. end to end: NetworkPolicy update written to an in-process API server → watch → debounce →
 *      compile → nft transaction installed (startNetworkPolicy's apply counter), p50/p99.
 * Root (nft). Nothing is sent anywhere: the pod addresses are data only. The table is per run
 * (`flt-npb-<hex>`) and removed at the end.
 *
 * Run: node --import tsx bench/netpol.bench.ts [--pods 1000] [--policies 100] [--rounds 30]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { percentile } from './lib/https-client.js';
import { builtinResources } from '../src/api/builtin.js';
import { startTestServer } from '../src/apiserver/testing/test-server.js';
import { createHttpClient, R } from '../src/client/index.js';
import { discardLogger } from '../src/lib/log.js';
import { compileNetpol, type NetpolPod, type NetpolPolicy } from '../src/proxy/netpol/compile.js';
import { diffScript, fullScript } from '../src/proxy/netpol/nft-script.js';
import { NETWORK_POLICIES, removeNetworkPolicy, startNetworkPolicy } from '../src/proxy/netpol/network-policy.js';

const { values } = parseArgs({ options: { pods: { type: 'string', default: '1000' }, policies: { type: 'string', default: '100' }, rounds: { type: 'string', default: '30' } } });
const PODS = Math.max(10, Math.min(20_000, Number(values.pods)));
const POLICIES = Math.max(1, Math.min(2_000, Number(values.policies)));
const ROUNDS = Math.max(3, Math.min(200, Number(values.rounds)));
const hex = randomBytes(3).toString('hex');
const TABLE = `flt-npb-${hex}`;
const TAG = `npb${hex}`;

if (process.getuid?.() !== 0) {
  console.error('netpol bench needs root (nft)');
  process.exit(1);
}

function fmt(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(2)} ms  p99 ${percentile(s, 99).toFixed(2)} ms  (min ${s[0]!.toFixed(2)}, max ${s[s.length - 1]!.toFixed(2)})`;
}
const nft = (script: string) => execFileSync('nft', ['-f', '-'], { input: script, timeout: 60_000, stdio: ['pipe', 'ignore', 'pipe'] });
const ip = (i: number) => `10.${200 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
const NS = 20;

function pods(relabel = -1, gen = 0): NetpolPod[] {
  return Array.from({ length: PODS }, (_, i) => ({
    namespace: `ns${i % NS}`,
    name: `p${i}`,
    labels: { app: `app${i % 50}`, tier: (i === relabel ? gen % 2 === 0 : i % 3 === 0) ? 'web' : 'db' },
    ip: ip(i + 2),
    nodeName: i % 2 === 0 ? 'n1' : 'n2',
    hostNetwork: false,
    terminal: false,
    namedPorts: [{ name: 'http', protocol: 'TCP' as const, port: 8080 }],
  }));
}
function policySpec(j: number, port = 8080): NetpolPolicy['spec'] {
  return {
    podSelector: { matchLabels: { app: `app${j % 50}` } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      { from: [{ podSelector: { matchLabels: { tier: 'web' } } }, { namespaceSelector: { matchLabels: { team: `t${j % 4}` } } }], ports: [{ protocol: 'TCP', port }] },
      { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.200.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 'http' }] },
    ],
    egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }, { to: [{ podSelector: { matchLabels: { tier: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432, endPort: 5440 }] }],
  };
}
const policies = (changed = -1, port = 8080): NetpolPolicy[] =>
  Array.from({ length: POLICIES }, (_, j) => ({ metadata: { namespace: `ns${j % NS}`, name: `pol${j}` }, spec: policySpec(j, j === changed ? port : 8080) }));
const namespaces = Array.from({ length: NS }, (_, i) => ({ name: `ns${i}`, labels: { team: `t${i % 4}` } }));
const compile = (p: NetpolPod[], pol: NetpolPolicy[]) => compileNetpol({ policies: pol, pods: p, namespaces, nodeName: 'n1', tag: TAG });

async function main(): Promise<void> {
  console.log(`cluster: ${PODS} pods (${PODS / 2} on this node), ${POLICIES} policies in ${NS} namespaces; ${ROUNDS} rounds`);
  try {
    // 1. compile
    const c: number[] = [];
    let rs = compile(pods(), policies());
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      rs = compile(pods(), policies());
      c.push(performance.now() - t);
    }
    console.log(`compile (pure)                 ${fmt(c)}  → ${rs.sets.size} sets, ${rs.chains.size} chains`);
    const t0 = performance.now();
    const full = fullScript(TABLE, { chains: [], sets: [], maps: [] }, rs);
    nft(full);
    console.log(`first full build               ${(performance.now() - t0).toFixed(1)} ms  (${full.split('\n').length} script lines)`);

    // 2. one change: incremental vs whole-ruleset rewrite.
    const inc: number[] = [];
    const incLines: number[] = [];
    const whole: number[] = [];
    let cur = rs;
    // Pod 0 flips between tier=web and tier=db (peer sets change); policy pol2 changes its port.
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      const next = r % 2 === 0 ? compile(pods(0, r + 1), policies()) : compile(pods(), policies(2, 9100 + r));
      const script = diffScript(TABLE, cur, next);
      if (script) nft(script);
      inc.push(performance.now() - t);
      incLines.push(script ? script.split('\n').length : 0);
      cur = next;
      // Baseline: the same change by rewriting every object of this node.
      t = performance.now();
      const again = r % 2 === 0 ? compile(pods(0, r + 2), policies()) : compile(pods(), policies(2, 9200 + r));
      const owned = { chains: [...cur.chains.keys()], sets: [...cur.sets.keys()], maps: [...cur.maps.keys()] };
      nft(fullScript(TABLE, owned, again));
      whole.push(performance.now() - t);
      cur = again;
    }
    console.log(`one change, incremental        ${fmt(inc)}  (script lines p50 ${percentile([...incLines].sort((a, b) => a - b), 50)})`);
    console.log(`one change, whole rewrite      ${fmt(whole)}  (baseline)`);
    execFileSync('nft', ['delete', 'table', 'inet', TABLE], { timeout: 30_000 });

    // 3. end to end through the API.
    const api = await startTestServer({ resources: builtinResources() });
    try {
      const client = createHttpClient({ server: api.url }, 'netpol-bench');
      const E2E_PODS = Math.min(PODS, 400);
      for (let i = 0; i < NS; i++) await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns${i}`, labels: { team: `t${i % 4}` } } });
      for (const p of pods().slice(0, E2E_PODS)) {
        const o = await client.create(R.pods, p.namespace, {
          apiVersion: 'v1', kind: 'Pod', metadata: { namespace: p.namespace, name: p.name, labels: p.labels as Record<string, string> },
          spec: { nodeName: p.nodeName, containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] },
        });
        await client.update(R.pods, p.namespace, { ...o, status: { phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }] } }, { subresource: 'status' });
      }
      for (const pol of policies().slice(0, Math.min(POLICIES, 50)))
        await client.create(NETWORK_POLICIES, pol.metadata.namespace!, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: pol.metadata, spec: pol.spec });
      const np = await startNetworkPolicy({ client, nodeName: 'n1', bridge: TAG, table: TABLE, logger: discardLogger });
      const e2e: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const cur = await client.get(NETWORK_POLICIES, 'ns2', 'pol2');
        const before = np.stats().applies;
        const t = performance.now();
        await client.update(NETWORK_POLICIES, 'ns2', { ...cur, spec: policySpec(2, 10_000 + r) });
        const end = Date.now() + 5_000;
        while (np.stats().applies === before && Date.now() < end) await new Promise((res) => setTimeout(res, 1));
        if (np.stats().applies === before) throw new Error('policy change not applied within 5 s');
        e2e.push(performance.now() - t);
      }
      console.log(`API write → rules installed    ${fmt(e2e)}  (${E2E_PODS} pods, ${Math.min(POLICIES, 50)} policies; 15 ms debounce included)`);
      np.stop();
    } finally {
      await api.close();
    }
  } finally {
    await removeNetworkPolicy({ bridge: TAG, table: TABLE }).catch(() => undefined);
    try {
      execFileSync('nft', ['delete', 'table', 'inet', TABLE], { stdio: 'ignore', timeout: 30_000 });
    } catch {
      /* gone */
    }
  }
}

await main();
