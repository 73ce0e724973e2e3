/** The apiextensions.k8s.io/v1 CustomResourceDefinition kind's own schema (for explain, pruning, strict decoding). */
import { s, type Schema } from '../../schema/index.js';
import { Time, kindSchema } from '../../meta/v1.js';

const P = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

/**
 * JSONSchemaProps is recursive and open-ended; it is kept verbatim (validation.ts checks it).
 * Field descriptions come from upstream's published text at run time (the OpenAPI service), as
 * for every built-in kind.
 */
const JSONSchemaPropsSchema: Schema = {
  id: `${P}.JSONSchemaProps`,
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    type: s.string(),
    format: s.string(),
    description: s.string(),
    required: s.array(s.string(), { listType: 'atomic' }),
    'x-kubernetes-preserve-unknown-fields': s.bool(),
    'x-kubernetes-embedded-resource': s.bool(),
    'x-kubernetes-int-or-string': s.bool(),
  },
};

const Names = s.object(
  {
    plural: s.string(),
    singular: s.string(),
    shortNames: s.array(s.string(), { listType: 'atomic' }),
    kind: s.string(),
    listKind: s.string(),
    categories: s.array(s.string(), { listType: 'atomic' }),
  },
  { id: `${P}.CustomResourceDefinitionNames`, required: ['plural', 'kind'] },
);

const Column = s.object(
  {
    name: s.string(),
    type: s.string(),
    format: s.string(),
    description: s.string(),
    priority: s.int32(),
    jsonPath: s.string(),
  },
  { id: `${P}.CustomResourceColumnDefinition`, required: ['name', 'type', 'jsonPath'] },
);

const Subresources = s.object(
  {
    status: s.object({}, { id: `${P}.CustomResourceSubresourceStatus` }),
    scale: s.object(
      {
        specReplicasPath: s.string(),
        statusReplicasPath: s.string(),
        labelSelectorPath: s.string(),
      },
      { id: `${P}.CustomResourceSubresourceScale`, required: ['specReplicasPath', 'statusReplicasPath'] },
    ),
  },
  { id: `${P}.CustomResourceSubresources` },
);

const Version = s.object(
  {
    name: s.string(),
    served: s.bool(),
    storage: s.bool(),
    deprecated: s.bool(),
    deprecationWarning: s.string(),
    schema: s.object(
      { openAPIV3Schema: JSONSchemaPropsSchema },
      { id: `${P}.CustomResourceValidation` },
    ),
    subresources: Subresources,
    additionalPrinterColumns: s.array(Column, { listType: 'atomic' }),
    selectableFields: s.array(
      s.object({ jsonPath: s.string() }, { id: `${P}.SelectableField`, required: ['jsonPath'] }),
      { listType: 'atomic' },
    ),
  },
  { id: `${P}.CustomResourceDefinitionVersion`, required: ['name', 'served', 'storage'] },
);

const Condition = s.object(
  {
    type: s.string(),
    status: s.string(),
    lastTransitionTime: Time,
    reason: s.string(),
    message: s.string(),
  },
  { id: `${P}.CustomResourceDefinitionCondition`, required: ['type', 'status'] },
);

export const CustomResourceDefinitionSchema = kindSchema(
  `${P}.CustomResourceDefinition`,
  { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition' },
  {
    spec: s.object(
      {
        group: s.string(),
        names: Names,
        scope: s.string(),
        versions: s.array(Version, { listType: 'atomic' }),
        conversion: s.object(
          { strategy: s.string(), webhook: s.anyValue() },
          { id: `${P}.CustomResourceConversion`, required: ['strategy'] },
        ),
        preserveUnknownFields: s.bool(),
      },
      { id: `${P}.CustomResourceDefinitionSpec`, required: ['group', 'names', 'scope', 'versions'] },
    ),
    status: s.object(
      {
        conditions: s.array(Condition, { listType: 'map', mapKeys: ['type'] }),
        acceptedNames: Names,
        storedVersions: s.array(s.string(), { listType: 'atomic' }),
      },
      { id: `${P}.CustomResourceDefinitionStatus` },
    ),
  },
  {
    required: ['spec'],
  },
);
