/**
 * autoscaling/v1: HorizontalPodAutoscaler served through a conversion to the stored autoscaling/v2
 * object, and the Scale schema every scale subresource speaks.
 *
 * Contract with the apiserver: the served ResourceDef's strategy runs on the object in the served
 * (v1) shape; `conversion.toStorage` runs before persisting and `fromStorage` for responses. The v1
 * strategy validates by converting to v2 itself, so errors carry v2 field paths as upstream's do
 * (upstream validates the internal, v2-shaped object). `toStorage` applies the v2 defaults to its
 * result, as upstream does when it decodes the stored v2 object.
 */
import type { KubeObject, ResourceDef, Strategy } from '../../types.js';
import { defaultHPA, hpaStrategy, hpaTable } from '../v2/index.js';
import { hpaV1ToV2, hpaV2ToV1 } from './conversion.js';
import { HorizontalPodAutoscalerSchema } from './schema.js';
import { asRecord, keepOtherHalf } from '../../apps/shared/index.js';

export * from './conversion.js';
export { ScaleSchema, HorizontalPodAutoscalerSchema as HorizontalPodAutoscalerV1Schema } from './schema.js';

/** v1 → stored v2 with the v2 defaults applied (pure: works on the fresh converted copy). */
export function hpaV1ToV2Defaulted(obj: KubeObject): KubeObject {
  const out = hpaV1ToV2(obj);
  defaultHPA(out);
  return out;
}

const viaV2: Strategy = {
  /** Upstream autoscaling/v1 SetDefaults_HorizontalPodAutoscaler: only minReplicas. */
  defaults(obj) {
    const spec = asRecord(obj.spec);
    if (spec && (spec.minReplicas === undefined || spec.minReplicas === null)) spec.minReplicas = 1;
  },
  prepareForCreate(obj) {
    obj.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
  prepareForUpdate: keepOtherHalf,
  validate(obj: KubeObject, ctx) {
    return hpaStrategy.validate?.(hpaV1ToV2(obj), ctx) ?? [];
  },
};

export const horizontalPodAutoscalerV1: ResourceDef = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  schema: HorizontalPodAutoscalerSchema,
  subresources: { status: true },
  strategy: viaV2,
  table: {
    columns: hpaTable.columns,
    cells: (obj, now) => hpaTable.cells(obj.apiVersion === 'autoscaling/v1' ? hpaV1ToV2(obj) : obj, now),
  },
  conversion: { storageVersion: 'autoscaling/v2', toStorage: hpaV1ToV2Defaulted, fromStorage: hpaV2ToV1 },
};

export const resources: ResourceDef[] = [horizontalPodAutoscalerV1];
