import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../../types.js';
import { defaultPod, defaultPodTemplateSpec, imageTag } from './pod-defaults.js';
import type { V1Pod, V1PodTemplateSpec } from './pod-types.js';
import { validatePodSpec, validatePodTemplateSpec } from './pod-validation.js';
import { podResource } from './pod.js';
import { podRowCells } from './pod-table.js';

const ctx: StrategyContext = { now: new Date('2026-11-24T08:00:00Z'), user: { username: 'u', groups: [] }, subresource: '' };

/** The seed's blue Deployment pod template. */
function seedTemplate(): V1PodTemplateSpec {
  return {
    metadata: { labels: { app: 'myapp', version: 'blue' } },
    spec: {
      containers: [
        {
          name: 'myapp',
          image: 'myregistry.com/myapp:v1.2.3',
          ports: [{ containerPort: 8080 }],
          env: [
            { name: 'ENV', value: 'production' },
            { name: 'VERSION', value: 'blue' },
          ],
          resources: { requests: { memory: '256Mi', cpu: '250m' }, limits: { memory: '512Mi', cpu: '500m' } },
          livenessProbe: { httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 30, periodSeconds: 10 },
          readinessProbe: { httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 5 },
        },
      ],
    },
  };
}

function errStrings(errs: unknown[]): string[] {
  return errs.map(String);
}

test('seed pod template gets upstream defaults', () => {
  const tpl = seedTemplate();
  defaultPodTemplateSpec(tpl);
  const spec = tpl.spec!;
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.enableServiceLinks, undefined, 'templates do not get pod-only defaults');
  const c = spec.containers![0]!;
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.ports![0]!.protocol, 'TCP');
  assert.deepEqual(c.livenessProbe, {
    httpGet: { path: '/health', port: 8080, scheme: 'HTTP' },
    initialDelaySeconds: 30,
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(c.readinessProbe!.periodSeconds, 5);
  // idempotent
  const again = structuredClone(tpl);
  defaultPodTemplateSpec(again);
  assert.deepEqual(again, tpl);
  assert.deepEqual(validatePodTemplateSpec(tpl, 'spec.template'), []);
});

test('image pull policy follows the tag', () => {
  assert.equal(imageTag('nginx'), 'latest');
  assert.equal(imageTag('nginx:latest'), 'latest');
  assert.equal(imageTag('localhost:5000/nginx'), 'latest');
  assert.equal(imageTag('localhost:5000/nginx:1.2'), '1.2');
  assert.equal(imageTag('nginx@sha256:abc'), '');
  const pod: V1Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox:1.36' }] } };
  defaultPod(pod);
  assert.equal(pod.spec!.containers![0]!.imagePullPolicy, 'Always');
  assert.equal(pod.spec!.containers![1]!.imagePullPolicy, 'IfNotPresent');
  assert.equal(pod.spec!.enableServiceLinks, true);
});

test('pod requests default from limits', () => {
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } } }] },
  };
  defaultPod(pod);
  assert.deepEqual(pod.spec!.containers![0]!.resources!.requests, { cpu: '500m', memory: '1Gi' });
});

test('validation errors carry upstream paths and messages', () => {
  const tpl = seedTemplate();
  tpl.spec!.containers![0]!.resources = { requests: { cpu: '1' }, limits: { cpu: '500m' } };
  tpl.spec!.containers![0]!.ports = [{ containerPort: 70000 }];
  delete tpl.spec!.containers![0]!.image;
  defaultPodTemplateSpec(tpl);
  const errs = errStrings(validatePodTemplateSpec(tpl, 'spec.template'));
  assert.ok(errs.includes('spec.template.spec.containers[0].image: Required value'), errs.join('\n'));
  assert.ok(errs.includes('spec.template.spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m'), errs.join('\n'));
  assert.ok(errs.includes('spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'), errs.join('\n'));
});

test('probe handlers: exactly one', () => {
  const spec = seedTemplate().spec!;
  spec.containers![0]!.livenessProbe = { periodSeconds: 10 };
  spec.containers![0]!.readinessProbe = { httpGet: { path: '/', port: 80 }, tcpSocket: { port: 80 } };
  defaultPodTemplateSpec({ spec });
  const errs = errStrings(validatePodSpec(spec, 'spec'));
  assert.ok(errs.includes('spec.containers[0].livenessProbe: Required value: must specify a handler type'), errs.join('\n'));
  assert.ok(errs.includes('spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type'), errs.join('\n'));
});

test('missing containers, bad restart policy, bad toleration, unknown volume mount', () => {
  const errs = errStrings(
    validatePodSpec(
      {
        containers: [],
        restartPolicy: 'Sometimes',
        dnsPolicy: 'ClusterFirst',
        tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoWhenever' }],
      },
      'spec',
    ),
  );
  assert.ok(errs.includes('spec.containers: Required value'));
  assert.ok(errs.includes('spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'));
  assert.ok(errs.includes('spec.tolerations[0].effect: Unsupported value: "NoWhenever": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'));
  const spec = seedTemplate().spec!;
  spec.containers![0]!.volumeMounts = [{ name: 'data', mountPath: '/data' }];
  defaultPodTemplateSpec({ spec });
  assert.deepEqual(errStrings(validatePodSpec(spec, 'spec')), ['spec.containers[0].volumeMounts[0].name: Not found: "data"']);
});

test('pod create: status Pending with QoS; spec immutable on update', () => {
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: seedTemplate().spec } as KubeObject;
  const s = podResource.strategy!;
  s.defaults!(obj);
  s.prepareForCreate!(obj, ctx);
  assert.deepEqual((obj as V1Pod).status, { phase: 'Pending', qosClass: 'Burstable' });
  assert.deepEqual(s.validate!(obj, ctx).map(String), []);
  const changed = structuredClone(obj) as V1Pod;
  changed.spec!.containers![0]!.image = 'myregistry.com/myapp:v2';
  assert.deepEqual(s.validateUpdate!(changed, obj, ctx).map(String), []);
  changed.spec!.restartPolicy = 'Never';
  const errs = s.validateUpdate!(changed, obj, ctx).map(String);
  assert.equal(errs.length, 1);
  assert.match(errs[0]!, /^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,/);
});

test('pod STATUS column', () => {
  const now = new Date('2026-11-24T08:00:00Z');
  const base = (status: V1Pod['status'], extra: Partial<V1Pod> = {}): V1Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', creationTimestamp: '2026-11-24T07:00:00Z' },
    spec: { containers: [{ name: 'a' }], initContainers: [{ name: 'i' }] },
    status,
    ...extra,
  });
  assert.deepEqual(podRowCells(base({ phase: 'Pending' }), now), ['0/1', 'Pending', '0']);
  assert.deepEqual(
    podRowCells(base({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { running: {} } }] }), now),
    ['0/1', 'Init:0/1', '0'],
  );
  assert.deepEqual(
    podRowCells(
      base({
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'i', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
        containerStatuses: [
          {
            name: 'a',
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, finishedAt: '2026-11-24T07:55:00Z' } },
          },
        ],
      }),
      now,
    ),
    ['0/1', 'CrashLoopBackOff', '5 (5m ago)'],
  );
  assert.deepEqual(
    podRowCells(
      base({ phase: 'Running', containerStatuses: [{ name: 'a', ready: true, state: { running: {} } }] }, {
        metadata: { name: 'p', deletionTimestamp: '2026-11-24T07:59:00Z' },
      }),
      now,
    ),
    ['1/1', 'Terminating', '0'],
  );
  assert.deepEqual(
    podRowCells(base({ phase: 'Succeeded', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }), now),
    ['0/1', 'Completed', '0'],
  );
  const cells = podResource.table!.cells(base({ phase: 'Pending' }), now);
  assert.deepEqual(cells, ['p', '0/1', 'Pending', '0', '60m', '<none>', '<none>', '<none>', '<none>']);
});

test('pod field selectors', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [] }, status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }] } } as KubeObject;
  const f = podResource.fieldSelectors!;
  assert.equal(f['spec.nodeName']!(pod), 'n1');
  assert.equal(f['status.phase']!(pod), 'Running');
  assert.equal(f['status.podIP']!(pod), '10.0.0.1');
  assert.equal(f['spec.hostNetwork']!(pod), 'false');
  assert.equal(f['spec.schedulerName']!(pod), '');
});

test('env names: relaxed validation (printable ASCII except "="), valueFrom sources', () => {
  const spec = seedTemplate().spec!;
  spec.containers![0]!.env = [
    { name: '1.weird-but:ok' },
    { name: 'A=B' },
    { name: '' },
    { name: 'X', value: 'v', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'Y', valueFrom: {} },
    { name: 'Z', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } },
    { name: 'P', valueFrom: { fieldRef: { fieldPath: 'status.phase' } } },
    { name: 'L', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
  ];
  defaultPodTemplateSpec({ spec });
  const errs = errStrings(validatePodSpec(spec, 'spec'));
  assert.deepEqual(errs, [
    'spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
    'spec.containers[0].env[2].name: Required value',
    'spec.containers[0].env[2].name: Invalid value: "": environment variable name must be non-empty',
    'spec.containers[0].env[3].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    'spec.containers[0].env[4].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    'spec.containers[0].env[5].valueFrom.fieldRef.fieldPath: Invalid value: "spec.bogus": error converting fieldPath: field label not supported: spec.bogus',
    'spec.containers[0].env[6].valueFrom.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
  ]);
});

test('template labels are reported at <template>.labels, as upstream', () => {
  const tpl = seedTemplate();
  tpl.metadata!.labels = { app: 'bad value!' };
  defaultPodTemplateSpec(tpl);
  const errs = errStrings(validatePodTemplateSpec(tpl, 'spec.template'));
  assert.equal(errs.length, 1);
  assert.match(errs[0]!, /^spec\.template\.labels: Invalid value: "bad value!": a valid label must be an empty string/);
});

test('pod update: null and empty lists equal absent ones; key order does not matter', () => {
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: seedTemplate().spec } as KubeObject;
  const s = podResource.strategy!;
  s.defaults!(obj);
  const upd = structuredClone(obj) as V1Pod;
  const spec = upd.spec! as Record<string, unknown>;
  spec.tolerations = [];
  spec.nodeSelector = null;
  upd.spec = Object.fromEntries(Object.entries(spec).reverse()) as V1Pod['spec'];
  assert.deepEqual(s.validateUpdate!(upd, obj, ctx).map(String), []);
});

test('quantities are stored canonically (0.5 → 500m, 1000m → 1, 1.5Gi → 1536Mi)', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: 0.5, memory: '1.5Gi' }, requests: { cpu: '1000m' } } }] },
  } as unknown as V1Pod;
  defaultPod(pod);
  assert.deepEqual(pod.spec!.containers![0]!.resources, { limits: { cpu: '500m', memory: '1536Mi' }, requests: { cpu: '1', memory: '1536Mi' } });
});

test('pods/status: podIP and podIPs kept in step; validation of status writes', () => {
  const s = podResource.strategy!;
  const old = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: seedTemplate().spec } as KubeObject;
  s.defaults!(old);
  s.prepareForCreate!(old, ctx);
  const st = structuredClone(old) as V1Pod;
  st.status = { ...st.status, phase: 'Running', podIP: '10.244.0.7', hostIP: '10.0.0.2' };
  const sctx = { ...ctx, subresource: 'status' };
  s.defaults!(st);
  s.prepareForUpdate!(st, old, sctx);
  assert.deepEqual(st.status!.podIPs, [{ ip: '10.244.0.7' }]);
  assert.deepEqual(st.status!.hostIPs, [{ ip: '10.0.0.2' }]);
  assert.deepEqual([...s.validate!(st, sctx), ...s.validateUpdate!(st, old, sctx)].map(String), []);
  const bad = structuredClone(st);
  bad.status!.podIPs = [{ ip: 'nope' }];
  bad.status!.podIP = 'nope';
  assert.deepEqual(s.validateUpdate!(bad, old, sctx).map(String), ['status.podIPs[0]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
});

test('pods/ephemeralcontainers: add only; existing ones may not change', () => {
  const s = podResource.strategy!;
  const old = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: seedTemplate().spec } as KubeObject;
  s.defaults!(old);
  s.prepareForCreate!(old, ctx);
  const ectx = { ...ctx, subresource: 'ephemeralcontainers' };
  const upd = structuredClone(old) as V1Pod;
  upd.spec!.ephemeralContainers = [{ name: 'debugger', image: 'busybox:1.36', targetContainerName: 'myapp', stdin: true, tty: true }];
  upd.spec!.restartPolicy = 'Never'; // ignored: only ephemeral containers change here
  s.defaults!(upd);
  s.prepareForUpdate!(upd, old, ectx);
  assert.equal(upd.spec!.restartPolicy, 'Always');
  assert.deepEqual([...s.validate!(upd, ectx), ...s.validateUpdate!(upd, old, ectx)].map(String), []);
  const changed = structuredClone(upd);
  changed.spec!.ephemeralContainers![0]!.image = 'busybox:1.37';
  const errs = s.validateUpdate!(changed, upd, ectx).map(String);
  assert.equal(errs.length, 1);
  assert.match(errs[0]!, /^spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be changed/);
});

test('binding a pod: nodeName, PodScheduled, conflicts', async () => {
  const { bindPod } = await import('./pod-binding.js');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: seedTemplate().spec, status: { phase: 'Pending' } } as KubeObject;
  const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p', annotations: { a: 'b' } }, target: { kind: 'Node', name: 'n1' } };
  assert.equal(bindPod(pod, binding, ctx.now), undefined);
  assert.equal((pod as V1Pod).spec!.nodeName, 'n1');
  assert.deepEqual((pod as V1Pod).status!.conditions, [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-11-24T08:00:00Z' }]);
  assert.deepEqual(pod.metadata.annotations, { a: 'b' });
  assert.equal(bindPod(pod, binding, ctx.now), 'pod p is already assigned to node "n1"');
});

test('pod STATUS column: init failures, exit codes, signals, sidecars, NotReady', () => {
  const now = new Date('2026-11-24T08:00:00Z');
  const mk = (status: V1Pod['status'], spec?: V1Pod['spec']): V1Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: spec ?? { containers: [{ name: 'a' }], initContainers: [{ name: 'i1' }, { name: 'i2' }] },
    status,
  });
  assert.equal(podRowCells(mk({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }), now)[1], 'Init:CrashLoopBackOff');
  assert.equal(podRowCells(mk({ phase: 'Failed', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }), now)[1], 'Init:Error');
  assert.equal(podRowCells(mk({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 2 } } }] }), now)[1], 'Init:ExitCode:2');
  assert.equal(
    podRowCells(mk({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { waiting: { reason: 'PodInitializing' } } }] }), now)[1],
    'Init:1/2',
  );
  const plain = { containers: [{ name: 'a' }, { name: 'b' }] };
  assert.equal(podRowCells(mk({ phase: 'Running', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 137, signal: 9 } } }] }, plain), now)[1], 'Signal:9');
  assert.equal(podRowCells(mk({ phase: 'Running', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 3 } } }] }, plain), now)[1], 'ExitCode:3');
  assert.deepEqual(
    podRowCells(mk({ phase: 'Running', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'b', ready: true, state: { running: {} } }] }, plain), now),
    ['1/2', 'NotReady', '0'],
  );
  // A restartable init container (sidecar) counts towards READY once started.
  const sidecar = { containers: [{ name: 'a' }], initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] };
  assert.deepEqual(
    podRowCells(
      mk({
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
        initContainerStatuses: [{ name: 'proxy', started: true, ready: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: '2026-11-24T07:00:00Z' } } }],
        containerStatuses: [{ name: 'a', ready: true, state: { running: {} } }],
      }, sidecar),
      now,
    ),
    ['2/2', 'Running', '1 (60m ago)'],
  );
  assert.equal(podRowCells(mk({ phase: 'Failed', reason: 'Evicted' }, plain), now)[1], 'Evicted');
  assert.equal(podRowCells(mk({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }, plain), now)[1], 'SchedulingGated');
});
