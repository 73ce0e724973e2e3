/**
 * Namespace lifecycle, as upstream's NamespaceLifecycle admission plugin plus its namespace
 * controller:
 * - the default namespaces (default, kube-system, kube-public, kube-node-lease) always exist;
 * - new objects are refused in a namespace that does not exist (404) or is terminating (403);
 * - a deleted namespace (Terminating, spec.finalizers ["kubernetes"]) has its contents deleted;
 *   once nothing is left, the `kubernetes` finalizer is removed and the namespace disappears.
 *
 * The deletion loop is level-triggered: `sync(name)` re-reads everything, is safe to run twice,
 * and failures are retried with backoff.
 */
import type { ApiRegistry } from '../api/registry.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../api/types.js';
import { ApiError, isApiError, notFound } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { ResourceStore } from './registry/store.js';
import type { WatchCache, Subscription } from './watch-cache.js';
import { resourcePrefix } from './registry/keys.js';

export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
/** Namespaces that may never be deleted (upstream's NamespaceLifecycle immortal set). */
export const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);

export function isImmortalNamespace(def: ResourceDef, name: string): boolean {
  return def.group === '' && def.plural === 'namespaces' && IMMORTAL_NAMESPACES.has(name);
}

const SYSTEM_USER = { username: 'system:apiserver', groups: ['system:masters'] };

export interface NamespaceLifecycleDeps {
  store: (group: string, version: string, plural: string) => ResourceStore | undefined;
  registry: ApiRegistry;
  cache: WatchCache;
  logger: Logger;
  now: () => Date;
}

export interface NamespaceLifecycle {
  start(): Promise<void>;
  stop(): void;
  /** Admission: throws 404 / 403 unless `namespace` accepts new objects. */
  admits(namespace: string, gr: { group: string; resource: string }, name: string): Promise<void>;
}

type Phase = 'Active' | 'Terminating';

/** Pure: what a namespace's phase is. */
export function phaseOf(ns: KubeObject): Phase {
  if (ns.metadata.deletionTimestamp) return 'Terminating';
  return ((ns['status'] ?? {}) as { phase?: string }).phase === 'Terminating' ? 'Terminating' : 'Active';
}

/** Pure: the namespaced resources whose objects a namespace deletion must remove (each storage once). */
export function contentResources(defs: readonly ResourceDef[]): ResourceDef[] {
  const seen = new Set<string>();
  const out: ResourceDef[] = [];
  for (const d of defs) {
    if (!d.namespaced || d.conversion) continue;
    const p = resourcePrefix(d);
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(d);
  }
  return out;
}

export function createNamespaceLifecycle(deps: NamespaceLifecycleDeps): NamespaceLifecycle {
  const nsStore = deps.store('', 'v1', 'namespaces');
  if (!nsStore) throw new Error('namespaces resource is not registered');
  const phases = new Map<string, Phase>();
  const queue = new Set<string>();
  const backoff = new Map<string, number>();
  let sub: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = false;
  const ctx = (): StrategyContext => ({ now: deps.now(), user: SYSTEM_USER, subresource: '' });

  const observe = (ns: KubeObject | undefined, name: string) => {
    if (!ns) {
      phases.delete(name);
      return;
    }
    const p = phaseOf(ns);
    phases.set(name, p);
    if (p === 'Terminating') enqueue(name, 0);
  };

  const enqueue = (name: string, delayMs: number) => {
    if (stopped) return;
    if (delayMs > 0) {
      setTimeout(() => enqueue(name, 0), delayMs).unref();
      return;
    }
    queue.add(name);
    if (!running) {
      timer = setTimeout(drain, 0);
      timer.unref();
    }
  };

  const drain = async () => {
    if (running || stopped) return;
    running = true;
    try {
      while (queue.size && !stopped) {
        const name = queue.values().next().value as string;
        queue.delete(name);
        try {
          const done = await sync(name);
          backoff.delete(name);
          if (!done) enqueue(name, 500);
        } catch (e) {
          const b = Math.min((backoff.get(name) ?? 250) * 2, 30_000);
          backoff.set(name, b);
          deps.logger.warn('namespace sync failed', { namespace: name, err: e instanceof Error ? e.message : String(e), retryMs: b });
          enqueue(name, b);
        }
      }
    } finally {
      running = false;
    }
  };

  /** Returns true when there is nothing more to do for this namespace now. */
  const sync = async (name: string): Promise<boolean> => {
    const ns = await nsStore.tryGet('', name);
    if (!ns || phaseOf(ns) !== 'Terminating' || !ns.metadata.deletionTimestamp) return true;
    let remaining = 0;
    for (const def of contentResources(deps.registry.all())) {
      const store = deps.store(def.group, def.version, def.plural);
      if (!store) continue;
      const list = await store.list({ namespace: name });
      for (const obj of list.items) {
        remaining++;
        if (obj.metadata.deletionTimestamp) continue;
        try {
          await store.delete(ctx(), name, obj.metadata.name!, { dryRun: false, propagationPolicy: 'Background' });
        } catch (e) {
          if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
        }
      }
    }
    if (remaining > 0) return false;
    const specFinalizers = ((ns['spec'] ?? {}) as { finalizers?: string[] }).finalizers ?? [];
    if (specFinalizers.includes('kubernetes')) {
      await nsStore.guaranteedUpdate('', name, undefined, { dryRun: false }, { ...ctx(), subresource: 'finalize' }, (cur) => {
        const spec = (cur['spec'] ??= {}) as { finalizers?: string[] };
        spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== 'kubernetes');
        return cur;
      });
    }
    return true;
  };

  return {
    async start() {
      for (const name of DEFAULT_NAMESPACES) {
        if (await nsStore.tryGet('', name)) continue;
        try {
          await nsStore.create(ctx(), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { dryRun: false });
          deps.logger.info('created namespace', { namespace: name });
        } catch (e) {
          if (!(isApiError(e) && e.reason === 'AlreadyExists')) throw e;
        }
      }
      const initial = await nsStore.list({ namespace: '' });
      for (const ns of initial.items) observe(ns, ns.metadata.name!);
      const prefix = resourcePrefix(nsStore.storageDef);
      sub = deps.cache.subscribe(
        prefix,
        Number(initial.metadata.resourceVersion),
        (events) => {
          for (const e of events) {
            const name = e.key.slice(prefix.length);
            observe(e.type === 'delete' ? undefined : (JSON.parse(e.value) as KubeObject), name);
          }
        },
        () => {},
      );
    },
    stop() {
      stopped = true;
      sub?.close();
      if (timer) clearTimeout(timer);
    },
    async admits(namespace, gr, name) {
      let phase = phases.get(namespace);
      if (phase === undefined) {
        // Not seen yet (created a moment ago, or missing): ask storage.
        const ns = await nsStore.tryGet('', namespace);
        if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
        phase = phaseOf(ns);
      }
      if (phase === 'Terminating') {
        const what = name ? `${gr.group ? `${gr.resource}.${gr.group}` : gr.resource} "${name}"` : gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
        throw new ApiError('Forbidden', 403, `${what} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
          name: name || undefined,
          group: gr.group,
          kind: gr.resource,
          causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
        });
      }
    },
  };
}
