/**
 * An in-memory Informer for proxy tests: `set`/`remove` play the part of watch events (handlers
 * run synchronously, as the real informer delivers them after updating its cache).
 */
import type { KubeObject } from '../../api/types.js';
import type { EventHandlers, Informer } from '../../client/informer-types.js';
import type { GVR } from '../../client/types.js';

export interface FakeInformer<T extends KubeObject = KubeObject> extends Informer<T> {
  set(obj: T): void;
  remove(namespace: string, name: string): void;
}

export function fakeInformer<T extends KubeObject = KubeObject>(gvr: GVR): FakeInformer<T> {
  const items = new Map<string, T>();
  const handlers: EventHandlers<T>[] = [];
  let rv = 0;
  const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;
  return {
    gvr,
    addHandlers(h) {
      handlers.push(h);
      for (const o of items.values()) h.add?.(o);
    },
    addIndex() {
      throw new Error('fakeInformer: no indexes');
    },
    start: async () => {},
    stop() {},
    hasSynced: () => true,
    get: (ns, name) => items.get(key(ns, name)),
    list: (ns) => [...items.values()].filter((o) => ns === undefined || o.metadata.namespace === ns),
    byIndex: () => [],
    lastResourceVersion: () => String(rv),
    set(obj) {
      const o = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } } as T;
      const k = key(o.metadata.namespace, o.metadata.name);
      const old = items.get(k);
      items.set(k, o);
      for (const h of handlers) {
        if (old) h.update?.(old, o);
        else h.add?.(o);
      }
    },
    remove(ns, name) {
      const k = key(ns, name);
      const old = items.get(k);
      if (!old) return;
      items.delete(k);
      rv++;
      for (const h of handlers) h.delete?.(old);
    },
  };
}
