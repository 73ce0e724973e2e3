/**
 * Root test: NetworkPolicy enforcement on real traffic. A test bridge with "pods" (network
 * namespaces behind veths, each running a tiny TCP/UDP server), the pods and policies in an
 * in-process API server, startNetworkPolicy programming its own table. Traffic only to addresses
 * inside our namespaces and to our bridge's gateway. Everything is named `fnp<hex>` / `flt-np-<hex>`
 * and removed at the end, also on failure.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server } from 'node:net';
import { builtinResources } from '../../api/builtin.js';
import { startTestServer, type TestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient, R, type Client } from '../../client/index.js';
import { discardLogger } from '../../lib/log.js';
import { createNetns, deleteNetns, type Netns } from '../../../test/support/netns.js';
import { NETWORK_POLICIES, removeNetworkPolicy, startNetworkPolicy, type RunningNetworkPolicy } from './network-policy.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hex = randomBytes(2).toString('hex');
const BRIDGE = `fnp${hex}`;
const TABLE = `flt-np-${hex}`;
const NAT_TABLE = `flt-npnat-${hex}`;
const octet = 100 + (parseInt(hex, 16) % 100);
const NET = `10.251.${octet}`;
const GW = `${NET}.1`;
const VIP = `10.252.${octet}.10`;
const TCP_PORTS = [53, 5432, 8080, 9000, 9050, 9051];
const UDP_PORTS = [53];

/** A tiny server: answers `ok` on every TCP port and echoes `ok` on UDP. */
const SERVER_PY = `
import socket, threading, sys
tcp = [int(p) for p in sys.argv[1].split(',')]
udp = [int(p) for p in sys.argv[2].split(',')]
def serve_tcp(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', p)); s.listen(64)
    while True:
        c, _ = s.accept()
        try: c.sendall(b'ok')
        finally: c.close()
def serve_udp(p):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', p))
    while True:
        d, a = s.recvfrom(512); s.sendto(b'ok', a)
for p in tcp: threading.Thread(target=serve_tcp, args=(p,), daemon=True).start()
for p in udp: threading.Thread(target=serve_udp, args=(p,), daemon=True).start()
print('ready', flush=True)
threading.Event().wait()
`;

const CLIENT_PY = `
import socket, sys
ip, port, proto = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    if proto == 'tcp':
        s = socket.create_connection((ip, port), timeout=0.7); d = s.recv(8)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.7); s.sendto(b'hi', (ip, port)); d = s.recv(8)
    sys.exit(0 if d == b'ok' else 1)
except Exception:
    sys.exit(1)
`;

interface TestPod {
  key: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  ports?: { name: string; containerPort: number; protocol?: string }[];
  netns?: Netns;
  server?: ChildProcess;
}

const PODS: TestPod[] = [
  { key: 'frontend', namespace: 'production', name: 'frontend', labels: { app: 'frontend' }, ip: `${NET}.2` },
  { key: 'backend', namespace: 'production', name: 'backend-api', labels: { app: 'backend-api' }, ip: `${NET}.3`, ports: [{ name: 'http', containerPort: 8080 }] },
  { key: 'db', namespace: 'production', name: 'postgresql', labels: { app: 'postgresql' }, ip: `${NET}.4`, ports: [{ name: 'pg', containerPort: 5432 }] },
  { key: 'client', namespace: 'other', name: 'client', labels: { app: 'client' }, ip: `${NET}.5` },
  { key: 'x', namespace: 'other', name: 'x', labels: { app: 'x' }, ip: `${NET}.6` },
];
const P = Object.fromEntries(PODS.map((p) => [p.key, p])) as Record<string, TestPod>;

let api: TestServer | undefined;
let client: Client;
let np: RunningNetworkPolicy | undefined;
let gwServer: Server | undefined;
let gwPort = 0;

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 15_000, ...(input !== undefined ? { input } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Whether `from` reaches ip:port over proto (a fresh connection; ~0.7 s when dropped). */
function can(from: TestPod, ip: string, port: number, proto: 'tcp' | 'udp' = 'tcp'): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', from.netns!.name, 'python3', '-c', CLIENT_PY, ip, String(port), proto], { timeout: 5_000 }, (err) => resolve(!err));
  });
}

/** Whether the host itself reaches ip:port (kubelet probes take this path). */
function hostCan(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: 700 });
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString() === 'ok');
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

/** Polls until `check` gives `want` (bounded); returns the time it took. */
async function until(what: string, check: () => Promise<boolean>, want: boolean, timeoutMs = 4_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if ((await check()) === want) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what} to be ${want ? 'allowed' : 'denied'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function expectReach(cases: [string, () => Promise<boolean>, boolean][]): Promise<void> {
  const got = await Promise.all(cases.map(([, f]) => f()));
  const wrong = cases.filter((c, i) => got[i] !== c[2]).map(([w, , want]) => `${w}: expected ${want ? 'allowed' : 'denied'}`);
  assert.deepEqual(wrong, []);
}

const policy = (namespace: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec });

async function apply(obj: ReturnType<typeof policy>): Promise<void> {
  const cur = await client.get(NETWORK_POLICIES, obj.metadata.namespace, obj.metadata.name).catch(() => undefined);
  if (cur) await client.update(NETWORK_POLICIES, obj.metadata.namespace, { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } });
  else await client.create(NETWORK_POLICIES, obj.metadata.namespace, obj);
}
async function remove(namespace: string, name: string): Promise<void> {
  await client.delete(NETWORK_POLICIES, namespace, name).catch(() => undefined);
}
async function removeAll(): Promise<void> {
  const list = await client.list(NETWORK_POLICIES);
  for (const p of list.items) await remove(p.metadata.namespace!, p.metadata.name!);
  await np!.syncNow();
}

before(async () => {
  if (!isRoot) throw new Error('network-policy.test.ts needs root (network namespaces, a bridge, nftables): run it as root');
  try {
    sh('nft', ['--version']);
  } catch {
    throw new Error('nft not found: scripts/setup.sh installs nftables');
  }
  sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  sh('ip', ['addr', 'add', `${GW}/24`, 'dev', BRIDGE]);
  sh('ip', ['link', 'set', BRIDGE, 'up']);
  for (const [i, p] of PODS.entries()) {
    p.netns = createNetns(`fnp${hex}`);
    const host = `fnp${hex}h${i}`;
    sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.netns.name]);
    sh('ip', ['link', 'set', host, 'master', BRIDGE, 'up']);
    sh('ip', ['-n', p.netns.name, 'addr', 'add', `${p.ip}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', p.netns.name, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', p.netns.name, 'route', 'add', 'default', 'via', GW]);
    const child = spawn('ip', ['netns', 'exec', p.netns.name, 'python3', '-c', SERVER_PY, TCP_PORTS.join(','), UDP_PORTS.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.server = child;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server in ${p.key} did not start`)), 10_000);
      child.stdout!.once('data', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  // A listener on the gateway: the node's own service a pod may always reach (a node-local DNS).
  gwServer = createServer((s) => s.end('ok'));
  await new Promise<void>((r) => gwServer!.listen(0, GW, r));
  gwPort = (gwServer.address() as { port: number }).port;

  api = await startTestServer({ resources: builtinResources() });
  client = createHttpClient({ server: api.url }, 'netpol-test');
  await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'production' } });
  await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other', labels: { team: 'a' } } });
  for (const p of PODS) {
    const created = await client.create(R.pods, p.namespace, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: p.namespace, name: p.name, labels: p.labels },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox', ...(p.ports ? { ports: p.ports } : {}) }] },
    });
    await client.update(R.pods, p.namespace, { ...created, status: { phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }] } }, { subresource: 'status' });
  }
  np = await startNetworkPolicy({ client, nodeName: 'n1', bridge: BRIDGE, table: TABLE, logger: discardLogger });
});

after(async () => {
  np?.stop();
  await removeNetworkPolicy({ bridge: BRIDGE, table: TABLE }).catch(() => undefined);
  try {
    sh('nft', ['delete', 'table', 'ip', NAT_TABLE]);
  } catch {
    /* not created */
  }
  for (const p of PODS) {
    if (p.server?.pid) {
      try {
        process.kill(p.server.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (p.netns) deleteNetns(p.netns);
  }
  try {
    sh('ip', ['link', 'del', BRIDGE]);
  } catch {
    /* gone */
  }
  gwServer?.close();
  await api?.close();
});

test('no policy: every pod reaches every other', async () => {
  await expectReach([
    ['frontend → backend:8080', () => can(P.frontend!, P.backend!.ip, 8080), true],
    ['client → db:5432', () => can(P.client!, P.db!.ip, 5432), true],
    ['backend → x:9000', () => can(P.backend!, P.x!.ip, 9000), true],
  ]);
});

beforeEach(async () => {
  if (np) await removeAll();
});

test('default deny (policyTypes Ingress+Egress): nothing in or out of production, except the node and replies', async () => {
  await apply(policy('production', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
  await until('client → backend:8080', () => can(P.client!, P.backend!.ip, 8080), false);
  await expectReach([
    ['frontend → backend:8080', () => can(P.frontend!, P.backend!.ip, 8080), false],
    ['backend → x:9000 (egress)', () => can(P.backend!, P.x!.ip, 9000), false],
    ['backend → x:53/udp (egress)', () => can(P.backend!, P.x!.ip, 53, 'udp'), false],
    ['client → x (other namespace, not isolated)', () => can(P.client!, P.x!.ip, 9000), true],
    ['node → backend:8080 (probes)', () => hostCan(P.backend!.ip, 8080), true],
    ['backend → node gateway listener (node-local DNS path)', () => can(P.backend!, GW, gwPort), true],
  ]);
  await removeAll();
});

test('the seed\'s four policies: frontend → backend 8080 only once the frontend may send; backend → db 5432 and DNS', async () => {
  await apply(policy('production', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
  await apply(policy('production', 'frontend-to-backend', {
    podSelector: { matchLabels: { app: 'backend-api' } }, policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }, { namespaceSelector: { matchLabels: { name: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
  }));
  await apply(policy('production', 'backend-to-database', {
    podSelector: { matchLabels: { app: 'postgresql' } }, policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'backend-api' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
  }));
  await apply(policy('production', 'api-egress-policy', {
    podSelector: { matchLabels: { app: 'backend-api' } }, policyTypes: ['Egress'],
    egress: [
      { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { ports: [{ protocol: 'TCP', port: 443 }], to: [{ namespaceSelector: {} }] },
      { ports: [{ protocol: 'TCP', port: 5432 }], to: [{ podSelector: { matchLabels: { app: 'postgresql' } } }] },
    ],
  }));
  await np!.syncNow();
  await until('backend → db:5432', () => can(P.backend!, P.db!.ip, 5432), true);
  await expectReach([
    ['frontend → backend:8080 (frontend egress still denied by default-deny-all)', () => can(P.frontend!, P.backend!.ip, 8080), false],
    ['backend → db:5432', () => can(P.backend!, P.db!.ip, 5432), true],
    ['backend → db:8080', () => can(P.backend!, P.db!.ip, 8080), false],
    ['backend → x:53/udp (DNS anywhere)', () => can(P.backend!, P.x!.ip, 53, 'udp'), true],
    ['backend → x:53/tcp (DNS anywhere)', () => can(P.backend!, P.x!.ip, 53, 'tcp'), true],
    ['backend → x:9000 (other egress)', () => can(P.backend!, P.x!.ip, 9000), false],
    ['client → db:5432', () => can(P.client!, P.db!.ip, 5432), false],
    ['client → backend:8080', () => can(P.client!, P.backend!.ip, 8080), false],
    ['node → db:5432', () => hostCan(P.db!.ip, 5432), true],
  ]);
  // The frontend's egress allowed by one more policy: now frontend → backend 8080 (and only it) passes.
  await apply(policy('production', 'frontend-egress', {
    podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Egress'],
    egress: [{ to: [{ podSelector: { matchLabels: { app: 'backend-api' } } }] }],
  }));
  await until('frontend → backend:8080', () => can(P.frontend!, P.backend!.ip, 8080), true);
  await expectReach([
    ['frontend → backend:9000', () => can(P.frontend!, P.backend!.ip, 9000), false],
    ['frontend → db:5432', () => can(P.frontend!, P.db!.ip, 5432), false],
  ]);
  // namespaceSelector name=frontend: labelling the other namespace admits its pods (label change, incremental).
  const other = await client.get(R.namespaces, '', 'other');
  await client.update(R.namespaces, '', { ...other, metadata: { ...other.metadata, labels: { ...other.metadata.labels, name: 'frontend' } } });
  await until('client → backend:8080 via namespaceSelector', () => can(P.client!, P.backend!.ip, 8080), true);
  const ms = await (async () => {
    const o = await client.get(R.namespaces, '', 'other');
    const labels = { ...o.metadata.labels } as Record<string, string>;
    delete labels.name;
    await client.update(R.namespaces, '', { ...o, metadata: { ...o.metadata, labels } });
    return until('client → backend:8080 after the label went', () => can(P.client!, P.backend!.ip, 8080), false);
  })();
  assert.ok(ms < 4_000, `denied again after ${ms} ms`);
  // Deleting policies restores traffic.
  await remove('production', 'default-deny-all');
  await np!.syncNow();
  await expectReach([['backend → x:9000 (api-egress-policy still isolates the backend for egress)', () => can(P.backend!, P.x!.ip, 9000), false]]);
  await remove('production', 'api-egress-policy');
  const restoreMs = await until('backend → x:9000 after every egress policy of the backend is deleted', () => can(P.backend!, P.x!.ip, 9000), true);
  assert.ok(restoreMs < 2_000, `restored after ${restoreMs} ms`);
  await removeAll();
});

test('podSelector and namespaceSelector combined in one peer', async () => {
  await apply(policy('production', 'combined', {
    podSelector: { matchLabels: { app: 'postgresql' } },
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { app: 'client' } } }] }],
  }));
  await until('x → db', () => can(P.x!, P.db!.ip, 5432), false);
  await expectReach([
    ['client (team=a, app=client) → db', () => can(P.client!, P.db!.ip, 5432), true],
    ['backend (production) → db', () => can(P.backend!, P.db!.ip, 5432), false],
  ]);
  await removeAll();
});

test('ipBlock with except', async () => {
  await apply(policy('production', 'ipblock', {
    podSelector: { matchLabels: { app: 'postgresql' } },
    ingress: [{ from: [{ ipBlock: { cidr: `${NET}.0/24`, except: [`${P.client!.ip}/32`] } }], ports: [{ port: 5432 }] }],
  }));
  await until('client → db', () => can(P.client!, P.db!.ip, 5432), false);
  await expectReach([
    ['x → db:5432', () => can(P.x!, P.db!.ip, 5432), true],
    ['x → db:8080 (port not listed)', () => can(P.x!, P.db!.ip, 8080), false],
  ]);
  await removeAll();
});

test('named port (resolved on the destination pod) and endPort', async () => {
  await apply(policy('production', 'named', { podSelector: { matchLabels: { app: 'backend-api' } }, ingress: [{ ports: [{ port: 'http' }] }] }));
  await until('client → backend:9000', () => can(P.client!, P.backend!.ip, 9000), false);
  await expectReach([['client → backend:8080 (named http)', () => can(P.client!, P.backend!.ip, 8080), true]]);
  await apply(policy('production', 'named', { podSelector: { matchLabels: { app: 'backend-api' } }, ingress: [{ ports: [{ protocol: 'TCP', port: 9000, endPort: 9050 }] }] }));
  await until('client → backend:8080', () => can(P.client!, P.backend!.ip, 8080), false);
  await expectReach([
    ['client → backend:9000', () => can(P.client!, P.backend!.ip, 9000), true],
    ['client → backend:9050', () => can(P.client!, P.backend!.ip, 9050), true],
    ['client → backend:9051', () => can(P.client!, P.backend!.ip, 9051), false],
  ]);
  // Egress with a named port: resolved on the peer (db names 5432 `pg`).
  await apply(policy('other', 'eg-named', { podSelector: { matchLabels: { app: 'x' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'pg' }] }] }));
  await until('x → client:5432 (client has no `pg`)', () => can(P.x!, P.client!.ip, 5432), false);
  await expectReach([['x → db:5432 (pg)', () => can(P.x!, P.db!.ip, 5432), true]]);
  await removeAll();
});

test('replies of allowed connections pass although the answering pod may send nothing', async () => {
  await apply(policy('production', 'no-egress', { podSelector: { matchLabels: { app: 'backend-api' } }, policyTypes: ['Egress'] }));
  await until('backend → x', () => can(P.backend!, P.x!.ip, 9000), false);
  await expectReach([
    ['client → backend:8080 (the reply is established)', () => can(P.client!, P.backend!.ip, 8080), true],
    ['client → backend:53/udp (the reply is established)', () => can(P.client!, P.backend!.ip, 53, 'udp'), true],
  ]);
  await removeAll();
});

test('a Service address DNATed before the forward hook: the policy sees the pod address', async () => {
  sh('nft', ['-f', '-'], [
    `add table ip ${NAT_TABLE}`,
    `add chain ip ${NAT_TABLE} pre { type nat hook prerouting priority dstnat; policy accept; }`,
    `add rule ip ${NAT_TABLE} pre ip daddr ${VIP} tcp dport 80 dnat to ${P.backend!.ip}:8080`,
    '',
  ].join('\n'));
  await expectReach([['frontend → VIP:80 (no policy)', () => can(P.frontend!, VIP, 80), true]]);
  await apply(policy('production', 'svc', {
    podSelector: { matchLabels: { app: 'backend-api' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ port: 8080 }] }],
  }));
  await until('client → VIP:80', () => can(P.client!, VIP, 80), false);
  await expectReach([['frontend → VIP:80 (allowed by pod label, port 8080 after DNAT)', () => can(P.frontend!, VIP, 80), true]]);
  await removeAll();
  sh('nft', ['delete', 'table', 'ip', NAT_TABLE]);
});

test('removeNetworkPolicy deletes this agent\'s objects and the empty table', async () => {
  await apply(policy('production', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
  await np!.syncNow();
  np!.stop();
  await removeNetworkPolicy({ bridge: BRIDGE, table: TABLE });
  assert.throws(() => sh('nft', ['list', 'table', 'inet', TABLE]));
  await expectReach([['frontend → backend:8080 with the rules gone', () => can(P.frontend!, P.backend!.ip, 8080), true]]);
  // A restart over a missing table, then over its own leftovers, rebuilds the same state.
  np = await startNetworkPolicy({ client, nodeName: 'n1', bridge: BRIDGE, table: TABLE, logger: discardLogger });
  np.stop();
  np = await startNetworkPolicy({ client, nodeName: 'n1', bridge: BRIDGE, table: TABLE, logger: discardLogger });
  await expectReach([['frontend → backend:8080 under deny-all after restart', () => can(P.frontend!, P.backend!.ip, 8080), false]]);
  await removeAll();
});

test('two agents share the table: each builds and removes only its own objects; the table stays while one is left', async () => {
  const other = `fnq${hex}`;
  const np2 = await startNetworkPolicy({ client, nodeName: 'n2', bridge: other, table: TABLE, logger: discardLogger });
  try {
    await apply(policy('production', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    await np!.syncNow();
    await np2.syncNow();
    const chains = () => sh('nft', ['list', 'table', 'inet', TABLE]);
    assert.match(chains(), new RegExp(`chain ${other}-ingress`));
    assert.match(chains(), new RegExp(`chain ${BRIDGE}-ingress`));
    // n2 has no pods: its ruleset holds no isolation, and n1's pods are still denied.
    await expectReach([['frontend → backend:8080', () => can(P.frontend!, P.backend!.ip, 8080), false]]);
    np2.stop();
    await removeNetworkPolicy({ bridge: other, table: TABLE });
    assert.doesNotMatch(chains(), new RegExp(`${other}-`));
    assert.match(chains(), new RegExp(`chain ${BRIDGE}-ingress`), 'the first agent keeps its objects and the table');
    await expectReach([['frontend → backend:8080 (still denied)', () => can(P.frontend!, P.backend!.ip, 8080), false]]);
  } finally {
    np2.stop();
    await removeNetworkPolicy({ bridge: other, table: TABLE }).catch(() => undefined);
    await removeAll();
  }
});
