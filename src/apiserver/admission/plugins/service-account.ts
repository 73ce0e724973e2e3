/**
 * The `ServiceAccount` mutating admission plugin (upstream plugin/pkg/admission/serviceaccount), in
 * part: a pod created without spec.serviceAccountName runs as `default`; with a reader, a pod whose
 * service account does not exist is refused (403 `error looking up service account ns/name:
 * serviceaccount "name" not found`, as upstream), which requires the ServiceAccount controller to
 * run. Mirror pods are left alone.
 *
 * Not yet: the projected service-account token volume (kube-api-access-*) and its mounts, which
 * need the TokenRequest API and service-account authentication (a later issue).
 */
import { forbidden } from '../../../lib/errors.js';
import { R } from '../../../client/types.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import type { AdmissionObjectReader } from './access.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export interface ServiceAccountAdmissionOptions {
  /** When given, the pod's service account must exist. */
  reader?: Pick<AdmissionObjectReader, 'get'>;
}

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';
  constructor(private readonly opts: ServiceAccountAdmissionOptions = {}) {}

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'CREATE' || req.subresource !== '' || req.def.group !== '' || req.def.plural !== 'pods' || !req.object) return;
    const pod = req.object;
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
    const spec = ((pod['spec'] ??= {}) as { serviceAccountName?: string; serviceAccount?: string });
    // The deprecated serviceAccount field still names the account when serviceAccountName is empty.
    if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
    if (!this.opts.reader) return;
    const sa = await this.opts.reader.get(R.serviceaccounts, req.namespace, spec.serviceAccountName);
    if (!sa)
      throw forbidden(
        { group: '', resource: 'pods' },
        req.name,
        `error looking up service account ${req.namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`,
      );
  }
}

export function createServiceAccountAdmission(opts: ServiceAccountAdmissionOptions = {}): ServiceAccountAdmission {
  return new ServiceAccountAdmission(opts);
}
