/**
 * The `ServiceAccount` mutating admission plugin (upstream plugin/pkg/admission/serviceaccount), in
 * part: a pod created without spec.serviceAccountName runs as `default`; with a reader and
 * `requireServiceAccount` (the default when a reader is given), a pod whose service account does
 * not exist is refused (403 `error looking up service account ns/name: serviceaccount "name" not
 * found`, as upstream), which requires the ServiceAccount controller to run. Mirror pods are left
 * alone.
 *
 * With `mountServiceAccountToken`, the API credentials are mounted as upstream does: unless the pod
 * (or else its ServiceAccount, when a reader is given) sets automountServiceAccountToken: false,
 * every init and regular container without a mount at /var/run/secrets/kubernetes.io/serviceaccount
 * gets a read-only mount of a projected `kube-api-access-<5 random>` volume (token of 3607 s,
 * ca.crt from the kube-root-ca.crt ConfigMap, the namespace through the downward API, mode 0644).
 * An existing `kube-api-access-*` volume is reused.
 */
import { forbidden } from '../../../lib/errors.js';
import { R } from '../../../client/types.js';
import type { KubeObject } from '../../../api/types.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import type { AdmissionObjectReader } from './access.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** 1h7s: the lifetime upstream asks for (and the API server may extend, see TokenRequest). */
export const SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS = 3607;

export interface ServiceAccountAdmissionOptions {
  /** When given, the pod's service account is read (and, with requireServiceAccount, must exist). */
  reader?: Pick<AdmissionObjectReader, 'get'>;
  /** Refuse pods whose account does not exist (default: true when a reader is given). */
  requireServiceAccount?: boolean;
  /** Add the kube-api-access projected volume and mounts (default false). */
  mountServiceAccountToken?: boolean;
  /** Random source for volume names (tests). */
  random?: () => number;
}

interface VolumeMountView {
  name?: string;
  mountPath?: string;
  readOnly?: boolean;
}
interface ContainerView {
  volumeMounts?: VolumeMountView[];
}
interface PodSpecView {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name?: string; [k: string]: unknown }[];
  initContainers?: ContainerView[];
  containers?: ContainerView[];
}

/** upstream's TokenVolumeSource(). */
export function tokenVolumeSource(): Record<string, unknown> {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS } },
      { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
/** Absent, or an array (anything else is left for validation to refuse). */
const listOrAbsent = (x: unknown): boolean => x === undefined || x === null || Array.isArray(x);

/**
 * Adds the kube-api-access volume and mounts to `spec` (mutated), as upstream's
 * mountServiceAccountToken. Admission runs before schema validation here (upstream decodes into
 * typed objects first): malformed volume, container or mount lists are left untouched for
 * validation to refuse, never a 500.
 */
export function mountServiceAccountToken(spec: PodSpecView, random: () => number = Math.random): void {
  if (!listOrAbsent(spec.volumes) || !listOrAbsent(spec.containers) || !listOrAbsent(spec.initContainers)) return;
  let volumeName = '';
  let hasVolume = false;
  for (const v of spec.volumes ?? []) {
    if (isObject(v) && typeof v.name === 'string' && v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX)) {
      volumeName = v.name;
      hasVolume = true;
      break;
    }
  }
  if (!volumeName) {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += ALPHANUMS[Math.floor(random() * ALPHANUMS.length) % ALPHANUMS.length];
    volumeName = SERVICE_ACCOUNT_VOLUME_PREFIX + suffix;
  }
  let needsVolume = false;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if (!isObject(c) || !listOrAbsent(c['volumeMounts'])) continue;
    const container = c as ContainerView;
    if ((container.volumeMounts ?? []).some((m) => isObject(m) && m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
    (container.volumeMounts ??= []).push({ name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH });
    needsVolume = true;
  }
  if (!hasVolume && needsVolume) (spec.volumes ??= []).push({ name: volumeName, projected: tokenVolumeSource() });
}

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';
  constructor(private readonly opts: ServiceAccountAdmissionOptions = {}) {}

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'CREATE' || req.subresource !== '' || req.def.group !== '' || req.def.plural !== 'pods' || !req.object) return;
    const pod = req.object;
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
    if (pod['spec'] !== undefined && pod['spec'] !== null && !isObject(pod['spec'])) return; // validation refuses it
    const spec = (pod['spec'] ??= {}) as PodSpecView;
    // The deprecated serviceAccount field still names the account when serviceAccountName is empty.
    if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
    let sa: KubeObject | undefined;
    if (this.opts.reader) {
      sa = await this.opts.reader.get(R.serviceaccounts, req.namespace, spec.serviceAccountName);
      if (!sa && (this.opts.requireServiceAccount ?? true))
        throw forbidden(
          { group: '', resource: 'pods' },
          req.name,
          `error looking up service account ${req.namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`,
        );
    }
    if (!this.opts.mountServiceAccountToken) return;
    const automount = spec.automountServiceAccountToken ?? (sa?.['automountServiceAccountToken'] as boolean | undefined) ?? true;
    if (automount) mountServiceAccountToken(spec, this.opts.random);
  }
}

export function createServiceAccountAdmission(opts: ServiceAccountAdmissionOptions = {}): ServiceAccountAdmission {
  return new ServiceAccountAdmission(opts);
}
