/**
 * Contracts of the client-side caches and queues every controller uses (client-go's informers and
 * work queues). Implementations live beside this file.
 */
import type { KubeObject } from '../api/types.js';
import type { GVR } from './types.js';

export interface EventHandlers<T extends KubeObject> {
  add?(obj: T): void;
  /** Also called on periodic resync with old === new (same resourceVersion). */
  update?(oldObj: T, newObj: T): void;
  /** `obj` is the last known state. */
  delete?(obj: T): void;
}

/**
 * A list+watch cache of one resource. Handlers run after the cache is updated, in event order.
 * Objects returned are shared: never mutate them (clone first).
 */
export interface Informer<T extends KubeObject = KubeObject> {
  readonly gvr: GVR;
  addHandlers(h: EventHandlers<T>): void;
  /** Secondary index: `fn` returns the index keys of an object. Add before start(). */
  addIndex(name: string, fn: (obj: T) => string[]): void;
  /** Resolves once the initial list is cached (hasSynced() is then true). */
  start(): Promise<void>;
  stop(): void;
  hasSynced(): boolean;
  get(namespace: string, name: string): T | undefined;
  /** Every cached object, or those of one namespace. */
  list(namespace?: string): T[];
  byIndex(name: string, key: string): T[];
  /** The resourceVersion of the last event seen (for tests and metrics). */
  lastResourceVersion(): string;
}

/** Shared informers: one per GVR per process, however many controllers use it. */
export interface InformerFactory {
  for<T extends KubeObject = KubeObject>(gvr: GVR): Informer<T>;
  /** Starts every informer requested so far; resolves when all have synced. */
  start(): Promise<void>;
  stop(): void;
}

/**
 * A rate-limited work queue of string keys (usually `namespace/name`): a key is never handled by
 * two workers at once, adding a key that is queued is a no-op, adding one that is being handled
 * requeues it once after the handler returns. Failed keys retry with per-key exponential backoff.
 */
export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, delayMs: number): void;
  /** Re-adds after this key's next backoff delay (5 ms doubling, capped). */
  addRateLimited(key: string): void;
  /** Resets the key's backoff. */
  forget(key: string): void;
  /** Number of times the key failed since the last forget. */
  retries(key: string): number;
  /**
   * Runs `handler` with at most `concurrency` keys in flight. A handler that throws gets its key
   * re-added rate-limited; one that resolves gets it forgotten.
   */
  run(concurrency: number, handler: (key: string) => Promise<void>): void;
  /** Stops taking keys; resolves when in-flight handlers finished. */
  shutdown(): Promise<void>;
  len(): number;
}
