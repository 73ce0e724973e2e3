/**
 * NetworkPolicy enforcement on one node: NetworkPolicy, Pod and Namespace informers feed the pure
 * compiler (compile.ts); the applier installs the difference from what it installed last
 * (nft-script.ts) in one `nft -f -` transaction, debounced so a burst of events costs one
 * transaction and any change is live well within a second.
 *
 * Contract:
 * - startNetworkPolicy resolves once the caches have synced and the first full build (over any
 *   leftovers of an earlier run of this agent) is installed; it rejects when that fails (no `nft`,
 *   no privilege), so the agent never runs believing policies are enforced when they are not.
 * - After a failed transaction the next attempt rebuilds this agent's objects from a fresh
 *   listing (retried after `retryMs`, doubling up to 30 s), never a diff against an unknown state.
 * - stop() stops the informers it created and pending work; the rules stay (pods keep their
 *   isolation while the agent restarts, as kube-proxy leaves its rules). removeNetworkPolicy()
 *   deletes this agent's objects, and the table once no agent has any left in it (killall,
 *   teardown).
 */
import type { KubeObject } from '../../api/types.js';
import { runCommand, type RunCommand } from '../../agent/network/index.js';
import { createInformer } from '../../client/informer.js';
import type { Informer } from '../../client/informer-types.js';
import { R, type Client, type GVR } from '../../client/types.js';
import type { Logger } from '../../lib/log.js';
import { compileNetpol, isolationOf, netpolNamespace, netpolPod, withStartingPods, type NetpolPolicy, type Ruleset, type StartingPod } from './compile.js';
import { ipv4ToInt } from './ranges.js';
import { diffScript, fullScript, ownedObjects, removalScript, tableEmpty } from './nft-script.js';

export const NETPOL_TABLE = 'flotilla-netpol';
export const NETWORK_POLICIES: GVR = { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' };

export interface NetworkPolicyOptions {
  /** The API; the node's identity must list and watch networkpolicies, pods and namespaces. */
  client: Client;
  /** Pods with this spec.nodeName are enforced here. */
  nodeName: string;
  /** The agent's bridge: prefix of every object name, so agents of one host share the table. */
  bridge: string;
  /** Default `flotilla-netpol` (family inet); tests use their own. */
  table?: string;
  /**
   * Shared informers (the agent's factory; pods must be cluster-wide: peers live anywhere); those
   * missing are created and owned here. The first build waits until the shared ones have synced
   * (up to `syncTimeoutMs`, default 60 s): start them before, or without awaiting this.
   */
  informers?: { pods?: Informer<KubeObject>; namespaces?: Informer<KubeObject>; networkPolicies?: Informer<KubeObject> };
  syncTimeoutMs?: number;
  /** Quiet time before applying a burst of events (default 15 ms). */
  debounceMs?: number;
  /** First retry delay after a failed transaction (default 500 ms). */
  retryMs?: number;
  /** podStarting's bound (default 10 s). */
  podStartTimeoutMs?: number;
  run?: RunCommand;
  logger: Logger;
}

export interface NetworkPolicyStats {
  /** Transactions applied (full builds included). */
  applies: number;
  failures: number;
  /** Duration of the last successful compile + nft transaction, ms. */
  lastApplyMs: number;
  /** Objects installed: sets, chains, map elements. */
  sets: number;
  chains: number;
  isolatedPods: number;
}

export interface RunningNetworkPolicy {
  /** Applies the current state now (pending debounce skipped); resolves once installed. */
  syncNow(): Promise<void>;
  /**
   * A local pod's addresses before its containers start: the kubelet calls this between
   * RunPodSandbox and the first container, because upstream requires that newly created pods
   * affected by a policy are isolated before they start (init containers included) — not once
   * their status has reached the API and come back through the informer. The pod is judged with
   * these addresses at once. Resolves when rules including it are installed (at once when no
   * policy isolates it — its address in others' peer sets follows within the debounce —, when the
   * cached pod already has the address, for a hostNetwork pod, or without an IPv4 address);
   * rejects with NetworkPolicyError when the transaction fails or takes longer than
   * `podStartTimeoutMs`: the caller should not start the containers then, and retry later.
   */
  podStarting(pod: KubeObject, ips: readonly string[]): Promise<void>;
  stats(): NetworkPolicyStats;
  stop(): void;
}

export class NetworkPolicyError extends Error {
  override readonly name = 'NetworkPolicyError';
  readonly reason = 'CommandFailed' as const;
  constructor(message: string, readonly stderr: string) {
    super(message);
  }
}

/** Table and bridge names go into nft scripts as identifiers: refuse anything else. */
function checkNames(table: string, bridge: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,62}$/.test(table)) throw new TypeError(`invalid nftables table name ${JSON.stringify(table)}`);
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(bridge)) throw new TypeError(`invalid bridge name ${JSON.stringify(bridge)} (a letter, then letters, digits, _ . -; at most 15)`);
}

async function nft(run: RunCommand, script: string): Promise<void> {
  const r = await run('nft', ['-f', '-'], { input: script, timeoutMs: 30_000 });
  if (r.code !== 0) throw new NetworkPolicyError(`nft -f failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(0, 6).join(' | ')}`, r.stderr);
}

async function listTable(run: RunCommand, table: string): Promise<Record<string, unknown>[] | undefined> {
  const r = await run('nft', ['-j', 'list', 'table', 'inet', table], { timeoutMs: 30_000 });
  if (r.code !== 0) {
    if (/No such file or directory|does not exist/i.test(r.stderr)) return undefined;
    throw new NetworkPolicyError(`nft list table inet ${table} failed (exit ${r.code}): ${r.stderr.trim()}`, r.stderr);
  }
  const doc = JSON.parse(r.stdout || '{}') as { nftables?: Record<string, unknown>[] };
  return (doc.nftables ?? []).filter((o) => !('metainfo' in o));
}

/** Starts enforcement (see the module comment). */
export async function startNetworkPolicy(opts: NetworkPolicyOptions): Promise<RunningNetworkPolicy> {
  const log = opts.logger;
  const run = opts.run ?? runCommand;
  const table = opts.table ?? NETPOL_TABLE;
  const tag = opts.bridge;
  checkNames(table, tag);
  const debounceMs = opts.debounceMs ?? 15;
  const retryBase = opts.retryMs ?? 500;
  const owned: Informer<KubeObject>[] = [];
  const inf = (given: Informer<KubeObject> | undefined, gvr: GVR) => {
    if (given) return given;
    const i = createInformer<KubeObject>(opts.client, gvr, { logger: log });
    owned.push(i);
    return i;
  };
  const pods = inf(opts.informers?.pods, R.pods);
  const namespaces = inf(opts.informers?.namespaces, R.namespaces);
  const policies = inf(opts.informers?.networkPolicies, NETWORK_POLICIES);

  let installed: Ruleset | undefined;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let retryDelay = retryBase;
  /** Pods announced by podStarting, until the informer's copy has their address (or 10 min). */
  const starting = new Map<string, StartingPod & { expires: number }>();
  const uidOf = (o: KubeObject) => o.metadata.uid ?? `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
  const stats: NetworkPolicyStats = { applies: 0, failures: 0, lastApplyMs: 0, sets: 0, chains: 0, isolatedPods: 0 };

  const applyOnce = async (): Promise<void> => {
    const t0 = performance.now();
    const now = Date.now();
    for (const [uid, sp] of starting) if (sp.expires < now) starting.delete(uid);
    const merged = withStartingPods(
      pods.list().map((o) => ({ uid: uidOf(o), pod: netpolPod(o) })),
      [...starting.values()],
    );
    for (const uid of merged.settled) starting.delete(uid);
    const next = compileNetpol({
      policies: policies.list() as NetpolPolicy[],
      pods: merged.pods,
      namespaces: namespaces.list().map(netpolNamespace),
      nodeName: opts.nodeName,
      tag,
    });
    let script: string;
    if (installed) script = diffScript(table, installed, next);
    else script = fullScript(table, ownedObjects((await listTable(run, table)) ?? [], tag), next);
    if (script) {
      try {
        await nft(run, script);
      } catch (e) {
        installed = undefined;
        throw e;
      }
      stats.applies++;
      log.v(4).info('network policy rules applied', { lines: script.split('\n').length - 2, ms: Math.round(performance.now() - t0) });
    }
    installed = next;
    stats.lastApplyMs = performance.now() - t0;
    stats.sets = next.sets.size;
    stats.chains = next.chains.size;
    stats.isolatedPods = new Set([...next.maps.values()].flatMap((m) => [...m.elements.keys()])).size;
  };

  /** Runs applies one at a time; a request arriving during one runs once more after it. */
  const sync = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await applyOnce();
        } while (again && !stopped);
        retryDelay = retryBase;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const failed = (e: unknown) => {
    stats.failures++;
    log.error('network policy rules not applied; retrying', { err: (e as Error).message, retryMs: retryDelay });
    schedule(retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30_000);
  };
  const schedule = (delay = debounceMs): void => {
    if (stopped || !synced) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      sync().catch(failed);
    }, delay);
  };

  let synced = false;
  const onEvent = { add: () => schedule(), update: () => schedule(), delete: () => schedule() };
  const podHandlers = {
    add: () => schedule(),
    // Pod status heartbeats (conditions, container states) change nothing we read: skip them.
    update: (o: KubeObject, n: KubeObject) => {
      if (JSON.stringify(netpolPod(o)) !== JSON.stringify(netpolPod(n))) schedule();
    },
    delete: (o: KubeObject) => {
      starting.delete(uidOf(o));
      schedule();
    },
  };
  pods.addHandlers(podHandlers);
  namespaces.addHandlers(onEvent);
  policies.addHandlers(onEvent);

  const stopAll = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    for (const i of owned) i.stop();
  };
  try {
    await Promise.all(owned.map((i) => i.start()));
    // Shared informers are started by their owner: an empty first build would lift the isolation
    // an earlier run left in place, so wait (bounded) until they have synced too.
    const shared = [pods, namespaces, policies].filter((i) => !owned.includes(i));
    const deadline = Date.now() + (opts.syncTimeoutMs ?? 60_000);
    while (!stopped && shared.some((i) => !i.hasSynced())) {
      if (Date.now() > deadline) {
        log.warn('shared informers not synced; building from what they hold', { waitedMs: opts.syncTimeoutMs ?? 60_000 });
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    synced = true;
    await sync();
    log.info('network policy enforcement started', { table: `inet ${table}`, bridge: tag, isolatedPods: stats.isolatedPods });
  } catch (e) {
    stopAll();
    throw e;
  }
  return {
    syncNow: async () => {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      await sync();
    },
    podStarting: async (pod, ips) => {
      const ip = ips.find((a) => ipv4ToInt(a) !== undefined);
      const view = netpolPod(pod);
      if (!ip || view.hostNetwork) return;
      const uid = uidOf(pod);
      const cached = pods.get(pod.metadata.namespace ?? '', pod.metadata.name ?? '');
      // Already known with this address and nothing pending: its rules are installed.
      if (cached && uidOf(cached) === uid && netpolPod(cached).ip === ip && !starting.has(uid) && !timer && !running) return;
      if (stopped) throw new NetworkPolicyError('network policy enforcement is stopped', '');
      starting.set(uid, { uid, pod: { ...view, ip }, expires: Date.now() + 600_000 });
      // Not isolated by any policy: nothing to wait for (its address as a peer of others' rules
      // may follow, as upstream allows for allow rules).
      const iso = isolationOf(policies.list() as NetpolPolicy[], view);
      if (!iso.ingress && !iso.egress) {
        schedule();
        return;
      }
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      const bound = opts.podStartTimeoutMs ?? 10_000;
      let t: ReturnType<typeof setTimeout> | undefined;
      const initiated = !running;
      const applied = sync().catch((e: unknown) => {
        if (initiated) failed(e); // else the run's own starter retries
        throw e;
      });
      try {
        await Promise.race([
          applied,
          new Promise<never>((_, reject) => {
            t = setTimeout(() => reject(new NetworkPolicyError(`rules for pod ${view.namespace}/${view.name} not installed within ${bound} ms`, '')), bound);
          }),
        ]);
      } finally {
        if (t) clearTimeout(t);
        applied.catch(() => undefined);
      }
    },
    stats: () => ({ ...stats }),
    stop: stopAll,
  };
}

/**
 * Deletes this agent's NetworkPolicy objects (`bridge` names them) and the table once nothing of
 * any agent is left in it. Idempotent: a missing table is fine. Throws NetworkPolicyError when nft
 * fails.
 */
export async function removeNetworkPolicy(opts: { bridge: string; table?: string; run?: RunCommand }): Promise<void> {
  const run = opts.run ?? runCommand;
  const table = opts.table ?? NETPOL_TABLE;
  checkNames(table, opts.bridge);
  const listing = await listTable(run, table);
  if (!listing) return;
  const script = removalScript(table, ownedObjects(listing, opts.bridge));
  if (script) await nft(run, script);
  const after = await listTable(run, table);
  if (after && tableEmpty(after)) await nft(run, `delete table inet ${table}\n`);
}
