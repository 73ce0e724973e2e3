import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../client/types.js';
import { UsageError } from './flags.js';
import { parseSimConfig, simCommand, simHelp } from './sim.js';

const env = { KUBECONFIG: '/tmp/kc.yaml' };

test('defaults and every flag', () => {
  const d = parseSimConfig([], env);
  assert.ok(!('help' in d));
  if ('help' in d) return;
  assert.equal(d.kubeconfig, '/tmp/kc.yaml');
  assert.equal(d.sim.nodes, 3);
  assert.equal(d.sim.template.namePrefix, 'sim-node-');
  assert.equal(d.sim.leaseRenewMs, 10_000);
  assert.equal(d.sim.statusUpdateMs, 60_000);
  assert.equal(d.sim.jobDurationMs, 5000);
  assert.equal(d.cleanup, false);
  const c = parseSimConfig(
    ['--kubeconfig', '/k', '--nodes=5000', '--name-prefix', 'kwok-', '--cpu', '16', '--memory', '64Gi', '--pods', '250', '--zones', 'a,b', '--zones', 'c',
      '--node-label', 'team=x', '--node-label', 'example.com/tier=gold', '--node-taint', 'gpu=true:NoSchedule', '--node-taint', 'spot:PreferNoSchedule',
      '--job-duration', '2s', '--lease-interval', '1s', '--status-interval', '5s', '--concurrency', '64', '--cleanup', '-v', '2'],
    {},
  );
  if ('help' in c) return assert.fail();
  assert.equal(c.kubeconfig, '/k');
  assert.equal(c.sim.nodes, 5000);
  assert.deepEqual(c.sim.template.zones, ['a', 'b', 'c']);
  assert.deepEqual(c.sim.template.labels, { team: 'x', 'example.com/tier': 'gold' });
  assert.deepEqual(c.sim.template.taints, [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }, { key: 'spot', effect: 'PreferNoSchedule' }]);
  assert.equal(c.sim.template.memory, '64Gi');
  assert.equal(c.sim.jobDurationMs, 2000);
  assert.equal(c.sim.concurrency, 64);
  assert.equal(c.cleanup, true);
  assert.equal(c.verbosity, 2);
});

test('bad flags are one-line usage errors', () => {
  const bad: Array<[string[], RegExp]> = [
    [['--nodes', 'x'], /invalid argument "x" for "--nodes" flag/],
    [['--nodes', '0'], /--nodes must be between 1 and 100000/],
    [['--cpu', 'lots'], /invalid argument "lots" for "--cpu"/],
    [['--memory', '0'], /--memory must be positive/],
    [['--node-label', 'novalue'], /must be key=value/],
    [['--node-label', 'bad key=v'], /--node-label "bad key=v"/],
    [['--node-taint', 'k=v:Sometimes'], /effect must be one of NoSchedule, PreferNoSchedule, NoExecute/],
    [['--node-taint', 'k=v'], /must be key\[=value\]:Effect/],
    [['--job-duration', '5'], /invalid duration/],
    [['--name-prefix', 'Upper'], /--name-prefix "Upper"/],
    [['--fallback-pod-cidr', '10.0.0.0/28'], /\/24 or larger/],
    [['--bogus'], /unknown flag: --bogus/],
    [['extra'], /unexpected argument "extra"/],
  ];
  for (const [argv, re] of bad) {
    assert.throws(() => parseSimConfig(argv, env), (e: unknown) => e instanceof UsageError && re.test(e.message) && !e.message.includes('\n'), argv.join(' '));
  }
  assert.throws(() => parseSimConfig([], {}), /no kubeconfig: pass --kubeconfig or set KUBECONFIG/);
});

test('--help prints the flags and exits 0; an unreadable kubeconfig exits 1', async () => {
  let out = '';
  let err = '';
  const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) };
  const deps = {
    clientFromKubeconfig: () => {
      throw new Error('ENOENT: no such file');
    },
    onSignal: () => () => {},
  };
  assert.equal(await simCommand(['--help'], env, deps, io), 0);
  assert.equal(out, simHelp());
  assert.match(out, /--node-taint key\[=value\]:Effect/);
  assert.match(out, /sim\.flotilla\.dev\/fail/);
  assert.equal(await simCommand([], env, deps, io), 1);
  assert.equal(err, 'Error: kubeconfig /tmp/kc.yaml: ENOENT: no such file\n');
  err = '';
  const unreachable = { ...deps, clientFromKubeconfig: () => ({ list: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) }) as unknown as Client };
  assert.equal(await simCommand(['--nodes', '5000'], env, unreachable, io), 1);
  assert.equal(err, 'Error: cannot reach the API server of /tmp/kc.yaml: connect ECONNREFUSED 127.0.0.1:1\n');
});

test('simCommand against a real API server: progress, nodes left behind on a signal, --cleanup deletes them', { timeout: 30_000 }, async (t) => {
  const { startTestServer } = await import('../apiserver/testing/test-server.js');
  const { builtinResources } = await import('../api/builtin.js');
  const { clientFromKubeconfig } = await import('../client/http-client.js');
  const { R } = await import('../client/types.js');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const server = await startTestServer({ resources: builtinResources() });
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-sim-test-'));
  t.after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const kc = join(dir, 'kubeconfig.yaml');
  writeFileSync(kc, `apiVersion: v1\nkind: Config\nclusters: [{name: t, cluster: {server: '${server.url}'}}]\nusers: [{name: t, user: {}}]\ncontexts: [{name: t, context: {cluster: t, user: t}}]\ncurrent-context: t\n`);
  const run = async (argv: string[]) => {
    let out = '';
    let fire: ((s: string) => void) | undefined;
    const io = { stdout: (s: string) => void (out += s), stderr: () => {} };
    const done = simCommand(argv, { KUBECONFIG: kc }, { clientFromKubeconfig, onSignal: (h) => ((fire = h), () => {}) }, io);
    while (!out.includes('simulating')) await new Promise((r) => setTimeout(r, 20));
    fire!('SIGTERM');
    return { code: await done, out };
  };
  const client = clientFromKubeconfig(kc, 'test');
  const a = await run(['--nodes', '120', '--name-prefix', 'p', '--zones', 'x,y', '--node-taint', 'dedicated=sim:NoSchedule']);
  assert.equal(a.code, 0);
  assert.match(a.out, /^registered 100\/120 nodes\nregistered 120\/120 nodes\nsimulating 120 nodes p0\.\.p119 \(registered in [\d.]+ s\); Ctrl-C to stop\nsim stopped\n$/);
  const nodes = await client.list(R.nodes);
  assert.equal(nodes.items.length, 120, 'nodes stay after the sim stops (dead machines)');
  assert.deepEqual((nodes.items.find((n) => n.metadata.name === 'p7')!['spec'] as { taints: unknown }).taints, [{ key: 'dedicated', value: 'sim', effect: 'NoSchedule' }]);
  assert.equal((await client.list(R.leases, { namespace: 'kube-node-lease' })).items.length, 120);
  // A second run re-adopts the existing nodes; --cleanup removes them on exit.
  const b = await run(['--nodes', '120', '--name-prefix', 'p', '--cleanup']);
  assert.equal(b.code, 0);
  assert.match(b.out, /deleting 120 nodes\nsim stopped\n$/);
  assert.equal((await client.list(R.nodes)).items.length, 0);
  assert.equal((await client.list(R.leases, { namespace: 'kube-node-lease' })).items.length, 0);
  // A real node with a sim name is never taken over.
  await client.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'p1' } });
  let err = '';
  const code = await simCommand(['--nodes', '3', '--name-prefix', 'p'], { KUBECONFIG: kc }, { clientFromKubeconfig, onSignal: () => () => {} }, { stdout: () => {}, stderr: (s) => void (err += s) });
  assert.equal(code, 1);
  assert.match(err, /Error: 1 of 3 nodes failed to register; first: p1: node p1 exists and is not a simulated node/);
});
