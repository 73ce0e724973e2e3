/**
 * The volume manager of the node agent: sets up a pod's volumes under
 * `<podsDir>/<uid>/volumes/<plugin>/<name>` before its containers start, keeps configMap, secret,
 * downwardAPI and projected volumes current (refreshPodVolumes, including the rotation of
 * projected service-account tokens), and removes everything when the pod is gone.
 *
 * Contract: every method is idempotent and safe to call again after a failure; calls for one pod
 * are serialised (calls for different pods run concurrently). Secrets and projected volumes live
 * on their own tmpfs (never on disk), as kubelet's. Errors of setup are values carrying
 * kubelet's event text (`MountVolume.SetUp failed for volume "cfg" : configmap "x" not found`);
 * teardown throws only when something it mounted cannot be unmounted (nothing is deleted then).
 */
import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { V1ObjectFieldSelector, V1Pod, V1ResourceFieldSelector, V1Volume } from '../../api/core/v1/index.js';
import type { Logger } from '../../lib/log.js';
import { parseQuantity } from '../../lib/quantity/index.js';
import { DATA_DIR_NAME } from './atomic-plan.js';
import { writeAtomic } from './atomic-writer.js';
import { checkHostPathType } from './host-path.js';
import { mountsUnder, parseMountPoints } from './mountinfo.js';
import { isSafePathElement, podDir, volumeDir, volumeKind, type VolumeKind } from './paths.js';
import {
  DEFAULT_MODE,
  aggregate,
  configMapPayload,
  downwardAPIPayload,
  mergePayload,
  secretPayload,
  type ConfigMapData,
  type Payload,
  type PayloadResult,
  type SecretData,
} from './payload.js';
import { MAX_TOKEN_JITTER_MS, tokenCacheKey, tokenNeedsRefresh, type IssuedToken } from './token-rotation.js';

const run = promisify(execFile);

/** Where volume contents come from; the agent wires these to its API client (tests use fakes). */
export interface VolumeSources {
  /** The ConfigMap, or undefined when it does not exist; throws on other failures. */
  getConfigMap(namespace: string, name: string): Promise<ConfigMapData | undefined>;
  /** The Secret (data base64 as served), or undefined when it does not exist; throws on other failures. */
  getSecret(namespace: string, name: string): Promise<SecretData | undefined>;
  /**
   * POST serviceaccounts/{sa}/token bound to the pod (TokenRequest). `audiences` empty means the
   * API server's own. Throws on failure (its message becomes the mount error).
   */
  requestToken(
    namespace: string,
    serviceAccount: string,
    req: { audiences: string[]; expirationSeconds: number; boundPod: { name: string; uid: string } },
  ): Promise<{ token: string; expirationTimestamp: string }>;
  /** A downward API fieldRef (pods/env.ts downwardFieldValue fits). metadata.labels/annotations are handled here. */
  podFieldValue(pod: V1Pod, ref: V1ObjectFieldSelector): { value: string } | { error: string };
  /** A downward API resourceFieldRef (pods/env.ts downwardResourceValue on the named container fits). */
  podResourceValue(pod: V1Pod, ref: V1ResourceFieldSelector): { value: string } | { error: string };
}

/** tmpfs mounting, apart so tests without root could replace it (the default runs mount(8)/umount(8)). */
export interface Mounter {
  mountTmpfs(dir: string, sizeBytes?: bigint): Promise<void>;
  unmount(dir: string): Promise<void>;
  /** Current mount points of this mount namespace. */
  mountPoints(): Promise<string[]>;
}

export const systemMounter: Mounter = {
  async mountTmpfs(dir, sizeBytes) {
    const args = ['-t', 'tmpfs'];
    if (sizeBytes !== undefined && sizeBytes > 0n) args.push('-o', `size=${sizeBytes}`);
    await run('mount', [...args, 'tmpfs', dir]);
  },
  async unmount(dir) {
    await run('umount', [dir]);
  },
  async mountPoints() {
    return parseMountPoints(await readFile('/proc/self/mountinfo', 'utf8'));
  },
};

export interface VolumeManagerOptions {
  /** Kubelet's pods dir, e.g. `<data-dir>/agent/pods`. */
  podsDir: string;
  sources: VolumeSources;
  clock?: () => Date;
  mounter?: Mounter;
  logger?: Logger;
  /** Token refresh jitter in ms (default random in [0, 10 s)). */
  jitter?: () => number;
}

export interface FailedMount {
  reason: 'FailedMount';
  /** The first failing volume's message (kubelet's event text). */
  message: string;
  /** Every failing volume. */
  volumes: { name: string; message: string }[];
}

export type SetupResult = { paths: Map<string, string> } | { error: FailedMount };

export interface RefreshResult {
  /** Volumes whose content changed (a new `..data` version). */
  updated: string[];
  /** Volumes that could not be refreshed (their previous content stays). */
  errors: { name: string; message: string }[];
}

export interface VolumeManager {
  /** Sets up every volume of `pod` (already set up ones are only refreshed); the host path of each. */
  setupPodVolumes(pod: V1Pod): Promise<SetupResult>;
  /**
   * Re-renders the configMap, secret, downwardAPI and projected volumes already set up (call on
   * ConfigMap/Secret watch events and on every resync). Unchanged content writes nothing; tokens
   * are requested again only when due. subPath mounts of these volumes do not see updates.
   */
  refreshPodVolumes(pod: V1Pod): Promise<RefreshResult>;
  /** Unmounts and removes `<podsDir>/<uid>` entirely (symlinks are removed, never followed). */
  teardownPodVolumes(uid: string): Promise<void>;
}

const PROJECTING: ReadonlySet<VolumeKind> = new Set(['configMap', 'secret', 'downwardAPI', 'projected']);
const ON_TMPFS: ReadonlySet<VolumeKind> = new Set(['secret', 'projected']);

const errMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const exists = async (p: string): Promise<boolean> => {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
};

export function createVolumeManager(opts: VolumeManagerOptions): VolumeManager {
  const clock = opts.clock ?? (() => new Date());
  const mounter = opts.mounter ?? systemMounter;
  const jitter = opts.jitter ?? (() => Math.floor(Math.random() * MAX_TOKEN_JITTER_MS));
  const { sources } = opts;
  /** Issued tokens per pod uid, then per request key. */
  const tokens = new Map<string, Map<string, IssuedToken>>();
  const locks = new Map<string, Promise<unknown>>();

  const serial = <T>(uid: string, f: () => Promise<T>): Promise<T> => {
    const prev = locks.get(uid) ?? Promise.resolve();
    const next = prev.then(f, f);
    const tail = next.catch(() => undefined);
    locks.set(uid, tail);
    void tail.then(() => {
      if (locks.get(uid) === tail) locks.delete(uid);
    });
    return next;
  };

  const fetchOr = async <T>(f: () => Promise<T>): Promise<{ value: T } | { error: string }> => {
    try {
      return { value: await f() };
    } catch (e) {
      return { error: errMessage(e) };
    }
  };

  const token = async (pod: V1Pod, audiences: string[], expirationSeconds: number): Promise<{ token: string } | { error: string }> => {
    const uid = pod.metadata.uid ?? '';
    const ns = pod.metadata.namespace ?? '';
    const sa = pod.spec?.serviceAccountName || 'default';
    const key = tokenCacheKey({ namespace: ns, serviceAccount: sa, audiences, expirationSeconds, podUid: uid });
    let perPod = tokens.get(uid);
    const cached = perPod?.get(key);
    if (cached && !tokenNeedsRefresh(cached, clock(), jitter())) return { token: cached.token };
    try {
      const r = await sources.requestToken(ns, sa, { audiences, expirationSeconds, boundPod: { name: pod.metadata.name ?? '', uid } });
      if (!perPod) tokens.set(uid, (perPod = new Map()));
      perPod.set(key, { token: r.token, expirationTimestamp: new Date(r.expirationTimestamp), expirationSeconds });
      return { token: r.token };
    } catch (e) {
      // A still-valid token keeps being served while a refresh fails (upstream does the same).
      if (cached && clock().getTime() < cached.expirationTimestamp.getTime()) {
        opts.logger?.warn('token refresh failed; keeping the current token', { pod: `${ns}/${pod.metadata.name ?? ''}`, err: errMessage(e) });
        return { token: cached.token };
      }
      return { error: errMessage(e) };
    }
  };

  const resolver = (pod: V1Pod) => ({
    field: (ref: V1ObjectFieldSelector) => sources.podFieldValue(pod, ref),
    resource: (ref: V1ResourceFieldSelector) => sources.podResourceValue(pod, ref),
  });

  /** The content a projecting volume should have now. */
  const payloadOf = async (pod: V1Pod, v: V1Volume, kind: VolumeKind): Promise<PayloadResult> => {
    const ns = pod.metadata.namespace ?? '';
    const meta = { labels: pod.metadata.labels, annotations: pod.metadata.annotations };
    if (kind === 'configMap') {
      const src = v.configMap!;
      const cm = await fetchOr(() => sources.getConfigMap(ns, src.name ?? ''));
      if ('error' in cm) return cm;
      return configMapPayload(cm.value, src, src.defaultMode ?? DEFAULT_MODE);
    }
    if (kind === 'secret') {
      const src = v.secret!;
      const s = await fetchOr(() => sources.getSecret(ns, src.secretName ?? ''));
      if ('error' in s) return s;
      return secretPayload(s.value, { name: src.secretName, items: src.items, optional: src.optional }, src.defaultMode ?? DEFAULT_MODE);
    }
    if (kind === 'downwardAPI') {
      const src = v.downwardAPI!;
      return downwardAPIPayload(src.items ?? [], src.defaultMode ?? DEFAULT_MODE, meta, resolver(pod));
    }
    // projected
    const src = v.projected!;
    const mode = src.defaultMode ?? DEFAULT_MODE;
    const payload: Payload = new Map();
    const errors: string[] = [];
    for (const p of src.sources ?? []) {
      let r: PayloadResult | undefined;
      if (p.configMap) {
        const cmSrc = p.configMap;
        const cm = await fetchOr(() => sources.getConfigMap(ns, cmSrc.name ?? ''));
        r = 'error' in cm ? cm : configMapPayload(cm.value, cmSrc, mode);
      } else if (p.secret) {
        const sSrc = p.secret;
        const s = await fetchOr(() => sources.getSecret(ns, sSrc.name ?? ''));
        r = 'error' in s ? s : secretPayload(s.value, sSrc, mode);
      } else if (p.downwardAPI) {
        r = downwardAPIPayload(p.downwardAPI.items ?? [], mode, meta, resolver(pod));
      } else if (p.serviceAccountToken) {
        const t = p.serviceAccountToken;
        const tr = await token(pod, t.audience ? [t.audience] : [], t.expirationSeconds ?? 3600);
        r = 'error' in tr ? tr : { payload: new Map([[t.path ?? '', { data: new TextEncoder().encode(tr.token), mode }]]) };
      }
      if (!r) continue;
      if ('error' in r) errors.push(r.error);
      else mergePayload(payload, r.payload);
    }
    if (errors.length) return { error: aggregate(errors) };
    return { payload };
  };

  /** The volume's dir exists (and is its own tmpfs when it must be). */
  const prepareDir = async (dir: string, kind: VolumeKind, v: V1Volume): Promise<string | undefined> => {
    let tmpfs = ON_TMPFS.has(kind);
    let size: bigint | undefined;
    if (kind === 'emptyDir') {
      const medium = v.emptyDir?.medium ?? '';
      if (medium !== '' && medium !== 'Memory') return `unknown storage medium "${medium}"`;
      tmpfs = medium === 'Memory';
      const limit = v.emptyDir?.sizeLimit;
      if (tmpfs && limit !== undefined && limit !== null) {
        try {
          size = parseQuantity(String(limit)).value();
        } catch (e) {
          return errMessage(e);
        }
      }
    }
    await mkdir(dir, { recursive: true, mode: 0o750 });
    if (tmpfs) {
      const mounted = (await mounter.mountPoints()).includes(dir);
      if (!mounted) await mounter.mountTmpfs(dir, size);
    } else if (kind === 'emptyDir' || kind === 'configMap' || kind === 'downwardAPI') {
      // kubelet's disk-backed emptyDir (also the wrapper of configMap and downwardAPI) is 0777.
      await chmod(dir, 0o777);
    }
    return undefined;
  };

  const setupOne = async (pod: V1Pod, v: V1Volume): Promise<{ path: string } | { error: string }> => {
    const uid = pod.metadata.uid ?? '';
    const name = v.name ?? '';
    const kind = volumeKind(v);
    if (!kind) return { error: 'volume type not supported by this node' };
    if (kind === 'hostPath') {
      const path = v.hostPath?.path ?? '';
      const err = await checkHostPathType(path, v.hostPath?.type);
      return err ? { error: err } : { path };
    }
    const dir = volumeDir(opts.podsDir, uid, kind, name);
    if (!PROJECTING.has(kind)) {
      const err = await prepareDir(dir, kind, v);
      return err ? { error: err } : { path: dir };
    }
    // Content first: a missing source mounts nothing (and retries), as upstream.
    const payload = await payloadOf(pod, v, kind);
    if ('error' in payload) return payload;
    const err = await prepareDir(dir, kind, v);
    if (err) return { error: err };
    const w = await writeAtomic(dir, payload.payload, clock());
    if ('error' in w) return w;
    return { path: dir };
  };

  const checkPod = (pod: V1Pod): string | undefined => {
    const uid = pod.metadata.uid ?? '';
    if (!isSafePathElement(uid)) return `invalid pod uid ${JSON.stringify(uid)}`;
    for (const v of pod.spec?.volumes ?? []) if (!isSafePathElement(v.name ?? '')) return `invalid volume name ${JSON.stringify(v.name ?? '')}`;
    return undefined;
  };

  return {
    setupPodVolumes(pod) {
      return serial(pod.metadata.uid ?? '', async (): Promise<SetupResult> => {
        const bad = checkPod(pod);
        if (bad) return { error: { reason: 'FailedMount', message: bad, volumes: [] } };
        const paths = new Map<string, string>();
        const failed: { name: string; message: string }[] = [];
        for (const v of pod.spec?.volumes ?? []) {
          const name = v.name ?? '';
          let r: { path: string } | { error: string };
          try {
            r = await setupOne(pod, v);
          } catch (e) {
            r = { error: errMessage(e) };
          }
          if ('error' in r) failed.push({ name, message: `MountVolume.SetUp failed for volume "${name}" : ${r.error}` });
          else paths.set(name, r.path);
        }
        if (failed.length) return { error: { reason: 'FailedMount', message: failed[0]!.message, volumes: failed } };
        return { paths };
      });
    },

    refreshPodVolumes(pod) {
      return serial(pod.metadata.uid ?? '', async (): Promise<RefreshResult> => {
        const out: RefreshResult = { updated: [], errors: [] };
        if (checkPod(pod)) return out;
        const uid = pod.metadata.uid ?? '';
        for (const v of pod.spec?.volumes ?? []) {
          const kind = volumeKind(v);
          if (!kind || !PROJECTING.has(kind)) continue;
          const name = v.name ?? '';
          const dir = volumeDir(opts.podsDir, uid, kind, name);
          if (!(await exists(`${dir}/${DATA_DIR_NAME}`))) continue; // not set up (yet): setup's job
          try {
            const payload = await payloadOf(pod, v, kind);
            if ('error' in payload) {
              out.errors.push({ name, message: `MountVolume.SetUp failed for volume "${name}" : ${payload.error}` });
              continue;
            }
            const w = await writeAtomic(dir, payload.payload, clock());
            if ('error' in w) out.errors.push({ name, message: `MountVolume.SetUp failed for volume "${name}" : ${w.error}` });
            else if (w.changed) out.updated.push(name);
          } catch (e) {
            out.errors.push({ name, message: `MountVolume.SetUp failed for volume "${name}" : ${errMessage(e)}` });
          }
        }
        return out;
      });
    },

    teardownPodVolumes(uid) {
      return serial(uid, async () => {
        if (!isSafePathElement(uid)) throw new Error(`invalid pod uid ${JSON.stringify(uid)}`);
        tokens.delete(uid);
        const dir = podDir(opts.podsDir, uid);
        for (const m of mountsUnder(await mounter.mountPoints(), dir)) {
          try {
            await mounter.unmount(m);
          } catch (e) {
            opts.logger?.warn('unmount failed', { path: m, err: errMessage(e) });
          }
        }
        const left = mountsUnder(await mounter.mountPoints(), dir);
        if (left.length) throw new Error(`cannot remove pod directory ${dir}: still mounted: ${left.join(', ')}`);
        // rm removes symlinks themselves and never follows them.
        await rm(dir, { recursive: true, force: true });
      });
    },
  };
}
