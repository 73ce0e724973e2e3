import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../../types.js';
import { deployment, replicaSet, statefulSet, daemonSet, controllerRevision, scaleSelector, resources } from './index.js';

const ctx: StrategyContext = { now: new Date('2026-01-01T00:00:00Z'), user: { username: 'u', groups: [] }, subresource: '' };

/** The seed's myapp-blue / myapp-green Deployments. */
function seedDeployment(color: 'blue' | 'green'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `myapp-${color}`, namespace: 'production', labels: { app: 'myapp', version: color, 'deployment-strategy': 'blue-green' }, creationTimestamp: '2025-12-31T23:55:00Z' },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: 'myapp', version: color } },
      template: {
        metadata: { labels: { app: 'myapp', version: color } },
        spec: {
          containers: [
            {
              name: 'myapp',
              image: `myregistry.com/myapp:${color === 'blue' ? 'v1.2.3' : 'v1.3.0'}`,
              ports: [{ containerPort: 8080 }],
              env: [
                { name: 'ENV', value: 'production' },
                { name: 'VERSION', value: color },
              ],
              resources: { requests: { memory: '256Mi', cpu: '250m' }, limits: { memory: '512Mi', cpu: '500m' } },
              livenessProbe: { httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 30, periodSeconds: 10 },
              readinessProbe: { httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 5 },
            },
          ],
        },
      },
    },
  };
}

function run(def: (typeof resources)[number], obj: KubeObject, c: StrategyContext = ctx): string[] {
  def.strategy!.defaults?.(obj);
  def.strategy!.prepareForCreate?.(obj, c);
  return def.strategy!.validate!(obj, c).map(String);
}

test('seed Deployments default and validate as upstream', () => {
  for (const color of ['blue', 'green'] as const) {
    const d = seedDeployment(color);
    assert.deepEqual(run(deployment, d), []);
    const spec = d.spec as any;
    assert.equal(spec.replicas, 5);
    assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    // Pod template defaults come from core.
    assert.equal(spec.template.spec.restartPolicy, 'Always');
    assert.equal(spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.template.spec.containers[0].ports[0].protocol, 'TCP');
    assert.deepEqual(d.status, {});
    // Defaults are idempotent.
    const again = structuredClone(d);
    deployment.strategy!.defaults!(again);
    assert.deepEqual(again, d);
  }
});

test('Deployment table cells (wide columns included, as server-side tables are)', () => {
  const d = seedDeployment('blue');
  run(deployment, d);
  d.status = { replicas: 5, updatedReplicas: 5, readyReplicas: 4, availableReplicas: 4 };
  assert.deepEqual(deployment.table!.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
  ]);
  assert.deepEqual(deployment.table!.cells(d, ctx.now), ['myapp-blue', '4/5', 5, 4, '5m', 'myapp', 'myregistry.com/myapp:v1.2.3', 'app=myapp,version=blue']);
  assert.equal(scaleSelector(d), 'app=myapp,version=blue');
});

test('Deployment selector must match template labels; selector required', () => {
  const d = seedDeployment('blue');
  (d.spec as any).selector = { matchLabels: { app: 'other' } };
  assert.deepEqual(run(deployment, d), [
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"myapp", "version":"blue"}: `selector` does not match template `labels`',
  ]);
  const n = seedDeployment('blue');
  delete (n.spec as any).selector;
  assert.deepEqual(run(deployment, n), [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"myapp", "version":"blue"}: `selector` does not match template `labels`',
  ]);
  const e = seedDeployment('blue');
  (e.spec as any).selector = {};
  assert.deepEqual(run(deployment, e), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
  ]);
});

test('Deployment strategy and counters', () => {
  const d = seedDeployment('blue');
  Object.assign(d.spec as any, {
    replicas: -1,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } },
    minReadySeconds: 700,
    revisionHistoryLimit: -2,
  });
  assert.deepEqual(run(deployment, d), [
    'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
    'spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
    'spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds',
  ]);
  const r = seedDeployment('blue');
  (r.spec as any).strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } };
  assert.deepEqual(run(deployment, r), ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]);
  const p = seedDeployment('blue');
  (p.spec as any).strategy = { rollingUpdate: { maxUnavailable: '150%', maxSurge: 'x' } };
  assert.deepEqual(run(deployment, p), [
    'spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"x"}: a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')',
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
  ]);
});

test('Deployment selector is immutable in apps/v1; status rules', () => {
  const old = seedDeployment('blue');
  run(deployment, old);
  const upd = structuredClone(old);
  (upd.spec as any).selector = { matchLabels: { app: 'myapp' } };
  assert.deepEqual(deployment.strategy!.validateUpdate!(upd, old, ctx).map(String), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"myapp"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
  const st = structuredClone(old);
  st.status = { replicas: 2, readyReplicas: 3, availableReplicas: 4 };
  const sctx = { ...ctx, subresource: 'status' };
  assert.deepEqual(deployment.strategy!.validate!(st, sctx).map(String), [
    'status.readyReplicas: Invalid value: 3: cannot be greater than status.replicas',
    'status.availableReplicas: Invalid value: 4: cannot be greater than status.replicas',
    'status.availableReplicas: Invalid value: 4: cannot be greater than readyReplicas',
  ]);
});

test('Deployment pod template errors come from core with spec.template paths', () => {
  const d = seedDeployment('blue');
  (d.spec as any).template.spec.containers[0].image = '';
  (d.spec as any).template.spec.restartPolicy = 'Never';
  const errs = run(deployment, d);
  assert.ok(errs.includes('spec.template.spec.containers[0].image: Required value'), errs.join('\n'));
  assert.ok(errs.includes('spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'), errs.join('\n'));
});

test('ReplicaSet defaults, validation, table', () => {
  const rs: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-abc', creationTimestamp: '2025-12-31T23:59:00Z' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  assert.deepEqual(run(replicaSet, rs), []);
  assert.equal((rs.spec as any).replicas, 1);
  rs.status = { replicas: 1, readyReplicas: 1 };
  assert.deepEqual(replicaSet.table!.cells(rs, ctx.now), ['web-abc', 1, 1, 1, '60s', 'c', 'nginx', 'app=web']);
});

test('StatefulSet defaults, claim-template mounts, immutable fields', () => {
  const sts: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'pg', image: 'postgres', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
  assert.deepEqual(run(statefulSet, sts), []);
  const spec = sts.spec as any;
  assert.equal(spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(spec.replicas, 1);
  assert.equal(spec.revisionHistoryLimit, 10);
  const upd = structuredClone(sts);
  (upd.spec as any).serviceName = 'other';
  (upd.spec as any).replicas = 3;
  assert.deepEqual(statefulSet.strategy!.validateUpdate!(upd, sts, ctx).map(String), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
  (upd.spec as any).serviceName = 'db';
  assert.deepEqual(statefulSet.strategy!.validateUpdate!(upd, sts, ctx), []);
  const bad = structuredClone(sts);
  Object.assign(bad.spec as any, { podManagementPolicy: 'Random', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep', whenScaled: 'Retain' } });
  assert.deepEqual(run(statefulSet, bad), [
    "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
  ]);
  sts.status = { replicas: 1, readyReplicas: 1 };
  assert.deepEqual(statefulSet.table!.cells(sts, ctx.now), ['db', '1/1', '<unknown>', 'pg', 'postgres']);
});

test('DaemonSet defaults and update strategy rules', () => {
  const ds: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'busybox' }] } },
    },
  };
  assert.deepEqual(run(daemonSet, ds), []);
  assert.deepEqual((ds.spec as any).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  const both = structuredClone(ds);
  (both.spec as any).updateStrategy.rollingUpdate = { maxUnavailable: 1, maxSurge: 1 };
  assert.deepEqual(run(daemonSet, both), ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero']);
  const none = structuredClone(ds);
  (none.spec as any).updateStrategy.rollingUpdate = { maxUnavailable: 0, maxSurge: 0 };
  assert.deepEqual(run(daemonSet, none), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']);
  assert.deepEqual(daemonSet.table!.cells(ds, ctx.now).slice(0, 7), ['agent', 0, 0, 0, 0, 0, 'kubernetes.io/os=linux']);
});

test('ControllerRevision: data required and immutable; controller column', () => {
  const cr: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: 'db-5d9f', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }] },
    revision: 2,
  };
  assert.deepEqual(run(controllerRevision, cr), ['data: Required value: data is mandatory']);
  cr.data = { spec: {} };
  assert.deepEqual(run(controllerRevision, cr), []);
  assert.deepEqual(controllerRevision.table!.cells(cr, ctx.now).slice(0, 3), ['db-5d9f', 'statefulset.apps/db', 2]);
  const upd = { ...cr, data: { spec: { x: 1 } } };
  assert.deepEqual(controllerRevision.strategy!.validateUpdate!(upd, cr, ctx).map(String), ['data: Invalid value: {"spec":{"x":1}}: field is immutable']);
});

test('discovery metadata', () => {
  assert.deepEqual(resources.map((r) => [r.plural, r.shortNames ?? [], r.categories ?? []]), [
    ['deployments', ['deploy'], ['all']],
    ['replicasets', ['rs'], ['all']],
    ['statefulsets', ['sts'], ['all']],
    ['daemonsets', ['ds'], ['all']],
    ['controllerrevisions', [], []],
  ]);
});

test('workload warnings: name not a DNS label; template warnings only for changed templates', () => {
  const d = seedDeployment('blue');
  d.metadata.name = 'my.app';
  run(deployment, d);
  const w = deployment.strategy!.warnings!(d, undefined);
  assert.ok(w[0]!.startsWith('metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: ['), w[0]);
  assert.deepEqual(deployment.strategy!.warnings!(d, structuredClone(d)), []);
});
