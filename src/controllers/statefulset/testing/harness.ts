/**
 * Integration-test harness for the workload controllers: a real in-process API server (plain HTTP
 * on loopback, MemoryBackend, every built-in resource), the real HTTP client and shared informers,
 * an event recorder that keeps what it is told, and a tiny fake "kubelet" that moves pods through
 * their lifecycle via the status subresource (binds daemon pods via pods/binding, and finishes
 * graceful deletions of bound pods with gracePeriodSeconds 0).
 */
import { builtinResources } from '../../../api/builtin.js';
import type { KubeObject } from '../../../api/types.js';
import type { V1Pod } from '../../../api/core/v1/index.js';
import { startTestServer, type TestServer } from '../../../apiserver/testing/test-server.js';
import { createHttpClient, createInformerFactory, R, type Client, type InformerFactory } from '../../../client/index.js';
import { discardLogger } from '../../../lib/log.js';
import type { Controller, ControllerContext } from '../../context.js';

export interface RecordedEvent {
  kind?: string;
  name?: string;
  type: string;
  reason: string;
  message: string;
}

/** What the fake kubelet does with a pod: leave it, run it Ready, or end it. */
export type PodFate = 'ignore' | 'ready' | 'succeed' | 'fail';

export interface Harness {
  server: TestServer;
  client: Client;
  informers: InformerFactory;
  events: RecordedEvent[];
  ctx: ControllerContext;
  /** Starts a controller and the fake kubelet. */
  start(c: Controller): Promise<void>;
  /** Decides each pod's fate (default: ready). Re-consulted on every pod change. */
  fate: (pod: V1Pod) => PodFate;
  waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const server = await startTestServer({ resources: builtinResources() });
  const client = createHttpClient({ server: server.url }, 'workload-controller-test');
  const informers = createInformerFactory(client);
  const events: RecordedEvent[] = [];
  const controllers: Controller[] = [];
  await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }).catch(() => undefined);
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: (obj, type, reason, message) => events.push({ kind: obj.kind, name: obj.metadata.name, type, reason, message }) }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], nodeCIDRMaskSize: 24 },
  };
  let stopped = false;
  const busy = new Set<string>();
  const again = new Set<string>();
  const h: Harness = {
    server, client, informers, events, ctx,
    fate: () => 'ready',
    async start(c) {
      controllers.push(c);
      const pods = informers.for<V1Pod>(R.pods);
      if (controllers.length === 1) pods.addHandlers({ add: (p) => void kubelet(p), update: (_, p) => void kubelet(p) });
      await c.start(ctx);
    },
    async waitFor(what, fn, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          const v = await fn();
          if (v !== undefined && v !== false) return v as never;
        } catch (e) {
          last = e;
        }
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      stopped = true;
      for (const c of controllers) await c.stop();
      informers.stop();
      await server.close();
    },
  };

  /** The fake kubelet: binds daemon pods to their target node, then writes the pod's status. */
  async function kubelet(pod: V1Pod): Promise<void> {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (stopped) return;
    if (pod.metadata.deletionTimestamp) {
      // A kubelet stops the containers and finishes a graceful deletion.
      if (pod.spec?.nodeName && !(pod.metadata.deletionGracePeriodSeconds === 0)) {
        await client.delete(R.pods, pod.metadata.namespace ?? '', pod.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
      }
      return;
    }
    if (busy.has(key)) {
      again.add(key); // handled once more when the in-flight write finishes
      return;
    }
    const fate = h.fate(pod);
    const phase = pod.status?.phase;
    if (fate === 'ignore' || phase === 'Succeeded' || phase === 'Failed') return;
    busy.add(key);
    try {
      const ns = pod.metadata.namespace ?? '';
      const name = pod.metadata.name ?? '';
      if (!pod.spec?.nodeName) {
        const target = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
        if (target) {
          await client.post(R.pods, ns, name, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns }, target: { kind: 'Node', name: target } });
          return; // the update event brings us back
        }
      }
      const now = new Date().toISOString();
      const cur = await client.get<V1Pod>(R.pods, ns, name);
      const containers = (cur.spec?.containers ?? []).map((c) => c.name ?? '');
      let status: V1Pod['status'];
      if (fate === 'ready') {
        if (phase === 'Running') return;
        status = {
          phase: 'Running', startTime: now, podIP: '10.244.0.10',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }, { type: 'ContainersReady', status: 'True', lastTransitionTime: now }],
          containerStatuses: containers.map((n) => ({ name: n, ready: true, restartCount: 0, started: true, image: 'x', imageID: '', state: { running: { startedAt: now } } })),
        };
      } else {
        const code = fate === 'succeed' ? 0 : 1;
        status = {
          phase: fate === 'succeed' ? 'Succeeded' : 'Failed', startTime: now,
          conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }],
          containerStatuses: containers.map((n) => ({ name: n, ready: false, restartCount: 0, image: 'x', imageID: '', state: { terminated: { exitCode: code, reason: code ? 'Error' : 'Completed', startedAt: now, finishedAt: now } } })),
        };
      }
      await client.update(R.pods, ns, { ...cur, status } as KubeObject, { subresource: 'status' });
    } catch {
      // Conflicts and races: the next event retries.
    } finally {
      busy.delete(key);
      if (again.delete(key)) {
        const latest = informers.for<V1Pod>(R.pods).get(pod.metadata.namespace ?? '', pod.metadata.name ?? '');
        if (latest) void kubelet(latest);
      }
    }
  }
  return h;
}
