/**
 * core/v1 structures that the core module does not export yet (ObjectReference, the
 * PersistentVolumeClaim object used in StatefulSet volumeClaimTemplates). They carry no `id` so they
 * never clash with core's named definitions; switch to core's exports once core/v1/index.ts has them.
 */
import { s, type Schema } from '../../schema/index.js';
import { ObjectMeta, Time } from '../../meta/v1.js';
import { PersistentVolumeClaimSpec } from '../../core/v1/index.js';

/** core/v1 ObjectReference (x-kubernetes-map-type atomic). */
export const ObjectReferenceInline: Schema = s.object(
  {
    kind: s.string({ description: 'Kind of the referent.' }),
    namespace: s.string({ description: 'Namespace of the referent.' }),
    name: s.string({ description: 'Name of the referent.' }),
    uid: s.string({ description: 'UID of the referent.' }),
    apiVersion: s.string({ description: 'API version of the referent.' }),
    resourceVersion: s.string({ description: 'Specific resourceVersion to which this reference is made, if any.' }),
    fieldPath: s.string({ description: 'If referring to a piece of an object instead of an entire object, the JSONPath of that piece.' }),
  },
  { 'x-kubernetes-map-type': 'atomic', description: 'ObjectReference contains enough information to let you inspect or modify the referred object.' },
);

/** core/v1 PersistentVolumeClaim as embedded in a StatefulSet's volumeClaimTemplates. */
export const PersistentVolumeClaimInline: Schema = s.object(
  {
    apiVersion: s.string(),
    kind: s.string(),
    metadata: ObjectMeta,
    spec: PersistentVolumeClaimSpec,
    status: s.object(
      {
        phase: s.string(),
        accessModes: s.array(s.string(), { listType: 'atomic' }),
        capacity: s.map(s.quantity()),
        conditions: s.array(
          s.object({
            type: s.string(),
            status: s.string(),
            lastProbeTime: Time,
            lastTransitionTime: Time,
            reason: s.string(),
            message: s.string(),
          }),
          { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] },
        ),
        allocatedResources: s.map(s.quantity()),
        allocatedResourceStatuses: s.map(s.string(), { 'x-kubernetes-map-type': 'granular' }),
        currentVolumeAttributesClassName: s.string(),
        modifyVolumeStatus: s.object({ targetVolumeAttributesClassName: s.string(), status: s.string() }, { required: ['status'] }),
      },
      { description: 'PersistentVolumeClaimStatus is the current status of a persistent volume claim.' },
    ),
  },
  { description: 'PersistentVolumeClaim is a user\'s request for and claim to a persistent volume' },
);
