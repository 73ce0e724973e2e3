/**
 * The Node authorizer's graph (upstream plugin/pkg/auth/authorizer/node graph.go and
 * graph_populator.go), reduced to what the decisions need: which node may read which object.
 *
 * Edges, as upstream: a pod bound to a node (spec.nodeName set) links that node to the secrets,
 * configmaps, PVCs and its service account the pod references (same namespace as the pod); a PV
 * links to the PVC of its spec.claimRef, so a node reaches a PV through a PVC one of its pods
 * uses, and a PV's own secret references (csi.*SecretRef and the legacy sources' secretRef) are
 * reachable the same way. A pod without spec.nodeName adds nothing. Pods are referenced by
 * namespace/name; an update replaces the pod's edges whole.
 *
 * Contract: `hasPath(node, kind, namespace, name)` is true iff some pod now in the graph and bound
 * to `node` references that object (directly, or for a PV through its claim; for a PV's secret
 * through the PV). Costs: put/delete O(references of the object), hasPath O(1) (PV: O(1) too).
 * Pure.
 */
import type { KubeObject } from '../../api/types.js';
import type { V1Container, V1Pod, V1Volume } from '../../api/core/v1/pod-types.js';

export type GraphKind = 'secret' | 'configmap' | 'pvc' | 'pv' | 'serviceaccount';

/** Secrets (secret, configmap, pvc, serviceaccount names) one pod references; each name once. */
export interface PodReferences {
  secrets: string[];
  configmaps: string[];
  pvcs: string[];
  serviceaccounts: string[];
}

/** Legacy in-tree volume sources with a `secretRef: {name}` (upstream VisitPodSecretNames). */
const SECRET_REF_SOURCES = ['cephfs', 'cinder', 'flexVolume', 'iscsi', 'rbd', 'scaleIO', 'storageos'] as const;
/** CSI secret references of a PersistentVolume (upstream AddPV visits them all). */
const PV_CSI_SECRET_REFS = ['controllerPublishSecretRef', 'nodeStageSecretRef', 'nodePublishSecretRef', 'controllerExpandSecretRef', 'nodeExpandSecretRef'] as const;

function refName(v: unknown, field = 'name'): string | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const n = (v as Record<string, unknown>)[field];
  return typeof n === 'string' && n ? n : undefined;
}

/** What a pod references, as upstream's podutil.VisitPodSecretNames / VisitPodConfigmapNames do. */
export function podReferences(pod: V1Pod): PodReferences {
  const secrets = new Set<string>();
  const configmaps = new Set<string>();
  const pvcs = new Set<string>();
  const add = (set: Set<string>, n: string | undefined) => {
    if (n) set.add(n);
  };
  const spec = pod.spec ?? {};
  for (const s of spec.imagePullSecrets ?? []) add(secrets, s.name);
  const containers: V1Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...((spec.ephemeralContainers ?? []) as V1Container[])];
  for (const c of containers) {
    for (const e of c.envFrom ?? []) {
      add(secrets, e.secretRef?.name);
      add(configmaps, e.configMapRef?.name);
    }
    for (const e of c.env ?? []) {
      add(secrets, e.valueFrom?.secretKeyRef?.name);
      add(configmaps, e.valueFrom?.configMapKeyRef?.name);
    }
  }
  const podName = pod.metadata.name ?? '';
  for (const v of (spec.volumes ?? []) as (V1Volume & Record<string, unknown>)[]) {
    add(secrets, v.secret?.secretName);
    add(configmaps, v.configMap?.name);
    for (const src of v.projected?.sources ?? []) {
      add(secrets, src.secret?.name);
      add(configmaps, src.configMap?.name);
    }
    add(secrets, refName(v.csi?.nodePublishSecretRef));
    add(secrets, refName(v['azureFile'], 'secretName'));
    for (const k of SECRET_REF_SOURCES) add(secrets, refName(refObj(v[k])));
    add(pvcs, v.persistentVolumeClaim?.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume> (upstream ephemeral.VolumeClaimName).
    if (v.ephemeral && podName && v.name) pvcs.add(`${podName}-${v.name}`);
  }
  const sa = spec.serviceAccountName;
  return { secrets: [...secrets], configmaps: [...configmaps], pvcs: [...pvcs], serviceaccounts: sa ? [sa] : [] };
}

function refObj(source: unknown): unknown {
  return source && typeof source === 'object' ? (source as Record<string, unknown>)['secretRef'] : undefined;
}

interface PodEntry {
  node: string;
  keys: string[];
}

interface PvEntry {
  /** `pvc/<ns>/<name>` of spec.claimRef, or undefined. */
  claim: string | undefined;
  secretKeys: string[];
}

const key = (kind: GraphKind, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

export class NodeGraph {
  private readonly pods = new Map<string, PodEntry>();
  /** object key → node → number of pods on that node referencing it. */
  private readonly refs = new Map<string, Map<string, number>>();
  private readonly pvs = new Map<string, PvEntry>();
  /** secret key → names of PVs referencing it. */
  private readonly pvSecrets = new Map<string, Set<string>>();

  /** Adds or replaces a pod's edges (a pod without spec.nodeName has none). */
  putPod(obj: KubeObject): void {
    const pod = obj as V1Pod;
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    this.deletePod(ns, name);
    const node = pod.spec?.nodeName;
    if (!node || !name) return;
    const r = podReferences(pod);
    const keys = [
      ...r.secrets.map((n) => key('secret', ns, n)),
      ...r.configmaps.map((n) => key('configmap', ns, n)),
      ...r.pvcs.map((n) => key('pvc', ns, n)),
      ...r.serviceaccounts.map((n) => key('serviceaccount', ns, n)),
    ];
    this.pods.set(`${ns}/${name}`, { node, keys });
    for (const k of keys) {
      let m = this.refs.get(k);
      if (!m) this.refs.set(k, (m = new Map()));
      m.set(node, (m.get(node) ?? 0) + 1);
    }
  }

  deletePod(namespace: string, name: string): void {
    const id = `${namespace}/${name}`;
    const e = this.pods.get(id);
    if (!e) return;
    this.pods.delete(id);
    for (const k of e.keys) {
      const m = this.refs.get(k);
      if (!m) continue;
      const n = (m.get(e.node) ?? 0) - 1;
      if (n > 0) m.set(e.node, n);
      else m.delete(e.node);
      if (m.size === 0) this.refs.delete(k);
    }
  }

  /** Adds or replaces a PersistentVolume's edges (claimRef, secret references). */
  putPV(obj: KubeObject): void {
    const name = obj.metadata.name ?? '';
    this.deletePV(name);
    if (!name) return;
    const spec = ((obj as { spec?: Record<string, unknown> }).spec ?? {}) as Record<string, unknown>;
    const claimRef = spec['claimRef'] as { namespace?: string; name?: string } | undefined;
    const claim = claimRef?.name && claimRef.namespace ? key('pvc', claimRef.namespace, claimRef.name) : undefined;
    const secretKeys: string[] = [];
    const addSecret = (ref: unknown, defaultNs: string | undefined) => {
      if (!ref || typeof ref !== 'object') return;
      const r = ref as { name?: unknown; namespace?: unknown };
      const ns = typeof r.namespace === 'string' && r.namespace ? r.namespace : defaultNs;
      if (typeof r.name === 'string' && r.name && ns) secretKeys.push(key('secret', ns, r.name));
    };
    const csi = spec['csi'] as Record<string, unknown> | undefined;
    for (const f of PV_CSI_SECRET_REFS) addSecret(csi?.[f], undefined);
    for (const k of SECRET_REF_SOURCES) addSecret(refObj(spec[k]), claimRef?.namespace);
    const az = spec['azureFile'] as { secretName?: unknown; secretNamespace?: unknown } | undefined;
    if (az) addSecret({ name: az.secretName, namespace: az.secretNamespace }, claimRef?.namespace);
    this.pvs.set(name, { claim, secretKeys });
    for (const s of secretKeys) {
      let set = this.pvSecrets.get(s);
      if (!set) this.pvSecrets.set(s, (set = new Set()));
      set.add(name);
    }
  }

  deletePV(name: string): void {
    const e = this.pvs.get(name);
    if (!e) return;
    this.pvs.delete(name);
    for (const s of e.secretKeys) {
      const set = this.pvSecrets.get(s);
      set?.delete(name);
      if (set && set.size === 0) this.pvSecrets.delete(s);
    }
  }

  clearPods(): void {
    this.pods.clear();
    this.refs.clear();
  }

  clearPVs(): void {
    this.pvs.clear();
    this.pvSecrets.clear();
  }

  /** Whether `node` reaches the object (see the contract above). PVs are cluster-scoped: namespace ''. */
  hasPath(node: string, kind: GraphKind, namespace: string, name: string): boolean {
    if (kind === 'pv') return this.pvReachable(node, name);
    if ((this.refs.get(key(kind, namespace, name))?.get(node) ?? 0) > 0) return true;
    if (kind === 'secret') for (const pv of this.pvSecrets.get(key('secret', namespace, name)) ?? []) if (this.pvReachable(node, pv)) return true;
    return false;
  }

  private pvReachable(node: string, pv: string): boolean {
    const claim = this.pvs.get(pv)?.claim;
    return claim !== undefined && (this.refs.get(claim)?.get(node) ?? 0) > 0;
  }

  size(): { pods: number; objects: number; pvs: number } {
    return { pods: this.pods.size, objects: this.refs.size, pvs: this.pvs.size };
  }
}
