/**
 * Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection package:
 *
 * - a candidate acquires the Lease when it does not exist, has no holder, or its holder has not
 *   renewed for leaseDuration — measured on this process's clock from when this candidate last saw
 *   the record change (never by comparing clocks across machines);
 * - the leader renews every retryPeriod; if no renewal succeeds for renewDeadline it stops leading
 *   (onStoppedLeading) and goes back to being a candidate;
 * - every write is an update with the read resourceVersion, so two candidates never both win;
 * - stop() releases a held Lease (holderIdentity cleared, leaseDurationSeconds 1, as upstream's
 *   ReleaseOnCancel) so another candidate takes over at its next retry.
 *
 * Callbacks never overlap: onStoppedLeading follows each onStartedLeading exactly once.
 */
import type { KubeObject } from '../api/types.js';
import { isApiError } from '../lib/errors.js';
import { discardLogger, type Logger } from '../lib/log.js';
import type { Client } from './types.js';
import { R } from './types.js';

export interface LeaderElectorOptions {
  client: Client;
  /** Namespace of the Lease (upstream: kube-system). */
  namespace: string;
  /** Name of the Lease, e.g. `kube-controller-manager`. */
  name: string;
  /** This candidate's identity (upstream: hostname_uuid). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  now?: () => Date;
  logger?: Logger;
}

export interface LeaderElector {
  /** Campaigns until stop(); resolves when stopped. Never rejects. */
  run(): Promise<void>;
  /** Stops campaigning, releases the Lease if held (then onStoppedLeading). Idempotent. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** The holder last observed ('' if none). */
  getLeader(): string;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function createLeaderElector(opts: LeaderElectorOptions): LeaderElector {
  const leaseDurationMs = opts.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
  if (renewDeadlineMs >= leaseDurationMs) throw new Error('leaseDuration must be greater than renewDeadline');
  if (retryPeriodMs >= renewDeadlineMs) throw new Error('renewDeadline must be greater than retryPeriod');
  const now = opts.now ?? (() => new Date());
  const log = (opts.logger ?? discardLogger).child(`leader-election[${opts.namespace}/${opts.name}]`);
  const { client } = opts;

  let leading = false;
  let stopped = false;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let sleepTimer: NodeJS.Timeout | undefined;
  /** The record as last read, and when (local clock) it last changed. */
  let observed: { lease: Lease; key: string; at: number } | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      sleepTimer = setTimeout(resolve, ms);
    });
  const jitter = (ms: number) => ms * (1 + Math.random() * 0.2);

  const observe = (lease: Lease) => {
    const s = lease.spec ?? {};
    const key = `${s.holderIdentity ?? ''}|${s.renewTime ?? ''}|${lease.metadata.resourceVersion ?? ''}`;
    if (!observed || observed.key !== key) observed = { lease, key, at: now().getTime() };
    else observed.lease = lease;
  };

  /** One attempt; true when this candidate holds the Lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const t = now();
    const spec = (prev?: LeaseSpec): LeaseSpec => {
      const takeover = prev?.holderIdentity !== opts.identity;
      return {
        holderIdentity: opts.identity,
        leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
        acquireTime: takeover || !prev?.acquireTime ? microTime(t) : prev.acquireTime,
        renewTime: microTime(t),
        leaseTransitions: prev ? (prev.leaseTransitions ?? 0) + (takeover ? 1 : 0) : 0,
      };
    };
    let current: Lease;
    try {
      current = await client.get<Lease>(R.leases, opts.namespace, opts.name);
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
      const created = await client.create<Lease>(R.leases, opts.namespace, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: opts.name, namespace: opts.namespace },
        spec: spec(),
      });
      observe(created);
      return true;
    }
    observe(current);
    const cs = current.spec ?? {};
    const holder = cs.holderIdentity ?? '';
    const duration = (cs.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== opts.identity && observed!.at + duration > t.getTime()) return false;
    const updated = await client.update<Lease>(R.leases, opts.namespace, { ...current, spec: { ...cs, ...spec(cs) } });
    observe(updated);
    return true;
  };

  const attempt = async (): Promise<boolean> => {
    try {
      return await tryAcquireOrRenew();
    } catch (e) {
      if (!(isApiError(e) && (e.reason === 'Conflict' || e.reason === 'AlreadyExists')))
        log.warn('lease acquire/renew failed', { err: e instanceof Error ? e.message : String(e) });
      return false;
    }
  };

  const release = async () => {
    if (!observed || observed.lease.spec?.holderIdentity !== opts.identity) return;
    const t = microTime(now());
    try {
      const lease = observed.lease;
      await client.update<Lease>(R.leases, opts.namespace, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, acquireTime: t, renewTime: t },
      });
    } catch (e) {
      log.warn('lease release failed', { err: e instanceof Error ? e.message : String(e) });
    }
  };

  const getLeader = () => observed?.lease.spec?.holderIdentity ?? '';

  const callback = (fn: () => void, what: string) => {
    try {
      fn();
    } catch (e) {
      log.error(`${what} callback failed`, { err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  };

  const campaign = async () => {
    while (!stopped) {
      // Candidate: retry until acquired.
      if (!(await attempt())) {
        if (!stopped) await sleep(jitter(retryPeriodMs));
        continue;
      }
      if (stopped) {
        await release();
        break;
      }
      leading = true;
      log.info('acquired lease', { identity: opts.identity });
      callback(opts.onStartedLeading, 'onStartedLeading');
      // Leader: renew until a renewal deadline passes or stop().
      let lastRenew = now().getTime();
      while (!stopped) {
        await sleep(retryPeriodMs);
        if (stopped) break;
        if (await attempt()) lastRenew = now().getTime();
        else if (getLeader() !== opts.identity || now().getTime() - lastRenew >= renewDeadlineMs) break;
      }
      if (stopped) await release();
      else log.warn('failed to renew lease in time; stepping down', { identity: opts.identity });
      leading = false;
      callback(opts.onStoppedLeading, 'onStoppedLeading');
    }
  };

  return {
    run() {
      running ??= campaign().catch((e: unknown) => log.error('leader election failed', { err: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
      return running;
    },
    async stop() {
      stopped = true;
      clearTimeout(sleepTimer);
      wake?.();
      await running;
    },
    isLeader: () => leading,
    getLeader,
  };
}
