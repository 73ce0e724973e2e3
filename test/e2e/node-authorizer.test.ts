/**
 * Least privilege for nodes (issue 6 item 6) on a real node (root, containerd, runc, CNI): the
 * node identity reads a Secret or ConfigMap only while a pod bound to it references it (upstream's
 * Node authorizer graph), and the agent still starts pods whose env comes from ConfigMaps and
 * Secrets, through single-object watches — including a ConfigMap created after its pod.
 * The node's requests are made with kubectl impersonating `system:node:<name>` (admin may).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/cluster.js';
import { ok as kubectlOk, poll } from './lib/kube.js';

let server: TestServer;
const ok = (args: string[], input?: string): Promise<string> => kubectlOk(server, args, { timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });
const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> => poll(what, probe, timeoutMs, 250);
const asNode = (args: string[]) => server.kubectl([...args, '--as', `system:node:${server.node!.name}`, '--as-group', 'system:nodes', '--as-group', 'system:authenticated']);

before(async () => {
  server = await startServer({ agent: true, controlPlane: true });
  await eventually('node Ready', async () => / Ready /.test(await ok(['get', 'node', server.node!.name, '--no-headers'])) || undefined);
  await eventually('default service account', async () => (await server.kubectl(['get', 'sa', 'default'])).code === 0 || undefined);
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Secret
metadata: {name: used-secret}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Secret
metadata: {name: unused-secret}
stringData: {password: nope}
`);
});

after(async () => {
  await server?.stop();
});

test('a node gets 403 for a secret no pod of it references and 200 once a running pod does', async () => {
  const node = server.node!.name;
  const before = await asNode(['get', 'secret', 'used-secret', '-o', 'name']);
  assert.equal(before.code, 1);
  assert.match(before.stderr, new RegExp(`secrets "used-secret" is forbidden: User "system:node:${node}" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '${node}' and this object`));

  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: uses-secret}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: flotilla.local/busybox:1.35
    command: [sh, -c, "echo PASS=$P; cat /s/password; echo; sleep 3600"]
    env: [{name: P, valueFrom: {secretKeyRef: {name: used-secret, key: password}}}]
    volumeMounts: [{name: s, mountPath: /s}]
  volumes: [{name: s, secret: {secretName: used-secret}}]
`);
  await eventually('pod logs', async () => {
    const r = await server.kubectl(['logs', 'uses-secret']);
    return r.code === 0 && r.stdout.includes('PASS=s3cret') && r.stdout.includes('\ns3cret') ? true : undefined;
  });
  assert.equal((await asNode(['get', 'secret', 'used-secret', '-o', 'name'])).stdout.trim(), 'secret/used-secret');
  // list/watch only for the one object, by field selector
  const one = await asNode(['get', 'secrets', '--field-selector', 'metadata.name=used-secret', '-o', 'name']);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout.trim(), 'secret/used-secret');
  const unused = await asNode(['get', 'secret', 'unused-secret']);
  assert.equal(unused.code, 1);
  assert.match(unused.stderr, /no relationship found between node/);
  const all = await asNode(['get', 'secrets']);
  assert.equal(all.code, 1);
  assert.match(all.stderr, /cannot list resource "secrets" in API group "" in the namespace "default"/);
  const other = await asNode(['get', 'secrets', '-A']);
  assert.equal(other.code, 1);

  await ok(['delete', 'pod', 'uses-secret', '--wait=true', '--timeout=60s']);
  await eventually('access gone with the pod', async () => (await asNode(['get', 'secret', 'used-secret'])).code === 1 || undefined);
});

test('a pod whose ConfigMap is created after it starts once the ConfigMap exists (single-object watch)', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: waits-for-config}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: flotilla.local/busybox:1.35
    command: [sh, -c, "echo MODE=$MODE"]
    envFrom: [{configMapRef: {name: late-config}}]
`);
  await eventually('CreateContainerConfigError', async () => {
    const p = JSON.parse(await ok(['get', 'pod', 'waits-for-config', '-o', 'json'])) as { status: { containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[] } };
    const w = p.status.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === 'CreateContainerConfigError' ? w : undefined;
  });
  await ok(['create', 'configmap', 'late-config', '--from-literal=MODE=late']);
  await eventually('pod logs', async () => {
    const r = await server.kubectl(['logs', 'waits-for-config']);
    return r.code === 0 && r.stdout.includes('MODE=late') ? true : undefined;
  });
  await ok(['delete', 'pod', 'waits-for-config', '--wait=true', '--timeout=60s']);
});
