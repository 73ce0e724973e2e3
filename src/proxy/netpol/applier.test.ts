/**
 * The applier without root: startNetworkPolicy against an in-process API server with a fake `nft`
 * (RunCommand) that records every script — debounce, incremental diffs, rebuild after a failure,
 * heartbeats ignored, start refused when nft fails, pods announced by the kubelet before they start.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/builtin.js';
import { startTestServer, type TestServer } from '../../apiserver/testing/test-server.js';
import type { CommandResult, RunCommand } from '../../agent/network/index.js';
import { createHttpClient, R, type Client } from '../../client/index.js';
import { createInformer } from '../../client/informer.js';
import { discardLogger } from '../../lib/log.js';
import { NETWORK_POLICIES, startNetworkPolicy } from './network-policy.js';

let api: TestServer;
let client: Client;

class FakeNft {
  scripts: string[] = [];
  lists = 0;
  failNext = 0;
  /** Each transaction takes this long. */
  delayMs = 0;
  run: RunCommand = async (file, args, opts) => {
    assert.equal(file, 'nft');
    const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
    if (args[0] === '-j') {
      this.lists++;
      return { code: 1, stdout: '', stderr: 'Error: No such file or directory' };
    }
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext > 0) {
      this.failNext--;
      return { code: 1, stdout: '', stderr: 'Error: Could not process rule: Operation not permitted' };
    }
    this.scripts.push(opts?.input ?? '');
    return ok();
  };
}

async function until(what: string, fn: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const pod = (name: string, ip: string, labels: Record<string, string>) => ({ name, ip, labels });
async function createPod(p: ReturnType<typeof pod>): Promise<void> {
  const o = await client.create(R.pods, 'prod', { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'prod', name: p.name, labels: p.labels }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } });
  await client.update(R.pods, 'prod', { ...o, status: { phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }] } }, { subresource: 'status' });
}
const policy = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'prod', name }, spec });

before(async () => {
  api = await startTestServer({ resources: builtinResources() });
  client = createHttpClient({ server: api.url }, 'netpol-applier-test');
  await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
  await createPod(pod('a', '10.244.0.2', { app: 'a' }));
  await createPod(pod('b', '10.244.0.3', { app: 'b' }));
});
after(async () => {
  await api?.close();
});

test('start: one full build over the listing; a burst of changes is one incremental transaction; heartbeats cost nothing', async () => {
  const nft = new FakeNft();
  const np = await startNetworkPolicy({ client, nodeName: 'n1', bridge: 'flt0', table: 't', run: nft.run, logger: discardLogger, debounceMs: 30 });
  try {
    assert.equal(nft.lists, 1);
    assert.equal(nft.scripts.length, 1);
    assert.match(nft.scripts[0]!, /^add table inet t\n/);
    assert.match(nft.scripts[0]!, /add chain inet t flt0-ingress \{ type filter hook forward priority 10; policy accept; \}/);
    // Three policies written back to back: one transaction.
    for (const n of ['p1', 'p2', 'p3']) await client.create(NETWORK_POLICIES, 'prod', policy(n, { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }] }] }));
    await until('policies applied', () => nft.scripts.length >= 2 && nft.scripts.at(-1)!.split('\n').filter((l) => l.startsWith('add chain') && l.includes('-in')).length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(nft.scripts.length, 2, nft.scripts.join('\n----\n'));
    assert.equal(nft.lists, 1, 'a diff, not a relisting');
    assert.ok(!nft.scripts[1]!.includes('flt0-ingress'), 'base chains untouched');
    // A status heartbeat of a pod changes nothing we read.
    const b = await client.get(R.pods, 'prod', 'b');
    await client.update(R.pods, 'prod', { ...b, status: { ...(b.status as object), conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(nft.scripts.length, 2);
    // syncNow with nothing changed: no transaction.
    await np.syncNow();
    assert.equal(nft.scripts.length, 2);
    assert.equal(np.stats().isolatedPods, 1);
  } finally {
    np.stop();
    for (const n of ['p1', 'p2', 'p3']) await client.delete(NETWORK_POLICIES, 'prod', n).catch(() => undefined);
  }
});

test('a failed transaction is retried as a full rebuild from a fresh listing', async () => {
  const nft = new FakeNft();
  const np = await startNetworkPolicy({ client, nodeName: 'n1', bridge: 'flt0', table: 't', run: nft.run, logger: discardLogger, debounceMs: 5, retryMs: 20 });
  try {
    nft.failNext = 1;
    await client.create(NETWORK_POLICIES, 'prod', policy('deny', { podSelector: {} }));
    await until('retried', () => nft.lists === 2 && nft.scripts.length === 2);
    assert.match(nft.scripts[1]!, /add map inet t flt0-inpods/, 'rebuilt from scratch');
    assert.ok(np.stats().failures >= 1);
  } finally {
    np.stop();
    await client.delete(NETWORK_POLICIES, 'prod', 'deny').catch(() => undefined);
  }
});

test('start fails when nft refuses the first build; bad names are refused', async () => {
  const nft = new FakeNft();
  nft.failNext = 1;
  await assert.rejects(startNetworkPolicy({ client, nodeName: 'n1', bridge: 'flt0', table: 't', run: nft.run, logger: discardLogger }), /nft -f failed.*Operation not permitted/);
  await assert.rejects(startNetworkPolicy({ client, nodeName: 'n1', bridge: 'a"; flush ruleset', table: 't', run: nft.run, logger: discardLogger }), /invalid bridge name/);
});

test('shared informers: the first build waits until their owner has started them', async () => {
  const nft = new FakeNft();
  await client.create(NETWORK_POLICIES, 'prod', policy('deny', { podSelector: {} }));
  const shared = { pods: createInformer(client, R.pods), namespaces: createInformer(client, R.namespaces), networkPolicies: createInformer(client, NETWORK_POLICIES) };
  const starting = startNetworkPolicy({ client, nodeName: 'n1', bridge: 'flt0', table: 't', run: nft.run, logger: discardLogger, informers: shared });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(nft.scripts.length, 0, 'nothing built from empty caches');
  await Promise.all(Object.values(shared).map((i) => i.start()));
  const np = await starting;
  try {
    assert.match(nft.scripts[0]!, /10\.244\.0\.2 : jump flt0-gi-/);
    assert.equal(np.stats().isolatedPods, 2);
  } finally {
    np.stop();
    for (const i of Object.values(shared)) i.stop();
    await client.delete(NETWORK_POLICIES, 'prod', 'deny').catch(() => undefined);
  }
});

test('podStarting: a pod is isolated with the address the kubelet announces, before its status reaches the API', async () => {
  const nft = new FakeNft();
  await client.create(NETWORK_POLICIES, 'prod', policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
  const c = await client.create(R.pods, 'prod', { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'prod', name: 'c', labels: { app: 'c' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } });
  const np = await startNetworkPolicy({ client, nodeName: 'n1', bridge: 'flt0', table: 't', run: nft.run, logger: discardLogger, debounceMs: 5 });
  try {
    assert.ok(!nft.scripts.join('\n').includes('10.244.0.7'), 'no address known yet');
    await np.podStarting(c, ['fd00::7', '10.244.0.7']);
    const last = nft.scripts.at(-1)!;
    assert.match(last, /add element inet t flt0-inpods \{[^}]*10\.244\.0\.7 : jump flt0-gi-/);
    assert.match(last, /add element inet t flt0-egpods \{[^}]*10\.244\.0\.7 : jump flt0-ge-/);
    const n = nft.scripts.length;
    // The status arrives: same ruleset, no transaction; announcing again once cached costs nothing.
    await client.update(R.pods, 'prod', { ...c, status: { phase: 'Running', podIP: '10.244.0.7', podIPs: [{ ip: '10.244.0.7' }] } }, { subresource: 'status' });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(nft.scripts.length, n);
    await np.podStarting(await client.get(R.pods, 'prod', 'c'), ['10.244.0.7']);
    assert.equal(nft.scripts.length, n);
    // A pod no policy isolates: resolves at once (no transaction awaited).
    await client.delete(NETWORK_POLICIES, 'prod', 'deny');
    await until('deny gone', () => !nft.scripts.at(-1)!.includes('10.244.0.7 : jump') && nft.scripts.length > n);
    const n2 = nft.scripts.length;
    const t0 = Date.now();
    nft.delayMs = 500;
    await np.podStarting({ ...c, metadata: { ...c.metadata, name: 'free', uid: 'free' } }, ['10.244.0.30']);
    assert.ok(Date.now() - t0 < 400, 'not waiting for a transaction');
    nft.delayMs = 0;
    assert.equal(nft.scripts.length, n2);
    // hostNetwork pods and pods without an IPv4 address: nothing to do.
    await np.podStarting({ ...c, metadata: { ...c.metadata, uid: 'h' }, spec: { nodeName: 'n1', hostNetwork: true, containers: [] } }, ['10.0.0.1']);
    await np.podStarting({ ...c, metadata: { ...c.metadata, uid: 'v6' } }, ['fd00::8']);
    assert.equal(nft.scripts.length, n2);
  } finally {
    np.stop();
    await client.delete(NETWORK_POLICIES, 'prod', 'deny').catch(() => undefined);
    await client.delete(R.pods, 'prod', 'c', { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
});

test('podStarting rejects when the transaction fails (then retried as a rebuild that includes the pod) or takes too long', async () => {
  const nft = new FakeNft();
  await client.create(NETWORK_POLICIES, 'prod', policy('deny', { podSelector: {} }));
  const d = await client.create(R.pods, 'prod', { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'prod', name: 'd', labels: { app: 'd' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } });
  const np = await startNetworkPolicy({ client, nodeName: 'n1', bridge: 'flt0', table: 't', run: nft.run, logger: discardLogger, debounceMs: 5, retryMs: 20, podStartTimeoutMs: 100 });
  try {
    nft.failNext = 1;
    await assert.rejects(np.podStarting(d, ['10.244.0.8']), /nft -f failed/);
    await until('rebuilt', () => nft.scripts.some((x) => x.includes('10.244.0.8 : jump flt0-gi-')));
    const e = { ...d, metadata: { ...d.metadata, name: 'e', uid: 'e-uid' } };
    nft.delayMs = 300;
    await assert.rejects(np.podStarting(e, ['10.244.0.9']), /rules for pod prod\/e not installed within 100 ms/);
    await until('installed late', () => nft.scripts.some((x) => x.includes('10.244.0.9 : jump flt0-gi-')));
  } finally {
    np.stop();
    await client.delete(NETWORK_POLICIES, 'prod', 'deny').catch(() => undefined);
    await client.delete(R.pods, 'prod', 'd', { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
});
