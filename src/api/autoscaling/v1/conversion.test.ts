/** Property test: every defaulted v2 HorizontalPodAutoscaler survives v2 → v1 → v2 unchanged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../../types.js';
import { hpaV1ToV2, hpaV2ToV1 } from './index.js';

const qty = fc.constantFrom('1', '100', '250m', '1Gi', '10', '0.5');
const pct = fc.integer({ min: 1, max: 200 });
const selector = fc.option(fc.record({ matchLabels: fc.dictionary(fc.constantFrom('app', 'queue', 'tier'), fc.constantFrom('a', 'b')) }), { nil: undefined });
const ident = fc.record({ name: fc.constantFrom('rps', 'queue_length', 'latency'), selector }, { requiredKeys: ['name'] });
const ref = fc.record({ kind: fc.constantFrom('Service', 'Ingress'), name: fc.constantFrom('web', 'api'), apiVersion: fc.constantFrom('v1', 'networking.k8s.io/v1') }, { requiredKeys: ['kind', 'name'] });
const utilOrValue = fc.oneof(
  pct.map((u) => ({ type: 'Utilization', averageUtilization: u })),
  qty.map((v) => ({ type: 'AverageValue', averageValue: v })),
);
const metric = fc.oneof(
  fc.record({ type: fc.constant('Resource'), resource: fc.record({ name: fc.constantFrom('cpu', 'memory'), target: utilOrValue }) }),
  fc.record({ type: fc.constant('ContainerResource'), containerResource: fc.record({ name: fc.constantFrom('cpu', 'memory'), container: fc.constantFrom('app', 'sidecar'), target: utilOrValue }) }),
  fc.record({ type: fc.constant('Pods'), pods: fc.record({ metric: ident, target: qty.map((v) => ({ type: 'AverageValue', averageValue: v })) }) }),
  fc.record({
    type: fc.constant('Object'),
    object: fc.record({ describedObject: ref, metric: ident, target: fc.oneof(qty.map((v) => ({ type: 'Value', value: v })), fc.tuple(qty, fc.option(qty, { nil: undefined })).map(([a, v]) => (v === undefined ? { type: 'AverageValue', averageValue: a } : { type: 'AverageValue', value: v, averageValue: a }))) }),
  }),
  fc.record({ type: fc.constant('External'), external: fc.record({ metric: ident, target: fc.oneof(qty.map((v) => ({ type: 'Value', value: v })), qty.map((v) => ({ type: 'AverageValue', averageValue: v }))) }) }),
);
const valueStatus = fc.record({ value: qty, averageValue: qty, averageUtilization: pct }, { requiredKeys: [] });
const metricStatus = fc.oneof(
  fc.record({ type: fc.constant('Resource'), resource: fc.record({ name: fc.constantFrom('cpu', 'memory'), current: fc.record({ averageValue: qty, averageUtilization: pct }, { requiredKeys: [] }) }) }),
  fc.record({ type: fc.constant('Pods'), pods: fc.record({ metric: ident, current: fc.record({ averageValue: qty }, { requiredKeys: [] }) }) }),
  fc.record({ type: fc.constant('Object'), object: fc.record({ metric: ident, describedObject: ref, current: fc.record({ value: qty, averageValue: qty }, { requiredKeys: [] }) }) }),
  fc.record({ type: fc.constant('External'), external: fc.record({ metric: ident, current: fc.record({ value: qty, averageValue: qty }, { requiredKeys: [] }) }) }),
);
const rules = fc.record(
  {
    stabilizationWindowSeconds: fc.integer({ min: 0, max: 3600 }),
    selectPolicy: fc.constantFrom('Max', 'Min', 'Disabled'),
    policies: fc.array(fc.record({ type: fc.constantFrom('Pods', 'Percent'), value: fc.integer({ min: 1, max: 100 }), periodSeconds: fc.integer({ min: 1, max: 1800 }) }), { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ['policies'] },
);
const hpa = fc.record(
  {
    spec: fc.record(
      {
        scaleTargetRef: fc.record({ apiVersion: fc.constant('apps/v1'), kind: fc.constant('Deployment'), name: fc.constantFrom('web', 'api') }),
        minReplicas: fc.integer({ min: 1, max: 5 }),
        maxReplicas: fc.integer({ min: 5, max: 50 }),
        metrics: fc.array(metric, { minLength: 1, maxLength: 5 }),
        behavior: fc.record({ scaleUp: rules, scaleDown: rules }, { requiredKeys: [] }),
      },
      { requiredKeys: ['scaleTargetRef', 'maxReplicas', 'metrics'] },
    ),
    status: fc.record(
      {
        observedGeneration: fc.integer({ min: 1, max: 9 }),
        currentReplicas: fc.integer({ min: 1, max: 9 }),
        desiredReplicas: fc.integer({ min: 0, max: 9 }),
        currentMetrics: fc.array(metricStatus, { minLength: 1, maxLength: 3 }),
        conditions: fc.array(fc.record({ type: fc.constantFrom('AbleToScale', 'ScalingActive'), status: fc.constantFrom('True', 'False'), reason: fc.constant('R'), message: fc.constant('m') }), { minLength: 1, maxLength: 1 }),
      },
      { requiredKeys: ['desiredReplicas'] },
    ),
    annotations: fc.option(fc.dictionary(fc.constantFrom('team', 'owner'), fc.constantFrom('x', 'y'), { minKeys: 1 }), { nil: undefined }),
  },
  { requiredKeys: ['spec'] },
);

test('v2 → v1 → v2 round-trips any HPA (metrics order, behavior, statuses, conditions)', () => {
  void valueStatus;
  fc.assert(
    fc.property(hpa, ({ spec, status, annotations }) => {
      const obj: KubeObject = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'h', namespace: 'ns', ...(annotations ? { annotations: { ...annotations } } : {}) },
        spec: JSON.parse(JSON.stringify(spec)),
        ...(status ? { status: JSON.parse(JSON.stringify(status)) } : {}),
      };
      const back = hpaV1ToV2(hpaV2ToV1(structuredClone(obj)));
      // A stored object without status reads back with the v1 zero status.
      if (!status) delete back.status;
      assert.deepEqual(back, obj);
    }),
    { numRuns: 300 },
  );
});
