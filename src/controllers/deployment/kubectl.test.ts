/**
 * Real kubectl against a real in-process API server (plain HTTP on loopback, MemoryBackend) with
 * the Deployment and ReplicaSet controllers and a fake kubelet running in this process: `kubectl
 * apply`, `rollout status`, `set image`, `rollout history`, `rollout undo`, `rollout restart`,
 * `rollout pause/resume`, `scale` and `wait --for=condition=Available` behave as against upstream. Needs /usr/bin/kubectl
 * (fails saying so when it is missing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinResources } from '../../api/builtin.js';
import type { ReplicaSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient } from '../../client/http-client.js';
import { createInformerFactory } from '../../client/informer.js';
import { createWorkQueue } from '../../client/work-queue.js';
import { R, type Client } from '../../client/types.js';
import type { ControllerContext } from '../context.js';
import { discardLogger } from '../../lib/log.js';
import { newDeploymentController } from './index.js';
import { newReplicaSetController } from '../replicaset/index.js';

const KUBECTL = process.env['KUBECTL'] ?? '/usr/bin/kubectl';

function markReady(client: Client, p: V1Pod, seen: Set<string>): void {
  const ns = p.metadata.namespace ?? '';
  if (p.metadata.deletionTimestamp) {
    void client.delete(R.pods, ns, p.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
    return;
  }
  if (seen.has(p.metadata.uid ?? '') || p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
  seen.add(p.metadata.uid ?? '');
  const now = new Date().toISOString();
  void client
    .update(R.pods, ns, { ...p, status: { phase: 'Running', startTime: now, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }], containerStatuses: (p.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image, imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: now } } })) } } as V1Pod, { subresource: 'status' })
    .catch(() => seen.delete(p.metadata.uid ?? ''));
}

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1
`;

test('kubectl rollout status / history / undo / restart / scale / wait against the controllers', { timeout: 120_000 }, async (t) => {
  assert.ok(existsSync(KUBECTL), `kubectl not found at ${KUBECTL}: install kubectl or set KUBECTL`);
  const server = await startTestServer({ resources: builtinResources() });
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-deploy-kubectl-'));
  t.after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: t, cluster: {server: "${server.url}"}}]
users: [{name: u, user: {}}]
contexts: [{name: t, context: {cluster: t, user: u, namespace: default}}]
current-context: t
`,
  );
  const kubectl = (args: string[], input?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 60_000, env: { PATH: process.env['PATH'] ?? '', HOME: dir } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      if (input !== undefined) child.stdin!.end(input);
    });
  const ok = async (args: string[], input?: string) => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };

  const client = createHttpClient({ server: server.url }, 'controllers-test');
  const informers = createInformerFactory(client);
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: () => undefined }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: [], serviceCIDRs: [], nodeCIDRMaskSize: 24 },
  };
  const newQueue = (name: string) => createWorkQueue({ name, baseDelayMs: 5, maxDelayMs: 500 });
  const rsc = newReplicaSetController({ newQueue });
  const dc = newDeploymentController({ newQueue });
  const seen = new Set<string>();
  informers.for<V1Pod>(R.pods).addHandlers({ add: (p) => markReady(client, p, seen), update: (_o, p) => markReady(client, p, seen) });
  t.after(async () => {
    await dc.stop();
    await rsc.stop();
    informers.stop();
  });
  await Promise.all([rsc.start(ctx), dc.start(ctx)]);

  await ok(['apply', '-f', '-'], MANIFEST);
  assert.match(await ok(['rollout', 'status', 'deployment/web', '--timeout=30s']), /deployment "web" successfully rolled out/);

  await ok(['set', 'image', 'deployment/web', 'app=nginx:2']);
  await ok(['annotate', 'deployment/web', 'kubernetes.io/change-cause=to nginx:2']);
  assert.match(await ok(['rollout', 'status', 'deployment/web', '--timeout=30s']), /successfully rolled out/);
  const history = await ok(['rollout', 'history', 'deployment/web']);
  assert.match(history, /^1\s+<none>$/m, history);
  assert.match(history, /^2\s+to nginx:2$/m, history);
  assert.match(await ok(['rollout', 'history', 'deployment/web', '--revision=1']), /Image:\s+nginx:1/);

  assert.match(await ok(['rollout', 'undo', 'deployment/web']), /rolled back/);
  assert.match(await ok(['rollout', 'status', 'deployment/web', '--timeout=30s']), /successfully rolled out/);
  assert.equal((await ok(['get', 'deployment/web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).trim(), 'nginx:1');
  const sets = (await client.list<ReplicaSet>(R.replicasets, { namespace: 'default' })).items;
  assert.equal(sets.length, 2, 'undo reuses the first ReplicaSet');
  const history2 = await ok(['rollout', 'history', 'deployment/web']);
  assert.match(history2, /^2\s+to nginx:2$/m);
  assert.match(history2, /^3\s+/m);
  assert.doesNotMatch(history2, /^1\s+/m, 'revision 1 became 3');

  assert.match(await ok(['rollout', 'restart', 'deployment/web']), /restarted/);
  assert.match(await ok(['rollout', 'status', 'deployment/web', '--timeout=30s']), /successfully rolled out/);
  assert.equal((await client.list<ReplicaSet>(R.replicasets, { namespace: 'default' })).items.length, 3);

  await ok(['scale', 'deployment/web', '--replicas=5']);
  assert.match(await ok(['rollout', 'status', 'deployment/web', '--timeout=30s']), /successfully rolled out/);
  assert.match(await ok(['wait', '--for=condition=Available', 'deployment/web', '--timeout=30s']), /condition met/);
  // Paused: a template change makes no new set until resumed.
  await ok(['rollout', 'pause', 'deployment/web']);
  await ok(['set', 'image', 'deployment/web', 'app=nginx:3']);
  await new Promise((r) => setTimeout(r, 300));
  const paused = JSON.parse(await ok(['get', 'deployment/web', '-o', 'json'])) as { status: { conditions: { type: string; reason: string }[] } };
  assert.equal(paused.status.conditions.find((c) => c.type === 'Progressing')?.reason, 'DeploymentPaused');
  assert.equal((await client.list<ReplicaSet>(R.replicasets, { namespace: 'default' })).items.length, 3);
  await ok(['rollout', 'resume', 'deployment/web']);
  assert.match(await ok(['rollout', 'status', 'deployment/web', '--timeout=30s']), /successfully rolled out/);
  assert.equal((await client.list<ReplicaSet>(R.replicasets, { namespace: 'default' })).items.length, 4);

  const table = await ok(['get', 'deployment/web']);
  assert.match(table, /^web\s+5\/5\s+5\s+5\s+/m, table);
});
