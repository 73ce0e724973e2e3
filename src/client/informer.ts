/**
 * List+watch caches (client-go's reflector + indexer + shared informer, in one small module).
 *
 * Flow: list (paged, 500 a page) → replace the cache → handlers → watch from the list's
 * resourceVersion with bookmarks. A watch that ends cleanly resumes from the last resourceVersion
 * seen; one that fails with 410 (ERROR event or Expired) relists and reconciles the cache, emitting
 * add/update/delete for the differences as client-go's Replace does; other failures retry with
 * backoff. The cache (objects and every index) is updated before handlers run, so a handler never
 * sees a half-applied change; after a relist the whole new snapshot is applied before its events
 * are delivered.
 */
import type { KubeObject } from '../api/types.js';
import { isApiError } from '../lib/errors.js';
import { discardLogger, type Logger } from '../lib/log.js';
import type { EventHandlers, Informer, InformerFactory } from './informer-types.js';
import type { Client, GVR, WatchEvent, WatchHandle } from './types.js';

export interface InformerOptions {
  /** Watch one namespace only (default: all). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Period of resync (update(obj, obj) for every cached object); 0 or unset: never. */
  resyncMs?: number;
  logger?: Logger;
  /** First retry delay after a failed list or watch (default 200 ms, doubling to 30 s). */
  retryBaseMs?: number;
  /** Page size of lists (default 500). */
  pageSize?: number;
}

/** The cache key: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name ?? ''}` : (obj.metadata.name ?? '');
}

/** Splits a key made by objectKey into namespace ('' for cluster scope) and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function gvrKey(gvr: GVR): string {
  return `${gvr.group}/${gvr.version}/${gvr.resource}`;
}

type Change<T> = { kind: 'add'; obj: T } | { kind: 'update'; old: T; obj: T } | { kind: 'delete'; obj: T };

export function createInformer<T extends KubeObject = KubeObject>(client: Client, gvr: GVR, opts: InformerOptions = {}): Informer<T> {
  const log = (opts.logger ?? discardLogger).child(`informer[${gvr.resource}${gvr.group ? '.' + gvr.group : ''}]`);
  const retryBase = opts.retryBaseMs ?? 200;
  const pageSize = opts.pageSize ?? 500;
  const items = new Map<string, T>();
  const byNamespace = new Map<string, Map<string, T>>();
  const indexFns = new Map<string, (obj: T) => string[]>();
  /** index name → index value → object keys. */
  const indices = new Map<string, Map<string, Set<string>>>();
  /** object key → index name → the values it was filed under (to unfile on change). */
  const filed = new Map<string, Map<string, string[]>>();
  const handlers: EventHandlers<T>[] = [];
  let lastRV = '';
  let synced = false;
  let started: Promise<void> | undefined;
  let resolveStarted: (() => void) | undefined;
  let stopped = false;
  let watch: WatchHandle | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  /** Bumped on every (re)list/watch start; callbacks of older generations are ignored. */
  let generation = 0;

  const unfile = (key: string) => {
    const f = filed.get(key);
    if (!f) return;
    for (const [name, values] of f) {
      const idx = indices.get(name);
      if (!idx) continue;
      for (const v of values) {
        const set = idx.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) idx.delete(v);
      }
    }
    filed.delete(key);
  };
  const file = (key: string, obj: T) => {
    if (indexFns.size === 0) return;
    const f = new Map<string, string[]>();
    for (const [name, fn] of indexFns) {
      let values: string[];
      try {
        values = [...new Set(fn(obj))];
      } catch (e) {
        log.error('index function failed', { index: name, key, err: e instanceof Error ? e.message : String(e) });
        values = [];
      }
      let idx = indices.get(name);
      if (!idx) indices.set(name, (idx = new Map()));
      for (const v of values) {
        let set = idx.get(v);
        if (!set) idx.set(v, (set = new Set()));
        set.add(key);
      }
      f.set(name, values);
    }
    filed.set(key, f);
  };
  const put = (key: string, obj: T) => {
    unfile(key);
    items.set(key, obj);
    const ns = obj.metadata.namespace ?? '';
    let m = byNamespace.get(ns);
    if (!m) byNamespace.set(ns, (m = new Map()));
    m.set(key, obj);
    file(key, obj);
  };
  const remove = (key: string) => {
    const old = items.get(key);
    if (!old) return;
    unfile(key);
    items.delete(key);
    const ns = old.metadata.namespace ?? '';
    const m = byNamespace.get(ns);
    m?.delete(key);
    if (m && m.size === 0) byNamespace.delete(ns);
  };

  const deliver = (h: EventHandlers<T>, c: Change<T>) => {
    try {
      if (c.kind === 'add') h.add?.(c.obj);
      else if (c.kind === 'update') h.update?.(c.old, c.obj);
      else h.delete?.(c.obj);
    } catch (e) {
      log.error('event handler failed', { event: c.kind, key: objectKey(c.obj), err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  };
  const emit = (c: Change<T>) => {
    for (const h of handlers) deliver(h, c);
  };

  const applyEvent = (e: WatchEvent<T>) => {
    const obj = e.object;
    const rv = obj?.metadata?.resourceVersion;
    if (rv) lastRV = rv;
    if (e.type === 'BOOKMARK') return;
    const key = objectKey(obj);
    const old = items.get(key);
    if (e.type === 'DELETED') {
      remove(key);
      emit({ kind: 'delete', obj });
      return;
    }
    put(key, obj);
    emit(old ? { kind: 'update', old, obj } : { kind: 'add', obj });
  };

  /** client-go's Replace: the list is the truth; emit the differences. */
  const replace = (list: T[], rv: string) => {
    const changes: Change<T>[] = [];
    const seen = new Set<string>();
    for (const obj of list) {
      const key = objectKey(obj);
      seen.add(key);
      const old = items.get(key);
      if (!old) changes.push({ kind: 'add', obj });
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) changes.push({ kind: 'update', old, obj });
      else continue;
      put(key, obj);
    }
    for (const [key, old] of [...items]) {
      if (seen.has(key)) continue;
      remove(key);
      changes.push({ kind: 'delete', obj: old });
    }
    lastRV = rv;
    for (const c of changes) emit(c);
  };

  const scheduleRetry = (what: string, err: unknown, fn: () => void) => {
    if (stopped) return;
    failures++;
    const delay = Math.min(retryBase * 2 ** Math.min(failures - 1, 20), 30_000);
    log.warn(`${what} failed; retrying`, { delayMs: delay, err: err instanceof Error ? err.message : String(err) });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(fn, delay);
    retryTimer.unref?.();
  };

  const listAll = async (): Promise<{ items: T[]; rv: string }> => {
    const out: T[] = [];
    let cont: string | undefined;
    for (;;) {
      const page = await client.list<T>(gvr, {
        namespace: opts.namespace,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        limit: pageSize,
        continue: cont,
      });
      out.push(...page.items);
      cont = page.metadata.continue;
      if (!cont) return { items: out, rv: page.metadata.resourceVersion ?? '' };
    }
  };

  const relist = () => {
    if (stopped) return;
    const gen = ++generation;
    watch?.stop();
    watch = undefined;
    listAll().then(
      ({ items: list, rv }) => {
        if (stopped || gen !== generation) return;
        replace(list, rv);
        failures = 0;
        if (!synced) {
          synced = true;
          resolveStarted?.();
        }
        startWatch();
      },
      (err: unknown) => {
        if (gen !== generation) return;
        scheduleRetry('list', err, relist);
      },
    );
  };

  const startWatch = () => {
    if (stopped) return;
    const gen = ++generation;
    let sawEvent = false;
    const startedAt = Date.now();
    watch = client.watch<T>(
      gvr,
      {
        namespace: opts.namespace,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: lastRV,
        allowWatchBookmarks: true,
      },
      (e) => {
        if (stopped || gen !== generation) return;
        if (e.type === 'ERROR') return; // onClose follows with the error
        sawEvent = true;
        applyEvent(e);
      },
      (err) => {
        if (stopped || gen !== generation) return;
        watch = undefined;
        if (sawEvent) failures = 0;
        if (!err) {
          // A stream that ends at once with nothing in it is retried later, not in a tight loop.
          if (sawEvent || Date.now() - startedAt > 1000) return startWatch();
          clearTimeout(retryTimer);
          retryTimer = setTimeout(startWatch, retryBase);
          retryTimer.unref?.();
          return;
        }
        if (isApiError(err) && err.code === 410) {
          log.v(2).info('watch expired; relisting', { resourceVersion: lastRV });
          return relist();
        }
        scheduleRetry('watch', err, startWatch);
      },
    );
  };

  return {
    gvr,
    addHandlers(h) {
      handlers.push(h);
      // As client-go: a late handler first learns the current state as adds.
      if (synced) for (const obj of [...items.values()]) deliver(h, { kind: 'add', obj });
    },
    addIndex(name, fn) {
      if (indexFns.has(name)) throw new Error(`index ${name} already exists`);
      indexFns.set(name, fn);
      const idx = new Map<string, Set<string>>();
      indices.set(name, idx);
      for (const [key, obj] of items) {
        unfile(key);
        file(key, obj);
      }
    },
    start() {
      if (started) return started;
      started = new Promise<void>((resolve) => (resolveStarted = resolve));
      if (opts.resyncMs && opts.resyncMs > 0) {
        resyncTimer = setInterval(() => {
          if (!synced || stopped) return;
          for (const obj of [...items.values()]) emit({ kind: 'update', old: obj, obj });
        }, opts.resyncMs);
        resyncTimer.unref?.();
      }
      relist();
      return started;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      generation++;
      watch?.stop();
      watch = undefined;
      clearTimeout(retryTimer);
      clearInterval(resyncTimer);
      // A start() still waiting for its first list resolves (hasSynced() stays false).
      resolveStarted?.();
    },
    hasSynced: () => synced,
    get(namespace, name) {
      return items.get(namespace ? `${namespace}/${name}` : name);
    },
    list(namespace) {
      if (namespace === undefined || namespace === '') return [...items.values()];
      return [...(byNamespace.get(namespace)?.values() ?? [])];
    },
    byIndex(name, value) {
      const idx = indices.get(name);
      if (!idx) throw new Error(`no index named ${name}`);
      const keys = idx.get(value);
      if (!keys) return [];
      const out: T[] = [];
      for (const k of keys) {
        const o = items.get(k);
        if (o) out.push(o);
      }
      return out;
    },
    lastResourceVersion: () => lastRV,
  };
}

export interface InformerFactoryOptions {
  /** Restrict every informer to one namespace. */
  namespace?: string;
  resyncMs?: number;
  logger?: Logger;
  retryBaseMs?: number;
}

/** Shared informers: `for(gvr)` returns the same informer for the same GVR. */
export function createInformerFactory(client: Client, opts: InformerFactoryOptions = {}): InformerFactory {
  const informers = new Map<string, Informer<KubeObject>>();
  let stopped = false;
  return {
    for<T extends KubeObject = KubeObject>(gvr: GVR): Informer<T> {
      const k = gvrKey(gvr);
      let inf = informers.get(k);
      if (!inf) {
        inf = createInformer<KubeObject>(client, gvr, opts);
        informers.set(k, inf);
        if (stopped) inf.stop();
      }
      return inf as unknown as Informer<T>;
    },
    async start() {
      await Promise.all([...informers.values()].map((i) => i.start()));
    },
    stop() {
      stopped = true;
      for (const i of informers.values()) i.stop();
    },
  };
}
