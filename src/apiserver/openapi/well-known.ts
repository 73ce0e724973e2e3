/**
 * OpenAPI component schemas that no ResourceDef carries but every group/version document references:
 * meta/v1 Status, DeleteOptions, Patch, WatchEvent, ListMeta..., runtime RawExtension, the
 * IntOrString and Quantity scalars, and autoscaling/v1 Scale for scale subresources. Written
 * directly in OpenAPI form (already what the emitter outputs).
 */

export type JsonObject = { [key: string]: unknown };

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const ID = {
  status: `${META}.Status`,
  statusDetails: `${META}.StatusDetails`,
  statusCause: `${META}.StatusCause`,
  listMeta: `${META}.ListMeta`,
  deleteOptions: `${META}.DeleteOptions`,
  preconditions: `${META}.Preconditions`,
  patch: `${META}.Patch`,
  watchEvent: `${META}.WatchEvent`,
  apiResourceList: `${META}.APIResourceList`,
  apiResource: `${META}.APIResource`,
  objectMeta: `${META}.ObjectMeta`,
  rawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
  intOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  scale: 'io.k8s.api.autoscaling.v1.Scale',
  scaleSpec: 'io.k8s.api.autoscaling.v1.ScaleSpec',
  scaleStatus: 'io.k8s.api.autoscaling.v1.ScaleStatus',
} as const;

export function ref(id: string): JsonObject {
  return { $ref: `#/components/schemas/${id}` };
}

/** A reference with field-level siblings, as upstream writes them (`allOf` keeps siblings valid in OAS 3.0). */
export function refWith(id: string, siblings: JsonObject): JsonObject {
  return { allOf: [ref(id)], ...siblings };
}

const str = (description: string): JsonObject => ({ type: 'string', description });
const int32 = (description: string): JsonObject => ({ type: 'integer', format: 'int32', description });
const int64 = (description: string): JsonObject => ({ type: 'integer', format: 'int64', description });
const apiVersion = str('APIVersion defines the versioned schema of this representation of an object.');
const kind = str('Kind is a string value representing the REST resource this object represents.');

/** Component bodies by id. `deps` lists the components each one references. */
export const WELL_KNOWN: Record<string, { body: JsonObject; deps: string[] }> = {
  [ID.status]: {
    deps: [ID.listMeta, ID.statusDetails],
    body: {
      description: 'Status is a return value for calls that don\'t return other objects.',
      type: 'object',
      properties: {
        apiVersion,
        code: int32('Suggested HTTP return code for this status, 0 if not set.'),
        details: refWith(ID.statusDetails, { description: 'Extended data associated with the reason.' }),
        kind,
        message: str('A human-readable description of the status of this operation.'),
        metadata: refWith(ID.listMeta, { default: {}, description: "Standard list metadata." }),
        reason: str('A machine-readable description of why this operation is in the "Failure" status.'),
        status: str('Status of the operation. One of: "Success" or "Failure".'),
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
    },
  },
  [ID.statusDetails]: {
    deps: [ID.statusCause],
    body: {
      description: 'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.',
      type: 'object',
      properties: {
        causes: {
          type: 'array',
          items: refWith(ID.statusCause, { default: {} }),
          'x-kubernetes-list-type': 'atomic',
          description: 'The Causes array includes more details associated with the StatusReason failure.',
        },
        group: str('The group attribute of the resource associated with the status StatusReason.'),
        kind: str('The kind attribute of the resource associated with the status StatusReason.'),
        name: str('The name attribute of the resource associated with the status StatusReason.'),
        retryAfterSeconds: int32('If specified, the time in seconds before the operation should be retried.'),
        uid: str('UID of the resource.'),
      },
    },
  },
  [ID.statusCause]: {
    deps: [],
    body: {
      description: 'StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.',
      type: 'object',
      properties: {
        field: str('The field of the resource that has caused this error, as named by its JSON serialization.'),
        message: str('A human-readable description of the cause of the error.'),
        reason: str('A machine-readable description of the cause of the error.'),
      },
    },
  },
  [ID.listMeta]: {
    deps: [],
    body: {
      description: 'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
      type: 'object',
      properties: {
        continue: str('continue may be set if the user set a limit on the number of items returned.'),
        remainingItemCount: int64('The number of subsequent items in the list which are not included in this list response.'),
        resourceVersion: str("String that identifies the server's internal version of this object."),
        selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
      },
    },
  },
  [ID.preconditions]: {
    deps: [],
    body: {
      description: 'Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.',
      type: 'object',
      properties: {
        resourceVersion: str('Specifies the target ResourceVersion'),
        uid: str('Specifies the target UID.'),
      },
    },
  },
  [ID.deleteOptions]: {
    deps: [ID.preconditions],
    body: {
      description: 'DeleteOptions may be provided when deleting an API object.',
      type: 'object',
      properties: {
        apiVersion,
        dryRun: {
          type: 'array',
          items: { type: 'string', default: '' },
          'x-kubernetes-list-type': 'atomic',
          description: 'When present, indicates that modifications should not be persisted.',
        },
        gracePeriodSeconds: int64('The duration in seconds before the object should be deleted.'),
        ignoreStoreReadErrorWithClusterBreakingPotential: {
          type: 'boolean',
          description: 'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.',
        },
        kind,
        orphanDependents: { type: 'boolean', description: 'Deprecated: please use the PropagationPolicy.' },
        preconditions: refWith(ID.preconditions, { description: 'Must be fulfilled before a deletion is carried out.' }),
        propagationPolicy: str("Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
      },
      'x-kubernetes-group-version-kind': DELETE_OPTIONS_GVKS(),
    },
  },
  [ID.patch]: {
    deps: [],
    body: {
      description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
      type: 'object',
    },
  },
  [ID.rawExtension]: {
    deps: [],
    body: {
      description: 'RawExtension is used to hold extensions in external versions.',
      type: 'object',
    },
  },
  [ID.watchEvent]: {
    deps: [ID.rawExtension],
    body: {
      type: 'object',
      required: ['type', 'object'],
      properties: {
        object: refWith(ID.rawExtension, {
          description: 'Object is: * If Type is Added or Modified: the new state of the object. * If Type is Deleted: the state of the object immediately before deletion. * If Type is Error: *Status is recommended; other types may make sense depending on context.',
        }),
        type: { type: 'string', default: '' },
      },
      'x-kubernetes-group-version-kind': WATCH_EVENT_GVKS(),
    },
  },
  [ID.apiResource]: {
    deps: [],
    body: {
      description: 'APIResource specifies the name of a resource and whether it is namespaced.',
      type: 'object',
      required: ['name', 'singularName', 'namespaced', 'kind', 'verbs'],
      properties: {
        categories: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic' },
        group: str('group is the preferred group of the resource.'),
        kind: { type: 'string', default: '', description: "kind is the kind for the resource (e.g. 'Foo' is the kind for a resource 'foo')" },
        name: { type: 'string', default: '', description: 'name is the plural name of the resource.' },
        namespaced: { type: 'boolean', default: false, description: 'namespaced indicates if a resource is namespaced or not.' },
        shortNames: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic' },
        singularName: { type: 'string', default: '', description: 'singularName is the singular name of the resource.' },
        storageVersionHash: str('The hash value of the storage version.'),
        verbs: { type: 'array', items: { type: 'string', default: '' }, description: 'verbs is a list of supported kube verbs.' },
        version: str('version is the preferred version of the resource.'),
      },
    },
  },
  [ID.apiResourceList]: {
    deps: [ID.apiResource],
    body: {
      description: 'APIResourceList is a list of APIResource, it is used to expose the name of the resources supported in a specific group and version, and if the resource is namespaced.',
      type: 'object',
      required: ['groupVersion', 'resources'],
      properties: {
        apiVersion,
        groupVersion: { type: 'string', default: '', description: 'groupVersion is the group and version this APIResourceList is for.' },
        kind,
        resources: {
          type: 'array',
          items: refWith(ID.apiResource, { default: {} }),
          'x-kubernetes-list-type': 'atomic',
          description: 'resources contains the name of the resources and if they are namespaced.',
        },
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'APIResourceList', version: 'v1' }],
    },
  },
  [ID.intOrString]: {
    deps: [],
    body: {
      description: 'IntOrString is a type that can hold an int32 or a string.',
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
    },
  },
  [ID.quantity]: {
    deps: [],
    body: {
      description:
        "Quantity is a fixed-point representation of a number, written as a string such as '250m', '1Gi' or '1.5' (or a plain number).",
      oneOf: [{ type: 'string' }, { type: 'number' }],
    },
  },
  [ID.scaleSpec]: {
    deps: [],
    body: {
      description: 'ScaleSpec describes the attributes of a scale subresource.',
      type: 'object',
      properties: { replicas: int32('replicas is the desired number of instances for the scaled object.') },
    },
  },
  [ID.scaleStatus]: {
    deps: [],
    body: {
      description: 'ScaleStatus represents the current status of a scale subresource.',
      type: 'object',
      required: ['replicas'],
      properties: {
        replicas: { type: 'integer', format: 'int32', default: 0, description: 'replicas is the actual number of observed instances of the scaled object.' },
        selector: str('selector is the label query over pods that should match the replicas count, in label-selector string form.'),
      },
    },
  },
  [ID.scale]: {
    deps: [ID.objectMeta, ID.scaleSpec, ID.scaleStatus],
    body: {
      description: 'Scale represents a scaling request for a resource.',
      type: 'object',
      properties: {
        apiVersion,
        kind,
        metadata: refWith(ID.objectMeta, { default: {}, description: "Standard object metadata." }),
        spec: refWith(ID.scaleSpec, { default: {}, description: 'spec defines the behavior of the scale.' }),
        status: refWith(ID.scaleStatus, { default: {}, description: 'status is the current status of the scale. Read-only.' }),
      },
      'x-kubernetes-group-version-kind': [{ group: 'autoscaling', kind: 'Scale', version: 'v1' }],
    },
  },
};

/** Group/versions whose DeleteOptions and WatchEvent upstream lists; every served GV is added at build time. */
function DELETE_OPTIONS_GVKS(): JsonObject[] {
  return [{ group: '', kind: 'DeleteOptions', version: 'v1' }];
}

function WATCH_EVENT_GVKS(): JsonObject[] {
  return [{ group: '', kind: 'WatchEvent', version: 'v1' }];
}
