/**
 * Issue 4's pod lifecycle and volumes on a real node (root, containerd, runc, CNI), read back
 * through `kubectl logs`: init containers sharing an emptyDir, every env source, securityContext
 * (runAsUser, readOnlyRootFilesystem, capabilities, privileged), resources as cgroup limits with
 * OOMKilled reported, configMap/secret/downwardAPI/projected volumes with live update, the
 * service-account files, and preStop plus the grace period (SIGTERM, then SIGKILL).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../support/cluster.js';
import { ok as kubectlOk, poll } from './lib/kube.js';

let server: TestServer;

/** kubectl as the admin, asserting success (60 s limit). */
const ok = (args: string[], input?: string): Promise<string> => kubectlOk(server, args, { timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });

const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> => poll(what, probe, timeoutMs, 250);

interface PodJson {
  metadata: { uid: string };
  status: {
    phase?: string;
    initContainerStatuses?: { name: string; state?: { terminated?: { reason?: string; exitCode?: number } } }[];
    containerStatuses?: { name: string; restartCount: number; lastState?: { terminated?: { reason?: string; exitCode?: number } }; state?: { terminated?: { reason?: string; exitCode?: number } } }[];
  };
}

const getPod = async (name: string) => JSON.parse(await ok(['get', 'pod', name, '-o', 'json'])) as PodJson;

/** Waits until the pod's log contains `marker`, and returns the log. */
async function logsWith(pod: string, marker: string, container?: string, timeoutMs = 60_000): Promise<string> {
  return eventually(`${pod} logs ${marker}`, async () => {
    const r = await server.kubectl(['logs', pod, ...(container ? ['-c', container] : [])]);
    return r.code === 0 && r.stdout.includes(marker) ? r.stdout : undefined;
  }, timeoutMs);
}

before(async () => {
  server = await startServer({ agent: true, controlPlane: true });
  await eventually('node Ready', async () => / Ready /.test(await ok(['get', 'node', server.node!.name, '--no-headers'])) || undefined);
  await eventually('default service account', async () => (await server.kubectl(['get', 'sa', 'default'])).code === 0 || undefined);
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {LOG_LEVEL: debug, greeting: hello, config.yaml: "a: 1\\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
stringData: {password: s3cret, API_KEY: k-123}
`);
});

after(async () => {
  await server?.stop();
});

test('init containers run in order before the app and share an emptyDir; every env source resolves', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: lifecycle, labels: {tier: web}}
spec:
  restartPolicy: Never
  initContainers:
  - {name: first, image: flotilla.local/busybox:1.35, command: [sh, -c, "echo one > /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
  - {name: second, image: flotilla.local/busybox:1.35, command: [sh, -c, "echo two >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - name: app
    image: flotilla.local/busybox:1.35
    command: [sh, -c]
    args: ["cat /work/order; echo LEVEL=$LOG_LEVEL GREETING=$G PASS=$P KEY=$API_KEY POD=$POD NS=$NS IP=$IP LIMIT=$MEM; pwd; echo done"]
    workingDir: /work
    env:
    - {name: G, valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}}
    - {name: P, valueFrom: {secretKeyRef: {name: app-secret, key: password}}}
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    envFrom: [{configMapRef: {name: app-config}}, {secretRef: {name: app-secret}}]
    resources: {limits: {memory: 64Mi, cpu: 200m}}
    volumeMounts: [{name: work, mountPath: /work}]
  volumes: [{name: work, emptyDir: {}}]
`);
  const log = await logsWith('lifecycle', 'done');
  const pod = await getPod('lifecycle');
  const ip = (JSON.parse(await ok(['get', 'pod', 'lifecycle', '-o', 'json'])) as { status: { podIP: string } }).status.podIP;
  assert.equal(log, `one\ntwo\nLEVEL=debug GREETING=hello PASS=s3cret KEY=k-123 POD=lifecycle NS=default IP=${ip} LIMIT=64\n/work\ndone\n`);
  assert.deepEqual(pod.status.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.reason, s.state?.terminated?.exitCode]), [
    ['first', 'Completed', 0],
    ['second', 'Completed', 0],
  ]);
  await eventually('Succeeded', async () => (await getPod('lifecycle')).status.phase === 'Succeeded' || undefined);
});

test('securityContext: runAsUser, readOnlyRootFilesystem, dropped capabilities, privileged', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: secctx}
spec:
  restartPolicy: Never
  containers:
  - name: restricted
    image: flotilla.local/busybox:1.35
    command: [sh, -c, "id -u; id -g; touch /x 2>&1 || true; grep CapEff /proc/self/status; echo end"]
    securityContext: {runAsUser: 1234, runAsGroup: 2345, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  - name: privileged
    image: flotilla.local/busybox:1.35
    command: [sh, -c, "grep CapEff /proc/self/status; echo end"]
    securityContext: {privileged: true}
`);
  const restricted = await logsWith('secctx', 'end', 'restricted');
  const lines = restricted.trim().split('\n');
  assert.equal(lines[0], '1234');
  assert.equal(lines[1], '2345');
  assert.match(lines[2]!, /Read-only file system/);
  assert.match(lines[3]!, /^CapEff:\s+0000000000000000$/);
  const privileged = await logsWith('secctx', 'end', 'privileged');
  // Privileged: every capability this host grants (here without CAP_SYS_RESOURCE), as the test's own.
  const hostCaps = /CapEff:\s+([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1];
  assert.equal(privileged, `CapEff:\t${hostCaps}\nend\n`);
});

test('resources become cgroup limits; a container over its memory limit is OOMKilled and restarted', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: limits}
spec:
  containers:
  - name: hog
    image: flotilla.local/busybox:1.35
    command: [sh, -c, "echo started; sleep 2; head -c 200m /dev/zero | tail"]
    resources: {requests: {cpu: 100m, memory: 24Mi}, limits: {cpu: 250m, memory: 24Mi}}
`);
  const pod = await getPod('limits');
  const uid = pod.metadata.uid;
  // Burstable QoS (cpu request < limit).
  const podDir = (h: string) => join('/sys/fs/cgroup', h, 'flotilla', 'burstable', `pod${uid}`);
  await eventually('pod cgroup', async () => {
    try {
      return readFileSync(join(podDir('memory'), 'memory.limit_in_bytes'), 'utf8') !== undefined;
    } catch {
      return false;
    }
  });
  await eventually('OOMKilled', async () => {
    const cs = (await getPod('limits')).status.containerStatuses?.[0];
    const t = cs?.lastState?.terminated ?? cs?.state?.terminated;
    return t?.reason === 'OOMKilled' && t.exitCode === 137 ? t : undefined;
  }, 60_000);
  // The container's own cgroup carries the limits (its directory under the pod's).
  const memDirs = await import('node:fs').then((fs) => fs.readdirSync(podDir('memory'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name));
  const limits = memDirs.map((d) => readFileSync(join(podDir('memory'), d, 'memory.limit_in_bytes'), 'utf8').trim());
  assert.ok(limits.includes(String(24 * 1024 * 1024)), `a 24Mi memory limit among ${limits.join(',')}`);
  const cpuDirs = (await import('node:fs')).readdirSync(podDir('cpu'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  const quotas = cpuDirs.map((d) => `${readFileSync(join(podDir('cpu'), d, 'cpu.cfs_quota_us'), 'utf8').trim()}/${readFileSync(join(podDir('cpu'), d, 'cpu.shares'), 'utf8').trim()}`);
  assert.ok(quotas.includes('25000/102'), `cpu quota 25000 (250m of a 100 ms period) and shares 102 (100m) among ${quotas.join(',')}`);
  await ok(['delete', 'pod', 'limits', '--grace-period=0', '--force']);
});

test('configMap, secret, downwardAPI and projected volumes; a ConfigMap change reaches the files; service-account files are mounted', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: volumes, labels: {app: volumes}}
spec:
  containers:
  - name: app
    image: flotilla.local/busybox:1.35
    command: [sh, -c, "while true; do echo \\"tick G=$(cat /cfg/greet) P=$(cat /sec/password) L=$(cat /info/labels) M=$(stat -c %a /cfg/..data/greet) T=$(test -s /var/run/secrets/kubernetes.io/serviceaccount/token && echo yes) NS=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace) CA=$(grep -c BEGIN /var/run/secrets/kubernetes.io/serviceaccount/ca.crt) PR=$(cat /proj/greeting)\\"; sleep 1; done"]
    volumeMounts:
    - {name: cfg, mountPath: /cfg}
    - {name: sec, mountPath: /sec, readOnly: true}
    - {name: info, mountPath: /info}
    - {name: proj, mountPath: /proj}
  volumes:
  - name: cfg
    configMap: {name: app-config, items: [{key: greeting, path: greet}], defaultMode: 0400}
  - name: sec
    secret: {secretName: app-secret}
  - name: info
    downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
  - name: proj
    projected: {sources: [{configMap: {name: app-config, items: [{key: greeting, path: greeting}]}}]}
`);
  const first = await logsWith('volumes', 'tick');
  assert.match(first, /tick G=hello P=s3cret L=app="volumes" M=400 T=yes NS=default CA=1 PR=hello/);
  await ok(['patch', 'configmap', 'app-config', '--type=merge', '-p', '{"data":{"greeting":"updated"}}']);
  await logsWith('volumes', 'G=updated', undefined, 45_000);
  await logsWith('volumes', 'PR=updated', undefined, 45_000);
  await ok(['delete', 'pod', 'volumes', '--grace-period=0', '--force']);
});

test('deletion runs preStop, then SIGTERM, then SIGKILL after the grace period', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: graceful}
spec:
  terminationGracePeriodSeconds: 3
  containers:
  - name: app
    image: flotilla.local/busybox:1.35
    command: [sh, -c, "trap 'echo got-TERM' TERM; echo up; while true; do sleep 0.2; done"]
    lifecycle:
      preStop: {exec: {command: [sh, -c, "echo prestop > /proc/1/fd/1"]}}
`);
  await logsWith('graceful', 'up');
  const started = Date.now();
  const del = server.kubectl(['delete', 'pod', 'graceful', '--wait=true', '--timeout=30s'], { timeoutMs: 40_000 });
  const log = await logsWith('graceful', 'got-TERM', undefined, 15_000);
  assert.ok(log.indexOf('prestop') >= 0 && log.indexOf('prestop') < log.indexOf('got-TERM'), `preStop before SIGTERM:\n${log}`);
  const r = await del;
  assert.equal(r.code, 0, r.stderr);
  const took = (Date.now() - started) / 1000;
  assert.ok(took >= 2.5 && took < 15, `the trap kept it alive until the 3 s grace period ended (${took.toFixed(1)} s)`);
});

test('hostNetwork pods answer on the node; hostPort maps a node port to the pod', async () => {
  const { freePort } = await import('../support/cluster.js');
  const hostNetPort = await freePort();
  const hostPort = await freePort();
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec:
  hostNetwork: true
  containers:
  - {name: app, image: flotilla.local/demo-app:1.0, env: [{name: PORT, value: "${hostNetPort}"}], readinessProbe: {httpGet: {path: /ready, port: ${hostNetPort}}, periodSeconds: 1}}
---
apiVersion: v1
kind: Pod
metadata: {name: hostport}
spec:
  containers:
  - {name: app, image: flotilla.local/demo-app:1.0, ports: [{containerPort: 8080, hostPort: ${hostPort}}], readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}}
`);
  await ok(['wait', '--for=condition=Ready', 'pod/hostnet', 'pod/hostport', '--timeout=60s']);
  const hostnet = JSON.parse(await ok(['get', 'pod', 'hostnet', '-o', 'json'])) as { status: { podIP: string; hostIP: string } };
  assert.equal(hostnet.status.podIP, hostnet.status.hostIP, 'a hostNetwork pod has the node IP');
  const get = async (url: string) => {
    const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return `${r.status} ${await r.text()}`;
  };
  assert.equal(await get(`http://127.0.0.1:${hostNetPort}/health`), '200 ok\n');
  assert.equal(await get(`http://127.0.0.1:${hostPort}/health`), '200 ok\n');
  assert.equal(await get(`http://${hostnet.status.hostIP}:${hostPort}/health`), '200 ok\n');
  await ok(['delete', 'pod', 'hostnet', 'hostport', '--grace-period=1', '--wait=true', '--timeout=30s']);
});
