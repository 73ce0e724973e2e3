import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container } from '../../api/core/v1/index.js';
import { containerConfig, terminationMessageHostPath, verifyRunAsNonRoot } from './container-config.js';
import { containerHash } from './helpers.js';
import { containerOOMScoreAdjust, milliCPUToQuota, milliCPUToShares } from './resources.js';
import { ctr, pod } from './testing/fixtures.js';

const GiB = 1024 ** 3;

function cfg(c: V1Container, p = pod({ containers: [c] }), extra: Partial<Parameters<typeof containerConfig>[2]> = {}) {
  const r = containerConfig(p, c, { attempt: 3, env: [{ key: 'NAME', value: 'world' }], mounts: [], memoryCapacityBytes: 8 * GiB, ...extra });
  assert.ok('config' in r, JSON.stringify(r));
  return r.config;
}

test('containerConfig: command/args expansion, metadata, labels, annotations, log path', () => {
  const c = ctr('app', {
    command: ['/bin/sh', '-c'],
    args: ['echo $(NAME) $(MISSING) $$(NAME)'],
    workingDir: '/w',
    tty: true,
    stdin: true,
    ports: [{ containerPort: 80 }],
    lifecycle: { preStop: { exec: { command: ['x'] } } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'FallbackToLogsOnError',
  });
  const p = pod({ containers: [c], terminationGracePeriodSeconds: 30 });
  const conf = cfg(c, p, { imageRef: 'sha256:abc', terminationMessageHostPath: terminationMessageHostPath('/var/lib/flotilla/pods/uid-1/', 'app', 3) });
  assert.deepEqual(conf.metadata, { name: 'app', attempt: 3 });
  assert.deepEqual(conf.image, { image: 'sha256:abc' });
  assert.deepEqual(conf.command, ['/bin/sh', '-c']);
  assert.deepEqual(conf.args, ['echo world $(MISSING) $(NAME)']);
  assert.equal(conf.workingDir, '/w');
  assert.equal(conf.tty, true);
  assert.equal(conf.stdin, true);
  assert.equal(conf.stdinOnce, false);
  assert.equal(conf.logPath, 'app/3.log');
  assert.deepEqual(conf.envs, [{ key: 'NAME', value: 'world' }]);
  assert.deepEqual(conf.mounts, [{ containerPath: '/dev/termination-log', hostPath: '/var/lib/flotilla/pods/uid-1/containers/app/termination-3', readonly: false }]);
  assert.deepEqual(conf.labels, { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'uid-1', 'io.kubernetes.container.name': 'app' });
  assert.deepEqual(conf.annotations, {
    'io.kubernetes.container.hash': containerHash(c),
    'io.kubernetes.container.restartCount': '3',
    'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
    'io.kubernetes.container.terminationMessagePolicy': 'FallbackToLogsOnError',
    'io.kubernetes.pod.terminationGracePeriod': '30',
    'io.kubernetes.container.preStopHandler': '{"exec":{"command":["x"]}}',
    'io.kubernetes.container.ports': '[{"containerPort":80}]',
  });
});

test('containerConfig: linux resources from requests and limits, oom_score_adj by QoS', () => {
  const burst = ctr('app', { resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1500m', memory: '2Gi' } } });
  assert.deepEqual(cfg(burst).linux?.resources, { cpuShares: 256, cpuQuota: 150_000, cpuPeriod: 100_000, memoryLimitInBytes: 2 * GiB, oomScoreAdj: 875 });
  const be = ctr('app');
  assert.deepEqual(cfg(be).linux?.resources, { cpuShares: 2, cpuQuota: 0, cpuPeriod: 100_000, memoryLimitInBytes: 0, oomScoreAdj: 1000 });
  const g = ctr('app', { resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } } });
  assert.deepEqual(cfg(g).linux?.resources, { cpuShares: 2048, cpuQuota: 200_000, cpuPeriod: 100_000, memoryLimitInBytes: GiB, oomScoreAdj: -997 });
  const limitOnly = ctr('app', { resources: { limits: { cpu: '500m' } } });
  assert.equal(cfg(limitOnly).linux?.resources?.cpuShares, 512, 'request defaults to limit');
  assert.equal(milliCPUToShares(1), 2);
  assert.equal(milliCPUToShares(1_000_000), 262_144);
  assert.equal(milliCPUToQuota(1), 1000);
  assert.equal(milliCPUToQuota(0), 0);
  // Burstable clamps: a tiny request → 999, a huge one → 3
  const tiny = ctr('a', { resources: { requests: { memory: '1' } } });
  assert.equal(containerOOMScoreAdjust(pod({ containers: [tiny] }), tiny, 8 * GiB), 999);
  const huge = ctr('a', { resources: { requests: { memory: '8Gi' } } });
  assert.equal(containerOOMScoreAdjust(pod({ containers: [huge] }), huge, 8 * GiB), 3);
  const crit = pod({ priorityClassName: 'system-node-critical', priority: 2_000_001_000 });
  assert.equal(containerOOMScoreAdjust(crit, crit.spec!.containers![0]!, 8 * GiB), -997);
});

test('containerConfig: security context merges pod defaults', () => {
  const c = ctr('app', {
    securityContext: { runAsUser: 1001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } },
  });
  const p = pod({ containers: [c], shareProcessNamespace: true, securityContext: { runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000, supplementalGroups: [4000] } });
  assert.deepEqual(cfg(c, p).linux?.securityContext, {
    privileged: false,
    readonlyRootfs: true,
    supplementalGroups: [3000, 4000],
    noNewPrivs: true,
    namespaceOptions: { network: 'POD', pid: 'POD', ipc: 'POD' },
    maskedPaths: cfg(c, p).linux?.securityContext?.maskedPaths,
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] },
    runAsUser: { value: 1001 },
    runAsGroup: { value: 2000 },
  });
  const plain = cfg(ctr('app'), pod(), { imageUser: { uid: 65534 } }).linux?.securityContext;
  assert.deepEqual([plain?.noNewPrivs, plain?.privileged, plain?.runAsUser, plain?.namespaceOptions?.pid], [false, false, { value: 65534 }, 'CONTAINER']);
  const unmasked = cfg(ctr('app', { securityContext: { procMount: 'Unmasked', privileged: true } })).linux?.securityContext;
  assert.deepEqual([unmasked?.maskedPaths, unmasked?.readonlyPaths, unmasked?.privileged], [[], [], true]);
});

test('containerConfig: runAsNonRoot is checked against the effective user and the image', () => {
  const c = ctr('app');
  const p = pod({ containers: [c], securityContext: { runAsNonRoot: true } });
  const r = containerConfig(p, c, { attempt: 0, env: [], mounts: [], memoryCapacityBytes: GiB, imageUser: { uid: 0 } });
  assert.deepEqual(r, { error: { reason: 'CreateContainerConfigError', message: 'container has runAsNonRoot and image will run as root (pod: "web_default(uid-1)", container: app)' } });
  assert.equal(verifyRunAsNonRoot(p, c, { username: 'nginx' }), 'container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root (pod: "web_default(uid-1)", container: app)');
  assert.equal(verifyRunAsNonRoot(p, ctr('app', { securityContext: { runAsUser: 0 } })), 'container\'s runAsUser breaks non-root policy (pod: "web_default(uid-1)", container: app)');
  assert.equal(verifyRunAsNonRoot(p, c, { uid: 1000 }), undefined);
});
