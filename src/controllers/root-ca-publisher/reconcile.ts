/**
 * The root CA publisher's decision (upstream pkg/controller/certificates/rootcacertpublisher): every
 * live namespace holds a ConfigMap `kube-root-ca.crt` whose data is exactly `ca.crt` (the cluster
 * CA) and which carries a non-empty description annotation (upstream's text when it writes one);
 * other data keys are replaced, other annotations, labels and binaryData are kept, as upstream's
 * syncNamespace does. Pure.
 */
import type { KubeObject } from '../../api/types.js';

export const ROOT_CA_CONFIGMAP_NAME = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface NamespaceView extends KubeObject {
  status?: { phase?: string };
}

export interface ConfigMapView extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export type RootCAAction = { type: 'none' } | { type: 'create'; configMap: ConfigMapView } | { type: 'update'; configMap: ConfigMapView };

/** What to do for one namespace, given the cached namespace and ConfigMap (undefined: absent). */
export function reconcileRootCA(ns: NamespaceView | undefined, cm: ConfigMapView | undefined, caPem: string): RootCAAction {
  if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return { type: 'none' };
  const namespace = ns.metadata.name ?? '';
  const data = { 'ca.crt': caPem };
  if (!cm) {
    return {
      type: 'create',
      configMap: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: ROOT_CA_CONFIGMAP_NAME, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
        data,
      },
    };
  }
  const keys = Object.keys(cm.data ?? {});
  const sameData = keys.length === 1 && cm.data?.['ca.crt'] === caPem;
  const annotated = (cm.metadata.annotations?.[DESCRIPTION_ANNOTATION] ?? '') !== '';
  if (sameData && annotated) return { type: 'none' };
  const next: ConfigMapView = structuredClone(cm);
  next.data = data;
  next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION };
  return { type: 'update', configMap: next };
}
