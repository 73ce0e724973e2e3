/**
 * NodeRestriction admission (upstream plugin/pkg/admission/noderestriction): limits what a node
 * agent — a user named `system:node:<name>` in the group `system:nodes` — may write, so that a
 * stolen node credential cannot take over other nodes or steer workloads to itself:
 *
 * - nodes: only its own Node (create, update, status, delete); on create no forbidden labels
 *   (`node-restriction.kubernetes.io/*`, and `kubernetes.io` / `k8s.io` labels other than the
 *   kubelet's own set); on update neither its taints nor forbidden labels may change;
 * - pods: create only mirror pods bound to itself (owned by its Node, no secrets, config maps,
 *   service accounts, PVCs or cluster trust bundles); delete only pods bound to itself; update only
 *   the status of pods bound to itself (not their labels); evict only pods bound to itself; no other
 *   pod subresource;
 * - persistentvolumeclaims: only status.capacity / status.conditions (and allocated resources);
 * - serviceaccounts/token: only tokens bound to a pod bound to itself;
 * - leases: only in kube-node-lease and only the one named like itself; csinodes: only its own.
 *
 * Everything else, and every request of a user that is not a node, passes untouched: deciding
 * whether the node may act at all is authorization's business. Refusals are 403 Forbidden with
 * upstream's messages. The plugin runs in the mutating phase, as upstream's, and changes nothing.
 */
import type { KubeObject } from '../../../api/types.js';
import type { V1Container, V1Pod, V1Volume } from '../../../api/core/v1/index.js';
import { R, type GVR } from '../../../client/types.js';
import { forbidden, notFound, type ApiError } from '../../../lib/errors.js';
import { jsonEqual } from '../../../lib/patch/json.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import type { AdmissionObjectReader } from './access.js';

export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const NODE_RESTRICTION_LABEL_NAMESPACE = 'node-restriction.kubernetes.io';

/** Labels a kubelet may set on its own Node (k8s.io/kubelet/pkg/apis well_known_labels.go). */
const KUBELET_LABELS: ReadonlySet<string> = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
/** Label namespaces (and their subdomains) a kubelet may set. */
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

/**
 * The node a user acts for (upstream's default NodeIdentifier): `{ isNode: false }` unless the name
 * starts with `system:node:` and the groups contain `system:nodes`; then the rest of the name
 * (possibly empty, which the plugin refuses).
 */
export function nodeIdentity(user: { username: string; groups: readonly string[] } | undefined): { isNode: false } | { isNode: true; nodeName: string } {
  if (!user || !user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return { isNode: false };
  return { isNode: true, nodeName: user.username.slice(NODE_USER_PREFIX.length) };
}

function labelNamespace(key: string): string {
  const i = key.indexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

const inDomain = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

/** True for the labels a kubelet may set on its own Node (`--node-labels` accepts exactly these). */
export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((d) => inDomain(ns, d));
}

/** The keys among `modified` a node may not add, change or remove on its own Node, sorted. */
export function forbiddenNodeLabels(modified: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const key of modified) {
    const ns = labelNamespace(key);
    if (inDomain(ns, NODE_RESTRICTION_LABEL_NAMESPACE)) out.add(key);
    const kubernetesLabel = inDomain(ns, 'kubernetes.io') || inDomain(ns, 'k8s.io');
    if (kubernetesLabel && !isKubeletLabel(key)) out.add(key);
  }
  return [...out].sort();
}

/** Keys whose value differs between `a` and `b` (added, removed or changed). */
export function modifiedLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): Set<string> {
  const out = new Set<string>();
  const x = a ?? {};
  const y = b ?? {};
  for (const k of Object.keys(x)) if (!(k in y) || x[k] !== y[k]) out.add(k);
  for (const k of Object.keys(y)) if (!(k in x) || x[k] !== y[k]) out.add(k);
  return out;
}

/** Whether a pod names any Secret (image pull secrets, env, envFrom, volumes of every kind). */
export function podReferencesSecrets(pod: V1Pod): boolean {
  const spec = pod.spec;
  if (!spec) return false;
  if ((spec.imagePullSecrets ?? []).some((s) => s.name)) return true;
  if (allContainers(pod).some((c) => (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef) || (c.envFrom ?? []).some((e) => e.secretRef))) return true;
  return (spec.volumes ?? []).some((v) => volumeReferencesSecret(v));
}

/** Whether a pod names any ConfigMap (env, envFrom, configMap and projected volumes). */
export function podReferencesConfigMaps(pod: V1Pod): boolean {
  const spec = pod.spec;
  if (!spec) return false;
  if (allContainers(pod).some((c) => (c.env ?? []).some((e) => e.valueFrom?.configMapKeyRef) || (c.envFrom ?? []).some((e) => e.configMapRef))) return true;
  return (spec.volumes ?? []).some((v) => {
    const vol = v as unknown as Record<string, Record<string, unknown> | undefined>;
    if (vol['configMap']) return true;
    const sources = (vol['projected']?.['sources'] ?? []) as Record<string, unknown>[];
    return sources.some((s) => s['configMap']);
  });
}

function allContainers(pod: V1Pod): V1Container[] {
  const s = pod.spec!;
  return [...(s.initContainers ?? []), ...(s.containers ?? []), ...((s.ephemeralContainers ?? []) as V1Container[])];
}

/** Volume sources that name a Secret, and the field holding it (upstream's VisitPodSecretNames). */
const SECRET_VOLUME_FIELDS: ReadonlyArray<[source: string, field: string]> = [
  ['secret', 'secretName'],
  ['azureFile', 'secretName'],
  ['cephfs', 'secretRef'],
  ['cinder', 'secretRef'],
  ['flexVolume', 'secretRef'],
  ['iscsi', 'secretRef'],
  ['rbd', 'secretRef'],
  ['scaleIO', 'secretRef'],
  ['storageos', 'secretRef'],
  ['csi', 'nodePublishSecretRef'],
];

function volumeReferencesSecret(v: V1Volume): boolean {
  const vol = v as unknown as Record<string, Record<string, unknown> | undefined>;
  for (const [source, field] of SECRET_VOLUME_FIELDS) if (vol[source]?.[field]) return true;
  const sources = (vol['projected']?.['sources'] ?? []) as Record<string, unknown>[];
  return sources.some((s) => s['secret']);
}

export interface NodeRestrictionOptions {
  /** Reads the Node (mirror pod owner UID) and Pods (evictions, token requests, deletes). */
  reader?: Pick<AdmissionObjectReader, 'get'>;
}

export class NodeRestriction implements AdmissionPlugin {
  readonly name = 'NodeRestriction';
  constructor(private readonly opts: NodeRestrictionOptions = {}) {}

  async admit(req: AdmissionRequest): Promise<void> {
    const id = nodeIdentity(req.user);
    if (!id.isNode) return;
    if (!id.nodeName) throw this.deny(req, `could not determine node from user "${req.user.username}"`);
    const node = id.nodeName;
    const { group, plural } = req.def;
    if (group === '' && plural === 'pods') {
      if (req.subresource === '') return this.admitPod(node, req);
      if (req.subresource === 'status') return this.admitPodStatus(node, req);
      if (req.subresource === 'eviction') return this.admitPodEviction(node, req);
      throw this.deny(req, `unexpected pod subresource "${req.subresource}", only 'status' and 'eviction' are allowed`);
    }
    if (group === '' && plural === 'nodes') return this.admitNode(node, req);
    if (group === '' && plural === 'persistentvolumeclaims') {
      if (req.subresource === 'status') return this.admitPvcStatus(node, req);
      throw this.deny(req, 'may only update PVC status');
    }
    if (group === '' && plural === 'serviceaccounts') return this.admitServiceAccount(node, req);
    if (group === 'coordination.k8s.io' && plural === 'leases') return this.admitLease(node, req);
    if (group === 'storage.k8s.io' && plural === 'csinodes') return this.admitCsiNode(node, req);
  }

  private deny(req: AdmissionRequest, reason: string): ApiError {
    return forbidden({ group: req.def.group, resource: req.def.plural }, req.name, reason);
  }

  private async admitPod(node: string, req: AdmissionRequest): Promise<void> {
    if (req.operation === 'CREATE') return this.admitPodCreate(node, req);
    if (req.operation === 'DELETE') {
      const existing = (req.oldObject ?? (await this.getPod(req.namespace, req.name))) as V1Pod;
      if (existing.spec?.nodeName !== node) throw this.deny(req, `node "${node}" can only delete pods with spec.nodeName set to itself`);
      return;
    }
    throw this.deny(req, `unexpected operation "${req.operation}", node "${node}" can only create and delete mirror pods`);
  }

  private async admitPodCreate(node: string, req: AdmissionRequest): Promise<void> {
    const pod = req.object as V1Pod | undefined;
    if (!pod) throw this.deny(req, 'unexpected type <nil>');
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] === undefined)
      throw this.deny(req, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
    if (pod.spec?.nodeName !== node) throw this.deny(req, `node "${node}" can only create pods with spec.nodeName set to itself`);
    const owners = pod.metadata.ownerReferences ?? [];
    if (owners.length > 1) throw this.deny(req, `node "${node}" can only create pods with a single owner reference set to itself`);
    if (owners.length === 0) throw this.deny(req, `node "${node}" can only create pods with an owner reference set to itself`);
    const owner = owners[0]!;
    if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node)
      throw this.deny(req, `node "${node}" can only create pods with an owner reference set to itself`);
    if (owner.controller !== true) throw this.deny(req, `node "${node}" can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion === true) throw this.deny(req, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
    const nodeObj = await this.get(R.nodes, '', node);
    if (!nodeObj) throw notFound({ group: '', resource: 'nodes' }, node);
    if (owner.uid !== nodeObj.metadata.uid) throw this.deny(req, `node ${node} UID mismatch: expected ${owner.uid} got ${nodeObj.metadata.uid ?? ''}`);
    if (pod.spec?.serviceAccountName) throw this.deny(req, `node "${node}" can not create pods that reference a service account`);
    if (podReferencesSecrets(pod)) throw this.deny(req, `node "${node}" can not create pods that reference secrets`);
    if (podReferencesConfigMaps(pod)) throw this.deny(req, `node "${node}" can not create pods that reference configmaps`);
    const volumes = (pod.spec?.volumes ?? []) as unknown as Record<string, Record<string, unknown> | undefined>[];
    for (const v of volumes) {
      const sources = (v['projected']?.['sources'] ?? []) as Record<string, unknown>[];
      if (sources.some((s) => s['clusterTrustBundle'])) throw this.deny(req, `node "${node}" can not create pods that reference clustertrustbundles`);
    }
    if (volumes.some((v) => v['persistentVolumeClaim'])) throw this.deny(req, `node "${node}" can not create pods that reference persistentvolumeclaims`);
  }

  private admitPodStatus(node: string, req: AdmissionRequest): void {
    if (req.operation !== 'UPDATE') throw this.deny(req, `unexpected operation "${req.operation}"`);
    const oldPod = req.oldObject as V1Pod | undefined;
    const newPod = req.object as V1Pod | undefined;
    if (!oldPod || !newPod) throw this.deny(req, 'unexpected type <nil>');
    if (oldPod.spec?.nodeName !== node) throw this.deny(req, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
    if (modifiedLabels(oldPod.metadata.labels, newPod.metadata.labels).size > 0) throw this.deny(req, `node "${node}" cannot update labels through pod status`);
    const claims = (p: V1Pod) => (((p.status ?? {}) as Record<string, unknown>)['resourceClaimStatuses'] ?? []) as { name?: string; resourceClaimName?: string }[];
    const a = claims(oldPod).map((c) => [c.name, c.resourceClaimName ?? null]);
    const b = claims(newPod).map((c) => [c.name, c.resourceClaimName ?? null]);
    if (!jsonEqual(a, b)) throw this.deny(req, `node "${node}" cannot update resource claim statues`);
  }

  private async admitPodEviction(node: string, req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'CREATE') throw this.deny(req, `unexpected operation ${req.operation}`);
    const podName = req.name || (req.object?.metadata?.name ?? '');
    if (!podName) throw this.deny(req, 'could not determine pod from request data');
    const pod = (await this.getPod(req.namespace, podName)) as V1Pod;
    if (pod.spec?.nodeName !== node) throw this.deny(req, `node ${node} can only evict pods with spec.nodeName set to itself`);
  }

  private admitPvcStatus(node: string, req: AdmissionRequest): void {
    if (req.operation !== 'UPDATE') throw this.deny(req, `unexpected operation "${req.operation}"`);
    if (!req.oldObject || !req.object) throw this.deny(req, 'unexpected type <nil>');
    const strip = (o: KubeObject) => {
      const c = structuredClone(o) as KubeObject & { status?: Record<string, unknown> };
      delete c.metadata.resourceVersion;
      delete c.metadata.managedFields;
      if (c.status) {
        for (const k of ['capacity', 'conditions', 'allocatedResourceStatuses', 'allocatedResources']) delete c.status[k];
        if (Object.keys(c.status).length === 0) delete c.status;
      }
      return c;
    };
    if (!jsonEqual(strip(req.oldObject), strip(req.object)))
      throw this.deny(req, `node "${node}" is not allowed to update fields other than status.capacity and status.conditions`);
  }

  private admitNode(node: string, req: AdmissionRequest): void {
    const requested = req.operation === 'CREATE' ? (req.object?.metadata?.name ?? req.name) : req.name;
    if (requested !== node) throw this.deny(req, `node "${node}" is not allowed to modify node "${requested}"`);
    const spec = (o: KubeObject | undefined) => ((o?.['spec'] ?? {}) as { configSource?: unknown; taints?: unknown[] });
    if (req.operation === 'CREATE') {
      if (!req.object) throw this.deny(req, 'unexpected type <nil>');
      if (spec(req.object).configSource != null) throw this.deny(req, `node "${node}" is not allowed to create pods with a non-nil configSource`);
      const bad = forbiddenNodeLabels(modifiedLabels(req.object.metadata.labels, undefined));
      if (bad.length) throw this.deny(req, `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
    }
    if (req.operation === 'UPDATE') {
      if (!req.object || !req.oldObject) throw this.deny(req, 'unexpected type <nil>');
      const next = spec(req.object);
      const prev = spec(req.oldObject);
      if (next.configSource != null && !jsonEqual(next.configSource, prev.configSource ?? null))
        throw this.deny(req, `node "${node}" is not allowed to update configSource to a new non-nil configSource`);
      if (!jsonEqual(next.taints ?? [], prev.taints ?? [])) throw this.deny(req, `node "${node}" is not allowed to modify taints`);
      const bad = forbiddenNodeLabels(modifiedLabels(req.object.metadata.labels, req.oldObject.metadata.labels));
      if (bad.length) throw this.deny(req, `is not allowed to modify labels: ${bad.join(', ')}`);
    }
  }

  private async admitServiceAccount(node: string, req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'CREATE' || req.subresource !== 'token') return;
    const ref = ((req.object?.['spec'] ?? {}) as { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } }).boundObjectRef;
    if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw this.deny(req, 'node requested token not bound to a pod');
    if (!ref.uid) throw this.deny(req, 'node requested token with a pod binding without a uid');
    const pod = (await this.getPod(req.namespace, ref.name)) as V1Pod;
    if (ref.uid !== pod.metadata.uid)
      throw this.deny(req, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    if (pod.spec?.nodeName !== node) throw this.deny(req, 'node requested token bound to a pod scheduled on a different node');
  }

  private admitLease(node: string, req: AdmissionRequest): void {
    if (req.namespace !== NODE_LEASE_NAMESPACE) throw this.deny(req, `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    const name = req.operation === 'CREATE' ? (req.object?.metadata?.name ?? '') : req.name;
    if (name !== node) throw this.deny(req, 'can only access node lease with the same name as the requesting node');
  }

  private admitCsiNode(node: string, req: AdmissionRequest): void {
    const name = req.operation === 'CREATE' ? (req.object?.metadata?.name ?? '') : req.name;
    if (name !== node) throw this.deny(req, 'can only access CSINode with the same name as the requesting node');
  }

  private async get(gvr: GVR, namespace: string, name: string): Promise<KubeObject | undefined> {
    if (!this.opts.reader) throw new Error('NodeRestriction needs a reader for this request');
    return this.opts.reader.get(gvr, namespace, name);
  }

  /** The stored pod; NotFound (404) as upstream when it does not exist. */
  private async getPod(namespace: string, name: string): Promise<KubeObject> {
    const pod = await this.get(R.pods, namespace, name);
    if (!pod) throw notFound({ group: '', resource: 'pods' }, name);
    return pod;
  }
}

export function createNodeRestriction(opts: NodeRestrictionOptions = {}): NodeRestriction {
  return new NodeRestriction(opts);
}
