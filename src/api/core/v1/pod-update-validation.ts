/**
 * Pod create/update/status rules beyond ValidatePodSpec: ValidatePodCreate, ValidatePodUpdate (spec
 * immutability with upstream's message) and ValidatePodStatusUpdate.
 */
import { fieldErrors } from '../../../lib/field-error.js';
import type { V1Container, V1Pod, V1PodSpec, V1Toleration } from './pod-types.js';
import { validatePodSpec, validatePodSpecificAnnotations, validateTolerations } from './pod-validation.js';
import {
  type Errs,
  FieldPath,
  arr,
  forbidden,
  invalid,
  msgs,
  nameIsDNSSubdomain,
  validateIP,
  validateQualifiedName,
  isIPv4,
} from './validation-util.js';

const MAX_INT32 = 2147483647;

/** The fields a pod update may change, in upstream's wording. */
export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/**
 * validatePodMetadataAndSpec (minus generic metadata), run on create and on every update of the
 * main resource: pod-specific annotations, the spec as a pod, pod-only container rules.
 * (Upstream also forbids ephemeral containers on create; here they are only checked structurally.)
 */
export function validatePod(pod: V1Pod): Errs {
  const errs: Errs = [];
  const spec = pod.spec ?? {};
  const sp = FieldPath.root('spec');
  errs.push(...validatePodSpecificAnnotations(pod.metadata.annotations, spec, FieldPath.root('metadata').child('annotations')));
  errs.push(...validatePodSpec(spec, sp, { resourceIsPod: true }, pod.metadata));
  for (const [k, list] of [['containers', arr(spec.containers)], ['initContainers', arr(spec.initContainers)]] as const)
    list.forEach((c: V1Container, i: number) => {
      if (c.image && c.image !== c.image.trim())
        errs.push(invalid(sp.child(k).index(i).child('image'), c.image, 'must not have leading or trailing whitespace'));
    });
  return errs;
}

function tolerationKey(t: V1Toleration): string {
  return JSON.stringify([t.key ?? '', t.operator ?? '', t.value ?? '', t.effect ?? '']);
}

/** validateOnlyAddedTolerations: every old toleration must survive (tolerationSeconds may change). */
function validateOnlyAddedTolerations(newT: V1Toleration[], oldT: V1Toleration[], path: FieldPath): Errs {
  const errs: Errs = [];
  oldT.forEach((o, i) => {
    if (!newT.some((n) => tolerationKey(n) === tolerationKey(o))) errs.push(forbidden(path.index(i), 'existing toleration can not be modified except its tolerationSeconds'));
  });
  errs.push(...validateTolerations(newT, path));
  return errs;
}

/**
 * ValidatePodUpdate's update-only rules (validatePod covers the rest): only the updatable fields
 * may change; any other change gives `spec: Forbidden: pod updates may not change fields other than ...`.
 */
export function validatePodUpdate(pod: V1Pod, old: V1Pod): Errs {
  const errs: Errs = [];
  const sp = FieldPath.root('spec');
  const ns = pod.spec ?? {};
  const os = old.spec ?? {};
  errs.push(...validatePodAnnotationUpdates(pod, old));
  if (arr(ns.containers).length !== arr(os.containers).length) {
    errs.push(forbidden(sp.child('containers'), 'pod updates may not add or remove containers'));
    return errs;
  }
  if (arr(ns.initContainers).length !== arr(os.initContainers).length) {
    errs.push(forbidden(sp.child('initContainers'), 'pod updates may not add or remove containers'));
    return errs;
  }
  for (const k of ['containers', 'initContainers'] as const)
    arr(ns[k]).forEach((c, i) => {
      if (!c.image) errs.push(fieldErrors.required(String(sp.child(k).index(i).child('image')), ''));
    });
  if (ns.activeDeadlineSeconds != null) {
    const v = ns.activeDeadlineSeconds;
    if (v < 0 || v > MAX_INT32) return [...errs, invalid(sp.child('activeDeadlineSeconds'), v, `must be between 0 and ${MAX_INT32}, inclusive`)];
    if (os.activeDeadlineSeconds != null && os.activeDeadlineSeconds < v)
      return [...errs, invalid(sp.child('activeDeadlineSeconds'), v, 'must be less than or equal to previous value')];
  } else if (os.activeDeadlineSeconds != null) {
    errs.push(invalid(sp.child('activeDeadlineSeconds'), null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(arr(ns.tolerations), arr(os.tolerations), sp.child('tolerations')));

  // Munge the updatable fields from the old spec, then compare.
  const munged: V1PodSpec = structuredClone(ns);
  const copyImages = (dst: V1Container[] | undefined, src: V1Container[] | undefined) => {
    arr(dst).forEach((c, i) => {
      const o = arr(src)[i];
      if (o) c.image = o.image;
    });
  };
  copyImages(munged.containers, os.containers);
  copyImages(munged.initContainers, os.initContainers);
  munged.activeDeadlineSeconds = os.activeDeadlineSeconds;
  munged.tolerations = os.tolerations;
  if (os.terminationGracePeriodSeconds != null && os.terminationGracePeriodSeconds < 0 && ns.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = os.terminationGracePeriodSeconds;
  // Ephemeral containers change only through their own subresource; scheduling gates may be removed.
  munged.ephemeralContainers = os.ephemeralContainers;
  if (arr(os.schedulingGates).length > 0) munged.schedulingGates = os.schedulingGates;
  const diff = specDiff(os, munged);
  if (diff.length > 0)
    errs.push(forbidden(sp, `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${renderDiff(diff)}`));
  return errs;
}

const MIRROR = 'kubernetes.io/config.mirror';
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** ValidatePodSpecificAnnotationUpdates: mirror-pod and AppArmor annotations are fixed at creation. */
function validatePodAnnotationUpdates(pod: V1Pod, old: V1Pod): Errs {
  const errs: Errs = [];
  const ap = FieldPath.root('metadata').child('annotations');
  const na = pod.metadata.annotations ?? {};
  const oa = old.metadata.annotations ?? {};
  for (const [k, v] of Object.entries(oa)) {
    if (k in na && na[k] === v) continue;
    if (k.startsWith(APPARMOR_PREFIX)) errs.push(forbidden(ap.key(k), 'may not remove or update AppArmor annotations'));
    if (k === MIRROR) errs.push(forbidden(ap.key(k), 'may not remove or update mirror pod annotation'));
  }
  for (const k of Object.keys(na)) {
    if (k in oa) continue;
    if (k.startsWith(APPARMOR_PREFIX)) errs.push(forbidden(ap.key(k), 'may not add AppArmor annotations'));
    if (k === MIRROR) errs.push(forbidden(ap.key(k), 'may not add mirror pod annotation'));
  }
  return errs;
}

/** Semantic equality treats null, absent and empty lists alike (Go's nil vs empty slice/map). */
function norm(v: unknown): unknown {
  if (v === null || (Array.isArray(v) && v.length === 0)) return undefined;
  return v;
}

/** Leaf-level differences between two JSON values, as `path: old → new`. */
function specDiff(a: unknown, b: unknown, path = 'spec', out: string[] = []): string[] {
  if (out.length >= 20) return out;
  a = norm(a);
  b = norm(b);
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a) && Array.isArray(b)) {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n; i++) specDiff(a[i], b[i], `${path}[${i}]`, out);
    } else {
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) specDiff(ao[k], bo[k], `${path}.${k}`, out);
    }
    return out;
  }
  out.push(`${path}: ${JSON.stringify(a) ?? '<unset>'} → ${JSON.stringify(b) ?? '<unset>'}`);
  return out;
}

function renderDiff(lines: string[]): string {
  return lines.map((l) => `  ${l}`).join('\n');
}

const SYSTEM_POD_CONDITIONS = new Set(['ContainersReady', 'Initialized', 'Ready', 'PodScheduled', 'DisruptionTarget', 'PodReadyToStartContainers']);

/** ValidatePodStatusUpdate (status subresource writes). */
export function validatePodStatusUpdate(pod: V1Pod, old: V1Pod): Errs {
  const errs: Errs = [];
  const st = pod.status ?? {};
  const sp = FieldPath.root('status');
  arr(st.conditions).forEach((c, i) => {
    if (!SYSTEM_POD_CONDITIONS.has(c.type ?? '')) errs.push(...validateQualifiedName(c.type ?? '', sp.child('conditions').index(i).child('Type')));
  });
  if ((pod.spec?.nodeName ?? '') !== (old.spec?.nodeName ?? '')) errs.push(forbidden(sp.child('nodeName'), 'may not be changed directly'));
  if (st.nominatedNodeName && st.nominatedNodeName !== old.status?.nominatedNodeName)
    errs.push(...msgs(sp.child('nominatedNodeName'), st.nominatedNodeName, nameIsDNSSubdomain(st.nominatedNodeName, false)));
  if (old.spec?.restartPolicy === 'Never') {
    const oldStatuses = new Map(arr(old.status?.containerStatuses).map((c) => [c.name, c]));
    arr(st.containerStatuses).forEach((c, i) => {
      const o = oldStatuses.get(c.name);
      if (o?.state?.terminated && !c.state?.terminated)
        errs.push(forbidden(sp.child('containerStatuses').index(i).child('state'), 'may not be transitioned to non-terminated state'));
    });
  }
  for (const [field, list, single] of [
    ['podIPs', arr(st.podIPs), st.podIP],
    ['hostIPs', arr(st.hostIPs), st.hostIP],
  ] as const) {
    if (list.length === 0) continue;
    const lp = sp.child(field);
    if (single && list[0]?.ip !== single) errs.push(invalid(lp.index(0).child('ip'), list[0]?.ip ?? '', `must be equal to ${field === 'podIPs' ? 'podIP' : 'hostIP'}`));
    list.forEach((ip, i) => errs.push(...validateIP(ip.ip ?? '', lp.index(i))));
    if (list.length > 2) errs.push(invalid(lp, list, 'may specify no more than one IP for each IP family'));
    else if (list.length === 2 && isIPv4(list[0]!.ip ?? '') === isIPv4(list[1]!.ip ?? ''))
      errs.push(invalid(lp, list, 'may specify no more than one IP for each IP family'));
  }
  return errs;
}

/**
 * ValidatePodEphemeralContainersUpdate (pods/ephemeralcontainers): ephemeral containers may only be
 * added; existing ones may be neither changed nor removed; static pods take none.
 */
export function validatePodEphemeralContainersUpdate(pod: V1Pod, old: V1Pod): Errs {
  if (old.metadata.annotations?.['kubernetes.io/config.mirror'] != null)
    return [forbidden(FieldPath.root(''), 'static pods do not support ephemeral containers')];
  const errs: Errs = [];
  const sp = FieldPath.root('spec').child('ephemeralContainers');
  const byName = new Map(arr(pod.spec?.ephemeralContainers).map((c) => [c.name ?? '', c]));
  for (const o of arr(old.spec?.ephemeralContainers)) {
    const n = byName.get(o.name ?? '');
    if (!n) errs.push(forbidden(sp, `existing ephemeral containers ${JSON.stringify(o.name ?? '')} may not be removed\n`));
    else {
      const diff = specDiff(o, n, 'ephemeralContainer');
      if (diff.length) errs.push(forbidden(sp, `existing ephemeral containers ${JSON.stringify(o.name ?? '')} may not be changed\n${renderDiff(diff)}`));
    }
  }
  return errs;
}
