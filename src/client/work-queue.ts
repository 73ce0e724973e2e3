/**
 * client-go's rate-limited work queue: a FIFO of string keys with three sets —
 *   queue      keys waiting for a worker (each at most once),
 *   dirty      keys that need handling (queued, or added again while being handled),
 *   processing keys a worker holds right now.
 * A key is never held by two workers; adding a held key marks it dirty and it is queued again when
 * its handler returns. Delayed adds (addAfter, addRateLimited) keep the earliest due time per key.
 */
import { discardLogger, type Logger } from '../lib/log.js';
import type { WorkQueue } from './informer-types.js';

export interface WorkQueueOptions {
  /** First backoff delay of a failing key (default 5 ms), doubling per failure. */
  baseDelayMs?: number;
  /** Backoff cap (default 60 s). */
  maxDelayMs?: number;
  /** For logs. */
  name?: string;
  logger?: Logger;
}

export function createWorkQueue(opts: WorkQueueOptions = {}): WorkQueue {
  const base = opts.baseDelayMs ?? 5;
  const max = opts.maxDelayMs ?? 60_000;
  const log = (opts.logger ?? discardLogger).child(`workqueue[${opts.name ?? ''}]`);
  const queue: string[] = [];
  let head = 0;
  const dirty = new Set<string>();
  const processing = new Set<string>();
  const failures = new Map<string, number>();
  const waiting = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  const idle: (() => void)[] = [];
  let shuttingDown = false;
  const drained: (() => void)[] = [];
  const workers: Promise<void>[] = [];

  const queued = () => queue.length - head;
  const wake = () => {
    const w = idle.shift();
    w?.();
  };

  const add = (key: string) => {
    if (shuttingDown || dirty.has(key)) return;
    dirty.add(key);
    if (processing.has(key)) return;
    queue.push(key);
    wake();
  };

  const addAfter = (key: string, delayMs: number) => {
    if (shuttingDown) return;
    if (delayMs <= 0) return add(key);
    const at = Date.now() + delayMs;
    const w = waiting.get(key);
    if (w) {
      if (w.at <= at) return;
      clearTimeout(w.timer);
    }
    const timer = setTimeout(() => {
      waiting.delete(key);
      add(key);
    }, delayMs);
    waiting.set(key, { at, timer });
  };

  /** Next key, or undefined once shutting down. */
  const get = async (): Promise<string | undefined> => {
    for (;;) {
      if (shuttingDown) return undefined;
      if (queued() > 0) {
        const key = queue[head++]!;
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        dirty.delete(key);
        processing.add(key);
        return key;
      }
      await new Promise<void>((r) => idle.push(r));
    }
  };

  const done = (key: string) => {
    processing.delete(key);
    if (dirty.has(key) && !shuttingDown) {
      queue.push(key);
      wake();
    }
    if (shuttingDown && processing.size === 0) for (const d of drained.splice(0)) d();
  };

  const rateLimitDelay = (key: string): number => {
    const n = (failures.get(key) ?? 0) + 1;
    failures.set(key, n);
    return Math.min(base * 2 ** Math.min(n - 1, 40), max);
  };

  return {
    add,
    addAfter,
    addRateLimited(key) {
      addAfter(key, rateLimitDelay(key));
    },
    forget(key) {
      failures.delete(key);
    },
    retries: (key) => failures.get(key) ?? 0,
    run(concurrency, handler) {
      for (let i = 0; i < concurrency; i++) {
        workers.push(
          (async () => {
            for (;;) {
              const key = await get();
              if (key === undefined) return;
              try {
                await handler(key);
                failures.delete(key);
              } catch (e) {
                log.v(2).info('sync failed; requeueing with backoff', { key, retries: (failures.get(key) ?? 0) + 1, err: e instanceof Error ? e.message : String(e) });
                if (!shuttingDown) addAfter(key, rateLimitDelay(key));
              } finally {
                done(key);
              }
            }
          })(),
        );
      }
    },
    async shutdown() {
      if (!shuttingDown) {
        shuttingDown = true;
        for (const w of waiting.values()) clearTimeout(w.timer);
        waiting.clear();
        // Queued keys are dropped: nothing will take them any more.
        queue.length = 0;
        head = 0;
        dirty.clear();
        for (const w of idle.splice(0)) w();
      }
      if (processing.size > 0) await new Promise<void>((r) => drained.push(r));
      await Promise.all(workers);
    },
    len: queued,
  };
}
