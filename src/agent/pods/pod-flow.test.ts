/**
 * The decision functions driven against the fake runtime by a minimal sync loop (what the pod
 * worker does, without its error handling): list → computePodActions → apply → computePodStatus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '../../api/core/v1/index.js';
import { CRI_LABELS } from '../runtime/cri-types.js';
import { FakeRuntime } from '../runtime/testing/fake-runtime.js';
import { EMPTY_BACKOFF, backoffNext, backoffView, type BackoffState } from './backoff.js';
import { containerConfig } from './container-config.js';
import { resolveEnv } from './env.js';
import type { ObservedPod } from './helpers.js';
import { computePodActions, type ContainerToStart, type WaitingReason } from './pod-actions.js';
import { computePodStatus } from './pod-status.js';
import { podSandboxConfig } from './sandbox-config.js';
import { ctr, pod } from './testing/fixtures.js';

class Worker {
  now = Date.parse('2026-11-24T12:00:00Z');
  readonly rt = new FakeRuntime({ clock: () => this.now, images: ['busybox:1.36'] });
  backoff: BackoffState = EMPTY_BACKOFF;
  reasons = new Map<string, WaitingReason>();
  constructor(public pod: V1Pod) {}

  async observe(): Promise<ObservedPod> {
    const uid = { [CRI_LABELS.podUid]: this.pod.metadata.uid ?? '' };
    const sandboxes = await Promise.all((await this.rt.listPodSandbox({ labelSelector: uid })).map((s) => this.rt.podSandboxStatus(s.id)));
    const containers = await Promise.all((await this.rt.listContainers({ labelSelector: uid })).map((c) => this.rt.containerStatus(c.id)));
    return { sandboxes, containers };
  }

  async sync(): Promise<void> {
    const observed = await this.observe();
    const a = computePodActions(this.pod, observed, { now: this.now, backoff: backoffView(this.backoff), imagePresent: () => true });
    for (const [k, v] of a.waiting) this.reasons.set(k, v);
    if (a.killPod) {
      for (const c of observed.containers) await this.rt.stopContainer(c.id, 30);
      for (const s of observed.sandboxes) await this.rt.stopPodSandbox(s.id);
    } else for (const k of a.containersToKill) await this.rt.stopContainer(k.id, 30);
    let sandboxId = a.sandboxId;
    const sbr = podSandboxConfig(this.pod, { logRoot: '/var/log/pods', dns: { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local' }, attempt: a.attempt });
    assert.ok('config' in sbr);
    if (a.createSandbox) sandboxId = await this.rt.runPodSandbox(sbr.config);
    if (a.killPod && !a.createSandbox) return;
    const ip = (await this.rt.podSandboxStatus(sandboxId)).network?.ip ?? '';
    const start = async (s: ContainerToStart) => {
      const spec = s.kind === 'init' ? this.pod.spec!.initContainers![s.index]! : this.pod.spec!.containers![s.index]!;
      const env = resolveEnv(this.pod, spec, { configMap: () => undefined, secret: () => undefined, podIP: ip, podIPs: [ip], hostIP: '192.168.1.2', nodeName: 'n1', serviceAccountName: 'default' });
      if ('error' in env) {
        this.reasons.set(s.name, env.error);
        return;
      }
      const cc = containerConfig(this.pod, spec, { attempt: s.attempt, env: env.env, mounts: [], memoryCapacityBytes: 8 << 30 });
      assert.ok('config' in cc);
      const id = await this.rt.createContainer(sandboxId, cc.config, sbr.config);
      await this.rt.startContainer(id);
      this.reasons.delete(s.name);
      if (s.backoff) this.backoff = backoffNext(this.backoff, s.backoff.key, s.backoff.eventTimeMs, this.now);
    };
    for (const s of a.initContainersToStart) await start(s);
    for (const s of a.containersToStart) await start(s);
  }

  async status() {
    const st = computePodStatus(this.pod, await this.observe(), { now: this.now, probe: { ready: () => undefined, started: () => undefined }, hostIP: '192.168.1.2', waiting: this.reasons });
    this.pod = { ...this.pod, status: st };
    return st;
  }
}

test('pod flow: init container, then the app; Running and Ready', async () => {
  const w = new Worker(pod({ initContainers: [ctr('init')], containers: [ctr('app', { env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] })] }));
  await w.sync();
  let st = await w.status();
  assert.equal(st.phase, 'Pending');
  assert.equal(st.initContainerStatuses?.[0]?.state?.running !== undefined, true);
  assert.equal(st.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
  await w.sync(); // nothing to do while init runs
  assert.equal(w.rt.runningIds().length, 1);
  w.rt.exit(w.rt.runningIds('init')[0]!, 0);
  await w.sync();
  st = await w.status();
  assert.equal(st.phase, 'Running');
  assert.equal(st.podIP, '10.88.0.2');
  assert.deepEqual(
    st.conditions?.map((c) => [c.type, c.status]),
    [
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ],
  );
  const app = await w.rt.containerStatus(w.rt.runningIds('app')[0]!);
  assert.equal(app.labels[CRI_LABELS.containerName], 'app');
  const calls = w.rt.calls.filter((c) => c.method === 'createContainer').map((c) => (c.args[1] as { envs: { key: string; value: string }[] }).envs);
  assert.deepEqual(calls[1], [{ key: 'IP', value: '10.88.0.2' }]);
});

test('pod flow: a crashing container backs off 10s, 20s, 40s', async () => {
  const w = new Worker(pod());
  await w.sync();
  const crash = async () => {
    w.now += 1000;
    w.rt.exit(w.rt.runningIds('app')[0]!, 1);
  };
  await crash();
  await w.sync(); // first crash: restarted at once
  assert.equal(w.rt.runningIds('app').length, 1);
  const waits: string[] = [];
  for (let i = 0; i < 3; i++) {
    await crash();
    await w.sync();
    const st = await w.status();
    assert.equal(st.containerStatuses?.[0]?.state?.waiting?.reason, 'CrashLoopBackOff');
    waits.push(st.containerStatuses![0]!.state!.waiting!.message!);
    assert.equal(st.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
    assert.equal(st.phase, 'Running');
    // wait out the window in 5 s steps
    for (let t = 0; t < 100 && w.rt.runningIds('app').length === 0; t++) {
      w.now += 5000;
      await w.sync();
    }
    assert.equal(w.rt.runningIds('app').length, 1);
  }
  assert.deepEqual(
    waits.map((m) => m.split(' ')[1]),
    ['10s', '20s', '40s'],
  );
  const st = await w.status();
  assert.equal(st.containerStatuses?.[0]?.restartCount, 4);
  assert.equal(st.containerStatuses?.[0]?.state?.running !== undefined, true);
});

test('pod flow: restartPolicy Never — the pod completes and its sandbox is stopped', async () => {
  const w = new Worker(pod({ restartPolicy: 'Never' }));
  await w.sync();
  w.rt.exit(w.rt.runningIds('app')[0]!, 0);
  await w.sync();
  const st = await w.status();
  assert.equal(st.phase, 'Succeeded');
  assert.deepEqual((await w.rt.listPodSandbox()).map((s) => s.state), ['SANDBOX_NOTREADY']);
  await w.sync(); // terminal: nothing comes back
  assert.deepEqual((await w.rt.listPodSandbox()).map((s) => s.state), ['SANDBOX_NOTREADY']);
  assert.equal(w.rt.runningIds().length, 0);
});

test('pod flow: a lost sandbox is recreated with the next attempt and containers restart', async () => {
  const w = new Worker(pod());
  await w.sync();
  const [sb] = await w.rt.listPodSandbox();
  await w.rt.stopPodSandbox(sb!.id);
  await w.sync();
  const sbs = await w.rt.listPodSandbox({ state: { state: 'SANDBOX_READY' } });
  assert.deepEqual(sbs.map((s) => s.metadata.attempt), [1]);
  assert.equal(w.rt.runningIds('app').length, 1);
  const st = await w.status();
  assert.equal(st.containerStatuses?.[0]?.restartCount, 1);
});
