/**
 * The protobuf schema registry: our .proto texts parsed once with protobufjs, and the table of
 * kinds a client may send per apiVersion (as upstream's scheme registers them). Table-driven: a
 * kind decodes as soon as it is listed here, whether or not a resource serves it yet.
 */
import protobuf from 'protobufjs';
import { apimachinery, intstr, metaV1, resource } from './schemas/apimachinery.js';
import { coreV1, coreV1Kinds } from './schemas/core-v1.js';
import {
  appsV1, authenticationV1, authenticationV1beta1, authorizationV1, autoscalingV1, autoscalingV2, batchV1, coordinationV1, discoveryV1, eventsV1,
  networkingV1, policyV1, rbacV1, schedulingV1,
} from './schemas/groups.js';

export interface KindTable {
  apiVersion: string;
  /** Proto package holding the kinds' messages. */
  pkg: string;
  kinds: readonly string[];
}

/** Every apiVersion/kind a request body may carry. DeleteOptions is accepted under any apiVersion. */
export const KIND_TABLE: readonly KindTable[] = [
  { apiVersion: 'v1', pkg: 'k8s.io.api.core.v1', kinds: coreV1Kinds },
  { apiVersion: 'apps/v1', pkg: 'k8s.io.api.apps.v1', kinds: ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'ControllerRevision'] },
  { apiVersion: 'batch/v1', pkg: 'k8s.io.api.batch.v1', kinds: ['Job', 'CronJob'] },
  { apiVersion: 'autoscaling/v1', pkg: 'k8s.io.api.autoscaling.v1', kinds: ['HorizontalPodAutoscaler', 'Scale'] },
  { apiVersion: 'autoscaling/v2', pkg: 'k8s.io.api.autoscaling.v2', kinds: ['HorizontalPodAutoscaler'] },
  { apiVersion: 'policy/v1', pkg: 'k8s.io.api.policy.v1', kinds: ['PodDisruptionBudget', 'Eviction'] },
  { apiVersion: 'networking.k8s.io/v1', pkg: 'k8s.io.api.networking.v1', kinds: ['Ingress', 'IngressClass', 'NetworkPolicy'] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', pkg: 'k8s.io.api.rbac.v1', kinds: ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'] },
  {
    apiVersion: 'authorization.k8s.io/v1',
    pkg: 'k8s.io.api.authorization.v1',
    kinds: ['SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview'],
  },
  { apiVersion: 'authentication.k8s.io/v1', pkg: 'k8s.io.api.authentication.v1', kinds: ['TokenReview', 'TokenRequest', 'SelfSubjectReview'] },
  { apiVersion: 'authentication.k8s.io/v1beta1', pkg: 'k8s.io.api.authentication.v1beta1', kinds: ['SelfSubjectReview'] },
  { apiVersion: 'coordination.k8s.io/v1', pkg: 'k8s.io.api.coordination.v1', kinds: ['Lease'] },
  { apiVersion: 'events.k8s.io/v1', pkg: 'k8s.io.api.events.v1', kinds: ['Event'] },
  { apiVersion: 'scheduling.k8s.io/v1', pkg: 'k8s.io.api.scheduling.v1', kinds: ['PriorityClass'] },
  { apiVersion: 'discovery.k8s.io/v1', pkg: 'k8s.io.api.discovery.v1', kinds: ['EndpointSlice'] },
  { apiVersion: 'meta.k8s.io/v1', pkg: 'k8s.io.apimachinery.pkg.apis.meta.v1', kinds: ['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions'] },
];

const SOURCES = [apimachinery, intstr, resource, metaV1, coreV1, appsV1, batchV1, autoscalingV1, autoscalingV2, policyV1, networkingV1, rbacV1, authorizationV1, authenticationV1, authenticationV1beta1, coordinationV1, eventsV1, schedulingV1, discoveryV1];

let root: protobuf.Root | undefined;

/** The parsed schemas (parsed on first use; every reference resolved, so a typo fails loudly). */
export function protoRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    for (const src of SOURCES) protobuf.parse(src, r, { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

const byApiVersion = new Map(KIND_TABLE.map((t) => [t.apiVersion, t]));

const typeCache = new Map<string, protobuf.Type | undefined>();

/** The message type for a kind sent under apiVersion, or undefined when none is registered. */
export function messageFor(apiVersion: string, kind: string): protobuf.Type | undefined {
  const key = `${apiVersion}\u0000${kind}`;
  if (typeCache.has(key)) return typeCache.get(key);
  let type: protobuf.Type | undefined;
  if (kind === 'DeleteOptions') type = protoRoot().lookupType('k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions');
  else {
    const t = byApiVersion.get(apiVersion);
    type = t && t.kinds.includes(kind) ? protoRoot().lookupType(`${t.pkg}.${kind}`) : undefined;
  }
  // Bounded: at most one entry per kind name a client tried under each apiVersion it tried.
  if (typeCache.size < 10_000) typeCache.set(key, type);
  return type;
}
