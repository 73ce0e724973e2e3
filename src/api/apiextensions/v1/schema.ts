/** The apiextensions.k8s.io/v1 CustomResourceDefinition kind's own schema (for explain, pruning, strict decoding). */
import { s, type Schema } from '../../schema/index.js';
import { Time, kindSchema } from '../../meta/v1.js';

const P = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

/**
 * JSONSchemaProps is recursive and open-ended; it is kept verbatim (validation.ts checks it) with
 * its top-level fields described for `kubectl explain`.
 */
const JSONSchemaPropsSchema: Schema = {
  id: `${P}.JSONSchemaProps`,
  type: 'object',
  description: 'JSONSchemaProps is a JSON-Schema following Specification Draft 4 (http://json-schema.org/).',
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    type: s.string(),
    format: s.string({ description: 'format is an OpenAPI v3 format string.' }),
    description: s.string(),
    required: s.array(s.string(), { listType: 'atomic' }),
    'x-kubernetes-preserve-unknown-fields': s.bool({ description: 'x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema.' }),
    'x-kubernetes-embedded-resource': s.bool({ description: 'x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object, with TypeMeta and ObjectMeta.' }),
    'x-kubernetes-int-or-string': s.bool({ description: 'x-kubernetes-int-or-string specifies that this value is either an integer or a string.' }),
  },
};

const Names = s.object(
  {
    plural: s.string({ description: 'plural is the plural name of the resource to serve. The custom resources are served under `/apis/<group>/<version>/.../<plural>`. Must be all lowercase.' }),
    singular: s.string({ description: 'singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.' }),
    shortNames: s.array(s.string(), { listType: 'atomic', description: 'shortNames are short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`. It must be all lowercase.' }),
    kind: s.string({ description: 'kind is the serialized kind of the resource. It is normally CamelCase and singular.' }),
    listKind: s.string({ description: 'listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".' }),
    categories: s.array(s.string(), { listType: 'atomic', description: 'categories is a list of grouped resources this custom resource belongs to (e.g. \'all\').' }),
  },
  { id: `${P}.CustomResourceDefinitionNames`, required: ['plural', 'kind'], description: 'CustomResourceDefinitionNames indicates the names to serve this CustomResourceDefinition' },
);

const Column = s.object(
  {
    name: s.string({ description: 'name is a human readable name for the column.' }),
    type: s.string({ description: 'type is an OpenAPI type definition for this column.' }),
    format: s.string({ description: 'format is an optional OpenAPI type definition for this column.' }),
    description: s.string({ description: 'description is a human readable description of this column.' }),
    priority: s.int32({ description: 'priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority.' }),
    jsonPath: s.string({ description: 'jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.' }),
  },
  { id: `${P}.CustomResourceColumnDefinition`, required: ['name', 'type', 'jsonPath'], description: 'CustomResourceColumnDefinition specifies a column for server side printing.' },
);

const Subresources = s.object(
  {
    status: s.object({}, { id: `${P}.CustomResourceSubresourceStatus`, description: 'status indicates the custom resource should serve a `/status` subresource.' }),
    scale: s.object(
      {
        specReplicasPath: s.string({ description: 'specReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `spec.replicas`.' }),
        statusReplicasPath: s.string({ description: 'statusReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `status.replicas`.' }),
        labelSelectorPath: s.string({ description: 'labelSelectorPath defines the JSON path inside of a custom resource that corresponds to Scale `status.selector`.' }),
      },
      { id: `${P}.CustomResourceSubresourceScale`, required: ['specReplicasPath', 'statusReplicasPath'], description: 'scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.' },
    ),
  },
  { id: `${P}.CustomResourceSubresources`, description: 'CustomResourceSubresources defines the status and scale subresources for CustomResources.' },
);

const Version = s.object(
  {
    name: s.string({ description: 'name is the version name, e.g. “v1”, “v2beta1”, etc.' }),
    served: s.bool({ description: 'served is a flag enabling/disabling this version from being served via REST APIs' }),
    storage: s.bool({ description: 'storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.' }),
    deprecated: s.bool({ description: 'deprecated indicates this version of the custom resource API is deprecated.' }),
    deprecationWarning: s.string({ description: 'deprecationWarning overrides the default warning returned to API clients.' }),
    schema: s.object(
      { openAPIV3Schema: JSONSchemaPropsSchema },
      { id: `${P}.CustomResourceValidation`, description: 'schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.' },
    ),
    subresources: Subresources,
    additionalPrinterColumns: s.array(Column, { listType: 'atomic', description: 'additionalPrinterColumns specifies additional columns returned in Table output.' }),
    selectableFields: s.array(
      s.object({ jsonPath: s.string({ description: 'jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value.' }) }, { id: `${P}.SelectableField`, required: ['jsonPath'] }),
      { listType: 'atomic', description: 'selectableFields specifies paths to fields that may be used as field selectors.' },
    ),
  },
  { id: `${P}.CustomResourceDefinitionVersion`, required: ['name', 'served', 'storage'], description: 'CustomResourceDefinitionVersion describes a version for CRD.' },
);

const Condition = s.object(
  {
    type: s.string({ description: 'type is the type of the condition. Types include Established, NamesAccepted and Terminating.' }),
    status: s.string({ description: 'status is the status of the condition. Can be True, False, Unknown.' }),
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
        group: s.string({ description: 'group is the API group of the defined custom resource. The custom resources are served under `/apis/<group>/...`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`).' }),
        names: Names,
        scope: s.string({ description: 'scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.' }),
        versions: s.array(Version, { listType: 'atomic', description: 'versions is the list of all API versions of the defined custom resource.' }),
        conversion: s.object(
          { strategy: s.string({ description: 'strategy specifies how custom resources are converted between versions. Allowed values are: - `"None"`: The converter only change the apiVersion and would not touch any other field in the custom resource. - `"Webhook"`: API Server will call to an external webhook to do the conversion.' }), webhook: s.anyValue() },
          { id: `${P}.CustomResourceConversion`, required: ['strategy'], description: 'conversion defines conversion settings for the CRD.' },
        ),
        preserveUnknownFields: s.bool({ description: 'preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage.' }),
      },
      { id: `${P}.CustomResourceDefinitionSpec`, required: ['group', 'names', 'scope', 'versions'], description: 'spec describes how the user wants the resources to appear' },
    ),
    status: s.object(
      {
        conditions: s.array(Condition, { listType: 'map', mapKeys: ['type'], description: 'conditions indicate state for particular aspects of a CustomResourceDefinition' }),
        acceptedNames: Names,
        storedVersions: s.array(s.string(), { listType: 'atomic', description: 'storedVersions lists all versions of CustomResources that were ever persisted.' }),
      },
      { id: `${P}.CustomResourceDefinitionStatus`, description: 'status indicates the actual state of the CustomResourceDefinition' },
    ),
  },
  {
    description: 'CustomResourceDefinition represents a resource that should be exposed on the API server.  Its name MUST be in the format <.spec.name>.<.spec.group>.',
    required: ['spec'],
  },
);
