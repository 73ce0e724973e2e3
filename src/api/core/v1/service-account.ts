/** The core/v1 ServiceAccount resource. */
import { s } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { LocalObjectReference, ObjectReference } from './common-schema.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from './table-util.js';

export const ServiceAccountSchema = kindSchema(
  'io.k8s.api.core.v1.ServiceAccount',
  { group: '', version: 'v1', kind: 'ServiceAccount' },
  {
    secrets: s.array(ObjectReference, {
      mergeKey: 'name',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['name'],
      description: 'Secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
    }),
    imagePullSecrets: s.array(LocalObjectReference, { listType: 'atomic', description: 'References to secrets used for pulling container images.' }),
    automountServiceAccountToken: s.bool({ description: 'Whether pods running as this service account should have an API token automatically mounted.' }),
  },
  { description: 'ServiceAccount binds together a name, a principal that can be authenticated and authorized, and a set of secrets.' },
);

export const serviceAccountResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  schema: ServiceAccountSchema,
  generation: false,
  table: {
    columns: [NAME_COLUMN, col('Secrets', 'string', 'How many secrets the service account lists.'), AGE_COLUMN],
    cells: (o: KubeObject, now) => [o.metadata.name ?? '', Array.isArray(o.secrets) ? o.secrets.length : 0, age(o, now)],
  },
};
