/**
 * The agent's ConfigMap and Secret cache, as kubelet's watch-based configmap/secret managers
 * (`--config-map-and-secret-change-detection-strategy=Watch`): instead of cluster-wide informers
 * (which the Node authorizer refuses), one single-object watch per object a pod of this node
 * references (`fieldSelector=metadata.name=X` in its namespace), started when the first pod
 * referencing it is registered and stopped when the last one is unregistered.
 *
 * Contract:
 * - `register(pod)` (again for an update: the pod's references are replaced) resolves once every
 *   object the pod references has been listed once, or after `syncTimeoutMs` (default 5 s) for a
 *   list that keeps failing; it never rejects. `unregister(ns, name)` drops the pod's references.
 * - `configMap`/`secret` return the cached object's data (secret data base64-decoded by the
 *   caller), `undefined` when it does not exist or is not watched.
 * - `onChange(fn)`: called with the namespace/name keys of the pods referencing an object that was
 *   added, changed or deleted after its first list (e.g. to retry a pod waiting for it).
 * References: env valueFrom (configMapKeyRef, secretKeyRef), envFrom and imagePullSecrets of every
 * init, regular and ephemeral container. Volumes read their objects themselves (see volumes/).
 */
import type { V1Container, V1Pod } from '../../api/core/v1/pod-types.js';
import type { KubeObject } from '../../api/types.js';
import { R, type Client } from '../../client/types.js';
import type { Informer } from '../../client/informer-types.js';
import { createInformer } from '../../client/informer.js';
import type { Logger } from '../../lib/log.js';

export type ObjectKind = 'configmap' | 'secret';

/** What a pod's containers reference for env and image pulls: `kind/namespace/name` keys. Pure. */
export function envReferences(pod: V1Pod): string[] {
  const ns = pod.metadata.namespace ?? '';
  const out = new Set<string>();
  const add = (kind: ObjectKind, name: string | undefined) => {
    if (name) out.add(`${kind}/${ns}/${name}`);
  };
  const spec = pod.spec ?? {};
  for (const s of spec.imagePullSecrets ?? []) add('secret', s.name);
  const containers: V1Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...((spec.ephemeralContainers ?? []) as V1Container[])];
  for (const c of containers) {
    for (const e of c.envFrom ?? []) {
      add('secret', e.secretRef?.name);
      add('configmap', e.configMapRef?.name);
    }
    for (const e of c.env ?? []) {
      add('secret', e.valueFrom?.secretKeyRef?.name);
      add('configmap', e.valueFrom?.configMapKeyRef?.name);
    }
  }
  return [...out];
}

export interface ObjectManagerOptions {
  client: Client;
  logger: Logger;
  syncTimeoutMs?: number;
  /** For tests: how a single-object informer is made (default createInformer). */
  informerFor?: (kind: ObjectKind, namespace: string, name: string) => Informer<KubeObject>;
}

export interface ObjectManager {
  register(pod: V1Pod): Promise<void>;
  unregister(namespace: string, name: string): void;
  configMap(namespace: string, name: string): KubeObject | undefined;
  secret(namespace: string, name: string): KubeObject | undefined;
  onChange(fn: (podKeys: string[]) => void): void;
  /** Keys of the objects watched now (tests, metrics). */
  watched(): string[];
  stop(): void;
}

interface Watched {
  informer: Informer<KubeObject>;
  pods: Set<string>;
  synced: Promise<void>;
}

export function createObjectManager(opts: ObjectManagerOptions): ObjectManager {
  const log = opts.logger.child('object-manager');
  const syncTimeout = opts.syncTimeoutMs ?? 5000;
  const watches = new Map<string, Watched>();
  const podRefs = new Map<string, string[]>();
  const listeners: ((podKeys: string[]) => void)[] = [];
  let stopped = false;

  const makeInformer =
    opts.informerFor ??
    ((kind: ObjectKind, namespace: string, name: string) =>
      createInformer<KubeObject>(opts.client, kind === 'secret' ? R.secrets : R.configmaps, { namespace, fieldSelector: `metadata.name=${name}`, logger: opts.logger }));

  const notify = (key: string) => {
    const w = watches.get(key);
    if (!w || !w.informer.hasSynced()) return;
    const pods = [...w.pods];
    for (const fn of listeners) {
      try {
        fn(pods);
      } catch (e) {
        log.warn('change listener failed', { err: e instanceof Error ? e.message : String(e) });
      }
    }
  };

  const startWatch = (key: string): Watched => {
    const [kind, namespace, name] = key.split('/') as [ObjectKind, string, string];
    const informer = makeInformer(kind, namespace, name);
    informer.addHandlers({ add: () => notify(key), update: () => notify(key), delete: () => notify(key) });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const synced = Promise.race([
      informer.start().catch((e: unknown) => log.warn('watch failed to start', { object: key, err: e instanceof Error ? e.message : String(e) })),
      new Promise<void>((r) => {
        timer = setTimeout(() => {
          log.warn('object not listed in time; pods using it wait for its watch', { object: key, timeoutMs: syncTimeout });
          r();
        }, syncTimeout);
      }),
    ]).finally(() => clearTimeout(timer));
    log.v(2).info('watch started', { object: key });
    return { informer, pods: new Set(), synced };
  };

  const release = (podKey: string, keys: readonly string[]) => {
    for (const k of keys) {
      const w = watches.get(k);
      if (!w) continue;
      w.pods.delete(podKey);
      if (w.pods.size === 0) {
        w.informer.stop();
        watches.delete(k);
        log.v(2).info('watch stopped', { object: k });
      }
    }
  };

  const get = (kind: ObjectKind, namespace: string, name: string): KubeObject | undefined => watches.get(`${kind}/${namespace}/${name}`)?.informer.get(namespace, name);

  return {
    async register(pod) {
      if (stopped) return;
      const podKey = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
      const keys = envReferences(pod);
      const before = podRefs.get(podKey) ?? [];
      const waits: Promise<void>[] = [];
      for (const k of keys) {
        let w = watches.get(k);
        if (!w) watches.set(k, (w = startWatch(k)));
        w.pods.add(podKey);
        waits.push(w.synced);
      }
      podRefs.set(podKey, keys);
      release(podKey, before.filter((k) => !keys.includes(k)));
      await Promise.all(waits);
    },
    unregister(namespace, name) {
      const podKey = `${namespace}/${name}`;
      const keys = podRefs.get(podKey);
      if (!keys) return;
      podRefs.delete(podKey);
      release(podKey, keys);
    },
    configMap: (namespace, name) => get('configmap', namespace, name),
    secret: (namespace, name) => get('secret', namespace, name),
    onChange(fn) {
      listeners.push(fn);
    },
    watched: () => [...watches.keys()].sort(),
    stop() {
      stopped = true;
      for (const w of watches.values()) w.informer.stop();
      watches.clear();
      podRefs.clear();
    },
  };
}
