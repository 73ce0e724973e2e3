import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, GVR } from '../client/types.js';
import type { KubeList, KubeObject } from '../api/types.js';
import { UsageError } from './flags.js';
import { explainCommand } from './explain.js';
import { node, pod } from '../scheduler/testing/fixtures.js';

function fakeClient(objs: Record<string, KubeObject[]>): Client {
  const notFound = Object.assign(new Error('pods "nope" not found'), { reason: 'NotFound' });
  return {
    userAgent: 't',
    async get<T extends KubeObject>(gvr: GVR, ns: string, name: string): Promise<T> {
      const o = (objs[gvr.resource] ?? []).find((x) => x.metadata.name === name && (x.metadata.namespace ?? '') === ns);
      if (!o) throw notFound;
      return o as T;
    },
    async list<T extends KubeObject>(gvr: GVR): Promise<KubeList<T>> {
      return { apiVersion: 'v1', kind: 'List', metadata: {}, items: (objs[gvr.resource] ?? []) as T[] };
    },
  } as unknown as Client;
}

function run(argv: string[], objs: Record<string, KubeObject[]> = {}) {
  let out = '';
  let err = '';
  const used: string[] = [];
  const p = explainCommand(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) }, {
    clientFor: (path) => (used.push(path), fakeClient(objs)),
    env: { KUBECONFIG: '/tmp/kc.yaml' },
    homeDir: '/home/u',
  });
  return p.then((code) => ({ code, out, err, used }));
}

test('flotilla explain pod prints a node-by-node table and the summary', async () => {
  const objs = {
    nodes: [node('a', { cpu: '1', taints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }] }), node('b', { cpu: '1' })],
    pods: [pod('big', { cpu: '2', ns: 'web' })],
  };
  const r = await run(['pod', 'big', '-n', 'web'], objs);
  assert.equal(r.code, 0);
  assert.deepEqual(r.used, ['/tmp/kc.yaml']);
  assert.equal(
    r.out,
    [
      'Pod web/big: no node fits (0/2)',
      '',
      'NODE   RESULT                   PLUGIN             REASON / SCORE',
      'a      refused (unresolvable)   TaintToleration    node(s) had untolerated taint {workload-type: compute-optimized}',
      '                                NodeResourcesFit   Insufficient cpu',
      'b      refused (unresolvable)   NodeResourcesFit   Insufficient cpu',
      '',
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {workload-type: compute-optimized}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..',
      '',
    ].join('\n'),
  );
  const j = await run(['pod', 'big', '-n', 'web', '-o', 'json', '--kubeconfig', '/k'], objs);
  assert.equal(JSON.parse(j.out).nodes.length, 2);
  assert.deepEqual(j.used, ['/k']);
});

test('usage errors and a missing pod', async () => {
  await assert.rejects(run([]), UsageError);
  await assert.rejects(run(['deployment', 'x']), /explain supports only pods/);
  await assert.rejects(run(['pod']), /name of the pod/);
  await assert.rejects(run(['pod', 'nope']), /not found/);
  const h = await run(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /flotilla explain pod NAME/);
});
