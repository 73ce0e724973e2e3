/** core/v1 structures the non-core groups embed, taken from core's public index. */
import type { Schema } from '../../schema/index.js';
import { ObjectReference, TypedLocalObjectReference, persistentVolumeClaimResource } from '../../core/v1/index.js';

/** core/v1 ObjectReference (io.k8s.api.core.v1.ObjectReference). */
export const ObjectReferenceInline: Schema = ObjectReference;

/** core/v1 TypedLocalObjectReference. */
export const TypedLocalObjectReferenceSchema: Schema = TypedLocalObjectReference;

/** core/v1 PersistentVolumeClaim, as embedded in a StatefulSet's volumeClaimTemplates. */
export const PersistentVolumeClaimInline: Schema = persistentVolumeClaimResource.schema;
