/**
 * What admission plugins may read and write besides the object under admission. The composition
 * root implements it over the apiserver's own stores (in process, system identity); tests implement
 * it over a test server.
 */
import type { KubeObject } from '../../../api/types.js';
import type { GVR } from '../../../client/types.js';

export interface AdmissionObjectReader {
  /**
   * Every object of `gvr` in `namespace`, read from storage: it must reflect every write that
   * completed before the call (read-your-writes), since quota admission re-reads after a conflict.
   */
  list(gvr: GVR, namespace: string): Promise<KubeObject[]>;
  /** One object, or undefined when it does not exist. */
  get(gvr: GVR, namespace: string, name: string): Promise<KubeObject | undefined>;
}

export interface AdmissionStatusWriter {
  /**
   * Writes `obj.status` through the status subresource with `obj.metadata.resourceVersion` as a
   * precondition. Rejects with an ApiError whose reason is 'Conflict' when the stored object has
   * moved on (the caller re-reads and retries); resolves with the stored object.
   */
  updateStatus(gvr: GVR, obj: KubeObject): Promise<KubeObject>;
}

/** Reads and status writes, as the ResourceQuota plugin needs them. */
export type AdmissionAccess = AdmissionObjectReader & AdmissionStatusWriter;
