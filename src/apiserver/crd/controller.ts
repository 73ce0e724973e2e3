/**
 * Serves CustomResourceDefinitions (apiextensions-apiserver's naming, establishing and finalizer
 * controllers plus the crdHandler's registration, in one level-triggered loop):
 * - a CRD whose names are free gets status.acceptedNames, NamesAccepted=True and Established=True;
 *   its served versions are added to the ApiRegistry (so discovery, OpenAPI, the namespace
 *   controller and the garbage collector see them at once) before the status says Established;
 * - a spec change re-registers the versions; a version no longer served is removed;
 * - a CRD that describes a built-in resource again (same group, plural, kind: an installer's copy
 *   of the Argo Rollouts or Istio CRDs) is Established but the built-in keeps serving, and
 *   deleting that CRD deletes nothing;
 * - a deleted CRD (deletionTimestamp; the strategy keeps the customresourcecleanup finalizer on
 *   every live CRD) gets Terminating=True, every custom object is deleted (objects with finalizers
 *   of their own are waited for), Terminating turns False (InstanceDeletionCompleted), the
 *   finalizer is removed so the CRD disappears, and its resources are unregistered. A CRD that
 *   vanished without the finalizer (written before it existed) has its objects deleted afterwards.
 *
 * sync(name) re-reads the CRD from storage, is safe to run twice, and is retried with backoff.
 */
import type { ApiRegistry } from '../../api/registry.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../../api/types.js';
import { apiVersionOf } from '../../api/types.js';
import {
  CUSTOM_RESOURCE_CLEANUP_FINALIZER,
  customResourceDefinitionResource,
  customResourceDefs,
  storageResourceDef,
  type V1CustomResourceDefinition,
} from '../../api/apiextensions/v1/index.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { ResourceStore } from '../registry/store.js';
import type { Subscription, WatchCache } from '../watch-cache.js';
import { resourcePrefix } from '../registry/keys.js';
import { formatTime } from '../registry/object-meta.js';
import { desiredStatus, isServable, setCondition, shadowedBuiltin, TERMINATING_COMPLETED, TERMINATING_IN_PROGRESS, usedNames } from './reconcile.js';

const SYSTEM_USER = { username: 'system:apiserver', groups: ['system:masters'] };

export interface CrdControllerDeps {
  registry: ApiRegistry;
  storeFor: (def: ResourceDef) => ResourceStore;
  cache: WatchCache;
  logger: Logger;
  now: () => Date;
}

export interface CrdController {
  /** Registers the CRD kind, serves every Established CRD in storage, then follows changes. */
  start(): Promise<void>;
  stop(): void;
  /** Resolves once no sync is queued or running (tests). */
  idle(): Promise<void>;
}

interface Served {
  /** JSON of what the defs were built from; unchanged → nothing to re-register. */
  fingerprint: string;
  defs: ResourceDef[];
}

export function createCrdController(deps: CrdControllerDeps): CrdController {
  const { registry, logger } = deps;
  if (!registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')) registry.add(customResourceDefinitionResource);
  const crdDef = registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  const store = deps.storeFor(crdDef);
  /** Built-in resources as registered before any CRD: their names are never given to a CRD. */
  const builtins = registry.all();
  const known = new Map<string, V1CustomResourceDefinition>();
  const served = new Map<string, Served>();
  const queue = new Set<string>();
  const backoff = new Map<string, number>();
  let sub: Subscription | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const ctx = (subresource = ''): StrategyContext => ({ now: deps.now(), user: SYSTEM_USER, subresource });

  const enqueue = (name: string, delayMs = 0) => {
    if (stopped) return;
    if (delayMs > 0) {
      setTimeout(() => enqueue(name), delayMs).unref();
      return;
    }
    queue.add(name);
    kick();
  };

  /** Starts the drain loop unless it runs; a name queued while it was finishing restarts it. */
  const kick = () => {
    if (running || stopped) return;
    running = drain().finally(() => {
      running = undefined;
      if (queue.size) kick();
    });
  };

  const drain = async () => {
    await Promise.resolve();
    while (queue.size && !stopped) {
      const name = queue.values().next().value as string;
      queue.delete(name);
      try {
        const done = await sync(name);
        backoff.delete(name);
        if (!done) enqueue(name, 250);
      } catch (e) {
        const b = Math.min((backoff.get(name) ?? 125) * 2, 30_000);
        backoff.set(name, b);
        logger.warn('crd sync failed', { crd: name, err: e instanceof Error ? e.message : String(e), retryMs: b });
        enqueue(name, b);
      }
    }
  };

  const unserve = (name: string) => {
    const s = served.get(name);
    if (!s) return;
    served.delete(name);
    for (const d of s.defs) if (registry.get(d.group, d.version, d.plural) === d) registry.remove(d.group, d.version, d.plural);
    logger.info('stopped serving custom resources', { crd: name });
  };

  const serve = (crd: V1CustomResourceDefinition) => {
    const name = crd.metadata.name!;
    const terminating = crd.status?.conditions?.some((c) => c.type === 'Terminating' && c.status === 'True');
    const fingerprint = JSON.stringify([crd.spec, crd.status?.acceptedNames, terminating]);
    const cur = served.get(name);
    if (cur?.fingerprint === fingerprint) return;
    const defs = customResourceDefs(crd);
    // Storage version first, so conversion of the other versions finds it.
    defs.sort((a, b) => Number(Boolean(a.conversion)) - Number(Boolean(b.conversion)));
    for (const d of defs) registry.add(d);
    for (const d of cur?.defs ?? [])
      if (!defs.some((n) => n.version === d.version) && registry.get(d.group, d.version, d.plural) === d) registry.remove(d.group, d.version, d.plural);
    served.set(name, { fingerprint, defs });
    logger.info('serving custom resources', { crd: name, versions: defs.map((d) => d.version).join(',') });
  };

  /**
   * The store of the CRD's stored objects, or undefined when it never had any: its plural was
   * never accepted, or a built-in resource owns that storage (group and plural).
   */
  const instanceStore = (crd: V1CustomResourceDefinition): ResourceStore | undefined => {
    const accepted = crd.status?.acceptedNames;
    if (!accepted?.plural || !accepted.kind) return undefined;
    if (builtins.some((d) => d.group === crd.spec.group && d.plural === accepted.plural)) return undefined;
    const def = storageResourceDef(crd, accepted);
    return def ? deps.storeFor(def) : undefined;
  };

  /** Storage apiVersion all objects of a CRD are known to be stored in. */
  const migrated = new Map<string, string>();

  /**
   * Storage version migration: objects written before the storage version changed are rewritten
   * in the new one (conversion None: only apiVersion changes), so every served version reads them
   * right. Runs once per CRD and storage version (and once per CRD after a restart).
   */
  const migrateStorage = async (crd: V1CustomResourceDefinition): Promise<void> => {
    const name = crd.metadata.name!;
    const instances = instanceStore(crd);
    if (!instances) return;
    const want = apiVersionOf(instances.def.group, instances.def.version);
    if (migrated.get(name) === want) return;
    const list = await instances.list({ namespace: '' });
    let n = 0;
    for (const obj of list.items) {
      if (obj.apiVersion === want) continue;
      try {
        await instances.guaranteedUpdate(obj.metadata.namespace ?? '', obj.metadata.name!, undefined, { dryRun: false, raw: true }, ctx(), (cur) => ({ ...cur, apiVersion: want }));
        n++;
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
      }
    }
    migrated.set(name, want);
    if (n) logger.info('migrated custom objects to the storage version', { crd: name, apiVersion: want, objects: n });
  };

  const writeStatus = async (name: string, mutate: (crd: V1CustomResourceDefinition) => void) => {
    await store.guaranteedUpdate('', name, undefined, { dryRun: false }, ctx('status'), (cur) => {
      mutate(cur as V1CustomResourceDefinition);
      return cur;
    });
  };

  /** Deletes every custom resource of `crd`; true once none is left. */
  const deleteInstances = async (crd: V1CustomResourceDefinition): Promise<boolean> => {
    // A CRD that re-describes a built-in resource never owned those objects.
    if (shadowedBuiltin(crd, builtins)) return true;
    const instances = instanceStore(crd);
    if (!instances) return true;
    const list = await instances.list({ namespace: '' });
    if (!list.items.length) return true;
    for (const obj of list.items) {
      if (obj.metadata.deletionTimestamp) continue;
      try {
        await instances.delete(ctx(), obj.metadata.namespace ?? '', obj.metadata.name!, { dryRun: false, propagationPolicy: 'Background' });
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
      }
    }
    // Objects with finalizers of their own go when those finish; look again shortly.
    const again = await instances.list({ namespace: '', limit: 1 });
    return again.items.length === 0;
  };

  /** Returns true when nothing more is to be done for this CRD now. */
  const sync = async (name: string): Promise<boolean> => {
    const crd = (await store.tryGet('', name)) as V1CustomResourceDefinition | undefined;
    if (!crd) {
      const last = known.get(name);
      if (last && !(await deleteInstances(last))) return false;
      known.delete(name);
      migrated.delete(name);
      unserve(name);
      return true;
    }
    known.set(name, crd);
    const now = formatTime(deps.now());
    if (crd.metadata.deletionTimestamp) return finalize(crd, now);
    const want = desiredStatus(crd, usedNames(crd.spec.group ?? '', name, known.values(), builtins, crd), now);
    if (isServable(want) && !shadowedBuiltin(crd, builtins)) {
      serve({ ...crd, status: want });
      await migrateStorage({ ...crd, status: want });
    }
    if (JSON.stringify(want) !== JSON.stringify(crd.status ?? {})) {
      await writeStatus(name, (cur) => {
        cur.status = desiredStatus(cur, usedNames(cur.spec.group ?? '', name, known.values(), builtins, cur), now);
      });
      // Names this CRD no longer claims may free another one's.
      for (const [other, o] of known)
        if (other !== name && o.spec?.group === crd.spec.group && o.status?.conditions?.some((c) => c.type === 'NamesAccepted' && c.status === 'False')) enqueue(other);
    }
    return true;
  };

  const finalize = async (crd: V1CustomResourceDefinition, now: string): Promise<boolean> => {
    const name = crd.metadata.name!;
    if (!(crd.metadata.finalizers ?? []).includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) return true;
    const term = crd.status?.conditions?.find((c) => c.type === 'Terminating');
    if (term?.reason !== TERMINATING_IN_PROGRESS.reason && term?.reason !== TERMINATING_COMPLETED.reason)
      await writeStatus(name, (cur) => setCondition((cur.status ??= {}), TERMINATING_IN_PROGRESS, now));
    if (served.has(name)) {
      // Still served for reads and deletes; creates are refused from now on.
      const status = structuredClone(crd.status ?? {});
      setCondition(status, TERMINATING_IN_PROGRESS, now);
      serve({ ...crd, status });
    }
    if (!(await deleteInstances(crd))) return false;
    await writeStatus(name, (cur) => setCondition((cur.status ??= {}), TERMINATING_COMPLETED, now));
    unserve(name);
    await store.guaranteedUpdate('', name, undefined, { dryRun: false }, ctx(), (cur) => {
      cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== CUSTOM_RESOURCE_CLEANUP_FINALIZER);
      return cur;
    });
    logger.info('removed custom resource definition', { crd: name });
    return true;
  };

  /**
   * Lists every CRD, (at start) serves the Established ones at once, queues them all, and follows
   * changes from the list's revision. A watch that ends with an error is re-established by the
   * same steps after a pause (a relist catches whatever happened in between).
   */
  const follow = async (initialServe: boolean): Promise<void> => {
    const initial = await store.list({ namespace: '' });
    for (const o of initial.items) known.set(o.metadata.name!, o as V1CustomResourceDefinition);
    if (initialServe) {
      // Serve what is already Established before anything else starts (the garbage collector
      // and namespace controller list every registered resource at their start).
      for (const o of initial.items) {
        const crd = o as V1CustomResourceDefinition;
        if (isServable(crd.status) && !shadowedBuiltin(crd, builtins)) serve(crd);
      }
    }
    const names = new Set([...initial.items.map((o) => o.metadata.name!), ...known.keys()]);
    for (const n of names) enqueue(n);
    const prefix = resourcePrefix(store.storageDef);
    sub?.close();
    sub = deps.cache.subscribe(
      prefix,
      Number(initial.metadata.resourceVersion),
      (events) => {
        for (const e of events) enqueue(e.key.slice(prefix.length));
      },
      (err) => {
        if (!err || stopped) return;
        logger.warn('crd watch ended; relisting', { err: err.message });
        refollow();
      },
    );
  };

  const refollow = (): void => {
    setTimeout(() => {
      if (stopped) return;
      follow(false).catch((e: unknown) => {
        logger.error('crd relist failed; retrying', { err: e instanceof Error ? e.message : String(e) });
        refollow();
      });
    }, 1000).unref();
  };

  return {
    async start() {
      await follow(true);
      await running;
    },
    stop() {
      stopped = true;
      sub?.close();
    },
    async idle() {
      while (running) await running;
    },
  };
}

export type { KubeObject };
