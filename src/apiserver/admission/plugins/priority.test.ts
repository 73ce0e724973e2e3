import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePriority } from './priority.js';
import { createDefaultTolerationSeconds } from './default-toleration-seconds.js';
import { startTestServer } from '../../testing/test-server.js';

const classes = [
  { metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' },
  { metadata: { name: 'default-low' }, value: 10, globalDefault: true },
];

test('priority: class name → value and policy; global default; unknown and mismatches refused', () => {
  assert.deepEqual(resolvePriority({ priorityClassName: 'high' }, classes), { priority: 1000, preemptionPolicy: 'Never', className: 'high' });
  assert.deepEqual(resolvePriority({}, classes), { priority: 10, preemptionPolicy: 'PreemptLowerPriority', className: 'default-low' });
  assert.deepEqual(resolvePriority({}, []), { priority: 0, preemptionPolicy: 'PreemptLowerPriority', className: undefined });
  assert.equal(resolvePriority({ priorityClassName: 'nope' }, classes), 'no PriorityClass with name nope was found');
  assert.equal(
    resolvePriority({ priorityClassName: 'high', priority: 5 }, classes),
    'the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
  );
});

test('DefaultTolerationSeconds gives new pods 300 s NoExecute tolerations for not-ready and unreachable', async () => {
  const { builtinResources } = await import('../../../api/builtin.js');
  const srv = await startTestServer({ resources: builtinResources(), admission: [createDefaultTolerationSeconds()] });
  try {
    const r = await srv.request('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'busybox' }], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] },
    });
    assert.equal(r.status, 201, r.text);
    const tol = r.json<{ spec: { tolerations: { key: string; tolerationSeconds: number }[] } }>().spec.tolerations;
    assert.deepEqual(
      tol.map((t) => [t.key, t.tolerationSeconds]),
      [
        ['node.kubernetes.io/unreachable', 5],
        ['node.kubernetes.io/not-ready', 300],
      ],
    );
  } finally {
    await srv.close();
  }
});
