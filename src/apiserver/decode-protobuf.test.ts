import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../api/builtin.js';
import type { ResourceDef } from '../api/types.js';
import { body, encodeObject, envelope } from '../api/protobuf/testing/encode.js';
import { ApiError } from '../lib/errors.js';
import { decodeObject, parseBody } from './decode.js';

const PB = 'application/vnd.kubernetes.protobuf';
const defs = builtinResources();
function def(group: string, kind: string): ResourceDef {
  const d = defs.find((x) => x.group === group && x.kind === kind);
  assert.ok(d, `${group} ${kind} is served`);
  return d;
}

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    return e.message;
  }
  assert.fail('expected a 400');
}

/** The protobuf body and the JSON client-go sends for the same Go value decode to the same object. */
function sameAsJson(d: ResourceDef, pb: Buffer, json: unknown): void {
  const a = decodeObject(pb, PB, d, 'Strict');
  const b = decodeObject(Buffer.from(JSON.stringify(json)), 'application/json', d, 'Strict');
  assert.deepEqual(a.obj, b.obj);
  assert.deepEqual(a.warnings, []);
}

const Z = { name: '', generateName: '', namespace: '', selfLink: '', uid: '', resourceVersion: '', generation: 0, creationTimestamp: {} };

test('kubectl create configmap / secret / namespace / service: same object as the JSON path', () => {
  sameAsJson(
    def('', 'ConfigMap'),
    body('v1', 'ConfigMap', { metadata: { ...Z, name: 'c' }, data: { a: 'b' } }),
    { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', creationTimestamp: null }, data: { a: 'b' } },
  );
  sameAsJson(
    def('', 'Secret'),
    body('v1', 'Secret', { metadata: { ...Z, name: 's' }, data: { a: new TextEncoder().encode('b') }, type: 'Opaque' }),
    { kind: 'Secret', apiVersion: 'v1', metadata: { name: 's', creationTimestamp: null }, data: { a: 'Yg==' }, type: 'Opaque' },
  );
  sameAsJson(
    def('', 'Namespace'),
    body('v1', 'Namespace', { metadata: { ...Z, name: 'n' }, spec: {}, status: { phase: '' } }),
    { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'n', creationTimestamp: null }, spec: {}, status: {} },
  );
  sameAsJson(
    def('', 'Service'),
    body('v1', 'Service', {
      metadata: { ...Z, name: 'svc', labels: { app: 'svc' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080 }, nodePort: 0 }], selector: { app: 'svc' }, clusterIP: '', type: 'ClusterIP', sessionAffinity: '', loadBalancerIP: '', externalName: '', externalTrafficPolicy: '', healthCheckNodePort: 0, publishNotReadyAddresses: false },
      status: { loadBalancer: {} },
    }),
    {
      kind: 'Service', apiVersion: 'v1', metadata: { name: 'svc', creationTimestamp: null, labels: { app: 'svc' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc' }, type: 'ClusterIP' },
      status: { loadBalancer: {} },
    },
  );
});

test('kubectl create job / cronjob / priorityclass / autoscale: same object as the JSON path', () => {
  const podTemplate = { metadata: { ...Z }, spec: { containers: [{ name: 'j', image: 'busybox', resources: {} }], restartPolicy: 'Never' } };
  const podTemplateJson = { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'j', image: 'busybox', resources: {} }], restartPolicy: 'Never' } };
  sameAsJson(
    def('batch', 'Job'),
    body('batch/v1', 'Job', { metadata: { ...Z, name: 'j' }, spec: { template: podTemplate }, status: { active: 0, succeeded: 0, failed: 0, completedIndexes: '' } }),
    { kind: 'Job', apiVersion: 'batch/v1', metadata: { name: 'j', creationTimestamp: null }, spec: { template: podTemplateJson }, status: {} },
  );
  sameAsJson(
    def('batch', 'CronJob'),
    body('batch/v1', 'CronJob', { metadata: { ...Z, name: 'cj' }, spec: { schedule: '*/1 * * * *', concurrencyPolicy: '', jobTemplate: { metadata: { ...Z, name: 'cj' }, spec: { template: podTemplate } } }, status: {} }),
    { kind: 'CronJob', apiVersion: 'batch/v1', metadata: { name: 'cj', creationTimestamp: null }, spec: { schedule: '*/1 * * * *', jobTemplate: { metadata: { name: 'cj', creationTimestamp: null }, spec: { template: podTemplateJson } } }, status: {} },
  );
  sameAsJson(
    def('scheduling.k8s.io', 'PriorityClass'),
    body('scheduling.k8s.io/v1', 'PriorityClass', { metadata: { ...Z, name: 'pc' }, value: 0, globalDefault: false, description: '', preemptionPolicy: 'PreemptLowerPriority' }),
    { kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', metadata: { name: 'pc', creationTimestamp: null }, value: 0, preemptionPolicy: 'PreemptLowerPriority' },
  );
  sameAsJson(
    def('autoscaling', 'HorizontalPodAutoscaler'),
    body('autoscaling/v2', 'HorizontalPodAutoscaler', {
      metadata: { ...Z, name: 'h' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'd', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] },
      status: { desiredReplicas: 0, currentReplicas: 0 },
    }),
    {
      kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', metadata: { name: 'h', creationTimestamp: null },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'd', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] },
      status: { desiredReplicas: 0 },
    },
  );
});

test('bad bodies are refused with upstream Status messages', () => {
  const cm = def('', 'ConfigMap');
  const dep = def('apps', 'Deployment');
  assert.equal(
    badRequest(() => decodeObject(Buffer.from('{"kind":"Deployment"}'), PB, dep, 'Strict')),
    'the object provided is unrecognized (must be of type Deployment): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({"kind":"Deployment"})',
  );
  assert.equal(badRequest(() => decodeObject(Buffer.alloc(0), PB, dep, 'Strict')), 'the object provided is unrecognized (must be of type Deployment): empty data (<empty>)');
  const good = body('v1', 'ConfigMap', { metadata: { name: 'c' }, data: { a: 'b' } });
  const cut = good.subarray(0, good.length - 6);
  const hex = cut.subarray(0, 30).toString('hex');
  assert.equal(
    badRequest(() => decodeObject(cut, PB, cm, 'Strict')),
    `the object provided is unrecognized (must be of type ConfigMap): unexpected EOF (${hex}${cut.length > 30 ? ' ...' : ''})`,
  );
  const raw = encodeObject('v1', 'ConfigMap', { metadata: { name: 'c' }, data: { a: 'b' } });
  assert.equal(
    badRequest(() => decodeObject(envelope(raw.subarray(0, raw.length - 2), { apiVersion: 'v1', kind: 'ConfigMap' }), PB, cm, 'Strict')),
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: unexpected EOF',
  );
  assert.equal(
    badRequest(() => decodeObject(good, PB, dep, 'Strict')),
    'ConfigMap in version "v1" cannot be handled as a Deployment: converting (k8s.io/api/core/v1) ConfigMap to (k8s.io/kubernetes/pkg/apis/apps) Deployment: unknown conversion',
  );
  assert.equal(
    badRequest(() => decodeObject(envelope(raw, { apiVersion: 'apps/v1', kind: 'Widget' }), PB, dep, 'Strict')),
    'Widget in version "v1" cannot be handled as a Deployment: no kind "Widget" is registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"',
  );
});

test('a body without kind takes the URL kind; parseBody decodes by the envelope kind', () => {
  const raw = encodeObject('v1', 'ConfigMap', { metadata: { name: 'c' } });
  const d = decodeObject(envelope(raw, {}), PB, def('', 'ConfigMap'), 'Strict');
  assert.equal(d.obj.kind, 'ConfigMap');
  assert.equal(d.obj.apiVersion, 'v1');
  const p = parseBody(body('policy/v1', 'Eviction', { metadata: { name: 'p', namespace: 'ns' }, deleteOptions: { gracePeriodSeconds: 0 } }), PB);
  assert.deepEqual(p.value, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'ns' }, deleteOptions: { gracePeriodSeconds: 0 } });
  const del = parseBody(body('v1', 'DeleteOptions', { propagationPolicy: 'Background' }), PB);
  assert.deepEqual(del.value, { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });
});

test('fields the server does not know come back as warnings', () => {
  const raw = encodeObject('v1', 'ConfigMap', { metadata: { name: 'c' } });
  const d = decodeObject(envelope(Buffer.concat([raw, Buffer.from([0xa8, 0x06, 0x01])]), { apiVersion: 'v1', kind: 'ConfigMap' }), PB, def('', 'ConfigMap'), 'Strict');
  assert.deepEqual(d.warnings, ['protobuf k8s.io.api.core.v1.ConfigMap field 101 is not known to this server and was dropped']);
});

test('every served kind has a protobuf message, and every proto field name exists in its JSON schema', async () => {
  const { messageFor } = await import('../api/protobuf/index.js');
  const protobuf = (await import('protobufjs')).default;
  const { apiVersionOf } = await import('../api/types.js');
  type S = import('../api/schema/schema.js').Schema;
  const SPECIAL = /\.(Time|MicroTime|Duration|FieldsV1|Quantity|IntOrString|RawExtension)$/;
  const problems: string[] = [];
  const walk = (t: InstanceType<typeof protobuf.Type>, s: S | undefined, path: string, seen: Set<string>): void => {
    if (!s || s['x-kubernetes-preserve-unknown-fields'] || !s.properties) return;
    if (seen.has(`${t.fullName}@${path}`) || path.split('.').length > 12) return;
    seen.add(`${t.fullName}@${path}`);
    for (const f of t.fieldsArray) {
      const rt = f.resolvedType;
      if (f.options?.['(inline)'] === true && rt instanceof protobuf.Type) {
        walk(rt, s, path, seen);
        continue;
      }
      const ps = s.properties[f.name];
      if (!ps) {
        problems.push(`${path}.${f.name} (${t.fullName})`);
        continue;
      }
      if (!(rt instanceof protobuf.Type) || SPECIAL.test(rt.fullName)) continue;
      const next = f instanceof protobuf.MapField ? (typeof ps.additionalProperties === 'object' ? ps.additionalProperties : undefined) : f.repeated ? ps.items : ps;
      walk(rt, next, `${path}.${f.name}`, seen);
    }
  };
  for (const d of defs) {
    const t = messageFor(apiVersionOf(d.group, d.version), d.kind);
    assert.ok(t, `no protobuf message for ${apiVersionOf(d.group, d.version)} ${d.kind}`);
    walk(t, d.schema, d.kind, new Set());
  }
  // Upstream fields of other releases that these JSON schemas do not serve: decoded, then pruned
  // exactly as the JSON path prunes them.
  const pruned = [/\.resourceClaims\.source \(/, /^Deployment\.spec\.podReplacementPolicy /, /conditions\.observedGeneration \(\.k8s\.io\.api\.autoscaling\.v2/];
  assert.deepEqual(problems.filter((p) => !pruned.some((re) => re.test(p))), []);
});

test('client-go Events (events.k8s.io/v1 and core/v1) and Leases: same object as the JSON path', () => {
  const eventTime = { seconds: 1700000000, nanos: 123456000 };
  sameAsJson(
    def('events.k8s.io', 'Event'),
    body('events.k8s.io/v1', 'Event', {
      metadata: { ...Z, name: 'e.1', namespace: 'default' },
      eventTime, reportingController: 'flotilla.io/test', reportingInstance: 'test-1', action: 'Pulled', reason: 'Pulled',
      regarding: { kind: 'Pod', namespace: 'default', name: 'p', uid: 'u', apiVersion: 'v1', resourceVersion: '', fieldPath: '' },
      note: 'pulled', type: 'Normal', deprecatedSource: { component: '', host: '' }, deprecatedFirstTimestamp: {}, deprecatedLastTimestamp: {}, deprecatedCount: 0,
    }),
    {
      kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: { name: 'e.1', namespace: 'default', creationTimestamp: null },
      eventTime: '2023-11-14T22:13:20.123456Z', reportingController: 'flotilla.io/test', reportingInstance: 'test-1', action: 'Pulled', reason: 'Pulled',
      regarding: { kind: 'Pod', namespace: 'default', name: 'p', uid: 'u', apiVersion: 'v1' }, note: 'pulled', type: 'Normal',
      deprecatedSource: {}, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null,
    },
  );
  sameAsJson(
    def('', 'Event'),
    body('v1', 'Event', {
      metadata: { ...Z, name: 'p.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'p', uid: '', apiVersion: 'v1', resourceVersion: '', fieldPath: '' },
      reason: 'Scheduled', message: 'ok', source: { component: 'default-scheduler', host: '' },
      firstTimestamp: { seconds: 1700000000 }, lastTimestamp: { seconds: 1700000000 }, count: 1, type: 'Normal', eventTime: {},
      action: '', reportingComponent: 'default-scheduler', reportingInstance: '',
    }),
    {
      kind: 'Event', apiVersion: 'v1', metadata: { name: 'p.1', namespace: 'default', creationTimestamp: null },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'p', apiVersion: 'v1' }, reason: 'Scheduled', message: 'ok',
      source: { component: 'default-scheduler' }, firstTimestamp: '2023-11-14T22:13:20Z', lastTimestamp: '2023-11-14T22:13:20Z', count: 1,
      type: 'Normal', eventTime: null, reportingComponent: 'default-scheduler', reportingInstance: '',
    },
  );
  sameAsJson(
    def('coordination.k8s.io', 'Lease'),
    body('coordination.k8s.io/v1', 'Lease', { metadata: { ...Z, name: 'ctrl', namespace: 'kube-system' }, spec: { holderIdentity: 'me_1', leaseDurationSeconds: 15, acquireTime: eventTime, renewTime: eventTime, leaseTransitions: 0 } }),
    {
      kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'ctrl', namespace: 'kube-system', creationTimestamp: null },
      spec: { holderIdentity: 'me_1', leaseDurationSeconds: 15, acquireTime: '2023-11-14T22:13:20.123456Z', renewTime: '2023-11-14T22:13:20.123456Z', leaseTransitions: 0 },
    },
  );
});
