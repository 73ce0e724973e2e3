import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeSysctlName, parseResolvConf, podDNSConfig, podHostnameAndDomain, podPortMappings, podSandboxConfig, type PodDNSSettings } from './sandbox-config.js';
import { ctr, pod } from './testing/fixtures.js';

const host = parseResolvConf('# comment\nnameserver 192.168.1.1\nnameserver 8.8.8.8 ; x\nsearch old.example\nsearch example.com. lan\noptions edns0 timeout:2\n');
const dns: PodDNSSettings = { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local', host };

test('parseResolvConf: nameservers, the last search line without trailing dots, options', () => {
  assert.deepEqual(host, { servers: ['192.168.1.1', '8.8.8.8'], searches: ['example.com', 'lan'], options: ['edns0', 'timeout:2'] });
});

test('podDNSConfig: ClusterFirst, Default, None, host network, dnsConfig merge', () => {
  assert.deepEqual(podDNSConfig(pod(), dns).dnsConfig, {
    servers: ['10.43.0.10'],
    searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'example.com', 'lan'],
    options: ['ndots:5'],
  });
  assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'Default' }), dns).dnsConfig, host);
  assert.deepEqual(podDNSConfig(pod({ hostNetwork: true }), dns).dnsConfig, host, 'ClusterFirst on the host network is Default');
  assert.deepEqual(podDNSConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), dns).dnsConfig.servers, ['10.43.0.10']);
  assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] } }), dns).dnsConfig, {
    servers: ['1.1.1.1'],
    searches: ['a.b'],
    options: ['ndots:2', 'rotate'],
  });
  const merged = podDNSConfig(pod({ dnsConfig: { nameservers: ['10.43.0.10', '1.1.1.1'], options: [{ name: 'ndots', value: '1' }, { name: 'edns0' }] } }), dns).dnsConfig;
  assert.deepEqual(merged.servers, ['10.43.0.10', '1.1.1.1']);
  assert.deepEqual(merged.options, ['ndots:1', 'edns0']);
  const missing = podDNSConfig(pod(), { ...dns, clusterDNS: [] });
  assert.deepEqual(missing.dnsConfig, host);
  assert.equal(missing.events[0]?.reason, 'MissingClusterDNS');
  const noResolv = podDNSConfig(pod({ dnsPolicy: 'Default' }), { clusterDNS: [], clusterDomain: 'cluster.local' });
  assert.deepEqual(noResolv.dnsConfig, { servers: ['127.0.0.1'], searches: ['.'], options: [] });
  const tooMany = podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'] } }), dns);
  assert.deepEqual(tooMany.dnsConfig.servers, ['1.1.1.1', '1.1.1.2', '1.1.1.3']);
  assert.equal(tooMany.events[0]?.reason, 'DNSConfigForming');
});

test('podHostnameAndDomain: hostname, subdomain, 63-character truncation', () => {
  assert.deepEqual(podHostnameAndDomain(pod(), 'cluster.local'), { hostname: 'web', domain: '' });
  assert.deepEqual(podHostnameAndDomain(pod({ hostname: 'h', subdomain: 'sub' }), 'cluster.local'), { hostname: 'h', domain: 'sub.default.svc.cluster.local' });
  const long = 'a'.repeat(62) + '-b' + 'c'.repeat(10);
  assert.deepEqual(podHostnameAndDomain(pod({}, { name: long }), 'cluster.local'), { hostname: 'a'.repeat(62), domain: '' });
  assert.ok('error' in podHostnameAndDomain(pod({ hostname: 'Not_Valid' }), 'cluster.local'));
});

test('podPortMappings: every container port, duplicates dropped', () => {
  const p = pod({
    containers: [
      ctr('a', { ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, protocol: 'UDP' }, { containerPort: 80, hostPort: 8080 }] }),
      ctr('b', { ports: [{ name: 'm', containerPort: 9090, hostIP: '127.0.0.1', hostPort: 9090, protocol: 'TCP' }] }),
    ],
  });
  assert.deepEqual(podPortMappings(p), [
    { protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' },
    { protocol: 'UDP', containerPort: 53, hostPort: 0, hostIp: '' },
    { protocol: 'TCP', containerPort: 9090, hostPort: 9090, hostIp: '127.0.0.1' },
  ]);
});

test('podSandboxConfig: metadata, labels, log dir, namespaces, cgroup by QoS, sysctls, security', () => {
  const p = pod(
    {
      hostPID: true,
      securityContext: { runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000, supplementalGroups: [4000], sysctls: [{ name: 'net/ipv4/ip_unprivileged_port_start', value: '0' }] },
      containers: [ctr('app', { resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } } })],
    },
    { labels: { app: 'web' }, annotations: { note: 'x' } },
  );
  const r = podSandboxConfig(p, { logRoot: '/var/log/pods/', dns, attempt: 2 });
  assert.ok('config' in r);
  const c = r.config;
  assert.deepEqual(c.metadata, { name: 'web', uid: 'uid-1', namespace: 'default', attempt: 2 });
  assert.equal(c.hostname, 'web');
  assert.equal(c.logDirectory, '/var/log/pods/default_web_uid-1');
  assert.deepEqual(c.labels, { app: 'web', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'uid-1' });
  assert.deepEqual(c.annotations, { note: 'x' });
  assert.equal(c.linux?.cgroupParent, '/flotilla/burstable/poduid-1');
  assert.deepEqual(c.linux?.securityContext, {
    namespaceOptions: { network: 'POD', pid: 'NODE', ipc: 'POD' },
    runAsUser: { value: 1000 },
    runAsGroup: { value: 2000 },
    supplementalGroups: [3000, 4000],
    privileged: false,
  });
  assert.deepEqual(c.linux?.sysctls, { 'net.ipv4.ip_unprivileged_port_start': '0' });
  assert.deepEqual(c.linux?.resources, { cpuShares: 102, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitInBytes: 128 * 1024 * 1024, oomScoreAdj: 0 });

  const g = podSandboxConfig(pod({ containers: [ctr('a', { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } })] }), { logRoot: '/l', dns, attempt: 0, cgroupRoot: '/x/' });
  assert.ok('config' in g);
  assert.equal(g.config.linux?.cgroupParent, '/x/poduid-1');
  const be = podSandboxConfig(pod({ hostNetwork: true }), { logRoot: '/l', dns, attempt: 0 });
  assert.ok('config' in be);
  assert.equal(be.config.linux?.cgroupParent, '/flotilla/besteffort/poduid-1');
  assert.equal(be.config.hostname, '');
  assert.equal(be.config.linux?.securityContext?.namespaceOptions?.network, 'NODE');
});

test('podSandboxConfig: setHostnameAsFQDN and its length limit', () => {
  const ok = podSandboxConfig(pod({ hostname: 'h', subdomain: 's', setHostnameAsFQDN: true }), { logRoot: '/l', dns, attempt: 0 });
  assert.ok('config' in ok);
  assert.equal(ok.config.hostname, 'h.s.default.svc.cluster.local');
  const bad = podSandboxConfig(pod({ hostname: 'h'.repeat(40), subdomain: 's', setHostnameAsFQDN: true }), { logRoot: '/l', dns, attempt: 0 });
  assert.ok('error' in bad);
  assert.match(bad.error.message, /FQDN .* is too long \(64 characters is the max, 68 characters requested\)/);
});

test('normalizeSysctlName', () => {
  assert.equal(normalizeSysctlName('net/ipv4/conf/eth0.100/forwarding'), 'net.ipv4.conf.eth0/100.forwarding');
  assert.equal(normalizeSysctlName('net.ipv4.ip_forward'), 'net.ipv4.ip_forward');
  assert.equal(normalizeSysctlName('kernel.shm_rmid_forced'), 'kernel.shm_rmid_forced');
});
