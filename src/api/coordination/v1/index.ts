/** coordination.k8s.io/v1 Lease: schema, validation (pkg/apis/coordination/validation), printer columns. */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { s, type Schema } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';
import { AGE_COLUMN, NAME_COLUMN, ageCell } from '../../apps/shared/index.js';

/** metav1.MicroTime: RFC 3339 with microseconds. */
export const MicroTime = s.dateTime({ id: 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime', format: 'date-time' });

export const LeaseSpec = s.object(
  {
    holderIdentity: s.string(),
    leaseDurationSeconds: s.int32(),
    acquireTime: MicroTime,
    renewTime: MicroTime,
    leaseTransitions: s.int32(),
    strategy: s.string(),
    preferredHolder: s.string(),
  },
  { id: 'io.k8s.api.coordination.v1.LeaseSpec' },
);

export const LeaseSchema: Schema = kindSchema(
  'io.k8s.api.coordination.v1.Lease',
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
  { spec: LeaseSpec },
  {},
);

export interface LeaseSpecView {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}
/** Typed view of a Lease. */
export interface Lease extends KubeObject {
  spec?: LeaseSpecView;
}
export const asLease = (o: KubeObject): Lease => o as Lease;

const STRATEGIES = ['OldestEmulationVersion'];

/** ValidateLeaseSpec. */
export function validateLeaseSpec(spec: LeaseSpecView | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const sp = spec ?? {};
  if (sp.leaseDurationSeconds !== undefined && sp.leaseDurationSeconds <= 0)
    errs.push(fieldErrors.invalid('spec.leaseDurationSeconds', sp.leaseDurationSeconds, 'must be greater than 0'));
  if (sp.leaseTransitions !== undefined && sp.leaseTransitions < 0)
    errs.push(fieldErrors.invalid('spec.leaseTransitions', sp.leaseTransitions, 'must be greater than or equal to 0'));
  if (sp.strategy !== undefined && !STRATEGIES.includes(sp.strategy)) errs.push(fieldErrors.notSupported('spec.strategy', sp.strategy, STRATEGIES));
  if (sp.preferredHolder && !sp.strategy) errs.push(fieldErrors.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

export const lease: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  schema: LeaseSchema,
  // Upstream's lease strategy never sets metadata.generation.
  generation: false,
  strategy: { validate: (obj) => validateLeaseSpec(asLease(obj).spec) },
  table: {
    columns: [NAME_COLUMN, { name: 'Holder', type: 'string', description: 'Who holds the lease now (spec.holderIdentity).' }, AGE_COLUMN],
    cells: (obj, now) => [obj.metadata.name ?? '', asLease(obj).spec?.holderIdentity ?? '', ageCell(obj, now)],
  },
};

export const resources: ResourceDef[] = [lease];
