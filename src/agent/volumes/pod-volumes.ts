/**
 * The agent's pod volumes (the PodVolumes the pod workers use): the volume manager with its
 * sources backed by the agent's API client, each container's CRI mounts, and a periodic refresh
 * that keeps configMap, secret, downwardAPI and projected volumes current and rotates projected
 * service-account tokens, as kubelet's volume manager and its periodic pod resync do.
 *
 * Sources: ConfigMaps and Secrets are read with GET (a found object is reused for `cacheTtlMs`,
 * so the many pods of a namespace that mount kube-root-ca.crt share one read; a missing one is
 * never cached, so a pod waiting for its ConfigMap starts as soon as it exists). Tokens come from
 * POST serviceaccounts/{name}/token bound to the pod (TokenRequest), requested again at 80 % of
 * their lifetime (token-rotation.ts).
 *
 * Contract: setup() is idempotent and may be called on every sync (already set up volumes are
 * re-rendered, unchanged content writes nothing); the last pod it saw is what the refresh loop
 * renders until teardown(). A refresh failure keeps the previous content (logged). stop() ends the
 * loop (also unref'd, so it never keeps the process alive) and waits for a round in flight; it unmounts nothing: running pods keep
 * their volumes across an agent restart and the next setup() adopts them.
 */
import { openSync, closeSync, chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { V1Container, V1Pod } from '../../api/core/v1/index.js';
import { R, type Client } from '../../client/types.js';
import { isApiError } from '../../lib/errors.js';
import { discardLogger, type Logger } from '../../lib/log.js';
import type { KeyValue, Mount } from '../runtime/cri-types.js';
import type { PodVolumes } from '../kubelet/pod-sync.js';
import { downwardFieldValue, downwardResourceValue } from '../pods/env.js';
import { safeMakeSubPathSync } from './container-files.js';
import { createVolumeManager, type Mounter, type VolumeManager, type VolumeSources } from './manager.js';
import { containerMounts, etcHostsContent } from './mounts.js';
import { etcHostsPath, volumeKind } from './paths.js';
import type { ConfigMapData, SecretData } from './payload.js';

/** Default period of the refresh loop (kubelet: its ~60 s pod resync; issue 4 asks for faster). */
export const DEFAULT_REFRESH_INTERVAL_MS = 10_000;
/** Default reuse of a ConfigMap or Secret read. */
export const DEFAULT_CACHE_TTL_MS = 5_000;

export interface PodVolumesOptions {
  /** The agent's client (its node identity). */
  client: Client;
  /** Kubelet's pods dir, e.g. `<data-dir>/pods`. */
  podsDir: string;
  logger?: Logger;
  /** Refresh period of configMap/secret/downwardAPI/projected volumes (default 10 s). */
  refreshIntervalMs?: number;
  /** How long a read ConfigMap or Secret is reused (default 5 s; 0 reads every time). */
  cacheTtlMs?: number;
  /** For the FQDN line of /etc/hosts (default cluster.local). */
  clusterDomain?: string;
  /** Node allocatable: the default of limits.* in downward API resourceFieldRefs. */
  nodeAllocatable?: Record<string, string>;
  /** The node's hosts file, copied into hostNetwork pods' /etc/hosts (default /etc/hosts). */
  nodeHostsFile?: string;
  /** Tests: clock, tmpfs mounter, token jitter. */
  clock?: () => Date;
  mounter?: Mounter;
  jitter?: () => number;
}

/** What a container start knows; with it, mounts() adds /etc/hosts and the termination-message file. */
export interface ContainerMountContext {
  /** The container's restart count (names its termination-message file). */
  attempt: number;
  /** The sandbox's IPs (the node's for hostNetwork); none: no managed /etc/hosts. */
  podIPs: readonly string[];
  /** The container's resolved environment, for subPathExpr. */
  env: readonly KeyValue[];
}

/** The mounts of one container of a set-up pod. */
export interface PodMounts {
  /**
   * The container's CRI mounts: its volumeMounts (subPath directories created inside their
   * volume), and with `ctx` the pod's managed /etc/hosts and the termination-message file.
   * Throws Error with kubelet's message when a mount cannot be made (unknown volume, a subPath
   * escaping its volume, an unset subPathExpr variable): the container must not start.
   */
  mounts(container: V1Container, ctx?: ContainerMountContext): Mount[];
}

export interface AgentPodVolumes extends PodVolumes {
  setup(pod: V1Pod): Promise<PodMounts | { error: string }>;
  /** Re-renders every tracked pod's volumes now (what the loop does each period). */
  refreshAll(): Promise<void>;
  /** Ends the refresh loop and waits for a round in flight. Idempotent. */
  stop(): Promise<void>;
  /** The volume manager underneath (tests, diagnostics). */
  readonly manager: VolumeManager;
}

const PROJECTING = new Set(['configMap', 'secret', 'downwardAPI', 'projected']);

const errMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** An API read cache: found objects for `ttlMs`, concurrent reads of one key coalesced. */
function readCache<T>(ttlMs: number, now: () => number, read: (ns: string, name: string) => Promise<T | undefined>) {
  const found = new Map<string, { at: number; value: T }>();
  const inflight = new Map<string, Promise<T | undefined>>();
  return (ns: string, name: string): Promise<T | undefined> => {
    const key = `${ns}/${name}`;
    const hit = found.get(key);
    if (hit && now() - hit.at < ttlMs) return Promise.resolve(hit.value);
    const running = inflight.get(key);
    if (running) return running;
    const p = read(ns, name)
      .then((value) => {
        if (value === undefined) found.delete(key);
        else if (ttlMs > 0) found.set(key, { at: now(), value });
        return value;
      })
      .finally(() => inflight.delete(key));
    inflight.set(key, p);
    return p;
  };
}

/** The volume sources over the API (see the module comment). */
export function apiVolumeSources(client: Client, opts: { cacheTtlMs?: number; nodeAllocatable?: Record<string, string>; now?: () => number } = {}): VolumeSources {
  const now = opts.now ?? Date.now;
  const ttl = opts.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  const getOrUndefined = async <T>(gvr: typeof R.configmaps | typeof R.secrets, ns: string, name: string): Promise<T | undefined> => {
    try {
      return (await client.get(gvr, ns, name)) as unknown as T;
    } catch (e) {
      if (isApiError(e) && e.reason === 'NotFound') return undefined;
      throw e;
    }
  };
  const configMaps = readCache<ConfigMapData>(ttl, now, (ns, name) => getOrUndefined<ConfigMapData>(R.configmaps, ns, name));
  const secrets = readCache<SecretData>(ttl, now, (ns, name) => getOrUndefined<SecretData>(R.secrets, ns, name));
  return {
    getConfigMap: configMaps,
    getSecret: secrets,
    async requestToken(namespace, serviceAccount, req) {
      const body = {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          ...(req.audiences.length ? { audiences: req.audiences } : {}),
          expirationSeconds: req.expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: req.boundPod.name, uid: req.boundPod.uid },
        },
      };
      let answer: unknown;
      try {
        answer = await client.post(R.serviceaccounts, namespace, serviceAccount, 'token', body);
      } catch (e) {
        // kubelet's token manager: `failed to fetch token: <the API's message>`.
        throw new Error(`failed to fetch token: ${errMessage(e)}`, { cause: e });
      }
      const status = (answer as { status?: { token?: unknown; expirationTimestamp?: unknown } } | undefined)?.status;
      if (typeof status?.token !== 'string' || typeof status.expirationTimestamp !== 'string') {
        throw new Error('failed to fetch token: the TokenRequest answer has no status.token');
      }
      return { token: status.token, expirationTimestamp: status.expirationTimestamp };
    },
    podFieldValue(pod, ref) {
      const ips = (pod.status?.podIPs ?? []).map((p) => p.ip ?? '').filter(Boolean);
      const hostIPs = (pod.status?.hostIPs ?? []).map((p) => p.ip ?? '').filter(Boolean);
      return downwardFieldValue(ref, pod, {
        podIP: pod.status?.podIP ?? '',
        podIPs: ips,
        hostIP: pod.status?.hostIP ?? '',
        ...(hostIPs.length ? { hostIPs } : {}),
      });
    },
    podResourceValue(pod, ref) {
      const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === ref.containerName);
      return downwardResourceValue(ref, pod, container, opts.nodeAllocatable);
    },
  };
}

function hasProjecting(pod: V1Pod): boolean {
  return (pod.spec?.volumes ?? []).some((v) => PROJECTING.has(volumeKind(v) ?? ''));
}

const existsSync = (p: string): boolean => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

export function createPodVolumes(opts: PodVolumesOptions): AgentPodVolumes {
  const log = (opts.logger ?? discardLogger).child('volumes');
  const clock = opts.clock ?? (() => new Date());
  const clusterDomain = opts.clusterDomain ?? 'cluster.local';
  const manager = createVolumeManager({
    podsDir: opts.podsDir,
    sources: apiVolumeSources(opts.client, {
      ...(opts.cacheTtlMs !== undefined ? { cacheTtlMs: opts.cacheTtlMs } : {}),
      ...(opts.nodeAllocatable ? { nodeAllocatable: opts.nodeAllocatable } : {}),
      now: () => clock().getTime(),
    }),
    clock,
    logger: log,
    ...(opts.mounter ? { mounter: opts.mounter } : {}),
    ...(opts.jitter ? { jitter: opts.jitter } : {}),
  });
  /** The latest pod object per uid, from setup() until teardown(). */
  const pods = new Map<string, V1Pod>();
  let round: Promise<void> | undefined;
  let stopped = false;

  const refreshAll = (): Promise<void> =>
    (round ??= (async () => {
      for (const [uid, pod] of [...pods]) {
        if (!hasProjecting(pod)) continue;
        try {
          const r = await manager.refreshPodVolumes(pod);
          // A pod torn down meanwhile is not ours any more.
          if (pods.get(uid) === undefined) continue;
          const ref = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
          if (r.updated.length) log.v(2).info('volumes updated', { pod: ref, volumes: r.updated.join(',') });
          for (const e of r.errors) log.warn('volume refresh failed', { pod: ref, volume: e.name, err: e.message });
        } catch (e) {
          log.warn('volume refresh failed', { pod: `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`, err: errMessage(e) });
        }
      }
    })().finally(() => (round = undefined)));

  const timer = setInterval(() => {
    if (!stopped) void refreshAll();
  }, opts.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS);
  timer.unref();

  const mountsOf = (pod: V1Pod, volumePaths: ReadonlyMap<string, string>) => (container: V1Container, ctx?: ContainerMountContext): Mount[] => {
    const uid = pod.metadata.uid ?? '';
    const plan = containerMounts(pod, container, {
      podsDir: opts.podsDir,
      volumePaths,
      attempt: ctx?.attempt ?? 0,
      podIPs: ctx?.podIPs ?? [],
      env: ctx?.env ?? [],
      clusterDomain,
    });
    if ('error' in plan) throw new Error(plan.error);
    for (const sp of plan.subPaths) {
      let err: string | undefined;
      try {
        err = safeMakeSubPathSync(sp);
      } catch {
        err = `failed to create subPath directory for volumeMount "${sp.volumeName}" of container "${container.name ?? ''}"`;
      }
      if (err) throw new Error(err);
    }
    let mounts = plan.mounts;
    if (plan.etcHosts) {
      const path = etcHostsPath(opts.podsDir, uid);
      if (!existsSync(path)) {
        let nodeHosts = '';
        if (pod.spec?.hostNetwork) {
          try {
            nodeHosts = readFileSync(opts.nodeHostsFile ?? '/etc/hosts', 'utf8');
          } catch {
            nodeHosts = '';
          }
        }
        const c = etcHostsContent(pod, ctx?.podIPs ?? [], clusterDomain, nodeHosts);
        if ('error' in c) throw new Error(c.error);
        mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
        writeFileSync(path, c.content, { mode: 0o644 });
      }
    }
    if (plan.terminationMessageFile) {
      if (ctx) {
        mkdirSync(dirname(plan.terminationMessageFile), { recursive: true, mode: 0o750 });
        closeSync(openSync(plan.terminationMessageFile, 'a', 0o666));
        chmodSync(plan.terminationMessageFile, 0o666);
      } else {
        // Without the attempt the file cannot be named: no termination-message mount.
        const file = plan.terminationMessageFile;
        mounts = mounts.filter((m) => m.hostPath !== file);
      }
    }
    return mounts;
  };

  return {
    manager,
    async setup(pod) {
      const uid = pod.metadata.uid ?? '';
      pods.set(uid, pod);
      const r = await manager.setupPodVolumes(pod);
      if ('error' in r) return { error: r.error.message };
      return { mounts: mountsOf(pod, r.paths) };
    },
    async teardown(podUid) {
      pods.delete(podUid);
      await manager.teardownPodVolumes(podUid);
    },
    refreshAll,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await round;
    },
  };
}
