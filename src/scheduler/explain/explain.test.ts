import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Snapshot } from '../framework/index.js';
import { defaultFramework } from '../plugins/index.js';
import { node, pod } from '../testing/fixtures.js';
import { explainPod, explanationRows } from './index.js';

test('explain lists every refusing plugin per node and the scores of fitting nodes', () => {
  const snap = Snapshot.from(
    [
      node('a', { cpu: '1', taints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }] }),
      node('b', { cpu: '4' }),
      node('c', { cpu: '4', labels: { disk: 'ssd' } }),
    ],
    [pod('x', { cpu: '2', nodeName: 'b' })],
  );
  const p = pod('p', { cpu: '2', spec: { nodeSelector: { disk: 'ssd' } } });
  const e = explainPod(defaultFramework({ percentageOfNodesToScore: 100 }), snap, p);
  assert.deepEqual(
    e.nodes.map((n) => [n.node, n.fits, n.refusals.map((r) => `${r.plugin}: ${r.reasons.join(', ')}`)]),
    [
      ['a', false, ['TaintToleration: node(s) had untolerated taint {workload-type: compute-optimized}', "NodeAffinity: node(s) didn't match Pod's node affinity/selector", 'NodeResourcesFit: Insufficient cpu']],
      ['b', false, ["NodeAffinity: node(s) didn't match Pod's node affinity/selector"]],
      ['c', true, []],
    ],
  );
  assert.equal(e.summary, '');
  const rows = explanationRows(e);
  assert.deepEqual(rows[0], ['c', 'fits (best)', '', `score ${e.nodes[2]!.total}`]);
  assert.ok(rows.some((r) => r[2] === 'NodeResourcesFit' && r[3] === '73 × 1'));
  assert.deepEqual(rows.at(-1), ['b', 'refused (unresolvable)', 'NodeAffinity', "node(s) didn't match Pod's node affinity/selector"]);
});

test('explain of an unplaceable pod carries the summary; a placed pod is explained as if pending', () => {
  const snap = Snapshot.from([node('a', { cpu: '1' })], [pod('x', { cpu: '1', nodeName: 'a' })]);
  const e = explainPod(defaultFramework(), snap, pod('p', { cpu: '1' }));
  assert.equal(e.summary, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..');
  const placed = explainPod(defaultFramework(), snap, snap.pod('default/x')!.pod);
  assert.equal(placed.nodes[0]!.fits, true);
  assert.equal(snap.get('a')!.pods.length, 1, 'snapshot restored');
});
