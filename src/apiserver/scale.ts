/**
 * The scale subresource: an autoscaling/v1 Scale view of any object whose ResourceDef has a
 * ScaleDef (JSON paths to spec replicas, status replicas and the label selector).
 */
import type { KubeObject, ResourceDef } from '../api/types.js';
import { invalid, notFound } from '../lib/errors.js';
import { fieldErrors } from '../lib/field-error.js';
import { getPath, setPath } from './registry/object-meta.js';
import { selectorFromLabelSelector, selectorToString, type LabelSelector } from '../lib/labels/index.js';

export interface Scale {
  kind: 'Scale';
  apiVersion: 'autoscaling/v1';
  metadata: KubeObject['metadata'];
  spec: { replicas: number };
  status: { replicas: number; selector?: string };
}

export function scaleFromObject(def: ResourceDef, obj: KubeObject): Scale {
  const sd = def.subresources?.scale;
  if (!sd) throw notFound({ group: def.group, resource: `${def.plural}/scale` }, obj.metadata.name ?? '');
  const m = obj.metadata;
  const scale: Scale = {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: Number(getPath(obj, sd.specReplicasPath) ?? 0) },
    status: { replicas: Number(getPath(obj, sd.statusReplicasPath) ?? 0) },
  };
  if (sd.labelSelectorPath) {
    const sel = getPath(obj, sd.labelSelectorPath);
    if (typeof sel === 'string') scale.status.selector = sel;
    else if (sel && typeof sel === 'object') {
      try {
        scale.status.selector = selectorToString(selectorFromLabelSelector(sel as LabelSelector));
      } catch {
        /* an invalid selector shows as none */
      }
    }
  }
  if (!m.namespace) delete scale.metadata.namespace;
  return scale;
}

/** Writes a (possibly patched) Scale's spec.replicas back into the object; 422 on bad values. */
export function applyScaleToObject(def: ResourceDef, obj: KubeObject, scale: { spec?: { replicas?: unknown } }): KubeObject {
  const sd = def.subresources!.scale!;
  const replicas = scale.spec?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas))
    throw invalid('autoscaling', 'Scale', obj.metadata.name ?? '', [fieldErrors.invalid('spec.replicas', replicas, 'must be an integer')]);
  if (replicas < 0)
    throw invalid('autoscaling', 'Scale', obj.metadata.name ?? '', [fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
  setPath(obj as unknown as Record<string, unknown>, sd.specReplicasPath, replicas);
  return obj;
}
