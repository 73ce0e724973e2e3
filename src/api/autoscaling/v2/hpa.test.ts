import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../../types.js';
import { horizontalPodAutoscalerV2, defaultHPA, formatHPAMetrics } from './index.js';
import { horizontalPodAutoscalerV1, hpaV1ToV2, hpaV2ToV1 } from '../v1/index.js';

const ctx: StrategyContext = { now: new Date('2026-01-01T00:00:00Z'), user: { username: 'u', groups: [] }, subresource: '' };

/** The seed's myapp-hpa. */
function seedHPA(): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'myapp-hpa', namespace: 'production', creationTimestamp: '2025-12-31T23:00:00Z' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'myapp-deployment' },
      minReplicas: 3,
      maxReplicas: 50,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
        { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '100' } } },
        {
          type: 'External',
          external: { metric: { name: 'queue_length', selector: { matchLabels: { queue: 'myapp-queue' } } }, target: { type: 'AverageValue', averageValue: '10' } },
        },
      ],
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 300,
          policies: [
            { type: 'Percent', value: 10, periodSeconds: 60 },
            { type: 'Pods', value: 2, periodSeconds: 60 },
          ],
          selectPolicy: 'Min',
        },
        scaleUp: {
          stabilizationWindowSeconds: 60,
          policies: [
            { type: 'Percent', value: 50, periodSeconds: 60 },
            { type: 'Pods', value: 5, periodSeconds: 60 },
          ],
          selectPolicy: 'Max',
        },
      },
    },
  };
}

const strategy = horizontalPodAutoscalerV2.strategy!;
function errs(obj: KubeObject): string[] {
  strategy.defaults!(obj);
  return strategy.validate!(obj, ctx).map(String);
}

test('seed HPA defaults and validates like upstream', () => {
  const h = seedHPA();
  const before = structuredClone(h);
  assert.deepEqual(errs(h), []);
  // Everything in the seed is explicit; defaults change nothing.
  assert.deepEqual(h, before);
});

test('HPA defaults: minReplicas, CPU metric, behavior filled per direction', () => {
  const h: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'x' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } },
  };
  defaultHPA(h);
  defaultHPA(h);
  assert.deepEqual(h.spec, {
    scaleTargetRef: { kind: 'Deployment', name: 'd' },
    maxReplicas: 5,
    minReplicas: 1,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    behavior: {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    },
  });
});

test('HPA bad inputs give upstream paths and messages', () => {
  const h = seedHPA();
  const spec = h.spec as Record<string, any>;
  spec.minReplicas = 0;
  spec.maxReplicas = 0;
  spec.scaleTargetRef = { kind: '', name: 'a/b' };
  spec.metrics = [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } },
    { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'Foo' } } },
    { type: 'Object' },
  ];
  spec.behavior.scaleUp = { stabilizationWindowSeconds: 4000, selectPolicy: 'Avg', policies: [{ type: 'Nodes', value: 0, periodSeconds: 1801 }] };
  spec.behavior.scaleDown = { policies: [] };
  assert.deepEqual(errs(h), [
    'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
    'spec.maxReplicas: Invalid value: 0: must be greater than 0',
    'spec.scaleTargetRef.kind: Required value',
    "spec.scaleTargetRef.name: Invalid value: \"a/b\": may not contain '/'",
    'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
    'spec.metrics[1].pods.target.type: Invalid value: "Foo": must be either Utilization, Value, or AverageValue',
    'spec.metrics[1].pods.target.averageValue: Required value: must specify a positive target averageValue',
    'spec.metrics[2].object: Required value: must populate information for the given metric source',
    'spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600',
    'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Avg": supported values: "Disabled", "Max", "Min"',
    'spec.behavior.scaleUp.policies[0].type: Unsupported value: "Nodes": supported values: "Percent", "Pods"',
    'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
    'spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800',
    'spec.behavior.scaleDown.policies: Required value: must specify at least one Policy',
  ]);
});

test('HPA minReplicas > maxReplicas and two metric sources', () => {
  const h = seedHPA();
  const spec = h.spec as Record<string, any>;
  spec.minReplicas = 10;
  spec.maxReplicas = 5;
  spec.metrics = [
    {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      pods: { metric: { name: 'x' }, target: { type: 'AverageValue', averageValue: '-1' } },
    },
  ];
  // pods is validated (first present source); resource is the expected one, so pods is forbidden.
  assert.deepEqual(errs(h), [
    'spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`',
    'spec.metrics[0].pods.target.averageValue: Invalid value: "-1": must be positive',
    'spec.metrics[0].pods: Forbidden: must populate the given metric source only',
  ]);
});

test('v2 → v1 → v2 round-trips the seed HPA (metrics, behavior, status)', () => {
  const h = seedHPA();
  defaultHPA(h);
  h.status = {
    currentReplicas: 3,
    desiredReplicas: 3,
    currentMetrics: [
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42, averageValue: '105m' } } },
      { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, current: { averageValue: '12' } } },
    ],
    conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'ReadyForNewScale', message: 'ok' }],
  };
  const v1 = hpaV2ToV1(h);
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.deepEqual(v1.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'myapp-deployment' },
    minReplicas: 3,
    maxReplicas: 50,
    targetCPUUtilizationPercentage: 70,
  });
  assert.deepEqual(v1.status, { currentReplicas: 3, desiredReplicas: 3, currentCPUUtilizationPercentage: 42 });
  const ann = v1.metadata.annotations!;
  assert.ok(ann['autoscaling.alpha.kubernetes.io/metrics']);
  assert.ok(ann['autoscaling.alpha.kubernetes.io/current-metrics']);
  assert.ok(ann['autoscaling.alpha.kubernetes.io/conditions']);
  const back = hpaV1ToV2(v1);
  assert.deepEqual(back, h);
});

test('v1 targetCPUUtilizationPercentage maps to a v2 Resource metric; none gives the 80% default', () => {
  const v1: KubeObject = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'a' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 4, targetCPUUtilizationPercentage: 55 },
  };
  assert.deepEqual((hpaV1ToV2(v1).spec as any).metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } } }]);
  delete (v1.spec as any).targetCPUUtilizationPercentage;
  assert.deepEqual((hpaV1ToV2(v1).spec as any).metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  // A v1 client changing the CPU target is honoured even when the full list travels in the annotation.
  const h = seedHPA();
  const one = hpaV2ToV1(h);
  (one.spec as any).targetCPUUtilizationPercentage = 90;
  assert.equal((hpaV1ToV2(one).spec as any).metrics[0].resource.target.averageUtilization, 90);
  // v1 validation reports v2 paths, as upstream (validation runs on the internal, v2-shaped object).
  (v1.spec as any).maxReplicas = 0;
  horizontalPodAutoscalerV1.strategy!.defaults!(v1);
  assert.deepEqual(horizontalPodAutoscalerV1.strategy!.validate!(v1, ctx).map(String), ['spec.maxReplicas: Invalid value: 0: must be greater than 0', 'spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`']);
});

test('HPA table cells', () => {
  const h = seedHPA();
  h.status = { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42 } } }] };
  const cells = horizontalPodAutoscalerV2.table!.cells(h, ctx.now);
  assert.deepEqual(cells, ['myapp-hpa', 'Deployment/myapp-deployment', 'cpu: 42%/70%, memory: <unknown>/80% + 2 more...', '3', 50, 3, '60m']);
  assert.equal(formatHPAMetrics([], []), '<none>');
  assert.deepEqual(horizontalPodAutoscalerV2.table!.columns.map((c) => c.name), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
});
