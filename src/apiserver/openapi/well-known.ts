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
const apiVersion = str('The group/version this object is written in, e.g. v1.');
const kind = str('The type name of this object, in CamelCase.');

/** Component bodies by id. `deps` lists the components each one references. */
export const WELL_KNOWN: Record<string, { body: JsonObject; deps: string[] }> = {
  [ID.status]: {
    deps: [ID.listMeta, ID.statusDetails],
    body: {
      description: 'The outcome of an API call that has no object to return, or the error of one that failed.',
      type: 'object',
      properties: {
        apiVersion,
        code: int32('The HTTP status code that fits this outcome (0 when unset).'),
        details: refWith(ID.statusDetails, { description: 'More about what the reason refers to.' }),
        kind,
        message: str('What happened, in words for people.'),
        metadata: refWith(ID.listMeta, { default: {}, description: 'Resource version and paging data of this response.' }),
        reason: str('A single CamelCase word naming why the call failed; empty when no reason applies.'),
        status: str('Either "Success" or "Failure".'),
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
    },
  },
  [ID.statusDetails]: {
    deps: [ID.statusCause],
    body: {
      description: 'Optional extra facts the server attaches to a Status: which object it concerns and the individual causes.',
      type: 'object',
      properties: {
        causes: {
          type: 'array',
          items: refWith(ID.statusCause, { default: {} }),
          'x-kubernetes-list-type': 'atomic',
          description: 'The individual problems behind the failure, such as each invalid field.',
        },
        group: str('API group of the object the status is about.'),
        kind: str('Kind of the object the status is about.'),
        name: str('Name of the object the status is about.'),
        retryAfterSeconds: int32('Seconds the client should wait before trying the call again.'),
        uid: str('UID of the object the status is about.'),
      },
    },
  },
  [ID.statusCause]: {
    deps: [],
    body: {
      description: 'One problem behind a failed call; a Status may list several.',
      type: 'object',
      properties: {
        field: str('Path of the offending field in the object, e.g. spec.containers[0].name.'),
        message: str('What is wrong with the field, in words for people.'),
        reason: str('A short code for the kind of problem, e.g. FieldValueRequired.'),
      },
    },
  },
  [ID.listMeta]: {
    deps: [],
    body: {
      description: 'Metadata of a list response or other generated object: its resource version and paging token.',
      type: 'object',
      properties: {
        continue: str('Opaque token to pass back as ?continue= to fetch the next page; empty on the last page.'),
        remainingItemCount: int64('How many more items the list has beyond this page, when the server can tell.'),
        resourceVersion: str('Opaque version of the data this response reflects; use it to start a watch from here.'),
        selfLink: str('Deprecated and never set by the server.'),
      },
    },
  },
  [ID.preconditions]: {
    deps: [],
    body: {
      description: 'Conditions the stored object has to meet for the operation to go ahead.',
      type: 'object',
      properties: {
        resourceVersion: str('The resourceVersion the object must currently have.'),
        uid: str('The UID the object must currently have.'),
      },
    },
  },
  [ID.deleteOptions]: {
    deps: [ID.preconditions],
    body: {
      description: 'Options for a delete call: grace period, dependent handling, preconditions, dry run.',
      type: 'object',
      properties: {
        apiVersion,
        dryRun: {
          type: 'array',
          items: { type: 'string', default: '' },
          'x-kubernetes-list-type': 'atomic',
          description: 'Set to All to validate and run the delete without storing its result.',
        },
        gracePeriodSeconds: int64('Seconds the object gets to shut down before it is removed; 0 removes it at once, unset uses the kind\'s default.'),
        ignoreStoreReadErrorWithClusterBreakingPotential: {
          type: 'boolean',
          description: 'When true, an object the server cannot read back from storage is removed anyway, skipping finalizers and other checks; can leave the cluster inconsistent, so it is for repairs only.',
        },
        kind,
        orphanDependents: { type: 'boolean', description: 'Old form of propagationPolicy: true means Orphan, false means Background.' },
        preconditions: refWith(ID.preconditions, { description: 'The delete only happens if the stored object matches these.' }),
        propagationPolicy: str('What happens to objects owned by this one: Orphan keeps them, Background deletes them afterwards, Foreground deletes them first.'),
      },
      'x-kubernetes-group-version-kind': DELETE_OPTIONS_GVKS(),
    },
  },
  [ID.patch]: {
    deps: [],
    body: {
      description: 'The body of a PATCH call; its format follows the request Content-Type.',
      type: 'object',
    },
  },
  [ID.rawExtension]: {
    deps: [],
    body: {
      description: 'An embedded object of any kind, kept as written.',
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
          description: 'The object after the change (ADDED, MODIFIED), its last state (DELETED), a bookmark carrying only a resourceVersion (BOOKMARK), or a Status (ERROR).',
        }),
        type: { type: 'string', default: '' },
      },
      'x-kubernetes-group-version-kind': WATCH_EVENT_GVKS(),
    },
  },
  [ID.apiResource]: {
    deps: [],
    body: {
      description: 'One resource a group/version serves: its names, kind, scope and verbs.',
      type: 'object',
      required: ['name', 'singularName', 'namespaced', 'kind', 'verbs'],
      properties: {
        categories: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic' },
        group: str('API group of the resource, when it differs from the list\'s.'),
        kind: { type: 'string', default: '', description: 'Kind of the objects this resource holds, e.g. Deployment.' },
        name: { type: 'string', default: '', description: 'The resource name used in URLs, e.g. deployments or deployments/scale.' },
        namespaced: { type: 'boolean', default: false, description: 'True when the objects live in a namespace.' },
        shortNames: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic' },
        singularName: { type: 'string', default: '', description: 'Lowercase singular name, e.g. deployment.' },
        storageVersionHash: str('Opaque hash of the version objects are stored in; changes when it does.'),
        verbs: { type: 'array', items: { type: 'string', default: '' }, description: 'The operations the resource allows, e.g. get, list, watch, create.' },
        version: str('API version of the resource, when it differs from the list\'s.'),
      },
    },
  },
  [ID.apiResourceList]: {
    deps: [ID.apiResource],
    body: {
      description: 'The resources one group/version serves, as listed by discovery.',
      type: 'object',
      required: ['groupVersion', 'resources'],
      properties: {
        apiVersion,
        groupVersion: { type: 'string', default: '', description: 'The group/version these resources belong to, e.g. apps/v1.' },
        kind,
        resources: {
          type: 'array',
          items: refWith(ID.apiResource, { default: {} }),
          'x-kubernetes-list-type': 'atomic',
          description: 'The resources served.',
        },
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'APIResourceList', version: 'v1' }],
    },
  },
  [ID.intOrString]: {
    deps: [],
    body: {
      description: 'A value written either as a whole number or as a string (such as "25%").',
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
      description: 'The requested size of a scalable object.',
      type: 'object',
      properties: { replicas: int32('How many replicas are wanted.') },
    },
  },
  [ID.scaleStatus]: {
    deps: [],
    body: {
      description: 'The observed size of a scalable object.',
      type: 'object',
      required: ['replicas'],
      properties: {
        replicas: { type: 'integer', format: 'int32', default: 0, description: 'How many replicas exist now.' },
        selector: str('Label selector, as a string, for the pods counted in replicas.'),
      },
    },
  },
  [ID.scale]: {
    deps: [ID.objectMeta, ID.scaleSpec, ID.scaleStatus],
    body: {
      description: 'The scale subresource: the wanted and observed replica count of a workload.',
      type: 'object',
      properties: {
        apiVersion,
        kind,
        metadata: refWith(ID.objectMeta, { default: {}, description: 'Name, namespace and other metadata of the scaled object.' }),
        spec: refWith(ID.scaleSpec, { default: {}, description: 'The wanted replica count.' }),
        status: refWith(ID.scaleStatus, { default: {}, description: 'The observed replica count and pod selector; set by the server.' }),
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
