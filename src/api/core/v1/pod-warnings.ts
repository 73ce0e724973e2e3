/**
 * Non-fatal pod remarks, as upstream's GetWarningsForPod / GetWarningsForPodTemplate
 * (pkg/api/pod/warnings.go): deprecated node labels and volume types, shadowed env vars, duplicate
 * ports, fractional memory, negative grace periods, deprecated annotations.
 */
import type { ObjectMeta } from '../../types.js';
import type { V1Pod, V1PodSpec, V1PodTemplateSpec } from './pod-types.js';
import { parseResourceList } from './resources-validation.js';

const DEPRECATED_NODE_LABELS: Record<string, string> = {
  'beta.kubernetes.io/arch': 'deprecated since v1.14; use "kubernetes.io/arch" instead',
  'beta.kubernetes.io/os': 'deprecated since v1.14; use "kubernetes.io/os" instead',
  'failure-domain.beta.kubernetes.io/region': 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  'failure-domain.beta.kubernetes.io/zone': 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  'beta.kubernetes.io/instance-type': 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
};

const DEPRECATED_VOLUMES: Record<string, string> = {
  gitRepo: 'deprecated in v1.11',
  photonPersistentDisk: 'deprecated in v1.11, non-functional in v1.16+',
  scaleIO: 'deprecated in v1.16, non-functional in v1.22+',
  flocker: 'deprecated in v1.22, support removal is planned in v1.26',
  storageos: 'deprecated in v1.22, support removal is planned in v1.26',
  quobyte: 'deprecated in v1.22, support removal is planned in v1.26',
  glusterfs: 'deprecated in v1.25, this feature will be removed in a future release',
  cephfs: 'deprecated in v1.28, non-functional in v1.31+',
  rbd: 'deprecated in v1.28, non-functional in v1.31+',
};

/** Warnings for a pod (paths under `spec`, `metadata`). */
export function podWarnings(pod: V1Pod, old?: V1Pod): string[] {
  const w = podSpecWarnings(pod.spec ?? {}, pod.metadata, 'metadata', 'spec');
  if (old) {
    // Upstream only warns about what the update introduced.
    const before = new Set(podSpecWarnings(old.spec ?? {}, old.metadata, 'metadata', 'spec'));
    return w.filter((x) => !before.has(x));
  }
  return w;
}

/** Warnings for a pod template at `path` (e.g. `spec.template`), for apps/batch kinds. */
export function podTemplateWarnings(tpl: V1PodTemplateSpec | undefined, path: string): string[] {
  if (!tpl) return [];
  return podSpecWarnings(tpl.spec ?? {}, tpl.metadata ?? {}, `${path}.metadata`, `${path}.spec`);
}

function podSpecWarnings(spec: V1PodSpec, meta: ObjectMeta, metaPath: string, specPath: string): string[] {
  const w: string[] = [];
  for (const k of Object.keys(meta.annotations ?? {})) {
    if (k === 'seccomp.security.alpha.kubernetes.io/pod' || k.startsWith('container.seccomp.security.alpha.kubernetes.io/'))
      w.push(`${metaPath}.annotations[${k}]: non-functional in v1.27+; use the "seccompProfile" field instead`);
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/'))
      w.push(`${metaPath}.annotations[${k}]: deprecated since v1.30; use the "appArmorProfile" field instead`);
  }
  for (const k of Object.keys(spec.nodeSelector ?? {}))
    if (DEPRECATED_NODE_LABELS[k]) w.push(`${specPath}.nodeSelector[${k}]: ${DEPRECATED_NODE_LABELS[k]}`);
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  terms.forEach((t, i) =>
    (t.matchExpressions ?? []).forEach((e, j) => {
      const msg = DEPRECATED_NODE_LABELS[e.key ?? ''];
      if (msg)
        w.push(`${specPath}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}].matchExpressions[${j}].key: ${e.key} is ${msg}`);
    }),
  );
  (spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) =>
    (t.preference?.matchExpressions ?? []).forEach((e, j) => {
      const msg = DEPRECATED_NODE_LABELS[e.key ?? ''];
      if (msg)
        w.push(`${specPath}.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}].preference.matchExpressions[${j}].key: ${e.key} is ${msg}`);
    }),
  );
  (spec.volumes ?? []).forEach((v, i) => {
    for (const [k, msg] of Object.entries(DEPRECATED_VOLUMES)) if (v[k] != null) w.push(`${specPath}.volumes[${i}].${k}: ${msg}`);
  });
  if (spec.terminationGracePeriodSeconds != null && spec.terminationGracePeriodSeconds < 0)
    w.push(`${specPath}.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1`);
  for (const [kind, list] of [['initContainers', spec.initContainers ?? []], ['containers', spec.containers ?? []]] as const) {
    list.forEach((c, ci) => {
      const cp = `${specPath}.${kind}[${ci}]`;
      for (const part of ['limits', 'requests'] as const) {
        const q = parseResourceList(c.resources?.[part]).get('memory');
        if (q && q.milliValue() % 1000n !== 0n)
          w.push(`${cp}.resources.${part}[memory]: fractional byte value "${q.toString()}" is invalid, must be an integer`);
      }
      const seenEnv = new Map<string, number>();
      (c.env ?? []).forEach((e, i) => {
        const name = e.name ?? '';
        if (seenEnv.has(name)) w.push(`${cp}.env[${i}]: hides previous definition of "${name}", which may be dropped when using apply`);
        seenEnv.set(name, i);
      });
      const seenPorts = new Map<string, number>();
      (c.ports ?? []).forEach((p, i) => {
        const key = `${p.containerPort ?? 0}/${p.protocol ?? 'TCP'}`;
        const prev = seenPorts.get(key);
        if (prev !== undefined) w.push(`${cp}.ports[${i}]: duplicate port definition with ${cp}.ports[${prev}]`);
        else seenPorts.set(key, i);
      });
    });
  }
  return w;
}
