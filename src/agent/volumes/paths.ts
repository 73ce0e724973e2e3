/**
 * Where a pod's volumes live on the host, as kubelet lays them out:
 * `<podsDir>/<pod uid>/volumes/<escaped plugin name>/<volume name>`, the plugin name with its '/'
 * escaped as '~' (`kubernetes.io~empty-dir`). hostPath volumes have no directory of their own: the
 * host path itself is mounted. Pure.
 */
import type { V1Volume } from '../../api/core/v1/index.js';

export const PLUGIN_EMPTY_DIR = 'kubernetes.io/empty-dir';
export const PLUGIN_CONFIGMAP = 'kubernetes.io/configmap';
export const PLUGIN_SECRET = 'kubernetes.io/secret';
export const PLUGIN_PROJECTED = 'kubernetes.io/projected';
export const PLUGIN_DOWNWARD_API = 'kubernetes.io/downward-api';
export const PLUGIN_HOST_PATH = 'kubernetes.io/host-path';

export type VolumeKind = 'emptyDir' | 'configMap' | 'secret' | 'projected' | 'downwardAPI' | 'hostPath';

const PLUGINS: Record<VolumeKind, string> = {
  emptyDir: PLUGIN_EMPTY_DIR,
  configMap: PLUGIN_CONFIGMAP,
  secret: PLUGIN_SECRET,
  projected: PLUGIN_PROJECTED,
  downwardAPI: PLUGIN_DOWNWARD_API,
  hostPath: PLUGIN_HOST_PATH,
};

/** The volume source the agent supports, or undefined for any other (PVC, CSI, nfs, ...). */
export function volumeKind(v: V1Volume): VolumeKind | undefined {
  for (const k of ['emptyDir', 'configMap', 'secret', 'projected', 'downwardAPI', 'hostPath'] as const) if (v[k] != null) return k;
  return undefined;
}

export function pluginName(kind: VolumeKind): string {
  return PLUGINS[kind];
}

/** `kubernetes.io/empty-dir` → `kubernetes.io~empty-dir` (kubelet's EscapeQualifiedName). */
export function escapePluginName(name: string): string {
  return name.replace(/\//g, '~');
}

const trim = (p: string): string => p.replace(/\/+$/, '');

export function podDir(podsDir: string, uid: string): string {
  return `${trim(podsDir)}/${uid}`;
}

export function podVolumesDir(podsDir: string, uid: string): string {
  return `${podDir(podsDir, uid)}/volumes`;
}

/** The directory of one volume (not meaningful for hostPath). */
export function volumeDir(podsDir: string, uid: string, kind: VolumeKind, volumeName: string): string {
  return `${podVolumesDir(podsDir, uid)}/${escapePluginName(pluginName(kind))}/${volumeName}`;
}

/** The managed /etc/hosts of a pod: `<podDir>/etc-hosts` (kubelet's name). */
export function etcHostsPath(podsDir: string, uid: string): string {
  return `${podDir(podsDir, uid)}/etc-hosts`;
}

/** A pod uid or volume name safe as one path element (no '/', not '.', '..' or empty). */
export function isSafePathElement(s: string): boolean {
  return s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0');
}
