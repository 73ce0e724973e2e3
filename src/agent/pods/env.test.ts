import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container } from '../../api/core/v1/index.js';
import { downwardResourceValue, resolveEnv, type EnvSources } from './env.js';
import { ctr, pod } from './testing/fixtures.js';

const sources = (extra: Partial<EnvSources> = {}): EnvSources => ({
  configMap: (ns, name) => (ns === 'default' && name === 'cfg' ? { A: 'a', B: 'b', '1BAD': 'x', 'with=eq': 'y' } : undefined),
  secret: (ns, name) => (ns === 'default' && name === 'sec' ? { PASSWORD: 'hunter2' } : undefined),
  podIP: '10.42.0.5',
  podIPs: ['10.42.0.5', 'fd00::5'],
  hostIP: '192.168.1.2',
  nodeName: 'node-1',
  serviceAccountName: 'default',
  serviceEnv: [
    { key: 'KUBERNETES_SERVICE_HOST', value: '10.43.0.1' },
    { key: 'A', value: 'from-service' },
  ],
  nodeAllocatable: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '10Gi' },
  ...extra,
});

function run(c: V1Container, extra: Partial<EnvSources> = {}, p = pod({ containers: [c] })) {
  return resolveEnv(p, c, sources(extra));
}

function envOf(r: ReturnType<typeof resolveEnv>): Record<string, string> {
  assert.ok('env' in r, JSON.stringify(r));
  return Object.fromEntries(r.env.map((kv) => [kv.key, kv.value]));
}

test('resolveEnv: envFrom, then env overriding, then service env last; $(VAR) expansion', () => {
  const r = run({
    name: 'app',
    envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'sec' } }],
    env: [
      { name: 'B', value: 'override' },
      { name: 'C', value: '$(A)-$(B)-$(KUBERNETES_SERVICE_HOST)-$(LATER)-$$(A)' },
      { name: 'LATER', value: 'x' },
      { name: 'EMPTY' },
    ],
  });
  assert.ok('env' in r);
  assert.deepEqual(r.env, [
    { key: 'A', value: 'a' },
    { key: 'B', value: 'override' },
    { key: '1BAD', value: 'x' }, // relaxed env var names accept leading digits
    { key: 'S_PASSWORD', value: 'hunter2' },
    { key: 'C', value: 'a-override-10.43.0.1-$(LATER)-$(A)' },
    { key: 'LATER', value: 'x' },
    { key: 'EMPTY', value: '' },
    { key: 'KUBERNETES_SERVICE_HOST', value: '10.43.0.1' },
  ]);
  assert.deepEqual(r.events, [
    {
      type: 'Warning',
      reason: 'InvalidEnvironmentVariableNames',
      message: 'Keys [with=eq] from the EnvFrom configMap default/cfg were skipped since they are considered invalid environment variable names.',
    },
  ]);
});

test('resolveEnv: missing sources are CreateContainerConfigError with upstream messages; optional ones skipped', () => {
  const err = (c: V1Container) => {
    const r = run(c);
    assert.ok('error' in r, JSON.stringify(r));
    assert.equal(r.error.reason, 'CreateContainerConfigError');
    return r.error.message;
  };
  assert.equal(err({ name: 'a', envFrom: [{ configMapRef: { name: 'x' } }] }), 'configmap "x" not found');
  assert.equal(err({ name: 'a', envFrom: [{ secretRef: { name: 'x' } }] }), 'secret "x" not found');
  assert.equal(err({ name: 'a', env: [{ name: 'F', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'FOO' } } }] }), "couldn't find key FOO in ConfigMap default/cfg");
  assert.equal(err({ name: 'a', env: [{ name: 'F', valueFrom: { secretKeyRef: { name: 'sec', key: 'FOO' } } }] }), "couldn't find key FOO in Secret default/sec");
  assert.equal(err({ name: 'a', env: [{ name: 'F', valueFrom: { secretKeyRef: { name: 'nope', key: 'FOO' } } }] }), 'secret "nope" not found');
  const ok = envOf(
    run({
      name: 'a',
      envFrom: [{ configMapRef: { name: 'x', optional: true } }],
      env: [
        { name: 'F', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'FOO', optional: true } } },
        { name: 'G', valueFrom: { secretKeyRef: { name: 'nope', key: 'FOO', optional: true } } },
        { name: 'H', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'A' } } },
      ],
    }),
  );
  assert.equal(ok.F, undefined);
  assert.equal(ok.G, undefined);
  assert.equal(ok.H, 'a');
});

test('resolveEnv: fieldRef', () => {
  const p = pod({ nodeName: 'node-1', serviceAccountName: 'robot' }, { labels: { app: 'web', tier: 'fe' }, annotations: { note: 'say "hi"' } });
  const f = (path: string) => ({ name: path, valueFrom: { fieldRef: { fieldPath: path } } });
  const c: V1Container = {
    name: 'app',
    env: [
      'metadata.name',
      'metadata.namespace',
      'metadata.uid',
      "metadata.labels['app']",
      "metadata.labels['missing']",
      "metadata.annotations['note']",
      'metadata.labels',
      'spec.nodeName',
      'spec.serviceAccountName',
      'status.hostIP',
      'status.hostIPs',
      'status.podIP',
      'status.podIPs',
    ].map(f),
  };
  const e = envOf(resolveEnv(p, c, sources()));
  assert.deepEqual(e, {
    'metadata.name': 'web',
    'metadata.namespace': 'default',
    'metadata.uid': 'uid-1',
    "metadata.labels['app']": 'web',
    "metadata.labels['missing']": '',
    "metadata.annotations['note']": 'say "hi"',
    'metadata.labels': 'app="web"\ntier="fe"',
    'spec.nodeName': 'node-1',
    'spec.serviceAccountName': 'robot',
    'status.hostIP': '192.168.1.2',
    'status.hostIPs': '192.168.1.2',
    'status.podIP': '10.42.0.5',
    'status.podIPs': '10.42.0.5,fd00::5',
    KUBERNETES_SERVICE_HOST: '10.43.0.1',
    A: 'from-service',
  });
  const bad = resolveEnv(p, { name: 'app', env: [f('spec.bogus')] }, sources());
  assert.deepEqual(bad, { error: { reason: 'CreateContainerConfigError', message: 'unsupported fieldPath: spec.bogus' } });
});

test('resolveEnv: resourceFieldRef with divisors and node allocatable defaults', () => {
  const c: V1Container = {
    name: 'app',
    resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1500m' } },
  };
  const v = (resource: string, divisor?: string) => {
    const r = downwardResourceValue({ resource, ...(divisor ? { divisor } : {}) }, pod({ containers: [c] }), c, { cpu: '2', memory: '4Gi', 'ephemeral-storage': '10Gi' });
    assert.ok('value' in r, JSON.stringify(r));
    return r.value;
  };
  assert.equal(v('limits.cpu'), '2'); // 1.5 rounded up
  assert.equal(v('limits.cpu', '1m'), '1500');
  assert.equal(v('requests.cpu'), '1');
  assert.equal(v('requests.cpu', '1m'), '250');
  assert.equal(v('requests.memory'), String(64 * 1024 * 1024));
  assert.equal(v('requests.memory', '1Mi'), '64');
  assert.equal(v('limits.memory', '1Gi'), '4'); // node allocatable
  assert.equal(v('limits.ephemeral-storage', '1Gi'), '10');
  assert.equal(v('requests.ephemeral-storage'), '0');
  assert.deepEqual(downwardResourceValue({ resource: 'limits.gpu' }, pod(), c), { error: 'unsupported container resource : limits.gpu' });
  const two = pod({ containers: [c, ctr('side', { resources: { limits: { memory: '32Mi' } } })] });
  assert.deepEqual(downwardResourceValue({ resource: 'limits.memory', containerName: 'side', divisor: '1Mi' }, two, undefined), { value: '32' });
  assert.deepEqual(downwardResourceValue({ resource: 'limits.memory', containerName: 'nope' }, two, c), { error: 'container nope not found' });
  const e = envOf(run({ ...c, env: [{ name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } }] }));
  assert.equal(e.MEM, '4096');
});
