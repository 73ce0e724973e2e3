/**
 * PodGC's wiring (upstream pkg/controller/podgc): shared Pod and Node informers and a timer. No
 * work queue and no event handlers: every `gcPeriodMs` (upstream 20 s; the first pass right after
 * the caches sync) one pass lists both caches, asks reconcile.ts for a plan and performs it through
 * the API. Passes never overlap: the next is scheduled when the previous one has finished.
 *
 * Orphans are confirmed as upstream does: a node name missing from the cache is quarantined for
 * `quarantineMs` (upstream 40 s), then a fresh GET of the Node decides (NotFound: gone; any other
 * error: logged, decided on a later pass), so a node that is merely slow to reach the informer is
 * not mistaken for a deleted one.
 *
 * Each action: if the pod is not yet Succeeded/Failed, a strategic-merge status patch (metadata.uid
 * as precondition) sets phase Failed and, for orphans, the DisruptionTarget condition; then DELETE
 * with gracePeriodSeconds 0 and a uid precondition. NotFound and Conflict (the pod is gone or was
 * replaced) are not errors; other failures are logged and the pod is reconsidered next pass, so a
 * pass is idempotent. Like upstream, PodGC records no events, only logs.
 */
import type { V1Node } from '../../api/core/v1/node.js';
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import type { Informer } from '../../client/informer-types.js';
import { R, type Client } from '../../client/types.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Controller, ControllerContext } from '../context.js';
import {
  DEFAULT_GC_PERIOD_MS,
  DEFAULT_QUARANTINE_MS,
  DEFAULT_TERMINATED_POD_GC_THRESHOLD,
  type GcAction,
  type GcReason,
  advanceQuarantine,
  planPodGc,
} from './reconcile.js';

/** The controller-manager name (upstream --controllers / names.PodGarbageCollectorController). */
export const POD_GC_CONTROLLER_NAME = 'pod-garbage-collector-controller';
/** The logger name (upstream's client and component name). */
const COMPONENT = 'pod-garbage-collector';

export interface PodGcControllerOptions {
  /** Upstream --terminated-pod-gc-threshold (default 12500); ≤ 0 disables the terminated-pod rule. */
  terminatedPodGcThreshold?: number;
  /** Time between passes (upstream gcCheckPeriod, 20 s). */
  gcPeriodMs?: number;
  /** How long a node missing from the cache waits before a GET decides (upstream 40 s). */
  quarantineMs?: number;
  /** Writes in flight at once during a pass (default 8). */
  concurrency?: number;
}

/** What one pass did, for tests and logs. */
export interface GcPassResult {
  /** Pods this pass deleted (or found already gone), as `namespace/name`, in plan order. */
  deleted: string[];
  /** Pods whose patch or delete failed, `namespace/name`. */
  failed: string[];
  /** Node names a GET found gone. */
  goneNodes: string[];
}

export function newPodGcController(opts: PodGcControllerOptions = {}): PodGcController {
  return new PodGcController(opts);
}

export class PodGcController implements Controller {
  readonly name = POD_GC_CONTROLLER_NAME;
  private client!: Client;
  private pods!: Informer<V1Pod>;
  private nodes!: Informer<V1Node>;
  private logger!: Logger;
  private now: () => Date = () => new Date();
  private quarantine: ReadonlyMap<string, number> = new Map();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  /** The settings in effect (defaults filled in). */
  readonly threshold: number;
  readonly periodMs: number;
  readonly quarantineMs: number;
  readonly concurrency: number;

  constructor(opts: PodGcControllerOptions = {}) {
    this.threshold = opts.terminatedPodGcThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD;
    this.periodMs = opts.gcPeriodMs ?? DEFAULT_GC_PERIOD_MS;
    this.quarantineMs = opts.quarantineMs ?? DEFAULT_QUARANTINE_MS;
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
  }

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.logger = ctx.logger.child(COMPONENT);
    this.now = ctx.now;
    this.pods = ctx.informers.for<V1Pod>(R.pods);
    this.nodes = ctx.informers.for<V1Node>(R.nodes);
    this.stopped = false;
    await Promise.all([this.pods.start(), this.nodes.start()]);
    if (this.stopped) return;
    this.logger.info('Starting controller', { controller: POD_GC_CONTROLLER_NAME, terminatedPodGcThreshold: this.threshold, periodMs: this.periodMs });
    this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  private loop(): void {
    if (this.stopped) return;
    this.running = this.gcOnce()
      .catch((e: unknown) => this.logger.error('pod GC pass failed', { err: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(() => this.loop(), this.periodMs);
        this.timer.unref?.();
      });
  }

  /** One GC pass over the caches (see module comment). Safe to call while stopped (tests). */
  async gcOnce(): Promise<GcPassResult> {
    const pods = this.pods.list();
    const nodes = this.nodes.list();
    const now = this.now().getTime();
    const cached = new Set(nodes.map((n) => n.metadata.name ?? ''));
    const q = advanceQuarantine(this.quarantine, pods, cached, now, this.quarantineMs);
    this.quarantine = q.quarantine;
    const goneNodes = new Set<string>();
    for (const name of q.check) {
      if (await this.nodeGone(name)) goneNodes.add(name);
    }
    const plan = planPodGc({ pods, nodes, goneNodes }, { terminatedPodGcThreshold: this.threshold }, now);
    const result: GcPassResult = { deleted: [], failed: [], goneNodes: [...goneNodes] };
    if (plan.length === 0) return result;
    const terminated = plan.filter((a) => a.reason === 'terminated').length;
    if (terminated) this.logger.info('Garbage collecting pods', { numPods: terminated });
    const outcomes = await mapLimit(plan, this.concurrency, (a) => this.markFailedAndDelete(a));
    plan.forEach((a, i) => (outcomes[i] ? result.deleted : result.failed).push(`${a.namespace}/${a.name}`));
    return result;
  }

  /** A fresh GET: true only for NotFound. */
  private async nodeGone(name: string): Promise<boolean> {
    try {
      await this.client.get(R.nodes, '', name);
      return false;
    } catch (e) {
      if (isApiError(e) && e.reason === 'NotFound') return true;
      this.logger.error('Error while getting node', { node: name, err: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  /** True when the pod is gone (deleted now or already); false after a logged failure. */
  private async markFailedAndDelete(a: GcAction): Promise<boolean> {
    const pod = `${a.namespace}/${a.name}`;
    this.logVerbose(a);
    this.logger.info('PodGC is force deleting Pod', { pod, reason: a.reason });
    try {
      if (a.status) {
        await this.client.patch(R.pods, a.namespace, a.name, 'strategic', { metadata: a.uid ? { uid: a.uid } : {}, status: a.status }, { subresource: 'status' });
      }
      await this.client.delete(R.pods, a.namespace, a.name, { gracePeriodSeconds: 0, ...(a.uid ? { preconditions: { uid: a.uid } } : {}) });
    } catch (e) {
      if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) {
        this.logger.v(2).info('pod already gone or replaced', { pod, reason: e.reason });
        return true;
      }
      this.logger.error('PodGC failed to delete pod', { pod, reason: a.reason, err: e instanceof Error ? e.message : String(e) });
      return false;
    }
    if (a.reason === 'orphaned') this.logger.info('Forced deletion of orphaned Pod succeeded', { pod });
    if (a.reason === 'terminating-unscheduled') this.logger.info('Forced deletion of unscheduled terminating Pod succeeded', { pod });
    return true;
  }

  private logVerbose(a: GcAction): void {
    const pod = `${a.namespace}/${a.name}`;
    const messages: Partial<Record<GcReason, [number, string]>> = {
      orphaned: [2, 'Found orphaned Pod assigned to the Node, deleting'],
      'terminating-unscheduled': [2, 'Found unscheduled terminating Pod not assigned to any Node, deleting'],
      'terminating-out-of-service': [4, 'Garbage collecting pod that is terminating'],
    };
    const m = messages[a.reason];
    if (m) this.logger.v(m[0]).info(m[1], { pod, ...(a.nodeName ? { node: a.nodeName } : {}) });
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
