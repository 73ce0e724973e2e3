/**
 * The pod workers over the in-memory fake runtime: real timers (short relist and resync), a
 * recording fake API, and the pure kubelet layer doing the deciding.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod, V1PodStatus } from '../../api/core/v1/index.js';
import { discardLogger } from '../../lib/log.js';
import { until } from '../../lib/testing/until.js';
import { FakeRuntime } from '../runtime/testing/fake-runtime.js';
import { ctr, pod as podFixture } from '../pods/testing/fixtures.js';
import { PodSync, type PodEventType } from './pod-sync.js';
import { PodWorkers } from './pod-workers.js';

interface Recorded {
  type: PodEventType;
  reason: string;
  message: string;
}

function setup(t: TestContext, opts: { configMaps?: Record<string, Record<string, string>>; beforeContainersStart?: (pod: V1Pod, ips: readonly string[]) => Promise<void> } = {}) {
  const rt = new FakeRuntime({ images: ['busybox:1.36'] });
  const events: Recorded[] = [];
  const statuses = new Map<string, V1PodStatus[]>();
  const finalized: string[] = [];
  const cgroupsRemoved: string[] = [];
  const ready = new Map<string, boolean>();
  const sync = new PodSync({
    runtime: rt,
    images: rt,
    logRoot: '/var/log/pods',
    removePodCgroups: async (uid: string) => {
      cgroupsRemoved.push(uid);
      return [];
    },
    dns: { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local' },
    node: { name: 'n1', hostIP: '192.168.1.2', memoryCapacityBytes: 8 << 30 },
    env: { configMap: (ns, name) => opts.configMaps?.[`${ns}/${name}`], secret: () => undefined },
    volumes: { setup: async () => ({ mounts: () => [] }), teardown: async () => {} },
    probes: { ready: (uid, name) => ready.get(`${uid}/${name}`), started: () => undefined },
    hooks: async () => '',
    pullAuth: () => undefined,
    events: (_pod, type, reason, message) => void events.push({ type, reason, message }),
    ...(opts.beforeContainersStart ? { beforeContainersStart: opts.beforeContainersStart } : {}),
    now: Date.now,
    logger: discardLogger,
  });
  const workers = new PodWorkers({
    sync,
    runtime: rt,
    api: {
      postStatus: async (pod, status) => {
        const uid = pod.metadata.uid ?? '';
        if (!statuses.has(uid)) statuses.set(uid, []);
        statuses.get(uid)!.push(status);
      },
      finalizeDelete: async (pod) => void finalized.push(pod.metadata.uid ?? ''),
    },
    probes: { addPod: () => {}, updatePod: () => {}, removePod: () => {}, updateContainer: () => {} },
    logger: discardLogger,
    relistMs: 20,
    resyncMs: 200,
  });
  workers.start();
  workers.markSynced();
  t.after(() => workers.stop());
  const last = (uid = 'uid-1') => statuses.get(uid)?.at(-1);
  return { rt, events, statuses, finalized, cgroupsRemoved, ready, workers, last };
}

const phaseOf = (s: V1PodStatus | undefined) => s?.phase;

test('a pod starts: sandbox, container, status Running with the pod IP, events as upstream', async (t) => {
  const { rt, events, workers, last } = setup(t);
  workers.update(podFixture());
  const st = await until('Running posted', async () => (phaseOf(last()) === 'Running' ? last() : undefined), 5000);
  assert.equal(st.podIP, '10.88.0.2');
  assert.equal(st.containerStatuses?.[0]?.state?.running !== undefined, true);
  assert.equal(rt.runningIds('app').length, 1);
  assert.deepEqual(
    events.map((e) => e.reason),
    ['Pulled', 'Created', 'Started'],
  );
  assert.equal(events[0]!.message, 'Container image "busybox:1.36" already present on machine');
});

test('network policy first: containers start only after beforeContainersStart resolved with the sandbox IP; a rejection starts nothing and is retried', async (t) => {
  const calls: string[] = [];
  let fail = true;
  const { rt, events, workers, last } = setup(t, {
    beforeContainersStart: async (pod, ips) => {
      calls.push(`${pod.metadata.name} ${ips.join(',')} running=${rt.runningIds('app').length}`);
      if (fail) {
        fail = false;
        throw new Error('nft -f failed');
      }
    },
  });
  workers.update(podFixture());
  await until('Running posted', async () => phaseOf(last()) === 'Running', 5000);
  assert.deepEqual(calls.slice(0, 2), ['web 10.88.0.2 running=0', 'web 10.88.0.2 running=0'], 'called before any container ran, again after the failure');
  const warn = events.find((e) => e.reason === 'NetworkNotReady');
  assert.equal(warn?.message, 'network policy rules for the pod are not installed: nft -f failed');
  assert.equal(events.filter((e) => e.reason === 'Started').length, 1);
});

test('a container that exits is noticed by the relist and restarted; restartCount and lastState follow', async (t) => {
  const { rt, workers, last } = setup(t);
  workers.update(podFixture());
  await until('running', async () => rt.runningIds('app').length === 1, 5000);
  rt.exit(rt.runningIds('app')[0]!, 3);
  const st = await until('restarted', async () => {
    const s = last();
    return s?.containerStatuses?.[0]?.restartCount === 1 && s.containerStatuses[0].state?.running ? s : undefined;
  }, 5000);
  assert.equal(st.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 3);
});

test('a deleted pod: containers stopped, runtime state removed, then the API object is finalized', async (t) => {
  const { rt, workers, finalized, cgroupsRemoved } = setup(t);
  const p = podFixture({ terminationGracePeriodSeconds: 5 });
  workers.update(p);
  await until('running', async () => rt.runningIds('app').length === 1, 5000);
  const deleted: V1Pod = { ...p, metadata: { ...p.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 5 } };
  workers.update(deleted);
  await until('finalized', async () => finalized.includes('uid-1'), 5000);
  assert.equal(rt.runningIds().length, 0);
  assert.deepEqual(await rt.listContainers(), [], 'containers removed');
  assert.deepEqual(await rt.listPodSandbox(), [], 'sandboxes removed');
  const stop = rt.calls.find((c) => c.method === 'stopContainer');
  assert.equal(stop?.args[1], 5, 'the grace period reaches the runtime');
  assert.deepEqual(cgroupsRemoved, ['uid-1'], "the pod's cgroups are removed");
});

test('a missing image with IfNotPresent: ErrImagePull, then ImagePullBackOff; a missing ConfigMap key: CreateContainerConfigError naming it', async (t) => {
  const { rt, workers, last, events } = setup(t, { configMaps: { 'default/cfg': { other: 'x' } } });
  rt.failPull('nope:1', 'failed to resolve reference "docker.io/library/nope:1": not found');
  workers.update(podFixture({ containers: [ctr('app', { image: 'nope:1' })] }));
  const pullErr = await until('ErrImagePull', async () => last()?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull' ? last() : undefined, 5000);
  assert.match(pullErr.containerStatuses![0]!.state!.waiting!.message!, /failed to resolve reference/);
  assert.ok(events.some((e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image "nope:1": failed to resolve reference')));
  const backOff = await until('ImagePullBackOff', async () => (last()?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' ? last() : undefined), 5000);
  assert.equal(backOff.containerStatuses![0]!.state!.waiting!.message, 'Back-off pulling image "nope:1": ErrImagePull: failed to resolve reference "docker.io/library/nope:1": not found');

  const env = [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'missing' } } }];
  workers.update(podFixture({ containers: [ctr('app', { env })] }, { uid: 'uid-2', name: 'web2' }));
  const cfgErr = await until('CreateContainerConfigError', async () => {
    const s = last('uid-2');
    return s?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? s : undefined;
  }, 5000);
  assert.equal(cfgErr.containerStatuses![0]!.state!.waiting!.message, "couldn't find key missing in ConfigMap default/cfg");
});

test('a failed liveness verdict restarts the container', async (t) => {
  const { rt, workers, last } = setup(t);
  workers.update(podFixture());
  await until('running', async () => rt.runningIds('app').length === 1, 5000);
  const first = rt.runningIds('app')[0]!;
  workers.probeFailed('uid-1', 'app', { probe: 'liveness', containerId: first });
  await until('restarted by the verdict', async () => {
    const ids = rt.runningIds('app');
    return ids.length === 1 && ids[0] !== first;
  }, 5000);
  await until('restartCount 1', async () => last()?.containerStatuses?.[0]?.restartCount === 1, 5000);
});

test('runtime pods the API does not know are removed as orphans', async (t) => {
  const { rt, workers } = setup(t);
  workers.update(podFixture());
  await until('running', async () => rt.runningIds('app').length === 1, 5000);
  workers.remove('uid-1');
  await until('removed', async () => (await rt.listPodSandbox()).length === 0 && (await rt.listContainers()).length === 0, 5000);
  // A sandbox created behind the agent's back (e.g. by a previous run for a pod since deleted).
  const other = podFixture({}, { uid: 'ghost', name: 'ghost' });
  const sync = new PodSync({
    runtime: rt, images: rt, logRoot: '/l', dns: { clusterDNS: [], clusterDomain: '' },
    node: { name: 'n1', hostIP: '1.2.3.4', memoryCapacityBytes: 1 << 30 },
    env: { configMap: () => undefined, secret: () => undefined },
    volumes: { setup: async () => ({ mounts: () => [] }), teardown: async () => {} },
    probes: { ready: () => undefined, started: () => undefined }, hooks: async () => '', pullAuth: () => undefined,
    events: () => {}, now: Date.now, logger: discardLogger, removePodCgroups: async () => [],
  });
  await sync.sync(other);
  assert.equal(rt.runningIds().length, 1);
  await until('orphan removed', async () => (await rt.listPodSandbox()).length === 0, 5000);
});
