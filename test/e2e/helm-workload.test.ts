/**
 * helm 3.17 --wait with a workload on a real node (root, containerd, CNI): the test chart's
 * Deployment of the demo app; `helm install --wait` returns only once its pods are Ready, `helm
 * upgrade --wait` once the rolling update finished, `helm rollback --wait` likewise, and the
 * chart's Service answers with the version each step deployed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, getJson, ok, poll, startServer, type KObj, type TestServer } from './lib/kube.js';
import { helmBinary, runHelm } from '../support/helm.js';
import { httpGet } from './lib/http.js';

const CHART = join(FIXTURES, 'helm', 'demo');
const NS = 'helm-workload';
let server: TestServer;
let helm = '';
let home = '';

async function helmOk(args: string[], timeoutMs = 200_000): Promise<string> {
  const r = await runHelm({ binary: helm, kubeconfig: server.kubeconfig, home, args, timeoutMs });
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}


async function readyState(): Promise<{ ready: number; versions: string[] }> {
  const dep = await getJson(server, ['deployment', 'demo-app', '-n', NS]);
  const pods = await getJson<{ items: KObj[] }>(server, ['pods', '-n', NS, '-l', 'app.kubernetes.io/instance=demo']);
  const versions = pods.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ((p.spec as { containers: { env?: { name: string; value?: string }[] }[] }).containers[0]!.env ?? []).find((e) => e.name === 'VERSION')?.value ?? '?');
  return { ready: Number((dep.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0), versions: [...new Set(versions)].sort() };
}

async function answersFrom(version: string): Promise<void> {
  const ip = (await ok(server, ['get', 'service', 'demo-svc', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  await poll(`the Service answers from ${version}`, async () => {
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await httpGet(ip, 80).catch((e: Error) => `ERR ${e.message}`));
    return answers.every((a) => a.startsWith(`hello from ${version} `)) || false;
  }, 20_000, 300);
}

before(async () => {
  helm = helmBinary();
  home = mkdtempSync(join(tmpdir(), 'flotilla-helm-'));
  server = await startServer({ agent: true, controlPlane: true, readyTimeoutMs: 120_000 });
  await poll('node Ready', async () => / Ready /.test(await ok(server, ['get', 'node', server.node!.name, '--no-headers'])), 60_000, 300);
});

after(async () => {
  await server?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('helm install --wait returns once the Deployment is Ready; upgrade and rollback --wait roll the pods', async () => {
  const install = await helmOk(['install', 'demo', CHART, '-n', NS, '--create-namespace', '--set', 'deployment.enabled=true,replicas=2', '--wait', '--timeout', '180s']);
  assert.match(install, /^STATUS: deployed$/m);
  assert.deepEqual(await readyState(), { ready: 2, versions: ['blue'] }, 'install --wait returned with both pods Ready');
  await answersFrom('blue');

  await helmOk(['upgrade', 'demo', CHART, '-n', NS, '--reuse-values', '--set', 'deployment.version=green', '--wait', '--timeout', '180s']);
  const up = await readyState();
  assert.equal(up.ready, 2);
  assert.ok(up.versions.includes('green'), JSON.stringify(up));
  await answersFrom('green');

  await helmOk(['rollback', 'demo', '1', '-n', NS, '--wait', '--timeout', '180s']);
  assert.equal((await readyState()).ready, 2);
  await answersFrom('blue');

  await helmOk(['uninstall', 'demo', '-n', NS, '--wait', '--timeout', '120s']);
  assert.equal((await server.kubectl(['get', 'deployment', 'demo-app', '-n', NS])).code, 1);
});
