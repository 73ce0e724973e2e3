/**
 * resolveEnv: a container's environment as the kubelet builds it (kubelet_pods.go
 * makeEnvironmentVariables). Pure: ConfigMaps, Secrets, addresses and node allocatable are inputs.
 *
 * Order and precedence: envFrom sources in order (later ones override earlier keys), then `env` in
 * declared order (overriding envFrom; a `value` may reference `$(VAR)` of envFrom, earlier `env`
 * entries and service variables), then the service variables whose names are not taken. The list
 * keeps the position where a name first appeared (upstream's order is a Go map's, i.e. none).
 */
import { isRelaxedEnvVarName } from '../../api/core/v1/index.js';
import type { QuantityValue, ResourceListView, V1Container, V1ObjectFieldSelector, V1Pod, V1ResourceFieldSelector } from '../../api/core/v1/index.js';
import { Quantity, quantityFromJSON } from '../../lib/quantity/index.js';
import type { KeyValue } from '../runtime/cri-types.js';
import { expand, mappingFuncFor } from './expansion.js';

export interface EnvSources {
  /** The ConfigMap's `data`, undefined when it does not exist. */
  configMap(namespace: string, name: string): Record<string, string> | undefined;
  /** The Secret's `data` decoded to strings, undefined when it does not exist. */
  secret(namespace: string, name: string): Record<string, string> | undefined;
  podIP: string;
  podIPs: string[];
  hostIP: string;
  hostIPs?: string[];
  nodeName: string;
  serviceAccountName: string;
  /** Docker-link style service variables (FOO_SERVICE_HOST...), lowest precedence. */
  serviceEnv?: KeyValue[];
  /** Node allocatable, the default of limits.* a container does not set (downward API). */
  nodeAllocatable?: ResourceListView;
}

/** A warning event the worker should record on the pod. */
export interface EnvEvent {
  type: 'Warning';
  reason: 'InvalidEnvironmentVariableNames';
  message: string;
}

export type EnvResult =
  | { env: KeyValue[]; events: EnvEvent[] }
  | { error: { reason: 'CreateContainerConfigError'; message: string } };

class EnvError extends Error {}

/** Builds the container's environment, or the CreateContainerConfigError that prevents it. */
export function resolveEnv(pod: V1Pod, container: V1Container, sources: EnvSources): EnvResult {
  try {
    return resolve(pod, container, sources);
  } catch (e) {
    if (e instanceof EnvError) return { error: { reason: 'CreateContainerConfigError', message: e.message } };
    throw e;
  }
}

function resolve(pod: V1Pod, container: V1Container, src: EnvSources): { env: KeyValue[]; events: EnvEvent[] } {
  const ns = pod.metadata.namespace ?? '';
  const events: EnvEvent[] = [];
  const env = new Map<string, string>();
  const configMaps = new Map<string, Record<string, string>>();
  const secrets = new Map<string, Record<string, string>>();

  const getConfigMap = (name: string, optional: boolean): Record<string, string> | undefined => {
    let cm = configMaps.get(name);
    if (cm) return cm;
    cm = src.configMap(ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw new EnvError(`configmap "${name}" not found`);
    }
    configMaps.set(name, cm);
    return cm;
  };
  const getSecret = (name: string, optional: boolean): Record<string, string> | undefined => {
    let s = secrets.get(name);
    if (s) return s;
    s = src.secret(ns, name);
    if (!s) {
      if (optional) return undefined;
      throw new EnvError(`secret "${name}" not found`);
    }
    secrets.set(name, s);
    return s;
  };

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> | undefined;
    let what: string;
    let name: string;
    if (from.configMapRef) {
      name = from.configMapRef.name ?? '';
      what = 'configMap';
      data = getConfigMap(name, from.configMapRef.optional === true);
    } else if (from.secretRef) {
      name = from.secretRef.name ?? '';
      what = 'secret';
      data = getSecret(name, from.secretRef.optional === true);
    } else continue;
    if (!data) continue;
    const invalid: string[] = [];
    for (const [k0, v] of Object.entries(data)) {
      const k = prefix + k0;
      if (isRelaxedEnvVarName(k).length > 0) {
        invalid.push(k);
        continue;
      }
      env.set(k, v);
    }
    if (invalid.length > 0) {
      invalid.sort();
      events.push({
        type: 'Warning',
        reason: 'InvalidEnvironmentVariableNames',
        message: `Keys [${invalid.join(', ')}] from the EnvFrom ${what} ${ns}/${name} were skipped since they are considered invalid environment variable names.`,
      });
    }
  }

  const serviceEnv = new Map((src.serviceEnv ?? []).map((kv) => [kv.key, kv.value]));
  const mapping = mappingFuncFor(env, serviceEnv);
  for (const ev of container.env ?? []) {
    const name = ev.name ?? '';
    let value = ev.value ?? '';
    if (value !== '') {
      value = expand(value, mapping);
    } else if (ev.valueFrom) {
      const vf = ev.valueFrom;
      if (vf.fieldRef) {
        value = fieldRefValue(vf.fieldRef, pod, src);
      } else if (vf.resourceFieldRef) {
        value = resourceFieldRefValue(vf.resourceFieldRef, pod, container, src.nodeAllocatable);
      } else if (vf.configMapKeyRef) {
        const ref = vf.configMapKeyRef;
        const optional = ref.optional === true;
        const cm = getConfigMap(ref.name ?? '', optional);
        if (!cm) continue;
        const v = Object.hasOwn(cm, ref.key ?? '') ? cm[ref.key ?? ''] : undefined;
        if (v === undefined) {
          if (optional) continue;
          throw new EnvError(`couldn't find key ${ref.key ?? ''} in ConfigMap ${ns}/${ref.name ?? ''}`);
        }
        value = v;
      } else if (vf.secretKeyRef) {
        const ref = vf.secretKeyRef;
        const optional = ref.optional === true;
        const s = getSecret(ref.name ?? '', optional);
        if (!s) continue;
        const v = Object.hasOwn(s, ref.key ?? '') ? s[ref.key ?? ''] : undefined;
        if (v === undefined) {
          if (optional) continue;
          throw new EnvError(`couldn't find key ${ref.key ?? ''} in Secret ${ns}/${ref.name ?? ''}`);
        }
        value = v;
      }
    }
    env.set(name, value);
  }

  const out: KeyValue[] = [...env].map(([key, value]) => ({ key, value }));
  for (const [key, value] of serviceEnv) if (!env.has(key)) out.push({ key, value });
  return { env: out, events };
}

/** The value of a downward-API field of the pod (env fieldRef and downward API volumes). */
function fieldRefValue(fs: V1ObjectFieldSelector, pod: V1Pod, src: Pick<EnvSources, 'podIP' | 'podIPs' | 'hostIP' | 'hostIPs'>): string {
  const path = fs.fieldPath ?? '';
  const podIPs = src.podIPs.length > 0 ? src.podIPs : src.podIP ? [src.podIP] : [];
  switch (path) {
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return src.hostIP || src.hostIPs?.[0] || '';
    case 'status.hostIPs':
      return (src.hostIPs && src.hostIPs.length > 0 ? src.hostIPs : src.hostIP ? [src.hostIP] : []).join(',');
    case 'status.podIP':
      return podIPs[0] ?? '';
    case 'status.podIPs':
      return podIPs.join(',');
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels ?? {});
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations ?? {});
  }
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sub) {
    const m = (sub[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations) ?? {};
    return m[sub[2]!] ?? '';
  }
  throw new EnvError(`unsupported fieldPath: ${path}`);
}

/** fieldRef for downward API volumes: the value, or upstream's error message. */
export function downwardFieldValue(
  fs: V1ObjectFieldSelector,
  pod: V1Pod,
  src: Pick<EnvSources, 'podIP' | 'podIPs' | 'hostIP' | 'hostIPs'>,
): { value: string } | { error: string } {
  return guard(() => fieldRefValue(fs, pod, src));
}

/** resourceFieldRef for downward API volumes: the value, or upstream's error message. */
export function downwardResourceValue(
  fs: V1ResourceFieldSelector,
  pod: V1Pod,
  container: V1Container | undefined,
  nodeAllocatable?: ResourceListView,
): { value: string } | { error: string } {
  return guard(() => resourceFieldRefValue(fs, pod, container, nodeAllocatable));
}

function guard(f: () => string): { value: string } | { error: string } {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof EnvError) return { error: e.message };
    throw e;
  }
}

/** Sorted `k="v"` lines, as upstream's fieldpath.FormatMap (Go %q quoting of the value). */
function formatMap(m: Record<string, string>): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${JSON.stringify(m[k])}`)
    .join('\n');
}

function q(v: QuantityValue | undefined): Quantity | undefined {
  if (v === undefined) return undefined;
  try {
    return quantityFromJSON(v);
  } catch {
    throw new EnvError(`invalid quantity ${String(v)}`);
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n;
  const d = a / b;
  return d * b === a || (a < 0n) !== (b < 0n) ? d : d + 1n;
}

/**
 * The value of a container resource (limits.cpu/memory/ephemeral-storage, requests.*) in units of
 * the divisor (default 1), rounded up. A limit the container does not set is the node's allocatable.
 * `fs.containerName` selects another container of the pod (regular, then init).
 */
function resourceFieldRefValue(fs: V1ResourceFieldSelector, pod: V1Pod, self: V1Container | undefined, nodeAllocatable: ResourceListView | undefined): string {
  let container = self;
  if (fs.containerName) {
    container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === fs.containerName);
    if (!container) throw new EnvError(`container ${fs.containerName} not found`);
  }
  if (!container) throw new EnvError('no container given for resourceFieldRef');
  const divisor = q(fs.divisor);
  const div = divisor && !divisor.isZero() ? divisor : Quantity.fromInt(1);
  const res = fs.resource ?? '';
  const [kind, name] = res.split(/\.(.*)/s, 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || (name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage')) {
    throw new EnvError(`unsupported container resource : ${res}`);
  }
  let v = q(container.resources?.[kind]?.[name]);
  if (kind === 'limits' && (v === undefined || v.isZero())) v = q(nodeAllocatable?.[name]);
  const amount = v ?? Quantity.fromInt(0);
  if (name === 'cpu') return ceilDiv(amount.milliValue(), div.milliValue()).toString();
  return ceilDiv(amount.value(), div.value()).toString();
}
