/**
 * Pod spec validation as upstream's ValidatePodSpec / ValidatePodTemplateSpec / ValidatePodCreate /
 * ValidatePodUpdate (pkg/apis/core/validation/validation.go). Inputs are objects that passed the
 * schema's type checks and were defaulted; every function returns all errors it finds, each with
 * upstream's field path and message. Generic ObjectMeta rules are checked elsewhere.
 */
import type { ObjectMeta } from '../../types.js';
import { validateAnnotations } from '../../validation/object-meta.js';
import { isValidPortName, isValidPortNum } from '../../validation/names.js';
import type {
  V1Affinity,
  V1Container,
  V1DownwardAPIVolumeFile,
  V1EnvVar,
  V1HTTPGetAction,
  V1KeyToPath,
  V1LifecycleHandler,
  V1NodeSelectorRequirement,
  V1NodeSelectorTerm,
  V1ObjectFieldSelector,
  V1PodAffinityTerm,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Probe,
  V1ResourceFieldSelector,
  V1SecurityContext,
  V1SeccompProfile,
  V1Toleration,
  V1Volume,
  IntOrString,
} from './pod-types.js';
import { validatePersistentVolumeClaimSpec } from './pvc-validation.js';
import { validateContainerResourceDivisor, validateResourceRequirements } from './resources-validation.js';
import {
  type Errs,
  FILE_MODE_ERROR,
  FieldPath,
  IS_NOT_POSITIVE,
  arr,
  duplicate,
  forbidden,
  invalid,
  msgs,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  notFound,
  notSupported,
  required,
  sorted,
  validateConfigMapKey,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateIP,
  validateLabelName,
  validateLabelSelector,
  validateLabels,
  validateLocalDescendingPath,
  validateLocalNonReservedPath,
  validateNonnegative,
  validatePathNoBacksteps,
  validateQualifiedName,
} from './validation-util.js';

/** Options that differ between a Pod and a PodSpec embedded in a template. */
export interface PodValidationOptions {
  /** The spec belongs to a Pod object (stricter host-network port rules). */
  resourceIsPod?: boolean;
}

const MAX_INT32 = 2147483647;
const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const HOST_PATH_TYPES = sorted(['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice']);
const MOUNT_PROPAGATIONS = sorted(['Bidirectional', 'HostToContainer', 'None']);
const ENV_FIELD_PATHS = sorted([
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);
const VOLUME_FIELD_PATHS = sorted(['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid']);
const CONTAINER_RESOURCE_FIELDS = sorted([
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
]);
const MAX_DNS_NAMESERVERS = 3;

/**
 * IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, on by default since 1.32): any
 * printable ASCII character except '='.
 */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push('environment variable name must be non-empty');
  if (/[^\x20-\x3c\x3e-\x7e]/.test(value)) errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
  return errs;
}
const MAX_DNS_SEARCH_PATHS = 32;
const MAX_DNS_SEARCH_LIST_CHARS = 2048;

/**
 * ValidatePodTemplateSpec: template labels and annotations' pod-specific rules plus the spec.
 * `path` is the template's own path (e.g. `spec.template`).
 */
export function validatePodTemplateSpec(tpl: V1PodTemplateSpec | undefined, path: FieldPath | string): Errs {
  const fp = typeof path === 'string' ? FieldPath.root(path) : path;
  const errs: Errs = [];
  if (!tpl) return [required(fp, '')];
  const meta = tpl.metadata ?? {};
  // Upstream reports template labels and annotations at `<template>.labels` / `<template>.annotations`.
  errs.push(...validateLabels(meta.labels, fp.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, String(fp.child('annotations'))));
  errs.push(...validatePodSpecificAnnotations(meta.annotations, tpl.spec ?? {}, fp.child('annotations')));
  errs.push(...validatePodSpec(tpl.spec ?? {}, fp.child('spec')));
  if (arr(tpl.spec?.ephemeralContainers).length > 0)
    errs.push(forbidden(fp.child('spec').child('ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  return errs;
}

/**
 * ValidatePodSpec. `path` is the spec's path (`spec` for pods, `spec.template.spec` for
 * templates). `podMeta` is the owning pod's metadata, when validating a real pod.
 */
export function validatePodSpec(spec: V1PodSpec, path: FieldPath | string, opts: PodValidationOptions = {}, podMeta?: ObjectMeta): Errs {
  const fp = typeof path === 'string' ? FieldPath.root(path) : path;
  const errs: Errs = [];
  const gracePeriod = spec.terminationGracePeriodSeconds ?? 0;

  const [vols, volErrs] = validateVolumes(arr(spec.volumes), podMeta, fp.child('volumes'));
  errs.push(...volErrs);
  const claimNames = new Set(arr(spec.resourceClaims).map((c) => c.name ?? '').filter(Boolean));
  errs.push(...validatePodResourceClaims(spec, fp.child('resourceClaims')));
  errs.push(...validateContainers(arr(spec.containers), vols, claimNames, gracePeriod, fp.child('containers')));
  errs.push(...validateInitContainers(arr(spec.initContainers), arr(spec.containers), vols, claimNames, gracePeriod, fp.child('initContainers')));
  errs.push(...validateEphemeralContainers(spec, vols, claimNames, fp.child('ephemeralContainers')));
  errs.push(...validatePodHostNetworkDeps(spec, fp, opts));
  errs.push(...validateEnumRequired(spec.restartPolicy ?? '', RESTART_POLICIES, fp.child('restartPolicy')));
  errs.push(...validateEnumRequired(spec.dnsPolicy ?? '', DNS_POLICIES, fp.child('dnsPolicy')));
  errs.push(...validateLabels(spec.nodeSelector, fp.child('nodeSelector')));
  errs.push(...validatePodSecurityContext(spec, fp.child('securityContext')));
  arr(spec.imagePullSecrets).forEach((s, i) => {
    if (Object.keys(s).some((k) => k !== 'name')) errs.push(invalid(fp.child('imagePullSecrets').index(i), s, 'only name may be set'));
  });
  errs.push(...validateAffinity(spec.affinity, fp.child('affinity')));
  errs.push(...validatePodDNSConfig(spec, fp.child('dnsConfig')));
  arr(spec.readinessGates).forEach((g, i) =>
    errs.push(...validateQualifiedName(g.conditionType ?? '', fp.child('readinessGates').index(i).child('conditionType'))),
  );
  errs.push(...validateSchedulingGates(spec, fp.child('schedulingGates')));
  errs.push(...validateTopologySpreadConstraints(spec, fp.child('topologySpreadConstraints')));
  errs.push(...validateHostUsers(spec, fp));
  if (spec.serviceAccountName)
    errs.push(...msgs(fp.child('serviceAccountName'), spec.serviceAccountName, nameIsDNSSubdomain(spec.serviceAccountName, false)));
  if (spec.nodeName) errs.push(...msgs(fp.child('nodeName'), spec.nodeName, nameIsDNSSubdomain(spec.nodeName, false)));
  if (spec.activeDeadlineSeconds != null) {
    const v = spec.activeDeadlineSeconds;
    if (v < 1 || v > MAX_INT32) errs.push(invalid(fp.child('activeDeadlineSeconds'), v, `must be between 1 and ${MAX_INT32}, inclusive`));
  }
  if (spec.hostname) errs.push(...validateDNS1123Label(spec.hostname, fp.child('hostname')));
  if (spec.subdomain) errs.push(...validateDNS1123Label(spec.subdomain, fp.child('subdomain')));
  if (arr(spec.tolerations).length) errs.push(...validateTolerations(arr(spec.tolerations), fp.child('tolerations')));
  arr(spec.hostAliases).forEach((a, i) => {
    const ap = fp.child('hostAliases').index(i);
    errs.push(...validateIP(a.ip ?? '', ap.child('ip')));
    arr(a.hostnames).forEach((h, j) => errs.push(...validateDNS1123Subdomain(h, ap.child('hostnames').index(j))));
  });
  if (spec.priorityClassName)
    errs.push(...msgs(fp.child('priorityClassName'), spec.priorityClassName, nameIsDNSSubdomain(spec.priorityClassName, false)));
  if (spec.runtimeClassName != null)
    errs.push(...msgs(fp.child('runtimeClassName'), spec.runtimeClassName, nameIsDNSSubdomain(spec.runtimeClassName, false)));
  if (spec.preemptionPolicy != null)
    errs.push(...validateEnumRequired(spec.preemptionPolicy, ['PreemptLowerPriority', 'Never'], fp.child('preemptionPolicy')));
  if (spec.overhead) errs.push(...validateResourceRequirements({ limits: spec.overhead }, undefined, fp.child('overhead')));
  if (spec.os) {
    const osp = fp.child('os').child('name');
    if (!spec.os.name) errs.push(required(osp, ''));
    else if (spec.os.name !== 'linux' && spec.os.name !== 'windows') errs.push(notSupported(osp, spec.os.name, ['linux', 'windows']));
  }
  // A negative terminationGracePeriodSeconds is accepted with a warning (treated as 1), as upstream.
  return errs;
}

function validateEnumRequired(value: string, allowed: readonly string[], path: FieldPath): Errs {
  if (value === '') return [required(path, '')];
  return allowed.includes(value) ? [] : [notSupported(path, value, allowed)];
}

// ------------------------------------------------------------------ containers

type VolumeMap = Map<string, V1Volume>;

function validateContainers(containers: V1Container[], vols: VolumeMap, claims: Set<string>, grace: number, path: FieldPath): Errs {
  if (containers.length === 0) return [required(path, '')];
  const errs: Errs = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const cp = path.index(i);
    errs.push(...validateContainerCommon(c, vols, claims, cp));
    if (names.has(c.name ?? '')) errs.push(duplicate(cp.child('name'), c.name ?? ''));
    else names.add(c.name ?? '');
    if (c.lifecycle) errs.push(...validateLifecycle(c.lifecycle, grace, cp.child('lifecycle')));
    errs.push(...validateProbeKind(c.livenessProbe, grace, cp.child('livenessProbe'), 'liveness'));
    errs.push(...validateProbeKind(c.readinessProbe, grace, cp.child('readinessProbe'), 'readiness'));
    errs.push(...validateProbeKind(c.startupProbe, grace, cp.child('startupProbe'), 'startup'));
    if (c.restartPolicy != null) errs.push(forbidden(cp.child('restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(containers, path));
  return errs;
}

function validateInitContainers(
  inits: V1Container[],
  regular: V1Container[],
  vols: VolumeMap,
  claims: Set<string>,
  grace: number,
  path: FieldPath,
): Errs {
  const errs: Errs = [];
  const names = new Set(regular.map((c) => c.name ?? ''));
  inits.forEach((c, i) => {
    const cp = path.index(i);
    errs.push(...validateContainerCommon(c, vols, claims, cp));
    let restartAlways = false;
    if (c.restartPolicy != null) {
      if (c.restartPolicy === '') errs.push(required(cp.child('restartPolicy'), ''));
      else if (c.restartPolicy !== 'Always') errs.push(notSupported(cp.child('restartPolicy'), c.restartPolicy, ['Always']));
      restartAlways = c.restartPolicy === 'Always';
    }
    if (names.has(c.name ?? '')) errs.push(duplicate(cp.child('name'), c.name ?? ''));
    else if (c.name) names.add(c.name);
    errs.push(...checkHostPortConflicts([c], path));
    if (restartAlways) {
      if (c.lifecycle) errs.push(...validateLifecycle(c.lifecycle, grace, cp.child('lifecycle')));
      errs.push(...validateProbeKind(c.livenessProbe, grace, cp.child('livenessProbe'), 'liveness'));
      errs.push(...validateProbeKind(c.readinessProbe, grace, cp.child('readinessProbe'), 'readiness'));
      errs.push(...validateProbeKind(c.startupProbe, grace, cp.child('startupProbe'), 'startup'));
    } else {
      const msg = 'may not be set for init containers without restartPolicy=Always';
      if (c.lifecycle) errs.push(forbidden(cp.child('lifecycle'), msg));
      if (c.livenessProbe) errs.push(forbidden(cp.child('livenessProbe'), msg));
      if (c.readinessProbe) errs.push(forbidden(cp.child('readinessProbe'), msg));
      if (c.startupProbe) errs.push(forbidden(cp.child('startupProbe'), msg));
    }
    if (arr(c.resizePolicy).length > 0) errs.push(invalid(cp.child('resizePolicy'), c.resizePolicy, 'must not be set for init containers'));
  });
  return errs;
}

/** Fields an ephemeral container may set (upstream's allowedEphemeralContainerFields). */
const EPHEMERAL_ALLOWED = new Set([
  'name', 'image', 'command', 'args', 'workingDir', 'env', 'envFrom', 'volumeMounts', 'volumeDevices',
  'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty',
  'targetContainerName',
]);

function validateEphemeralContainers(spec: V1PodSpec, vols: VolumeMap, claims: Set<string>, path: FieldPath): Errs {
  const errs: Errs = [];
  const ephemeral = arr(spec.ephemeralContainers);
  if (ephemeral.length === 0) return errs;
  const others = new Set([...arr(spec.containers), ...arr(spec.initContainers)].map((c) => c.name ?? ''));
  const all = new Set(others);
  ephemeral.forEach((c, i) => {
    const cp = path.index(i);
    errs.push(...validateContainerCommon(c, vols, claims, cp));
    errs.push(...validateContainerOnlyForPod(c, cp));
    if (all.has(c.name ?? '')) errs.push(duplicate(cp.child('name'), c.name ?? ''));
    else all.add(c.name ?? '');
    if (c.targetContainerName && !others.has(c.targetContainerName)) errs.push(notFound(cp.child('targetContainerName'), c.targetContainerName));
    for (const [k, v] of Object.entries(c)) {
      if (EPHEMERAL_ALLOWED.has(k) || v == null) continue;
      if (k === 'resources' && Object.keys(v as object).length === 0) continue;
      errs.push(forbidden(cp.child(k), 'cannot be set for an Ephemeral Container'));
    }
    arr(c.volumeMounts).forEach((m, j) => {
      if (m.subPath) errs.push(forbidden(cp.child('volumeMounts').index(j).child('subPath'), 'cannot be set for an Ephemeral Container'));
      if (m.subPathExpr) errs.push(forbidden(cp.child('volumeMounts').index(j).child('subPathExpr'), 'cannot be set for an Ephemeral Container'));
    });
  });
  return errs;
}

function validateContainerCommon(c: V1Container, vols: VolumeMap, claims: Set<string>, path: FieldPath): Errs {
  const errs: Errs = [];
  const np = path.child('name');
  if (!c.name) errs.push(required(np, ''));
  else errs.push(...validateDNS1123Label(c.name, np));
  if (!c.image) errs.push(required(path.child('image'), ''));
  errs.push(...validateEnumRequired(c.terminationMessagePolicy ?? '', TERMINATION_MESSAGE_POLICIES, path.child('terminationMessagePolicy')));
  errs.push(...validateContainerPorts(c, path.child('ports')));
  errs.push(...validateEnv(arr(c.env), path.child('env')));
  errs.push(...validateEnvFrom(c, path.child('envFrom')));
  errs.push(...validateVolumeMounts(c, vols, path.child('volumeMounts')));
  errs.push(...validateVolumeDevices(c, vols, path.child('volumeDevices')));
  const pull = c.imagePullPolicy ?? '';
  if (pull === '') errs.push(required(path.child('imagePullPolicy'), ''));
  else if (!PULL_POLICIES.includes(pull)) errs.push(notSupported(path.child('imagePullPolicy'), pull, PULL_POLICIES));
  errs.push(...validateResourceRequirements(c.resources ?? {}, claims, path.child('resources')));
  arr(c.resizePolicy).forEach((r, i) => {
    const rp = path.child('resizePolicy').index(i);
    if (r.resourceName !== 'cpu' && r.resourceName !== 'memory') errs.push(notSupported(rp.child('resourceName'), r.resourceName ?? '', ['cpu', 'memory']));
    if (r.restartPolicy !== 'NotRequired' && r.restartPolicy !== 'RestartContainer')
      errs.push(notSupported(rp.child('restartPolicy'), r.restartPolicy ?? '', ['NotRequired', 'RestartContainer']));
  });
  errs.push(...validateSecurityContext(c.securityContext, path.child('securityContext')));
  return errs;
}

/** Pod-only container rules (ValidatePodCreate's validateContainersOnlyForPod). */
function validateContainerOnlyForPod(c: V1Container, path: FieldPath): Errs {
  if (c.image && c.image !== c.image.trim()) return [invalid(path.child('image'), c.image, 'must not have leading or trailing whitespace')];
  return [];
}

function validateContainerPorts(c: V1Container, path: FieldPath): Errs {
  const errs: Errs = [];
  const names = new Set<string>();
  arr(c.ports).forEach((port, i) => {
    const pp = path.index(i);
    if (port.name) {
      const m = isValidPortName(port.name);
      if (m.length) errs.push(...msgs(pp.child('name'), port.name, m));
      else if (names.has(port.name)) errs.push(duplicate(pp.child('name'), port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) errs.push(required(pp.child('containerPort'), ''));
    else errs.push(...msgs(pp.child('containerPort'), port.containerPort, isValidPortNum(port.containerPort)));
    if (port.hostPort) errs.push(...msgs(pp.child('hostPort'), port.hostPort, isValidPortNum(port.hostPort)));
    if (!port.protocol) errs.push(required(pp.child('protocol'), ''));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(port.protocol)) errs.push(notSupported(pp.child('protocol'), port.protocol, SUPPORTED_PORT_PROTOCOLS));
  });
  return errs;
}

function checkHostPortConflicts(containers: V1Container[], path: FieldPath): Errs {
  const errs: Errs = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    arr(c.ports).forEach((port, pi) => {
      if (!port.hostPort) return;
      const key = `${port.hostIP ?? ''}/${port.protocol ?? ''}/${port.hostPort}`;
      if (seen.has(key)) errs.push(duplicate(path.index(ci).child('ports').index(pi).child('hostPort'), key));
      else seen.add(key);
    });
  });
  return errs;
}

function validatePodHostNetworkDeps(spec: V1PodSpec, path: FieldPath, opts: PodValidationOptions): Errs {
  if (!spec.hostNetwork) return [];
  const errs: Errs = [];
  arr(spec.containers).forEach((c, i) =>
    arr(c.ports).forEach((port, j) => {
      const hp = port.hostPort ?? 0;
      if ((opts.resourceIsPod || hp !== 0) && hp !== (port.containerPort ?? 0))
        errs.push(invalid(path.child('containers').index(i).child('ports').index(j).child('hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
    }),
  );
  return errs;
}

function validateEnv(vars: V1EnvVar[], path: FieldPath): Errs {
  const errs: Errs = [];
  vars.forEach((ev, i) => {
    const ep = path.index(i);
    const name = ev.name ?? '';
    if (!name) errs.push(required(ep.child('name'), ''));
    errs.push(...msgs(ep.child('name'), name, isRelaxedEnvVarName(name)));
    errs.push(...validateEnvVarValueFrom(ev, ep.child('valueFrom')));
  });
  return errs;
}

function validateEnvVarValueFrom(ev: V1EnvVar, path: FieldPath): Errs {
  const from = ev.valueFrom;
  if (!from) return [];
  const errs: Errs = [];
  let n = 0;
  if (from.fieldRef) {
    n++;
    errs.push(...validateObjectFieldSelector(from.fieldRef, ENV_FIELD_PATHS, path.child('fieldRef')));
  }
  if (from.resourceFieldRef) {
    n++;
    errs.push(...validateContainerResourceFieldSelector(from.resourceFieldRef, path.child('resourceFieldRef'), false));
  }
  if (from.configMapKeyRef) {
    n++;
    errs.push(...validateKeySelector(from.configMapKeyRef, path.child('configMapKeyRef')));
  }
  if (from.secretKeyRef) {
    n++;
    errs.push(...validateKeySelector(from.secretKeyRef, path.child('secretKeyRef')));
  }
  if (n === 0) errs.push(invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (ev.value) errs.push(invalid(path, '', 'may not be specified when `value` is not empty'));
  else if (n > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  return errs;
}

function validateKeySelector(sel: { name?: string; key?: string }, path: FieldPath): Errs {
  const errs: Errs = [];
  errs.push(...msgs(path.child('name'), sel.name ?? '', nameIsDNSSubdomain(sel.name ?? '', false)));
  if (!sel.key) errs.push(required(path.child('key'), ''));
  else errs.push(...validateConfigMapKey(sel.key, path.child('key')));
  return errs;
}

/** Field labels the downward API converter accepts for v1 pods (ConvertDownwardAPIFieldLabel). */
const CONVERTIBLE_FIELD_LABELS = new Set([
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName',
  'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName', 'status.phase', 'status.hostIP', 'status.hostIPs',
  'status.podIP', 'status.podIPs',
]);

/** fieldpath.SplitMaybeSubscriptedPath: `metadata.labels['key']` → ['metadata.labels', 'key']. */
function splitSubscript(fieldPath: string): [string, string] | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const s = fieldPath.slice(0, -2);
  const i = s.indexOf("['");
  if (i <= 0) return undefined;
  return [s.slice(0, i), s.slice(i + 2)];
}

function validateObjectFieldSelector(fs: V1ObjectFieldSelector, allowed: readonly string[], path: FieldPath): Errs {
  if (!fs.apiVersion) return [required(path.child('apiVersion'), '')];
  if (!fs.fieldPath) return [required(path.child('fieldPath'), '')];
  const fp = path.child('fieldPath');
  const conversionError = (detail: string) => [invalid(fp, fs.fieldPath, `error converting fieldPath: ${detail}`)];
  if (fs.apiVersion !== 'v1') return conversionError(`unsupported pod version: ${fs.apiVersion}`);
  const sub = splitSubscript(fs.fieldPath);
  if (sub) {
    const [base, key] = sub;
    if (base === 'metadata.annotations') return validateQualifiedName(key.toLowerCase(), path);
    if (base === 'metadata.labels') return validateQualifiedName(key, path);
    return conversionError(`field label does not support subscript: ${fs.fieldPath}`);
  }
  const internal = fs.fieldPath === 'spec.host' ? 'spec.nodeName' : fs.fieldPath;
  if (!CONVERTIBLE_FIELD_LABELS.has(internal) && fs.fieldPath !== 'spec.host') return conversionError(`field label not supported: ${fs.fieldPath}`);
  if (!allowed.includes(internal)) return [notSupported(fp, internal, allowed)];
  return [];
}

function validateContainerResourceFieldSelector(fs: V1ResourceFieldSelector, path: FieldPath, volume: boolean): Errs {
  const errs: Errs = [];
  if (volume && !fs.containerName) errs.push(required(path.child('containerName'), ''));
  else if (!fs.resource) errs.push(required(path.child('resource'), ''));
  else if (!CONTAINER_RESOURCE_FIELDS.includes(fs.resource) && !/^(limits|requests)\.hugepages-/.test(fs.resource))
    errs.push(notSupported(path.child('resource'), fs.resource, CONTAINER_RESOURCE_FIELDS));
  errs.push(...validateContainerResourceDivisor(fs.resource ?? '', fs.divisor, path));
  return errs;
}

function validateEnvFrom(c: V1Container, path: FieldPath): Errs {
  const errs: Errs = [];
  arr(c.envFrom).forEach((ef, i) => {
    const ep = path.index(i);
    if (ef.prefix) errs.push(...msgs(ep.child('prefix'), ef.prefix, isRelaxedEnvVarName(ef.prefix)));
    let n = 0;
    for (const [k, ref] of [['configMapRef', ef.configMapRef], ['secretRef', ef.secretRef]] as const) {
      if (!ref) continue;
      n++;
      const np = ep.child(k).child('name');
      if (!ref.name) errs.push(required(np, ''));
      else errs.push(...msgs(np, ref.name, nameIsDNSSubdomain(ref.name, false)));
    }
    if (n === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(c: V1Container, vols: VolumeMap, path: FieldPath): Errs {
  const errs: Errs = [];
  const mountPoints = new Set<string>();
  const devices = new Map(arr(c.volumeDevices).map((d) => [d.name ?? '', d.devicePath ?? '']));
  const devicePaths = new Set(devices.values());
  arr(c.volumeMounts).forEach((m, i) => {
    const mp = path.index(i);
    const name = m.name ?? '';
    const mountPath = m.mountPath ?? '';
    if (!name) errs.push(required(mp.child('name'), ''));
    if (!vols.has(name)) errs.push(notFound(mp.child('name'), name));
    if (!mountPath) errs.push(required(mp.child('mountPath'), ''));
    if (mountPoints.has(mountPath)) errs.push(invalid(mp.child('mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (devices.has(name)) errs.push(invalid(mp.child('name'), name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(mountPath)) errs.push(invalid(mp.child('mountPath'), mountPath, 'must not already exist as a path in volumeDevices'));
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, path.child('subPath')));
    if (m.subPathExpr) {
      if (m.subPath) errs.push(invalid(mp.child('subPathExpr'), m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(m.subPathExpr, path.child('subPathExpr')));
    }
    if (m.mountPropagation != null) {
      const pp = path.child('mountPropagation');
      if (!MOUNT_PROPAGATIONS.includes(m.mountPropagation)) errs.push(notSupported(pp, m.mountPropagation, MOUNT_PROPAGATIONS));
      else if (m.mountPropagation === 'Bidirectional' && c.securityContext?.privileged !== true)
        errs.push(forbidden(pp, 'Bidirectional mount propagation is available only to privileged containers'));
    }
    if (m.recursiveReadOnly != null) {
      const rp = mp.child('recursiveReadOnly');
      const rro = m.recursiveReadOnly;
      if (!['Disabled', 'IfPossible', 'Enabled'].includes(rro)) errs.push(notSupported(rp, rro, ['Disabled', 'Enabled', 'IfPossible']));
      else if (rro !== 'Disabled' && !m.readOnly) errs.push(forbidden(rp, 'may only be specified when readOnly is true'));
      else if (rro !== 'Disabled' && m.mountPropagation && m.mountPropagation !== 'None')
        errs.push(forbidden(rp, 'may only be specified when mountPropagation is None or not specified'));
    }
  });
  return errs;
}

function validateVolumeDevices(c: V1Container, vols: VolumeMap, path: FieldPath): Errs {
  const errs: Errs = [];
  const mounts = new Map(arr(c.volumeMounts).map((m) => [m.name ?? '', m.mountPath ?? '']));
  const mountPaths = new Set(mounts.values());
  const names = new Set<string>();
  const paths = new Set<string>();
  arr(c.volumeDevices).forEach((d, i) => {
    const dp = path.index(i);
    const name = d.name ?? '';
    const devPath = d.devicePath ?? '';
    const vol = vols.get(name);
    if (!name) errs.push(required(dp.child('name'), ''));
    if (names.has(name)) errs.push(invalid(dp.child('name'), name, 'must be unique'));
    if (vol && !vol.persistentVolumeClaim && !vol.ephemeral)
      errs.push(invalid(dp.child('name'), name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    if (!vol) errs.push(notFound(dp.child('name'), name));
    if (!devPath) errs.push(required(dp.child('devicePath'), ''));
    if (paths.has(devPath)) errs.push(invalid(dp.child('devicePath'), devPath, 'must be unique'));
    if (devPath && validatePathNoBacksteps(devPath, dp).length) errs.push(invalid(dp.child('devicePath'), devPath, "can not contain backsteps ('..')"));
    else paths.add(devPath);
    if (mounts.has(name)) errs.push(invalid(dp.child('name'), name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(devPath)) errs.push(invalid(dp.child('devicePath'), devPath, 'must not already exist as a path in volumeMounts'));
    if (name) names.add(name);
  });
  return errs;
}

// ------------------------------------------------------------------ probes and lifecycle

function validateProbeKind(probe: V1Probe | undefined, grace: number, path: FieldPath, kind: 'liveness' | 'readiness' | 'startup'): Errs {
  if (!probe) return [];
  const errs = validateProbe(probe, grace, path);
  if (kind === 'readiness') {
    if (probe.terminationGracePeriodSeconds != null)
      errs.push(invalid(path.child('terminationGracePeriodSeconds'), probe.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  } else if ((probe.successThreshold ?? 0) !== 1) {
    errs.push(invalid(path.child('successThreshold'), probe.successThreshold ?? 0, 'must be 1'));
  }
  return errs;
}

function validateProbe(probe: V1Probe, grace: number, path: FieldPath): Errs {
  const errs = validateHandler(probe, grace, path, false);
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const)
    errs.push(...validateNonnegative(probe[k] ?? 0, path.child(k)));
  if (probe.terminationGracePeriodSeconds != null && probe.terminationGracePeriodSeconds <= 0)
    errs.push(invalid(path.child('terminationGracePeriodSeconds'), probe.terminationGracePeriodSeconds, 'must be greater than 0'));
  return errs;
}

function validateLifecycle(lc: { postStart?: V1LifecycleHandler; preStop?: V1LifecycleHandler; stopSignal?: string }, grace: number, path: FieldPath): Errs {
  const errs: Errs = [];
  if (lc.postStart) errs.push(...validateHandler(lc.postStart, grace, path.child('postStart'), true));
  if (lc.preStop) errs.push(...validateHandler(lc.preStop, grace, path.child('preStop'), true));
  return errs;
}

/** Exactly one handler: exec, httpGet, tcpSocket, grpc (probes) or sleep (lifecycle hooks). */
function validateHandler(h: V1LifecycleHandler & { grpc?: { port?: number } }, grace: number, path: FieldPath, lifecycle: boolean): Errs {
  const errs: Errs = [];
  let n = 0;
  const more = (k: string) => errs.push(forbidden(path.child(k), 'may not specify more than 1 handler type'));
  if (h.exec) {
    n++;
    if (arr(h.exec.command).length === 0) errs.push(required(path.child('exec').child('command'), ''));
  }
  if (h.httpGet) {
    if (n > 0) more('httpGet');
    else {
      n++;
      errs.push(...validateHTTPGet(h.httpGet, path.child('httpGet')));
    }
  }
  if (h.tcpSocket) {
    if (n > 0) more('tcpSocket');
    else {
      n++;
      errs.push(...validatePortNumOrName(h.tcpSocket.port, path.child('tcpSocket').child('port')));
    }
  }
  if (!lifecycle && h.grpc) {
    if (n > 0) more('grpc');
    else {
      n++;
      errs.push(...msgs(path.child('grpc').child('port'), h.grpc.port ?? 0, isValidPortNum(h.grpc.port ?? 0)));
    }
  }
  if (lifecycle && h.sleep) {
    if (n > 0) more('sleep');
    else {
      n++;
      const secs = h.sleep.seconds ?? 0;
      if (secs <= 0 || secs > grace)
        errs.push(invalid(path.child('sleep').child('seconds'), secs, `must be greater than 0 and less than terminationGracePeriodSeconds (${grace})`));
    }
  }
  if (n === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

function validateHTTPGet(h: V1HTTPGetAction, path: FieldPath): Errs {
  const errs: Errs = [];
  if (!h.path) errs.push(required(path.child('path'), ''));
  errs.push(...validatePortNumOrName(h.port, path.child('port')));
  if (h.scheme !== 'HTTP' && h.scheme !== 'HTTPS') errs.push(notSupported(path.child('scheme'), h.scheme ?? '', ['HTTP', 'HTTPS']));
  for (const hdr of arr(h.httpHeaders)) {
    if (!/^[-A-Za-z0-9!#$%&'*+.^_`|~]+$/.test(hdr.name ?? ''))
      errs.push(
        invalid(
          path.child('httpHeaders'),
          hdr.name ?? '',
          "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')",
        ),
      );
  }
  return errs;
}

/** ValidatePortNumOrName for IntOrString ports. */
export function validatePortNumOrName(port: IntOrString | undefined, path: FieldPath): Errs {
  if (typeof port === 'number') return msgs(path, port, isValidPortNum(port));
  if (typeof port === 'string') return msgs(path, port, isValidPortName(port));
  return [invalid(path, 0, 'must be between 1 and 65535, inclusive')];
}

// ------------------------------------------------------------------ security

function validateUserOrGroupID(v: number | undefined, path: FieldPath): Errs {
  if (v == null) return [];
  return v < 0 || v > MAX_INT32 ? [invalid(path, v, `must be between 0 and ${MAX_INT32}, inclusive`)] : [];
}

function validateSeccomp(sp: V1SeccompProfile | undefined, path: FieldPath, what: 'seccomp' | 'AppArmor'): Errs {
  if (!sp) return [];
  switch (sp.type) {
    case 'Localhost':
      if (sp.localhostProfile == null) return [required(path.child('localhostProfile'), `must be set when ${what} type is Localhost`)];
      return what === 'seccomp'
        ? validateLocalDescendingPath(sp.localhostProfile, path.child('localhostProfile'))
        : sp.localhostProfile.trim() === ''
          ? [required(path.child('localhostProfile'), 'must be set when AppArmor type is Localhost')]
          : [];
    case 'RuntimeDefault':
    case 'Unconfined':
      return sp.localhostProfile != null ? [invalid(path.child('localhostProfile'), sp, `can only be set when ${what} type is Localhost`)] : [];
    default:
      return [notSupported(path.child('type'), sp.type ?? '', ['Localhost', 'RuntimeDefault', 'Unconfined'])];
  }
}

function validateSecurityContext(sc: V1SecurityContext | undefined, path: FieldPath): Errs {
  if (!sc) return [];
  const errs: Errs = [];
  errs.push(...validateUserOrGroupID(sc.runAsUser, path.child('runAsUser')));
  errs.push(...validateUserOrGroupID(sc.runAsGroup, path.child('runAsGroup')));
  if (sc.procMount != null && sc.procMount !== 'Default' && sc.procMount !== 'Unmasked')
    errs.push(notSupported(path.child('procMount'), sc.procMount, ['Default', 'Unmasked']));
  errs.push(...validateSeccomp(sc.seccompProfile, path.child('seccompProfile'), 'seccomp'));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    for (const cap of arr(sc.capabilities?.add))
      if (cap === 'CAP_SYS_ADMIN') errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  }
  errs.push(...validateSeccomp(sc.appArmorProfile, path.child('appArmorProfile'), 'AppArmor'));
  return errs;
}

function validatePodSecurityContext(spec: V1PodSpec, path: FieldPath): Errs {
  const sc = spec.securityContext;
  if (!sc) return [];
  const errs: Errs = [];
  errs.push(...validateUserOrGroupID(sc.fsGroup, path.child('fsGroup')));
  errs.push(...validateUserOrGroupID(sc.runAsUser, path.child('runAsUser')));
  errs.push(...validateUserOrGroupID(sc.runAsGroup, path.child('runAsGroup')));
  arr(sc.supplementalGroups).forEach((g, i) => errs.push(...validateUserOrGroupID(g, path.child('supplementalGroups').index(i))));
  if (spec.shareProcessNamespace && spec.hostPID)
    errs.push(invalid(path.child('shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  const sysctlNames = new Set<string>();
  arr(sc.sysctls).forEach((s, i) => {
    const sp = path.child('sysctls').index(i);
    const name = s.name ?? '';
    if (!name) errs.push(required(sp.child('name'), ''));
    else if (!/^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 253)
      errs.push(
        invalid(
          sp.child('name'),
          name,
          "must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$",
        ),
      );
    else if (sysctlNames.has(name)) errs.push(duplicate(sp.child('name'), name));
    sysctlNames.add(name);
  });
  if (sc.fsGroupChangePolicy != null && sc.fsGroupChangePolicy !== 'OnRootMismatch' && sc.fsGroupChangePolicy !== 'Always')
    errs.push(notSupported(path.child('fsGroupChangePolicy'), sc.fsGroupChangePolicy, ['OnRootMismatch', 'Always']));
  if (sc.supplementalGroupsPolicy != null && sc.supplementalGroupsPolicy !== 'Merge' && sc.supplementalGroupsPolicy !== 'Strict')
    errs.push(notSupported(path.child('supplementalGroupsPolicy'), sc.supplementalGroupsPolicy, ['Merge', 'Strict']));
  errs.push(...validateSeccomp(sc.seccompProfile, path.child('seccompProfile'), 'seccomp'));
  errs.push(...validateSeccomp(sc.appArmorProfile, path.child('appArmorProfile'), 'AppArmor'));
  return errs;
}

function validateHostUsers(spec: V1PodSpec, path: FieldPath): Errs {
  if (spec.hostUsers !== false) return [];
  const errs: Errs = [];
  if (spec.hostNetwork) errs.push(forbidden(path.child('hostNetwork'), 'when `pod.Spec.HostUsers` is false'));
  if (spec.hostPID) errs.push(forbidden(path.child('HostPID'), 'when `pod.Spec.HostUsers` is false'));
  if (spec.hostIPC) errs.push(forbidden(path.child('HostIPC'), 'when `pod.Spec.HostUsers` is false'));
  return errs;
}

// ------------------------------------------------------------------ volumes

/** ValidateVolumes: returns the valid volumes by name (mounts may refer only to those) and the errors. */
export function validateVolumes(volumes: V1Volume[], podMeta: ObjectMeta | undefined, path: FieldPath): [VolumeMap, Errs] {
  const errs: Errs = [];
  const vols: VolumeMap = new Map();
  const createdPVCs = new Set<string>();
  if (podMeta?.name) for (const v of volumes) if (v.ephemeral) createdPVCs.add(`${podMeta.name}-${v.name ?? ''}`);
  volumes.forEach((v, i) => {
    const vp = path.index(i);
    const np = vp.child('name');
    const el = validateVolumeSource(v, vp);
    if (!v.name) el.push(required(np, ''));
    else el.push(...validateDNS1123Label(v.name, np));
    if (vols.has(v.name ?? '')) el.push(duplicate(np, v.name ?? ''));
    if (el.length === 0) vols.set(v.name ?? '', v);
    else errs.push(...el);
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim && createdPVCs.has(claim))
      errs.push(invalid(vp.child('persistentVolumeClaim').child('claimName'), claim, 'must not reference a PVC that gets created for an ephemeral volume'));
  });
  return [vols, errs];
}

const VOLUME_SOURCE_KEYS = [
  'hostPath', 'emptyDir', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flexVolume', 'persistentVolumeClaim', 'rbd', 'quobyte', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'vsphereVolume', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'configMap', 'storageos', 'projected',
  'csi', 'ephemeral', 'image',
] as const;

function validateVolumeSource(v: V1Volume, path: FieldPath): Errs {
  const errs: Errs = [];
  let n = 0;
  for (const k of VOLUME_SOURCE_KEYS) {
    if (v[k] == null) continue;
    if (n > 0) {
      errs.push(forbidden(path.child(k), 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    errs.push(...validateOneVolumeSource(k, v, path.child(k)));
  }
  if (n === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

function validateDefaultMode(mode: number | undefined, path: FieldPath): Errs {
  return mode != null && (mode > 0o777 || mode < 0) ? [invalid(path, mode, FILE_MODE_ERROR)] : [];
}

function validateKeyToPaths(items: V1KeyToPath[] | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  arr(items).forEach((kp, i) => {
    const ip = path.index(i);
    if (!kp.key) errs.push(required(ip.child('key'), ''));
    if (!kp.path) errs.push(required(ip.child('path'), ''));
    errs.push(...validateLocalNonReservedPath(kp.path ?? '', ip.child('path')));
    errs.push(...validateDefaultMode(kp.mode, ip.child('mode')));
  });
  return errs;
}

function validateDownwardAPIFiles(items: V1DownwardAPIVolumeFile[] | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  arr(items).forEach((f, i) => {
    const ip = path.index(i);
    if (!f.path) errs.push(required(ip.child('path'), ''));
    errs.push(...validateLocalNonReservedPath(f.path ?? '', ip.child('path')));
    if (f.fieldRef) {
      errs.push(...validateObjectFieldSelector(f.fieldRef, VOLUME_FIELD_PATHS, ip.child('fieldRef')));
      if (f.resourceFieldRef) errs.push(invalid(ip, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    } else if (f.resourceFieldRef) {
      errs.push(...validateContainerResourceFieldSelector(f.resourceFieldRef, ip.child('resourceFieldRef'), true));
    } else {
      errs.push(required(ip, 'one of fieldRef and resourceFieldRef is required'));
    }
    errs.push(...validateDefaultMode(f.mode, ip.child('mode')));
  });
  return errs;
}

function validateOneVolumeSource(kind: (typeof VOLUME_SOURCE_KEYS)[number], v: V1Volume, path: FieldPath): Errs {
  const errs: Errs = [];
  switch (kind) {
    case 'hostPath': {
      const hp = v.hostPath!;
      if (!hp.path) errs.push(required(path.child('path'), ''));
      else errs.push(...validatePathNoBacksteps(hp.path, path.child('path')));
      if (hp.type != null && !HOST_PATH_TYPES.includes(hp.type)) errs.push(notSupported(path.child('type'), hp.type, HOST_PATH_TYPES));
      break;
    }
    case 'emptyDir': {
      const sl = v.emptyDir!.sizeLimit;
      if (sl != null && (typeof sl === 'number' ? sl < 0 : sl.trim().startsWith('-')))
        errs.push(forbidden(path.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
      break;
    }
    case 'secret': {
      const s = v.secret!;
      if (!s.secretName) errs.push(required(path.child('secretName'), ''));
      errs.push(...validateDefaultMode(s.defaultMode, path.child('defaultMode')));
      errs.push(...validateKeyToPaths(s.items, path.child('items')));
      break;
    }
    case 'configMap': {
      const c = v.configMap!;
      if (!c.name) errs.push(required(path.child('name'), ''));
      else errs.push(...msgs(path.child('name'), c.name, nameIsDNSSubdomain(c.name, false)));
      errs.push(...validateDefaultMode(c.defaultMode, path.child('defaultMode')));
      errs.push(...validateKeyToPaths(c.items, path.child('items')));
      break;
    }
    case 'downwardAPI':
      errs.push(...validateDownwardAPIFiles(v.downwardAPI!.items, path.child('items')));
      errs.push(...validateDefaultMode(v.downwardAPI!.defaultMode, path.child('defaultMode')));
      break;
    case 'persistentVolumeClaim':
      if (!v.persistentVolumeClaim!.claimName) errs.push(required(path.child('claimName'), ''));
      break;
    case 'nfs': {
      const nfs = v.nfs!;
      if (!nfs.server) errs.push(required(path.child('server'), ''));
      if (!nfs.path) errs.push(required(path.child('path'), ''));
      else if (!nfs.path.startsWith('/')) errs.push(invalid(path.child('path'), nfs.path, 'must be an absolute path'));
      break;
    }
    case 'projected':
      errs.push(...validateProjected(v, path));
      break;
    case 'csi': {
      const csi = v.csi!;
      if (!csi.driver) errs.push(required(path.child('driver'), ''));
      else if (csi.driver.length > 63) errs.push(fieldTooLong(path.child('driver'), csi.driver, 63));
      else errs.push(...validateDNS1123Subdomain(csi.driver.toLowerCase(), path.child('driver')));
      if (csi.nodePublishSecretRef && !csi.nodePublishSecretRef.name) errs.push(required(path.child('nodePublishSecretRef').child('name'), ''));
      break;
    }
    case 'ephemeral': {
      const tpl = v.ephemeral!.volumeClaimTemplate;
      if (!tpl) errs.push(required(path.child('volumeClaimTemplate'), ''));
      else {
        const tp = path.child('volumeClaimTemplate');
        errs.push(...validateLabels(tpl.metadata?.labels, tp.child('metadata').child('labels')));
        errs.push(...validatePersistentVolumeClaimSpec(tpl.spec ?? {}, tp.child('spec')));
      }
      break;
    }
    case 'image': {
      const img = v.image!;
      if (!img.reference) errs.push(required(path.child('reference'), ''));
      if (img.pullPolicy != null && !PULL_POLICIES.includes(img.pullPolicy)) errs.push(notSupported(path.child('pullPolicy'), img.pullPolicy, PULL_POLICIES));
      break;
    }
    default:
      // Legacy in-tree sources: accepted as opaque objects.
      break;
  }
  return errs;
}

function fieldTooLong(path: FieldPath, value: string, max: number) {
  return invalid(path, value, `must be no more than ${max} characters`);
}

function validateProjected(v: V1Volume, path: FieldPath): Errs {
  const errs: Errs = [];
  const proj = v.projected!;
  const allPaths = new Set<string>();
  arr(proj.sources).forEach((src, i) => {
    const sp = path.child('sources').index(i);
    let n = 0;
    const addPaths = (paths: string[], itemsPath: FieldPath) =>
      paths.forEach((pth, j) => {
        if (allPaths.has(pth)) errs.push(invalid(itemsPath.index(j).child('path'), pth, 'conflicting duplicate paths'));
        allPaths.add(pth);
      });
    if (src.secret) {
      n++;
      const pp = sp.child('secret');
      if (!src.secret.name) errs.push(required(pp.child('name'), ''));
      errs.push(...validateKeyToPaths(src.secret.items, pp.child('items')));
      addPaths(arr(src.secret.items).map((k) => k.path ?? ''), pp.child('items'));
    }
    if (src.configMap) {
      if (n++ > 0) errs.push(forbidden(sp.child('configMap'), 'may not specify more than 1 volume type per source'));
      else {
        const pp = sp.child('configMap');
        if (!src.configMap.name) errs.push(required(pp.child('name'), ''));
        errs.push(...validateKeyToPaths(src.configMap.items, pp.child('items')));
        addPaths(arr(src.configMap.items).map((k) => k.path ?? ''), pp.child('items'));
      }
    }
    if (src.downwardAPI) {
      if (n++ > 0) errs.push(forbidden(sp.child('downwardAPI'), 'may not specify more than 1 volume type per source'));
      else {
        const pp = sp.child('downwardAPI');
        errs.push(...validateDownwardAPIFiles(src.downwardAPI.items, pp.child('items')));
        addPaths(arr(src.downwardAPI.items).map((k) => k.path ?? ''), pp.child('items'));
      }
    }
    if (src.serviceAccountToken) {
      if (n++ > 0) errs.push(forbidden(sp.child('serviceAccountToken'), 'may not specify more than 1 volume type per source'));
      else {
        const pp = sp.child('serviceAccountToken');
        const t = src.serviceAccountToken;
        const exp = t.expirationSeconds ?? 0;
        if (exp < 600) errs.push(invalid(pp.child('expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
        if (exp > 2 ** 32) errs.push(invalid(pp.child('expirationSeconds'), exp, 'may not specify a duration larger than 2^32 seconds'));
        if (!t.path) errs.push(required(pp.child('path'), ''));
        else errs.push(...validateLocalNonReservedPath(t.path, pp.child('path')));
        if (t.path) {
          if (allPaths.has(t.path)) errs.push(invalid(pp.child('path'), t.path, 'conflicting duplicate paths'));
          allPaths.add(t.path);
        }
      }
    }
    if (src.clusterTrustBundle) {
      if (n++ > 0) errs.push(forbidden(sp.child('clusterTrustBundle'), 'may not specify more than 1 volume type per source'));
      else {
        const pp = sp.child('clusterTrustBundle');
        if (!src.clusterTrustBundle.path) errs.push(required(pp.child('path'), ''));
        else errs.push(...validateLocalNonReservedPath(src.clusterTrustBundle.path, pp.child('path')));
      }
    }
  });
  errs.push(...validateDefaultMode(proj.defaultMode, path.child('defaultMode')));
  return errs;
}

// ------------------------------------------------------------------ scheduling

function validateNodeSelectorRequirement(r: V1NodeSelectorRequirement, path: FieldPath): Errs {
  const errs: Errs = [];
  const values = arr(r.values);
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(required(path.child('values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalid(path.child('operator'), r.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(r.key ?? '', path.child('key')));
  return errs;
}

function validateNodeFieldSelectorRequirement(r: V1NodeSelectorRequirement, path: FieldPath): Errs {
  const errs: Errs = [];
  if (r.operator === 'In' || r.operator === 'NotIn') {
    if (arr(r.values).length !== 1) errs.push(required(path.child('values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else errs.push(invalid(path.child('operator'), r.operator ?? '', 'not a valid selector operator'));
  if (r.key !== 'metadata.name') errs.push(notSupported(path.child('key'), r.key ?? '', ['metadata.name']));
  return errs;
}

export function validateNodeSelectorTerm(term: V1NodeSelectorTerm, path: FieldPath): Errs {
  const errs: Errs = [];
  arr(term.matchExpressions).forEach((r, i) => errs.push(...validateNodeSelectorRequirement(r, path.child('matchExpressions').index(i))));
  arr(term.matchFields).forEach((r, i) => errs.push(...validateNodeFieldSelectorRequirement(r, path.child('matchFields').index(i))));
  return errs;
}

function validatePodAffinityTerm(t: V1PodAffinityTerm, path: FieldPath): Errs {
  const errs: Errs = [];
  errs.push(...validateLabelSelector(t.labelSelector, path.child('labelSelector')));
  errs.push(...validateLabelSelector(t.namespaceSelector, path.child('namespaceSelector')));
  for (const ns of arr(t.namespaces)) errs.push(...msgs(path.child('namespace'), ns, nameIsDNSLabel(ns, false)));
  if (!t.topologyKey) errs.push(required(path.child('topologyKey'), 'can not be empty'));
  else errs.push(...validateLabelName(t.topologyKey, path.child('topologyKey')));
  return errs;
}

function validateAffinity(aff: V1Affinity | undefined, path: FieldPath): Errs {
  if (!aff) return [];
  const errs: Errs = [];
  const na = aff.nodeAffinity;
  if (na) {
    const np = path.child('nodeAffinity');
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (req) {
      const rp = np.child('requiredDuringSchedulingIgnoredDuringExecution');
      const terms = arr(req.nodeSelectorTerms);
      if (terms.length === 0) errs.push(required(rp.child('nodeSelectorTerms'), 'must have at least one node selector term'));
      terms.forEach((t, i) => errs.push(...validateNodeSelectorTerm(t, rp.child('nodeSelectorTerms').index(i))));
    }
    arr(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const tp = np.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      const w = t.weight ?? 0;
      if (w <= 0 || w > 100) errs.push(invalid(tp.child('weight'), w, 'must be in the range 1-100'));
      errs.push(...validateNodeSelectorTerm(t.preference ?? {}, tp.child('preference')));
    });
  }
  for (const k of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = aff[k];
    if (!pa) continue;
    const pp = path.child(k);
    arr(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) =>
      errs.push(...validatePodAffinityTerm(t, pp.child('requiredDuringSchedulingIgnoredDuringExecution').index(i))),
    );
    arr(pa.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const tp = pp.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      const w = t.weight ?? 0;
      if (w <= 0 || w > 100) errs.push(invalid(tp.child('weight'), w, 'must be in the range 1-100'));
      errs.push(...validatePodAffinityTerm(t.podAffinityTerm ?? {}, tp.child('podAffinityTerm')));
    });
  }
  return errs;
}

/** ValidateTolerations. */
export function validateTolerations(tolerations: V1Toleration[], path: FieldPath): Errs {
  const errs: Errs = [];
  tolerations.forEach((t, i) => {
    const tp = path.index(i);
    const key = t.key ?? '';
    const op = t.operator ?? '';
    if (key) errs.push(...validateLabelName(key, tp.child('key')));
    if (!key && op !== 'Exists')
      errs.push(invalid(tp.child('operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds != null && t.effect !== 'NoExecute')
      errs.push(invalid(tp.child('effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    switch (op) {
      case 'Equal':
      case '': {
        const m = validateLabels({ x: t.value ?? '' }, tp).filter((e) => e.badValue === (t.value ?? ''));
        if (m.length) errs.push(invalid(tp.child('operator'), t.value ?? '', m.map((e) => e.detail).join(';')));
        break;
      }
      case 'Exists':
        if (t.value) errs.push(invalid(tp.child('operator'), t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(tp.child('operator'), op, ['Equal', 'Exists']));
    }
    if (t.effect) errs.push(...validateTaintEffect(t.effect, true, tp.child('effect')));
  });
  return errs;
}

/** validateTaintEffect. */
export function validateTaintEffect(effect: string, allowEmpty: boolean, path: FieldPath): Errs {
  if (!allowEmpty && !effect) return [required(path, '')];
  return TAINT_EFFECTS.includes(effect) ? [] : [notSupported(path, effect, TAINT_EFFECTS)];
}

function validatePodDNSConfig(spec: V1PodSpec, path: FieldPath): Errs {
  const errs: Errs = [];
  const cfg = spec.dnsConfig;
  if (spec.dnsPolicy === 'None') {
    if (!cfg) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (arr(cfg.nameservers).length === 0)
      return [required(path.child('nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!cfg) return errs;
  const ns = arr(cfg.nameservers);
  if (ns.length > MAX_DNS_NAMESERVERS)
    errs.push(invalid(path.child('nameservers'), ns, `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  ns.forEach((n, i) => errs.push(...validateIP(n, path.child('nameservers').index(i))));
  const searches = arr(cfg.searches);
  if (searches.length > MAX_DNS_SEARCH_PATHS)
    errs.push(invalid(path.child('searches'), searches, `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`));
  if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS)
    errs.push(invalid(path.child('searches'), searches, `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`));
  searches.forEach((s, i) => {
    errs.push(...validateDNS1123Subdomain(s.replace(/\.$/, ''), path.child('searches').index(i)));
  });
  arr(cfg.options).forEach((o, i) => {
    if (!o.name) errs.push(required(path.child('options').index(i), 'must not be empty'));
  });
  return errs;
}

function validateSchedulingGates(spec: V1PodSpec, path: FieldPath): Errs {
  const errs: Errs = [];
  const seen = new Set<string>();
  arr(spec.schedulingGates).forEach((g, i) => {
    errs.push(...validateQualifiedName(g.name ?? '', path.index(i)));
    if (seen.has(g.name ?? '')) errs.push(duplicate(path.index(i), g.name ?? ''));
    seen.add(g.name ?? '');
  });
  return errs;
}

function validateTopologySpreadConstraints(spec: V1PodSpec, path: FieldPath): Errs {
  const errs: Errs = [];
  const list = arr(spec.topologySpreadConstraints);
  list.forEach((c, i) => {
    const cp = path.index(i);
    if ((c.maxSkew ?? 0) <= 0) errs.push(invalid(cp.child('maxSkew'), c.maxSkew ?? 0, IS_NOT_POSITIVE));
    if (!c.topologyKey) errs.push(required(cp.child('topologyKey'), 'can not be empty'));
    else errs.push(...validateLabelName(c.topologyKey, cp.child('topologyKey')));
    const w = c.whenUnsatisfiable ?? '';
    if (w !== 'DoNotSchedule' && w !== 'ScheduleAnyway') errs.push(notSupported(cp.child('whenUnsatisfiable'), w, ['DoNotSchedule', 'ScheduleAnyway']));
    if (list.slice(i + 1).some((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable))
      errs.push(duplicate(cp.child('{topologyKey, whenUnsatisfiable}'), `{${c.topologyKey ?? ''}, ${w}}`));
    if (c.minDomains != null) {
      if (c.minDomains <= 0) errs.push(invalid(cp.child('minDomains'), c.minDomains, IS_NOT_POSITIVE));
      if (w !== 'DoNotSchedule')
        errs.push(invalid(cp.child('minDomains'), c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${w}`));
    }
    for (const k of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const v = c[k];
      if (v != null && v !== 'Honor' && v !== 'Ignore') errs.push(notSupported(cp.child(k), v, ['Honor', 'Ignore']));
    }
    const selectorKeys = new Set(Object.keys(c.labelSelector?.matchLabels ?? {}));
    for (const e of arr(c.labelSelector?.matchExpressions)) selectorKeys.add(e.key ?? '');
    arr(c.matchLabelKeys).forEach((k, j) => {
      const kp = cp.child('matchLabelKeys').index(j);
      const ke = validateLabelName(k, kp);
      errs.push(...ke);
      if (!ke.length && selectorKeys.has(k)) errs.push(invalid(kp, k, 'exists in both matchLabelKeys and labelSelector'));
    });
    errs.push(...validateLabelSelector(c.labelSelector, cp.child('labelSelector')));
  });
  return errs;
}

function validatePodResourceClaims(spec: V1PodSpec, path: FieldPath): Errs {
  const errs: Errs = [];
  const names = new Set<string>();
  arr(spec.resourceClaims).forEach((c, i) => {
    const cp = path.index(i);
    if (!c.name) errs.push(required(cp.child('name'), ''));
    else if (names.has(c.name)) errs.push(duplicate(cp.child('name'), c.name));
    else {
      errs.push(...validateDNS1123Label(c.name, cp.child('name')));
      names.add(c.name);
    }
    const hasName = c.resourceClaimName != null;
    const hasTpl = c.resourceClaimTemplateName != null;
    if (hasName && hasTpl)
      errs.push(invalid(cp, c, 'at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified'));
    if (!hasName && !hasTpl) errs.push(invalid(cp, c, 'must specify one of: `resourceClaimName`, `resourceClaimTemplateName`'));
    if (hasName) errs.push(...msgs(cp.child('resourceClaimName'), c.resourceClaimName, nameIsDNSSubdomain(c.resourceClaimName!, false)));
    if (hasTpl)
      errs.push(...msgs(cp.child('resourceClaimTemplateName'), c.resourceClaimTemplateName, nameIsDNSSubdomain(c.resourceClaimTemplateName!, false)));
  });
  return errs;
}

// ------------------------------------------------------------------ annotations

/** ValidatePodSpecificAnnotations: mirror pods, deletion cost, seccomp and AppArmor annotations. */
export function validatePodSpecificAnnotations(annotations: Record<string, string> | undefined, spec: V1PodSpec, path: FieldPath): Errs {
  const errs: Errs = [];
  const a = annotations ?? {};
  const mirror = a['kubernetes.io/config.mirror'];
  if (mirror != null && !spec.nodeName)
    errs.push(invalid(path.key('kubernetes.io/config.mirror'), mirror, 'must set spec.nodeName if mirror pod annotation is set'));
  const cost = a['controller.kubernetes.io/pod-deletion-cost'];
  if (cost != null && !/^[+-]?\d+$/.test(cost.trim()) || (cost != null && Math.abs(Number(cost)) > MAX_INT32 + 1))
    errs.push(invalid(path.key('controller.kubernetes.io/pod-deletion-cost'), cost, 'must be a 32bit integer'));
  for (const [k, v] of Object.entries(a)) {
    if (k === 'seccomp.security.alpha.kubernetes.io/pod' || k.startsWith('container.seccomp.security.alpha.kubernetes.io/')) {
      if (v === 'runtime/default' || v === 'docker/default' || v === 'unconfined') continue;
      if (v.startsWith('localhost/')) errs.push(...validateLocalDescendingPath(v.slice('localhost/'.length), path.child(k)));
      else errs.push(invalid(path.child(k), v, 'must be a valid seccomp profile'));
    }
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/')) {
      const container = k.slice('container.apparmor.security.beta.kubernetes.io/'.length);
      const all = [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)];
      if (!all.some((c) => c.name === container)) errs.push(invalid(path.key(k), container, 'container not found'));
      if (v && v !== 'runtime/default' && v !== 'unconfined' && !v.startsWith('localhost/'))
        errs.push(invalid(path.key(k), v, `invalid AppArmor profile name: ${JSON.stringify(v)}`));
    }
  }
  return errs;
}
