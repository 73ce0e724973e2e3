/**
 * Issue 5's NetworkPolicy acceptance check with real pods (root, containerd, CNI): the seed's
 * test/fixtures/seed/network-policies.yaml applied verbatim with kubectl into namespace
 * `production` (frontend, backend-api on 8080, postgresql on 5432, an `other` pod), read as upstream
 * does, and enforced by the agent alone (`table inet flotilla-netpol`; nothing here installs rules,
 * so the test fails when the agent's enforcement breaks).
 *
 * Also: a pod in a namespace labelled `name: frontend` (the seed's second peer), a pod `ext` in an
 * unisolated namespace listening on TCP 53, 443 and 8080, plus a UDP echo on 53 and 5353 run in its
 * netns (api-egress-policy's DNS-anywhere and 443-to-any-namespace rules), ClusterIP Services in front of backend-api and postgresql (policies
 * see the pod address and target port: the proxy DNATs before the forward hook), cluster DNS via the
 * kube-dns ClusterIP (redirected to the node-local DNS), and the node itself (readiness probes,
 * connections from the host) always allowed; isolation held while the server and its agent are
 * SIGKILLed and restarted; a new pod under default deny isolated from its first instant (the
 * kubelet announces sandbox addresses through RunningNetworkPolicy.podStarting before any container).
 *
 * Probes: connections are made from inside each pod's network namespace (found by its pod IP among
 * `ip netns list`) by a small node script run under `nsenter --net`, each bounded by a timeout (a
 * denied SYN is dropped: "denied" = no answer within the bound). Change latency: a watcher in the
 * client pod's netns opens a connection every 20 ms; the figure is from just before the API write
 * to the first connection that shows the new verdict. Traffic goes only to pod and Service
 * addresses on this run's bridge. The server's stop (killall) removes pods, netns and rules; the
 * probe script's temp dir and the helper processes still running (by PID) are removed in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { clientFromKubeconfig } from '../../src/client/index.js';
import type { KubeObject } from '../../src/api/types.js';
import type { Client } from '../../src/client/types.js';
import { NETPOL_TABLE, NETWORK_POLICIES } from '../../src/proxy/netpol/index.js';
import { REPO_ROOT, startServer, type TestServer } from '../support/cluster.js';
import { ok as kubectlOk, poll } from './lib/kube.js';

const run = promisify(execFile);
const SEED = join(REPO_ROOT, 'test', 'fixtures', 'seed', 'network-policies.yaml');

let server: TestServer;
let client: Client;
let dir = '';
const watchers = new Set<ChildProcess>();
/** Pod IPs by short name; netns paths by short name; Service ClusterIPs. */
const ip: Record<string, string> = {};
const netns: Record<string, string> = {};
const svc: Record<string, string> = {};
let kubeDns = '';
/** Change latencies measured (ms), reported at the end. */
const figures: Record<string, number> = {};
/** Baseline: how long each of those API writes took to return (the part that is the API server's). */
const writeMs: number[] = [];

/** kubectl as the admin (test/e2e/lib/kube.ts's ok), 90 s at most. */
const ok = (args: string[], input?: string): Promise<string> => kubectlOk(server, args, input === undefined ? { timeoutMs: 90_000 } : { input, timeoutMs: 90_000 });

/** Polls `probe` every 300 ms until it returns a value (test/e2e/lib/kube.ts's poll). */
const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> => poll(what, probe, timeoutMs, 300);

/**
 * Runs inside a pod's netns. `check {targets:[[host,port]], timeoutMs}` prints one status per
 * target (open | refused | timeout | <errno>). `watch {host, port, want, intervalMs, timeoutMs,
 * maxMs}` prints `ready`, then starts a connection every intervalMs and prints {at} once the verdict
 * is `want`: open → the first connection established (its time); closed → the start of the first
 * attempt of a run of 5 unanswered ones (no later attempt answered). {at: null} after maxMs.
 */
const PROBE = String.raw`
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
const [mode, json] = process.argv.slice(2);
const a = JSON.parse(json);
function attempt(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const start = Date.now();
    const s = connect({ host, port });
    const done = (status) => { clearTimeout(t); s.destroy(); resolve({ status, start, end: Date.now() }); };
    const t = setTimeout(() => done('timeout'), timeoutMs);
    s.once('connect', () => done('open'));
    s.once('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : String(e.code)));
  });
}
function udpAttempt(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const start = Date.now();
    const s = createSocket('udp4');
    const done = (status) => { clearTimeout(t); s.close(); resolve({ status, start, end: Date.now() }); };
    const t = setTimeout(() => done('timeout'), timeoutMs);
    s.once('message', () => done('open'));
    s.once('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : String(e.code)));
    s.connect(port, host, () => s.send('ping'));
  });
}
if (mode === 'udp-echo') {
  // Until SIGTERM: answers every datagram on each port.
  for (const port of a.ports) {
    const s = createSocket('udp4');
    s.on('message', (m, r) => s.send(m, r.port, r.address));
    s.bind(port);
  }
  process.once('SIGTERM', () => process.exit(0));
  setTimeout(() => process.stdout.write('ready\n'), 100);
} else if (mode === 'hold') {
  // Until SIGTERM: an attempt every intervalMs; each answered one printed at once; totals at the end.
  let attempts = 0, opened = 0;
  const timer = setInterval(() => {
    attempts++;
    attempt(a.host, a.port, a.timeoutMs).then((r) => { if (r.status === 'open') { opened++; process.stdout.write('open ' + r.end + '\n'); } });
  }, a.intervalMs);
  process.once('SIGTERM', () => { clearInterval(timer); process.stdout.write(JSON.stringify({ attempts, opened }) + '\n'); process.exit(0); });
  process.stdout.write('ready\n');
} else if (mode === 'check') {
  const r = await Promise.all(a.targets.map(([h, p, proto]) => (proto === 'udp' ? udpAttempt : attempt)(h, p, a.timeoutMs)));
  process.stdout.write(JSON.stringify(r.map((x) => x.status)) + '\n');
  process.exit(0);
}
if (mode === 'watch') {
const t0 = Date.now();
const results = [];
let finished = false;
const finish = (at) => { if (finished) return; finished = true; process.stdout.write(JSON.stringify({ at, attempts: results.length }) + '\n'); process.exit(0); };
process.stdout.write('ready\n');
const timer = setInterval(() => {
  if (Date.now() - t0 > a.maxMs) { clearInterval(timer); finish(null); return; }
  const slot = { start: Date.now(), status: undefined, end: 0 };
  results.push(slot);
  attempt(a.host, a.port, a.timeoutMs).then((r) => {
    slot.status = r.status; slot.end = r.end;
    if (a.want === 'open') {
      if (r.status === 'open') finish(r.end);
      return;
    }
    // closed: the trailing completed run of non-open attempts, in start order.
    let i = results.length - 1;
    while (i >= 0 && results[i].status === undefined) i--;
    let n = 0, first = -1;
    for (let j = i; j >= 0 && results[j].status !== undefined && results[j].status !== 'open'; j--) { n++; first = j; }
    const later = results.slice(i + 1).some((x) => x.status === 'open');
    if (n >= 5 && !later) finish(results[first].start);
  });
}, a.intervalMs);
}
`;

/** The netns (path) holding `podIP`, among `ip netns list`. */
async function netnsOf(podIP: string): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'list'], { timeout: 10_000 });
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0];
    if (!name) continue;
    const r = await run('ip', ['-n', name, '-4', '-o', 'addr', 'show'], { timeout: 10_000 }).catch(() => ({ stdout: '' }));
    if (r.stdout.includes(` ${podIP}/`)) return `/run/netns/${name}`;
  }
  assert.fail(`no network namespace in \`ip netns list\` holds ${podIP}`);
}

type Status = 'open' | 'refused' | 'timeout' | string;

/** Connects from pod `from` to each target (bounded by timeoutMs); the statuses in order. */
async function check(from: string, targets: [string, number, Proto?][], timeoutMs = 2_000): Promise<Status[]> {
  const { stdout } = await run('nsenter', [`--net=${netns[from]}`, process.execPath, join(dir, 'probe.mjs'), 'check', JSON.stringify({ targets, timeoutMs })], { timeout: timeoutMs + 15_000 });
  return JSON.parse(stdout.trim()) as Status[];
}

type Proto = 'tcp' | 'udp';

/** `[from, to, port, allowed, proto]`: a pod name; a pod name, `svc:<name>` or an address; the port; TCP unless 'udp'. */
type Case = [string, string, number, boolean, Proto?];

const addr = (to: string) => (to.startsWith('svc:') ? svc[to.slice(4)]! : (ip[to] ?? to));

/** Checks every case (in parallel per source pod); fails listing every wrong verdict. */
async function expectCases(cases: Case[]): Promise<void> {
  const bySource = new Map<string, Case[]>();
  for (const c of cases) bySource.set(c[0], [...(bySource.get(c[0]) ?? []), c]);
  const wrong: string[] = [];
  await Promise.all(
    [...bySource].map(async ([from, cs]) => {
      const got = await check(from, cs.map(([, to, port, , proto]) => [addr(to), port, proto ?? 'tcp']));
      cs.forEach(([, to, port, want, proto], i) => {
        if ((got[i] === 'open') !== want) wrong.push(`${from} → ${to}:${port}${proto === 'udp' ? '/udp' : ''} expected ${want ? 'allowed' : 'denied'}, got ${got[i]}`);
      });
    }),
  );
  assert.deepEqual(wrong.sort(), []);
}

/**
 * Starts a watcher in `from`'s netns for `to:port` reaching verdict `want`, runs `change` (the API
 * write), and resolves with ms from just before the write to the first connection showing it.
 */
async function latency(from: string, to: string, port: number, want: 'open' | 'closed', change: () => Promise<unknown>): Promise<number> {
  const args = { host: addr(to), port, want, intervalMs: 20, timeoutMs: 300, maxMs: 15_000 };
  const child = spawn('nsenter', [`--net=${netns[from]}`, process.execPath, join(dir, 'probe.mjs'), 'watch', JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  watchers.add(child);
  try {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const lines = new Promise<string[]>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('\n').length >= 3) resolve(out.split('\n'));
      });
      child.once('exit', () => resolve(out.split('\n')));
      child.once('error', reject);
    });
    await eventually('watcher ready', async () => out.startsWith('ready\n') || (child.exitCode !== null ? assert.fail(`watcher exited: ${err}`) : undefined), 15_000);
    const t0 = Date.now();
    await change();
    writeMs.push(Date.now() - t0);
    const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`watcher gave no verdict within 20 s: ${out} ${err}`)), 20_000).unref());
    const [, result] = await Promise.race([lines, bound]);
    const { at } = JSON.parse(result ?? '{}') as { at?: number | null };
    assert.ok(typeof at === 'number', `${from} → ${to}:${port} never became ${want} (${result} ${err})`);
    return Math.max(0, at - t0);
  } finally {
    if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    watchers.delete(child);
  }
}

/** Whether the host (the node itself) gets an HTTP answer from `to:port` within 2 s. */
function hostReach(to: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: addr(to), port, timeout: 2000 }, () => s.end('GET /health HTTP/1.0\r\n\r\n'));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.once('end', () => resolve(got.includes(' 200 ')));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

const demo = (name: string, ns: string, labels: string, port: number, probe = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: ${labels}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: flotilla.local/demo-app:1.0
    env: [{name: PORT, value: "${port}"}]
    ports: [{name: http, containerPort: ${port}}]${probe}
`;

/** One NetworkPolicy of the seed file, as written there. */
function seedPolicy(name: string): KubeObject {
  const found = parseAllDocuments(readFileSync(SEED, 'utf8'))
    .map((d) => d.toJS() as KubeObject)
    .find((o) => o?.metadata?.name === name);
  assert.ok(found, `${name} in ${SEED}`);
  return found;
}

const egressFrontend = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'frontend-egress', namespace: 'production' },
  spec: {
    podSelector: { matchLabels: { app: 'frontend' } },
    policyTypes: ['Egress'],
    egress: [{ to: [{ podSelector: { matchLabels: { app: 'backend-api' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
  },
};

before(async () => {
  server = await startServer({ agent: true, controlPlane: true });
  dir = mkdtempSync(join(tmpdir(), 'flt-netpol-seed-'));
  writeFileSync(join(dir, 'probe.mjs'), PROBE);
  client = clientFromKubeconfig(server.kubeconfig, 'netpol-seed-e2e');
  await eventually('node Ready', async () => / Ready /.test(await ok(['get', 'node', server.node!.name, '--no-headers'])) || undefined, 90_000);
  await ok(['apply', '-f', '-'], [
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: production}\n',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: frontend-team, labels: {name: frontend}}\n',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: outside}\n',
  ].join('---\n'));
  for (const ns of ['production', 'frontend-team', 'outside']) {
    await eventually(`default service account in ${ns}`, async () => (await server.kubectl(['get', 'sa', 'default', '-n', ns])).code === 0 || undefined);
  }
  await ok(['apply', '-f', '-'], [
    demo('frontend', 'production', '{app: frontend}', 8080),
    demo('backend-api', 'production', '{app: backend-api}', 8080, `
    readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1, failureThreshold: 2}`),
    demo('postgresql', 'production', '{app: postgresql}', 5432),
    demo('other', 'production', '{app: other}', 8080),
    demo('web', 'frontend-team', '{app: web}', 8080),
    `apiVersion: v1
kind: Pod
metadata: {name: ext, namespace: outside, labels: {app: ext}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: flotilla.local/busybox:1.35
    command: [sh, -c, "mkdir -p /www && echo ok > /www/health && httpd -p 53 -h /www && httpd -p 443 -h /www && exec httpd -f -p 8080 -h /www"]
`,
    `apiVersion: v1
kind: Service
metadata: {name: backend-api, namespace: production}
spec:
  selector: {app: backend-api}
  ports: [{name: http, port: 80, targetPort: http}]
`,
    `apiVersion: v1
kind: Service
metadata: {name: postgresql, namespace: production}
spec:
  selector: {app: postgresql}
  ports: [{name: pg, port: 5432, targetPort: 5432}]
`,
  ].join('---\n'));
  await ok(['wait', '--for=condition=Ready', '-n', 'production', 'pod/frontend', 'pod/backend-api', 'pod/postgresql', 'pod/other', '--timeout=180s'], undefined);
  await ok(['wait', '--for=condition=Ready', '-n', 'frontend-team', 'pod/web', '--timeout=120s']);
  await ok(['wait', '--for=condition=Ready', '-n', 'outside', 'pod/ext', '--timeout=120s']);
  for (const [ns, name] of [['production', 'frontend'], ['production', 'backend-api'], ['production', 'postgresql'], ['production', 'other'], ['frontend-team', 'web'], ['outside', 'ext']] as const) {
    ip[name] = (await ok(['get', 'pod', '-n', ns, name, '-o', 'jsonpath={.status.podIP}'])).trim();
    netns[name] = await netnsOf(ip[name]!);
  }
  // A UDP echo on 53 and 5353 in ext's netns (api-egress-policy allows UDP 53 anywhere).
  const echo = spawn('nsenter', [`--net=${netns['ext']}`, process.execPath, join(dir, 'probe.mjs'), 'udp-echo', JSON.stringify({ ports: [53, 5353] })], { stdio: ['ignore', 'pipe', 'pipe'] });
  watchers.add(echo);
  let echoOut = '';
  echo.stdout!.on('data', (d: Buffer) => (echoOut += d.toString()));
  await eventually('UDP echo in ext ready', async () => echoOut.startsWith('ready') || undefined, 15_000);
  svc['backend-api'] = (await ok(['get', 'svc', '-n', 'production', 'backend-api', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  svc['postgresql'] = (await ok(['get', 'svc', '-n', 'production', 'postgresql', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  kubeDns = (await ok(['get', 'svc', '-n', 'kube-system', 'kube-dns', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  // The Services answer from every client before any policy (proxy programmed).
  await eventually('ClusterIPs answer', async () => {
    const got = await check('other', [[svc['backend-api']!, 80], [svc['postgresql']!, 5432]]);
    return got.every((s) => s === 'open') || undefined;
  }, 30_000);
});

after(async () => {
  for (const w of watchers) if (w.exitCode === null && w.pid !== undefined) w.kill('SIGKILL');
  watchers.clear();
  if (Object.keys(figures).length) console.log(`# NetworkPolicy change → traffic (ms): ${JSON.stringify(figures)}; baseline, the API writes themselves (ms): ${JSON.stringify(writeMs)}`);
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('without policies every pod reaches every other, directly and through the ClusterIP', async () => {
  await expectCases([
    ['frontend', 'backend-api', 8080, true],
    ['frontend', 'svc:backend-api', 80, true],
    ['other', 'backend-api', 8080, true],
    ['other', 'postgresql', 5432, true],
    ['backend-api', 'ext', 8080, true],
    ['backend-api', 'ext', 53, true, 'udp'],
    ['backend-api', 'ext', 5353, true, 'udp'],
    ['ext', 'frontend', 8080, true],
  ]);
});

test('the seed\'s network-policies.yaml applied verbatim in production: default deny, then exactly what the policies allow', async (t) => {
  const applied = Date.now();
  const out = await ok(['apply', '-f', SEED]);
  for (const name of ['default-deny-all', 'frontend-to-backend', 'backend-to-database', 'api-egress-policy']) assert.match(out, new RegExp(`networkpolicy.networking.k8s.io/${name} created`));
  const nft = (await run('nft', ['list', 'table', 'inet', NETPOL_TABLE], { timeout: 10_000 })).stdout;
  assert.match(nft, new RegExp(`chain ${server.node!.bridge}-ingress`), 'the agent\'s own rules');
  await eventually('other → backend denied', async () => (await check('other', [[ip['backend-api']!, 8080]], 500))[0] === 'timeout' || undefined, 10_000);
  await expectCases([
    // default-deny-all also denies the frontend's egress: no policy allows it yet.
    ['frontend', 'backend-api', 8080, false],
    ['frontend', 'svc:backend-api', 80, false],
    ['frontend', 'postgresql', 5432, false],
    ['frontend', 'other', 8080, false],
    ['frontend', 'ext', 53, false, 'udp'],
    // any other pod → backend denied (production pods are egress-isolated too; others only by backend's ingress)
    ['other', 'backend-api', 8080, false],
    ['other', 'svc:backend-api', 80, false],
    ['other', 'postgresql', 5432, false],
    ['ext', 'backend-api', 8080, false],
    ['ext', 'svc:backend-api', 80, false],
    ['ext', 'postgresql', 5432, false],
    // frontend-to-backend's second peer: pods of namespaces labelled name=frontend (not egress-isolated)
    ['web', 'backend-api', 8080, true],
    ['web', 'svc:backend-api', 80, true],
    ['web', 'postgresql', 5432, false],
    ['web', 'frontend', 8080, false],
    // backend: → postgresql 5432 (both policies allow it), DNS anywhere, 443 to any namespace; nothing else
    ['backend-api', 'postgresql', 5432, true],
    ['backend-api', 'svc:postgresql', 5432, true],
    ['backend-api', 'ext', 53, true],
    ['backend-api', 'ext', 53, true, 'udp'],
    ['backend-api', 'ext', 5353, false, 'udp'],
    ['backend-api', 'ext', 443, true],
    ['backend-api', 'ext', 8080, false],
    ['backend-api', 'frontend', 8080, false],
    ['backend-api', 'other', 8080, false],
    // postgresql itself may send nothing
    ['postgresql', 'ext', 8080, false],
  ]);

  // backend → DNS: the kube-dns ClusterIP, redirected to the node-local cluster DNS, answers it.
  const dns = await server.kubectl(['exec', '-n', 'production', 'backend-api', '--', 'timeout', '5', 'nslookup', 'postgresql.production.svc.cluster.local', kubeDns], { timeoutMs: 30_000 });
  assert.equal(dns.code, 0, `nslookup from backend-api: ${dns.stdout}${dns.stderr}`);
  assert.ok(dns.stdout.includes(svc['postgresql']!), `the Service address in ${dns.stdout}`);

  // The node itself is always allowed: kubelet probes keep backend Ready, the host reaches every pod.
  assert.deepEqual(
    await Promise.all([hostReach('backend-api', 8080), hostReach('postgresql', 5432), hostReach('frontend', 8080), hostReach('svc:backend-api', 80)]),
    [true, true, true, true],
    'node → backend, postgresql, frontend, backend ClusterIP',
  );
  // Probes every second, failureThreshold 2: had they been dropped since the policies went in, the pod would be unready by now.
  const waited = Math.max(0, 4_000 - (Date.now() - applied));
  if (waited) await new Promise((r) => setTimeout(r, waited));
  const cond = JSON.parse(await ok(['get', 'pod', '-n', 'production', 'backend-api', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")]}'])) as { status: string; lastTransitionTime: string };
  assert.equal(cond.status, 'True', 'readiness probes keep passing under default deny');
  assert.ok(Date.parse(cond.lastTransitionTime) < applied, `Ready since before the policies (${cond.lastTransitionTime})`);
  t.diagnostic(`seed policies applied; checked ${Date.now() - applied} ms after kubectl apply started`);
});

test('frontend → backend once a policy allows the frontend\'s egress (directly and through the ClusterIP), others still denied', async (t) => {
  const ms = await latency('frontend', 'backend-api', 8080, 'open', () => client.create(NETWORK_POLICIES, 'production', egressFrontend));
  figures['egress policy created → allowed'] = ms;
  t.diagnostic(`frontend-egress created → frontend reaches backend after ${ms} ms`);
  assert.ok(ms < 3_000, `took ${ms} ms`);
  await expectCases([
    ['frontend', 'backend-api', 8080, true],
    ['frontend', 'svc:backend-api', 80, true],
    ['frontend', 'postgresql', 5432, false],
    ['frontend', 'svc:postgresql', 5432, false],
    ['frontend', 'other', 8080, false],
    ['other', 'backend-api', 8080, false],
    ['other', 'svc:backend-api', 80, false],
    ['ext', 'backend-api', 8080, false],
    ['backend-api', 'postgresql', 5432, true],
  ]);
});

test('deleting a policy restores traffic, adding one takes it away, each within a second or so', async (t) => {
  // default-deny-all gone: `other` may send again and frontend accepts again (nothing else isolates its ingress).
  let ms = await latency('other', 'frontend', 8080, 'open', () => client.delete(NETWORK_POLICIES, 'production', 'default-deny-all'));
  figures['default-deny-all deleted → allowed'] = ms;
  assert.ok(ms < 3_000, `default-deny-all deleted: ${ms} ms`);
  // backend is still isolated by frontend-to-backend, postgresql by backend-to-database.
  await expectCases([
    ['other', 'backend-api', 8080, false],
    ['other', 'postgresql', 5432, false],
    ['frontend', 'backend-api', 8080, true],
  ]);
  ms = await latency('other', 'backend-api', 8080, 'open', () => client.delete(NETWORK_POLICIES, 'production', 'frontend-to-backend'));
  figures['frontend-to-backend deleted → allowed'] = ms;
  assert.ok(ms < 3_000, `frontend-to-backend deleted: ${ms} ms`);
  // The seed's default deny back (the file's own object): `other` → frontend denied again.
  ms = await latency('other', 'frontend', 8080, 'closed', () => client.create(NETWORK_POLICIES, 'production', seedPolicy('default-deny-all')));
  figures['default-deny-all created → denied'] = ms;
  assert.ok(ms < 3_000, `default-deny-all applied: ${ms} ms`);
  assert.deepEqual(await check('other', [[ip['frontend']!, 8080]]), ['timeout'], 'other → frontend stays denied');
  await ok(['delete', 'networkpolicy', '-n', 'production', '--all']);
  await eventually('everything open again', async () => {
    const got = await check('other', [[ip['backend-api']!, 8080], [ip['postgresql']!, 5432], [ip['frontend']!, 8080]], 500);
    return got.every((s) => s === 'open') || undefined;
  }, 5_000);
  t.diagnostic(`latencies (ms): ${JSON.stringify(figures)}`);
});

test('isolation holds while the server and its agent are SIGKILLed and restarted; changes apply after the restart', async (t) => {
  const started = /network policy enforcement started/;
  assert.match(server.stdout() + server.stderr(), started, 'the agent logs when its enforcement starts');
  await latency('other', 'frontend', 8080, 'closed', () => client.create(NETWORK_POLICIES, 'production', seedPolicy('default-deny-all')));
  // other → frontend tried every 50 ms for the whole outage and start-up: never answered.
  const args = { host: ip['frontend'], port: 8080, intervalMs: 50, timeoutMs: 300 };
  const hold = spawn('nsenter', [`--net=${netns['other']}`, process.execPath, join(dir, 'probe.mjs'), 'hold', JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  watchers.add(hold);
  let out = '';
  hold.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => hold.once('exit', () => resolve()));
  try {
    await eventually('hold watcher ready', async () => out.startsWith('ready\n') || undefined, 15_000);
    const t0 = Date.now();
    await server.crash();
    await server.restart();
    await eventually('the restarted agent enforcing again', async () => started.test(server.stdout() + server.stderr()) || undefined, 120_000);
    const restartMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 2_000));
    hold.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    const totals = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { attempts?: number; opened?: number };
    assert.equal(totals.opened, 0, `other → frontend answered during the restart: ${out}`);
    assert.ok((totals.attempts ?? 0) > 20, `attempts made: ${JSON.stringify(totals)}`);
    t.diagnostic(`restart took ${restartMs} ms; ${totals.attempts} attempts from other → frontend meanwhile, none answered`);
  } finally {
    if (hold.exitCode === null) hold.kill('SIGKILL');
    watchers.delete(hold);
  }
  const ms = await latency('other', 'frontend', 8080, 'open', () => client.delete(NETWORK_POLICIES, 'production', 'default-deny-all'));
  figures['after restart: default-deny-all deleted → allowed'] = ms;
  assert.ok(ms < 3_000, `after the restart: ${ms} ms`);
});

test('a new pod under default deny is isolated from its first instant (init containers included)', async () => {
  await client.create(NETWORK_POLICIES, 'production', seedPolicy('default-deny-all'));
  try {
    await eventually('other → ext denied', async () => (await check('other', [[ip['ext']!, 8080]], 500))[0] === 'timeout' || undefined, 10_000);
    const tryExt = `for i in 1 2 3; do timeout 1 wget -qO- http://${ip['ext']}:8080/health && echo LEAK; done; echo DONE`;
    await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: late, namespace: production, labels: {app: late}}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: init, image: flotilla.local/busybox:1.35, command: [sh, -c, "${tryExt}"]}
  containers:
  - {name: main, image: flotilla.local/busybox:1.35, command: [sh, -c, "${tryExt}; exec sleep 3600"]}
`);
    const logs = async (c: string) => (await server.kubectl(['logs', '-n', 'production', 'late', '-c', c], { timeoutMs: 15_000 })).stdout;
    await eventually('late pod ran its attempts', async () => (await logs('main')).includes('DONE') || undefined, 90_000);
    assert.deepEqual([await logs('init'), await logs('main')].map((l) => l.includes('LEAK')), [false, false], 'a connection left the isolated pod before its rules were in');
  } finally {
    await ok(['delete', 'pod', '-n', 'production', 'late', '--ignore-not-found', '--wait=false']);
    await client.delete(NETWORK_POLICIES, 'production', 'default-deny-all').catch(() => undefined);
  }
});
