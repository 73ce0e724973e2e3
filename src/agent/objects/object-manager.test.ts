import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import type { EventHandlers, Informer } from '../../client/informer-types.js';
import type { Client } from '../../client/types.js';
import { discardLogger } from '../../lib/log.js';
import { createObjectManager, envReferences, type ObjectKind } from './object-manager.js';

/** A single-object informer whose list the test controls. */
class FakeInformer {
  stopped = false;
  synced = false;
  obj: KubeObject | undefined;
  handlers: EventHandlers<KubeObject>[] = [];
  private resolve!: () => void;
  readonly started = new Promise<void>((r) => (this.resolve = r));
  constructor(readonly kind: ObjectKind, readonly namespace: string, readonly name: string) {}
  list(o: KubeObject | undefined) {
    this.obj = o;
    this.synced = true;
    this.resolve();
  }
  change(o: KubeObject) {
    this.obj = o;
    for (const h of this.handlers) h.update?.(o, o);
  }
  asInformer(): Informer<KubeObject> {
    return {
      gvr: { group: '', version: 'v1', resource: this.kind === 'secret' ? 'secrets' : 'configmaps' },
      addHandlers: (h) => void this.handlers.push(h),
      addIndex: () => undefined,
      start: () => this.started,
      stop: () => void (this.stopped = true),
      hasSynced: () => this.synced,
      get: (ns, name) => (ns === this.namespace && name === this.name ? this.obj : undefined),
      list: () => (this.obj ? [this.obj] : []),
      byIndex: () => [],
      lastResourceVersion: () => '',
    };
  }
}

const pod = (name: string, spec: Record<string, unknown>): V1Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'app' }, spec: spec as V1Pod['spec'] }) as V1Pod;
const cm = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app' }, data }) as KubeObject;
const usesCfg = { containers: [{ name: 'c', image: 'i', envFrom: [{ configMapRef: { name: 'cfg' } }] }] };

function setup(syncTimeoutMs = 1000) {
  const made: FakeInformer[] = [];
  const m = createObjectManager({
    client: {} as Client,
    logger: discardLogger,
    syncTimeoutMs,
    informerFor: (kind, ns, name) => {
      const f = new FakeInformer(kind, ns, name);
      made.push(f);
      return f.asInformer();
    },
  });
  return { m, made };
}

test('envReferences: env, envFrom and imagePullSecrets of every container, each once', () => {
  const refs = envReferences(
    pod('p', {
      imagePullSecrets: [{ name: 'pull' }],
      initContainers: [{ name: 'i', image: 'i', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's1', key: 'k' } } }] }],
      containers: [{ name: 'c', image: 'i', env: [{ name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }], envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 's2' } }] }],
      volumes: [{ name: 'v', secret: { secretName: 'vol-only' } }],
    }),
  );
  assert.deepEqual(refs.sort(), ['configmap/app/cfg', 'secret/app/pull', 'secret/app/s1', 'secret/app/s2']);
});

test('one watch per referenced object: started with the first pod, stopped with the last; register waits for the first list', async () => {
  const { m, made } = setup();
  let registered = false;
  const r = m.register(pod('a', usesCfg)).then(() => (registered = true));
  await new Promise((res) => setImmediate(res));
  assert.equal(registered, false, 'waits for the list');
  assert.equal(made.length, 1);
  made[0]!.list(cm('cfg', { x: '1' }));
  await r;
  assert.deepEqual((m.configMap('app', 'cfg') as { data?: unknown }).data, { x: '1' });
  await m.register(pod('b', usesCfg));
  assert.equal(made.length, 1, 'shared by the second pod');
  m.unregister('app', 'a');
  assert.equal(made[0]!.stopped, false);
  m.unregister('app', 'b');
  assert.equal(made[0]!.stopped, true);
  assert.deepEqual(m.watched(), []);
  assert.equal(m.configMap('app', 'cfg'), undefined);
});

test('an update that drops a reference stops its watch; changes after the first list name the pods using the object', async () => {
  const { m, made } = setup();
  const changed: string[][] = [];
  m.onChange((keys) => changed.push(keys));
  const r = m.register(pod('a', usesCfg));
  made[0]!.list(undefined);
  await r;
  assert.equal(m.configMap('app', 'cfg'), undefined, 'not there yet');
  made[0]!.change(cm('cfg', { x: '2' }));
  assert.deepEqual(changed, [['app/a']]);
  await m.register(pod('a', { containers: [{ name: 'c', image: 'i' }] }));
  assert.equal(made[0]!.stopped, true);
  assert.deepEqual(m.watched(), []);
  m.stop();
});

test('a list that never succeeds does not hold the pod forever', async () => {
  const { m } = setup(50);
  const t0 = Date.now();
  await m.register(pod('a', usesCfg));
  assert.ok(Date.now() - t0 < 1000);
  m.stop();
});
