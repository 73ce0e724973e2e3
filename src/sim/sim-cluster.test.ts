/**
 * Integration: a real API server (in-process, MemoryBackend, plain HTTP on loopback) + the HTTP
 * client + the node-ipam and node-lifecycle controllers + a simulator with three nodes. Nodes get
 * Ready and a podCIDR, a bound pod runs with an IP from it; stopping the sim makes its nodes
 * Unknown and tainted, and pods are evicted (at once without a toleration, after tolerationSeconds
 * with one). Grace periods and intervals are shrunk to keep the test short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../api/builtin.js';
import type { KubeObject } from '../api/types.js';
import type { V1Node } from '../api/core/v1/node.js';
import type { V1Pod } from '../api/core/v1/pod-types.js';
import { startTestServer } from '../apiserver/testing/test-server.js';
import { createHttpClient } from '../client/http-client.js';
import { createInformerFactory } from '../client/informer.js';
import { createWorkQueue } from '../client/work-queue.js';
import { R } from '../client/types.js';
import type { ControllerContext } from '../controllers/context.js';
import { newNodeIpamController } from '../controllers/node-ipam/index.js';
import { defaultTolerations, newNodeLifecycleController } from '../controllers/node-lifecycle/index.js';
import { discardLogger } from '../lib/log.js';
import { Simulator } from './simulator.js';
import { until as untilBase } from '../lib/testing/until.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> => untilBase(what, fn, timeoutMs, 50);

const podSpec = (name: string, node: string, extra: Partial<V1Pod> = {}): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName: node, containers: [{ name: 'app', image: 'nginx:1.27' }], terminationGracePeriodSeconds: 30 },
  ...extra,
});

test('sim nodes heartbeat, run pods, and when the sim dies their pods are evicted', { timeout: 60_000 }, async (t) => {
  const server = await startTestServer({ resources: builtinResources() });
  t.after(() => server.close());
  const client = createHttpClient({ server: server.url }, 'test');
  const events: Array<{ reason: string; message: string; name?: string; at: number }> = [];
  const informers = createInformerFactory(client);
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: (obj, _type, reason, message) => void events.push({ reason, message, name: obj.metadata.name, at: Date.now() }) }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], nodeCIDRMaskSize: 24 },
  };
  const newQueue = (name: string) => createWorkQueue({ name });
  const ipam = newNodeIpamController({ newQueue });
  const lifecycle = newNodeLifecycleController({ newQueue, nodeMonitorGracePeriodMs: 1500, nodeStartupGracePeriodMs: 3000, nodeMonitorPeriodMs: 200 });
  const newSim = (namePrefix: string) =>
    new Simulator(
      {
        template: { namePrefix, cpu: '8', memory: '32Gi', pods: '110', zones: ['a', 'b', 'c'], labels: {}, taints: [], arch: 'amd64', kubeletVersion: 'v1.32.0' },
        nodes: 3,
        leaseRenewMs: 200,
        statusUpdateMs: 500,
        jobDurationMs: 500,
        exitDelayMs: 100,
        concurrency: 8,
        fallbackPodCIDR: '10.250.0.0/16',
      },
      { client, logger: discardLogger, now: () => new Date() },
    );
  // Two sims: `sim-` dies during the test, `alive-` keeps every zone partly healthy (a zone whose
  // nodes are all down is fully disrupted and, when all zones are, nobody is evicted).
  const sim = newSim('sim-');
  const alive = newSim('alive-');
  t.after(async () => {
    await sim.stop();
    await alive.stop();
    await lifecycle.stop();
    await ipam.stop();
    informers.stop();
  });
  await Promise.all([sim.start(), alive.start()]);
  await Promise.all([ipam.start(ctx), lifecycle.start(ctx)]);

  // Nodes: Ready, zoned, leased, and given distinct pod CIDRs by node-ipam.
  const nodes = await until('pod CIDRs', async () => {
    const l = await client.list<V1Node>(R.nodes);
    return l.items.length === 6 && l.items.every((n) => n.spec?.podCIDR) ? l.items.filter((n) => n.metadata.name!.startsWith('sim-')) : undefined;
  });
  const all = await client.list<V1Node>(R.nodes);
  assert.equal(new Set(all.items.map((n) => n.spec!.podCIDR)).size, 6);
  assert.ok(all.items.every((n) => /^10\.244\.[0-5]\.0\/24$/.test(n.spec!.podCIDR!)));
  for (const n of nodes) {
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual(n.spec?.podCIDRs, [n.spec?.podCIDR]);
  }
  assert.deepEqual(nodes.map((n) => n.metadata.labels?.['topology.kubernetes.io/zone']).sort(), ['a', 'b', 'c']);
  const lease = await client.get<KubeObject & { spec: { holderIdentity: string; renewTime: string } }>(R.leases, 'kube-node-lease', 'sim-1');
  assert.equal(lease.spec.holderIdentity, 'sim-1');

  // A pod bound to sim-1 runs, with an IP from sim-1's CIDR.
  const node1 = nodes.find((n) => n.metadata.name === 'sim-1')!;
  const prefix = node1.spec!.podCIDR!.replace(/\.0\/24$/, '.');
  await client.create(R.pods, 'default', defaultTolerations(podSpec('web', 'sim-1'), 2));
  await client.create(R.pods, 'default', podSpec('intolerant', 'sim-1', { spec: { ...podSpec('x', 'sim-1').spec, tolerations: [] } }));
  await client.create(R.pods, 'default', { ...podSpec('job-like', 'sim-2'), spec: { ...podSpec('x', 'sim-2').spec, restartPolicy: 'Never' }, metadata: { name: 'job-like', namespace: 'default', annotations: { 'sim.flotilla.dev/run-seconds': '0.3' } } });
  const running = await until('web Running and Ready', async () => {
    const p = await client.get<V1Pod>(R.pods, 'default', 'web');
    return p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
  });
  assert.ok(running.status!.podIP!.startsWith(prefix), `${running.status!.podIP} in ${node1.spec!.podCIDR}`);
  assert.equal(running.status!.hostIP, node1.status!.addresses!.find((a) => a.type === 'InternalIP')!.address);
  assert.equal(running.status!.containerStatuses![0]!.ready, true);
  await until('job-like Succeeded', async () => (await client.get<V1Pod>(R.pods, 'default', 'job-like')).status?.phase === 'Succeeded');

  // Healthy nodes are left alone for longer than the grace period.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await client.get<V1Node>(R.nodes, '', 'sim-1')).spec?.taints, undefined);

  // The sim dies: Unknown, tainted, pods NotReady and evicted.
  const stoppedAt = Date.now();
  await sim.stop();
  const dead = await until('sim-1 Unknown and tainted', async () => {
    const n = await client.get<V1Node>(R.nodes, '', 'sim-1');
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready') as { status?: string; reason?: string; message?: string } | undefined;
    return ready?.status === 'Unknown' && n.spec?.taints?.some((x) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute') ? { n, ready } : undefined;
  });
  assert.equal(dead.ready.reason, 'NodeStatusUnknown');
  assert.equal(dead.ready.message, 'Kubelet stopped posting node status.');
  assert.deepEqual(dead.n.spec!.taints!.map((x) => `${x.key}:${x.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);

  await until('intolerant evicted', async () => {
    const p = await client.get<V1Pod>(R.pods, 'default', 'intolerant').catch(() => undefined);
    return !p || p.metadata.deletionTimestamp !== undefined;
  });
  const web = await until('web NotReady', async () => {
    const p = await client.get<V1Pod>(R.pods, 'default', 'web');
    return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False') ? p : undefined;
  });
  assert.equal(web.metadata.deletionTimestamp, undefined, 'web tolerates unreachable for 2 s');
  const evicted = await until('web evicted after tolerationSeconds', async () => {
    const p = await client.get<V1Pod>(R.pods, 'default', 'web').catch(() => undefined);
    return !p || p.metadata.deletionTimestamp ? (p ?? ({} as V1Pod)) : undefined;
  });
  // Measured from the taint's own timeAdded (seconds precision, so never later than the real taint)
  // to the controller's eviction decision: at least the 2 s toleration, whatever the test's polling lag.
  const noExecute = dead.n.spec!.taints!.find((x) => x.effect === 'NoExecute');
  const webEviction = events.find((e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/web');
  assert.ok(noExecute?.timeAdded && webEviction, 'taint time and eviction event recorded');
  assert.ok(webEviction.at - Date.parse(noExecute.timeAdded) >= 1900, `not evicted before its toleration ran out (${webEviction.at - Date.parse(noExecute.timeAdded)} ms)`);
  if (evicted.status) assert.ok(evicted.status.conditions?.some((c) => c.type === 'DisruptionTarget' && c.reason === 'DeletionByTaintManager'));
  assert.ok(events.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/web'));
  assert.ok(events.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/intolerant'));
  assert.ok(events.some((e) => e.reason === 'NodeNotReady' && e.name === 'sim-1'));
  assert.ok(Date.now() - stoppedAt < 20_000);
  assert.equal((await client.get<V1Node>(R.nodes, '', 'alive-1')).spec?.taints, undefined, 'live nodes untouched');

  // Every node down (all zones fully disrupted): master disruption mode lifts the NoExecute taints.
  await alive.stop();
  await until('NoExecute taints lifted', async () => {
    const l = await client.list<V1Node>(R.nodes);
    return l.items.every((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown' && !n.spec?.taints?.some((x) => x.effect === 'NoExecute') && n.spec?.taints?.some((x) => x.key === 'node.kubernetes.io/unreachable'));
  });
  assert.ok([...lifecycle.zoneStates().values()].every((z) => z.state === 'FullDisruption'));

  // The machines come back (a new sim process with the same names): Ready again, taints removed.
  const back = newSim('alive-');
  t.after(() => back.stop());
  await back.start();
  await until('alive-* Ready and untainted', async () => {
    const l = await client.list<V1Node>(R.nodes, { labelSelector: 'flotilla.dev/simulated=true' });
    const mine = l.items.filter((n) => n.metadata.name!.startsWith('alive-'));
    return mine.length === 3 && mine.every((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && !n.spec?.taints?.length);
  });
});
