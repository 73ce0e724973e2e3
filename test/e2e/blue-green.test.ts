/**
 * The seed's blue/green switch with real pods (root, containerd, CNI): test/fixtures/seed/
 * blue-green.yaml applied verbatim with kubectl (two Deployments of the seed's application image,
 * probes on /health and /ready, and `myapp-service` selecting version=blue), then the Service's
 * selector switched to green as the seed's comment says. New connections must move within a
 * second; connections from a pod reach the Service by its DNS name.
 *
 * Each Deployment is scaled from the seed's 5 replicas to 2 after the apply: ten pods requesting
 * 250m each do not fit a 2-core test node next to everything else CI runs.
 * Traffic goes only to the Service's ClusterIP (routed onto the test node's bridge) and pod IPs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { httpGet } from './lib/http.js';
import { FIXTURES, createNamespace, getJson, ok, poll, startServer, type KObj, type TestServer } from './lib/kube.js';

const SEED = join(FIXTURES, 'seed', 'blue-green.yaml');
const NS = ['-n', 'production'];

let server: TestServer;
let clusterIP = '';

/** GET / on a new connection, 2 s at most: the demo app's "hello from <VERSION> (<pod>)". */
const get = (host: string, port: number) => httpGet(host, port, 2_000);

const versionOf = (body: string) => /^hello from (\S+) \(/.exec(body)?.[1] ?? `?${body}`;

async function readyPods(version: string): Promise<string[]> {
  const list = await getJson<{ items: KObj[] }>(server, ['pods', ...NS, '-l', `app=myapp,version=${version}`]);
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .filter((p) => ((p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => p.metadata.name)
    .sort();
}

/** Answers of `n` new connections through the ClusterIP, from the host. */
async function sample(n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await get(clusterIP, 80).catch((e: NodeJS.ErrnoException) => `ERR ${e.code ?? e.message}`));
  return out;
}

/**
 * Switches the Service's selector and returns how long (ms) until new connections answer only
 * `to`: the time of the first of 20 consecutive answers from `to` after the patch returned.
 */
async function switchTo(to: string): Promise<number> {
  await ok(server, ['patch', 'service', 'myapp-service', ...NS, '-p', JSON.stringify({ spec: { selector: { version: to } } })]);
  const patched = Date.now();
  let firstOfRun = 0;
  let run = 0;
  for (let i = 0; i < 2_000 && run < 20; i++) {
    const v = versionOf(await get(clusterIP, 80).catch((e: NodeJS.ErrnoException) => `ERR ${e.code ?? e.message}`));
    if (v === to) {
      if (run === 0) firstOfRun = Date.now();
      run++;
    } else run = 0;
  }
  assert.equal(run, 20, `new connections never settled on ${to}`);
  return firstOfRun - patched;
}

before(async () => {
  server = await startServer({ agent: true, controlPlane: true, readyTimeoutMs: 120_000 });
  await poll('node Ready', async () => / Ready /.test(await ok(server, ['get', 'node', server.node!.name, '--no-headers'])), 60_000, 300);
  await createNamespace(server, 'production');
  await poll('default service account', async () => (await server.kubectl(['get', 'sa', 'default', ...NS])).code === 0, 30_000, 300);
});

after(async () => {
  await server?.stop();
});

test("the seed's blue/green manifests run: both versions become ready, the Service selects blue", async () => {
  const out = await ok(server, ['apply', '-f', SEED]);
  assert.deepEqual(out.trim().split('\n'), ['deployment.apps/myapp-blue created', 'deployment.apps/myapp-green created', 'service/myapp-service created']);
  await ok(server, ['scale', 'deployment', 'myapp-blue', 'myapp-green', '--replicas=2', ...NS]);
  for (const d of ['myapp-blue', 'myapp-green']) await ok(server, ['rollout', 'status', `deployment/${d}`, ...NS, '--timeout=180s'], { timeoutMs: 200_000 });
  await poll('two ready pods of each version', async () => (await readyPods('blue')).length === 2 && (await readyPods('green')).length === 2, 60_000, 500);
  clusterIP = (await ok(server, ['get', 'service', 'myapp-service', ...NS, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  assert.ok(clusterIP && clusterIP !== 'None', `clusterIP ${clusterIP}`);
  // Both blue pods answer through the ClusterIP (the proxy has their endpoints), and only they.
  const bluePods = await readyPods('blue');
  const seen = await poll('answers from both blue pods', async () => {
    const answers = await sample(30);
    const pods = new Set(answers.map((a) => /\((\S+)\)$/.exec(a)?.[1] ?? a));
    return pods.size === 2 && bluePods.every((p) => pods.has(p)) ? answers : false;
  }, 30_000, 200);
  assert.deepEqual([...new Set(seen.map(versionOf))], ['blue'], 'the ENV VERSION of the seed reaches the app');
});

test('switching the selector to green moves new connections within a second, and back', async (t) => {
  assert.ok(clusterIP, 'needs the previous test');
  const toGreen = await switchTo('green');
  const afterGreen = await sample(40);
  assert.deepEqual([...new Set(afterGreen.map(versionOf))], ['green'], afterGreen.join('\n'));
  const greenPods = new Set(afterGreen.map((a) => /\((\S+)\)$/.exec(a)?.[1]));
  assert.deepEqual([...greenPods].sort(), await readyPods('green'), 'new connections spread over both green pods');
  const toBlue = await switchTo('blue');
  assert.deepEqual([...new Set((await sample(20)).map(versionOf))], ['blue']);
  t.diagnostic(`blue→green ${toGreen} ms, green→blue ${toBlue} ms (patch returned → first of 20 consecutive new connections on the new version)`);
  assert.ok(toGreen < 1_000, `blue→green took ${toGreen} ms`);
  assert.ok(toBlue < 1_000, `green→blue took ${toBlue} ms`);
});

test('a pod reaches the Service by its DNS name and gets the selected version', async () => {
  assert.ok(clusterIP, 'needs the first test');
  await ok(server, ['run', 'client', ...NS, '--image=flotilla.local/busybox:1.35', '--restart=Never', '--', 'sleep', '3600']);
  await ok(server, ['wait', '--for=condition=Ready', 'pod/client', ...NS, '--timeout=120s'], { timeoutMs: 130_000 });
  const names = ['myapp-service', 'myapp-service.production', 'myapp-service.production.svc.cluster.local'];
  for (const name of names) {
    const r = await server.kubectl(['exec', 'client', ...NS, '--', 'sh', '-c', `for i in 1 2 3 4 5; do timeout 3 wget -qO- http://${name}/ || echo ERR; done`], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 5, r.stdout);
    assert.deepEqual([...new Set(lines.map(versionOf))], ['blue'], `${name}:\n${r.stdout}`);
  }
});
