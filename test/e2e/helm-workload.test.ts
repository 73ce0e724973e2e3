/**
 * helm 3.17 --wait with a workload on a real node (root, containerd, CNI): the test chart's
 * Deployment of the demo app; `helm install --wait` returns only once its pods are Ready, `helm
 * upgrade --wait` once the rolling update finished, `helm rollback --wait` likewise, and the
 * chart's Service answers with the version each step deployed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, getJson, ok, poll, startServer, type KObj, type TestServer } from './lib/kube.js';
import { helmBinary } from '../support/helm.js';

const CHART = join(FIXTURES, 'helm', 'demo');
const NS = 'helm-workload';
let server: TestServer;
let helm = '';
let home = '';

function helmOk(args: string[], timeoutMs = 200_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      helm,
      [...args, '--kubeconfig', server.kubeconfig],
      { timeout: timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, HELM_CACHE_HOME: join(home, 'c'), HELM_CONFIG_HOME: join(home, 'f'), HELM_DATA_HOME: join(home, 'd') } },
      (err, stdout, stderr) => (err ? reject(new Error(`helm ${args.join(' ')} failed: ${String(stderr)}`)) : resolve(String(stdout))),
    );
  });
}

/** The first line of GET / through a new connection. */
function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => (s.destroy(), reject(new Error('timed out'))), 3_000);
    s.on('connect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
    s.on('data', (d) => (buf += d));
    s.on('end', () => (clearTimeout(timer), resolve(buf.split('\r\n\r\n')[1]?.trim() ?? '')));
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
  });
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
    for (let i = 0; i < 10; i++) answers.push(await get(ip, 80).catch((e: Error) => `ERR ${e.message}`));
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
