/**
 * The client contract every component uses to talk to the cluster (DESIGN.md: components act only
 * through the API). Two transports implement it: HTTPS (remote, kubeconfig credentials) and
 * in-process (same authentication identity, validation and storage path; no TLS or sockets).
 *
 * Errors: every non-2xx answer rejects with an ApiError (lib/errors.ts) rebuilt from the server's
 * Status (reason, code, message, details); transport failures reject with a plain Error.
 */
import type { KubeList, KubeObject } from '../api/types.js';

/** A group/version/resource, e.g. { group: 'apps', version: 'v1', resource: 'deployments' }. */
export interface GVR {
  group: string;
  version: string;
  resource: string;
}

export interface ListOptions {
  /** '' or undefined: all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Resume after this resourceVersion; '' or '0': initial state as ADDED events first. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** For ERROR events, a Status object (code 410 means: relist). */
  object: T;
}

export interface WatchHandle {
  /** Ends the watch; onClose is not called for a stop the caller asked for. Idempotent. */
  stop(): void;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** e.g. 'status' or 'scale'. */
  subresource?: string;
  force?: boolean;
}

export interface Client {
  /** The identity this client acts as (for logs and events). */
  readonly userAgent: string;
  get<T extends KubeObject = KubeObject>(gvr: GVR, namespace: string, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(gvr: GVR, opts?: ListOptions): Promise<KubeList<T>>;
  /**
   * Streams events until stopped, the server ends the stream (onClose without error: resume from
   * the last resourceVersion) or it fails (onClose with the error; an ERROR event with a 410 Status
   * is delivered to onEvent first).
   */
  watch<T extends KubeObject = KubeObject>(
    gvr: GVR,
    opts: WatchOptions,
    onEvent: (e: WatchEvent<T>) => void,
    onClose: (err?: Error) => void,
  ): WatchHandle;
  create<T extends KubeObject = KubeObject>(gvr: GVR, namespace: string, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT; `subresource` 'status' writes only status. */
  update<T extends KubeObject = KubeObject>(gvr: GVR, namespace: string, obj: T, opts?: WriteOptions & { subresource?: string }): Promise<T>;
  patch<T extends KubeObject = KubeObject>(gvr: GVR, namespace: string, name: string, type: PatchType, patch: unknown, opts?: PatchOptions): Promise<T>;
  /** Resolves with the object while it still exists (finalizers, grace) or undefined once gone. */
  delete<T extends KubeObject = KubeObject>(gvr: GVR, namespace: string, name: string, opts?: DeleteOptions): Promise<T | undefined>;
  /** POST to a subresource such as pods/binding or pods/eviction; resolves with the answer. */
  post(gvr: GVR, namespace: string, name: string, subresource: string, body: unknown): Promise<unknown>;
}

/** Well-known GVRs. */
export const R = {
  pods: { group: '', version: 'v1', resource: 'pods' },
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  events: { group: '', version: 'v1', resource: 'events' },
  configmaps: { group: '', version: 'v1', resource: 'configmaps' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts' },
  resourcequotas: { group: '', version: 'v1', resource: 'resourcequotas' },
  limitranges: { group: '', version: 'v1', resource: 'limitranges' },
  persistentvolumeclaims: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  daemonsets: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  controllerrevisions: { group: 'apps', version: 'v1', resource: 'controllerrevisions' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
  cronjobs: { group: 'batch', version: 'v1', resource: 'cronjobs' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
  poddisruptionbudgets: { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' },
  priorityclasses: { group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses' },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  horizontalpodautoscalers: { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' },
} as const satisfies Record<string, GVR>;
