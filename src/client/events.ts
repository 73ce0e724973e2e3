/**
 * Event recording as client-go's legacy recorder + EventCorrelator does it, writing core/v1 Events:
 *
 * - spam filter: per involved object (and source), a token bucket of 25 that refills one token
 *   every 5 minutes; events beyond it are dropped;
 * - aggregation: events about one object with the same type and reason but different messages are
 *   tracked for 10 minutes; from the 10th distinct message on (upstream's maxEvents = 10) they are
 *   folded into one event whose message is prefixed `(combined from similar events): `;
 * - deduplication: an event identical to one recorded in the last 10 minutes (same object, type,
 *   reason, message) patches that event's `count` and `lastTimestamp` instead of creating another.
 *
 * `event()` never blocks or throws: it stamps the time, applies the spam filter and queues the
 * event; one writer drains the queue in order. When the queue is full (1000 by default) new events
 * are dropped with a log line. Write failures are logged and dropped (a patch of a vanished event
 * creates it anew).
 */
import type { KubeObject } from '../api/types.js';
import { isApiError } from '../lib/errors.js';
import { discardLogger, type Logger } from '../lib/log.js';
import type { Client } from './types.js';
import { R } from './types.js';

/** What an event is about (any object with metadata; apiVersion/kind when known). */
export interface EventSubject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export type EventType = 'Normal' | 'Warning';

/** Structurally the EventSink of controllers/context.ts, plus draining for shutdown and tests. */
export interface EventRecorder {
  /** Records an event about `obj`; never blocks, never throws. */
  event(obj: EventSubject, type: EventType, reason: string, message: string): void;
  /** Resolves once every event queued so far has been written (or dropped). */
  flush(): Promise<void>;
  /** Drops queued events and stops writing. */
  stop(): void;
}

export interface EventRecorderOptions {
  /** source.host and reportingInstance (the node or server name). */
  host?: string;
  now?: () => Date;
  logger?: Logger;
  /** Queue bound (default 1000). */
  maxQueued?: number;
}

const AGGREGATE_WINDOW_MS = 10 * 60_000;
const MAX_SIMILAR = 10;
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 5 * 60_000;
const CACHE_SIZE = 4096;
export const COMBINED_PREFIX = '(combined from similar events): ';

interface InvolvedObject {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

interface Pending {
  involved: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  at: Date;
}

interface Logged {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastAt: number;
}

/** metav1.Time: RFC 3339 with seconds. */
function timeString(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A Map that forgets its oldest entries beyond `max` (insertion order, refreshed on set). */
function boundedSet<K, V>(m: Map<K, V>, k: K, v: V, max = CACHE_SIZE): void {
  m.delete(k);
  m.set(k, v);
  if (m.size > max) m.delete(m.keys().next().value as K);
}

export function createEventRecorder(client: Client, component: string, opts: EventRecorderOptions = {}): EventRecorder {
  const now = opts.now ?? (() => new Date());
  const host = opts.host ?? '';
  const log = (opts.logger ?? discardLogger).child('event-recorder');
  const maxQueued = opts.maxQueued ?? 1000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const similar = new Map<string, { messages: Set<string>; lastAt: number }>();
  const logged = new Map<string, Logged>();
  const queue: Pending[] = [];
  let draining: Promise<void> | undefined;
  let stopped = false;
  let dropped = 0;
  let seq = 0;

  const objectKey = (o: InvolvedObject) => [component, host, o.kind, o.namespace, o.name, o.uid, o.apiVersion].join('\u0000');

  /** Token bucket per object: 25 burst, one token per 5 minutes. */
  const allow = (key: string, t: number): boolean => {
    const b = buckets.get(key) ?? { tokens: SPAM_BURST, at: t };
    const tokens = Math.min(SPAM_BURST, b.tokens + Math.max(0, t - b.at) / SPAM_REFILL_MS);
    const ok = tokens >= 1;
    boundedSet(buckets, key, { tokens: ok ? tokens - 1 : tokens, at: t });
    return ok;
  };

  const eventName = (objName: string, at: Date): string => {
    // Upstream: <object>.<UnixNano in hex>; our clock has milliseconds, a counter fills the rest.
    const nanos = BigInt(at.getTime()) * 1_000_000n + BigInt(seq++ % 1_000_000);
    return `${objName}.${nanos.toString(16)}`;
  };

  const write = async (p: Pending): Promise<void> => {
    const objKey = objectKey(p.involved);
    const t = p.at.getTime();
    // Aggregation of similar events (same object, type, reason).
    const aggKey = `${objKey}\u0000${p.type}\u0000${p.reason}`;
    let rec = similar.get(aggKey);
    if (!rec || t - rec.lastAt > AGGREGATE_WINDOW_MS) rec = { messages: new Set(), lastAt: t };
    rec.lastAt = t;
    rec.messages.add(p.message);
    let message = p.message;
    let dedupeKey = `${aggKey}\u0000${p.message}`;
    if (rec.messages.size >= MAX_SIMILAR) {
      rec.messages.delete(p.message);
      message = COMBINED_PREFIX + p.message;
      dedupeKey = aggKey;
    }
    boundedSet(similar, aggKey, rec);

    const namespace = p.involved.namespace || 'default';
    const stamp = timeString(p.at);
    const prev = logged.get(dedupeKey);
    if (prev && t - prev.lastAt <= AGGREGATE_WINDOW_MS) {
      const count = prev.count + 1;
      boundedSet(logged, dedupeKey, { ...prev, count, lastAt: t });
      try {
        await client.patch(R.events, prev.namespace, prev.name, 'merge', { count, lastTimestamp: stamp, message });
        return;
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
        // The event is gone (expired by TTL): record it anew below, keeping the count.
        await create(p, dedupeKey, namespace, message, count, prev.firstTimestamp, stamp, t);
        return;
      }
    }
    await create(p, dedupeKey, namespace, message, 1, stamp, stamp, t);
  };

  const create = async (p: Pending, dedupeKey: string, namespace: string, message: string, count: number, first: string, last: string, t: number) => {
    const name = eventName(p.involved.name ?? '', p.at);
    const ev: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: p.involved,
      reason: p.reason,
      message,
      source: host ? { component, host } : { component },
      firstTimestamp: first,
      lastTimestamp: last,
      count,
      type: p.type,
      reportingComponent: component,
      reportingInstance: host,
    };
    try {
      await client.create(R.events, namespace, ev);
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'AlreadyExists')) throw e;
    }
    boundedSet(logged, dedupeKey, { name, namespace, count, firstTimestamp: first, lastAt: t });
  };

  const drain = async () => {
    while (queue.length > 0 && !stopped) {
      const p = queue.shift()!;
      try {
        await write(p);
      } catch (e) {
        log.warn('event not recorded', { object: `${p.involved.namespace ?? ''}/${p.involved.name ?? ''}`, reason: p.reason, err: e instanceof Error ? e.message : String(e) });
      }
    }
    draining = undefined;
  };

  return {
    event(obj, type, reason, message) {
      if (stopped) return;
      try {
        const m = obj.metadata;
        const involved: InvolvedObject = {
          kind: obj.kind,
          namespace: m.namespace || undefined,
          name: m.name,
          uid: m.uid,
          apiVersion: obj.apiVersion,
          resourceVersion: m.resourceVersion,
        };
        const at = now();
        if (!allow(objectKey(involved), at.getTime())) {
          log.v(2).info('event dropped by the per-object rate limit', { object: `${m.namespace ?? ''}/${m.name ?? ''}`, reason });
          return;
        }
        if (queue.length >= maxQueued) {
          if (dropped++ % 100 === 0) log.warn('event queue full; dropping events', { component, dropped, object: `${m.namespace ?? ''}/${m.name ?? ''}`, reason });
          return;
        }
        queue.push({ involved, type, reason, message, at });
        // Written on a later turn: never inside the caller's stack.
        draining ??= new Promise<void>((r) => setImmediate(r)).then(drain);
      } catch (e) {
        log.error('event() failed', { err: e instanceof Error ? e.message : String(e) });
      }
    },
    async flush() {
      while (draining) await draining;
    },
    stop() {
      stopped = true;
      queue.length = 0;
    },
  };
}
