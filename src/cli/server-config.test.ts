import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './flags.js';
import { type ServerConfig, type ServerEnv, parseServerConfig } from './server-config.js';
import { serverHelp } from './server.js';

function env(over: Partial<ServerEnv> = {}, files: Record<string, string> = {}): ServerEnv {
  return {
    vars: {},
    isRoot: true,
    homeDir: '/home/u',
    cwd: '/work',
    hostname: 'node-a',
    readFile: (p) => {
      if (p in files) return files[p];
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
    },
    ...over,
  };
}

function parse(argv: string[], e: ServerEnv = env()): ServerConfig {
  const r = parseServerConfig(argv, e);
  assert.ok(!('help' in r), 'unexpected help');
  return r.config;
}

function usageError(argv: string[], re: RegExp, e: ServerEnv = env()): void {
  assert.throws(
    () => parseServerConfig(argv, e),
    (err: unknown) => err instanceof UsageError && err.exitCode === 2 && re.test(err.message),
    `expected UsageError ${re}`,
  );
}

test('defaults mirror k3s and the seed networking', () => {
  const c = parse([]);
  assert.equal(c.bindAddress, '0.0.0.0');
  assert.equal(c.securePort, 6443);
  assert.equal(c.dataDir, '/var/lib/flotilla');
  assert.equal(c.writeKubeconfig, '/var/lib/flotilla/kubeconfig.yaml');
  assert.equal(c.writeKubeconfigMode, 0o600);
  assert.deepEqual(c.datastore, { kind: 'sqlite', endpoint: 'sqlite:///var/lib/flotilla/state.db', path: '/var/lib/flotilla/state.db' });
  assert.deepEqual(c.clusterCidrs, ['10.244.0.0/16']);
  assert.deepEqual(c.serviceCidrs, ['10.96.0.0/16']);
  assert.deepEqual(c.apiServiceIps, ['10.96.0.1']);
  assert.deepEqual(c.clusterDns, ['10.96.0.10']);
  assert.equal(c.clusterDomain, 'cluster.local');
  assert.deepEqual(c.audit, { maxAgeDays: 0, maxBackups: 0, maxSizeMB: 0 });
  assert.deepEqual(c.enableAdmissionPlugins, []);
  assert.equal(c.verbosity, 0);
  assert.equal(c.disableAgent, false);
  assert.equal(c.hostname, 'node-a');
});

test('non-root users default to ~/.flotilla; relative paths resolve against cwd', () => {
  const c = parse([], env({ isRoot: false }));
  assert.equal(c.dataDir, '/home/u/.flotilla');
  assert.equal(c.datastore.endpoint, 'sqlite:///home/u/.flotilla/state.db');
  const r = parse(['--data-dir', 'state', '--write-kubeconfig=out/kc.yaml', '--datastore-endpoint', 'sqlite://db/x.db']);
  assert.equal(r.dataDir, '/work/state');
  assert.equal(r.writeKubeconfig, '/work/out/kc.yaml');
  assert.deepEqual(r.datastore, { kind: 'sqlite', endpoint: 'sqlite://db/x.db', path: '/work/db/x.db' });
});

test('every flag, in both --name value and --name=value forms', () => {
  const c = parse([
    '--bind-address', '127.0.0.1', '--secure-port=7443', '--data-dir', '/srv/f',
    '--tls-san', 'a.example.com,10.0.1.10', '--tls-san=::1', '--write-kubeconfig-mode', '644',
    '--cluster-cidr', '10.42.0.0/16', '--service-cidr', '10.43.0.0/16', '--cluster-dns', '10.43.0.53',
    '--cluster-domain', 'corp.local', '--audit-log-path', '/var/log/audit.log', '--audit-log-maxage', '30',
    '--audit-log-maxbackup=10', '--audit-log-maxsize', '100',
    '--enable-admission-plugins', 'NodeRestriction,MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
    '-v=4', '--disable-agent',
  ]);
  assert.equal(c.bindAddress, '127.0.0.1');
  assert.equal(c.securePort, 7443);
  assert.equal(c.writeKubeconfig, '/srv/f/kubeconfig.yaml');
  assert.equal(c.writeKubeconfigMode, 0o644);
  assert.deepEqual(c.tlsSans, ['a.example.com', '10.0.1.10', '::1']);
  assert.deepEqual(c.apiServiceIps, ['10.43.0.1']);
  assert.deepEqual(c.clusterDns, ['10.43.0.53']);
  assert.equal(c.clusterDomain, 'corp.local');
  assert.deepEqual(c.audit, { logPath: '/var/log/audit.log', maxAgeDays: 30, maxBackups: 10, maxSizeMB: 100 });
  assert.deepEqual(c.enableAdmissionPlugins, ['NodeRestriction', 'MutatingAdmissionWebhook', 'ValidatingAdmissionWebhook']);
  assert.equal(c.verbosity, 4);
  assert.equal(c.disableAgent, true);
  assert.equal(parse(['--v=2']).verbosity, 2);
  assert.equal(parse(['-v', '3']).verbosity, 3);
  assert.equal(parse(['--disable-agent=false']).disableAgent, false);
});

test('etcd datastore like the seed: several members and TLS files', () => {
  const c = parse([
    '--datastore-endpoint', 'https://127.0.0.1:2379,https://127.0.0.2:2379',
    '--datastore-cafile', '/etc/ssl/etcd/ca.crt', '--datastore-certfile', 'etcd.crt', '--datastore-keyfile', '/etc/ssl/etcd/etcd.key',
  ]);
  assert.deepEqual(c.datastore, {
    kind: 'etcd',
    endpoint: 'https://127.0.0.1:2379,https://127.0.0.2:2379',
    endpoints: ['https://127.0.0.1:2379', 'https://127.0.0.2:2379'],
    caFile: '/etc/ssl/etcd/ca.crt',
    certFile: '/work/etcd.crt',
    keyFile: '/etc/ssl/etcd/etcd.key',
  });
  usageError(['--datastore-endpoint', 'mysql://u@tcp(h)/db'], /unsupported scheme "mysql"/);
  usageError(['--datastore-endpoint', 'https://etcd1'], /has no port/);
  usageError(['--datastore-endpoint', 'https://etcd1:2379/v3'], /only scheme, host and port/);
  assert.deepEqual((parse(['--datastore-endpoint', 'https://[::1]:2379']).datastore as { endpoints: string[] }).endpoints, ['https://[::1]:2379']);
  usageError(['--datastore-endpoint', 'https://h:2379', '--datastore-certfile', 'c'], /must be given together/);
  usageError(['--datastore-cafile', 'ca.crt'], /apply to etcd only/);
});

test('usage errors: unknown flags, missing values, bad numbers, bad addresses', () => {
  usageError(['--foo'], /^unknown flag: --foo$/);
  usageError(['-x'], /^unknown shorthand flag: -x$/);
  usageError(['--data-dir'], /^flag needs an argument: --data-dir$/);
  usageError(['--data-dir', '--tls-san', 'x'], /^flag needs an argument: --data-dir$/);
  usageError(['extra'], /unexpected argument "extra"/);
  usageError(['--secure-port', 'http'], /invalid --secure-port "http"/);
  usageError(['--secure-port', '70000'], /between 0 and 65535/);
  usageError(['--secure-port', '-1'], /flag needs an argument|invalid --secure-port/);
  usageError(['--bind-address', '1.2.3'], /invalid --bind-address/);
  usageError(['--write-kubeconfig-mode', 'rw'], /octal/);
  usageError(['--v', 'loud'], /invalid --v/);
  usageError(['--disable-agent=maybe'], /must be true or false/);
  usageError(['--tls-san', 'bad_name!'], /invalid --tls-san/);
  usageError(['--cluster-domain', '-x-'], /invalid --cluster-domain|flag needs an argument/);
  usageError(['--enable-admission-plugins', 'NodeRestriction,Bogus'], /unknown admission plugin "Bogus"/);
  usageError(['--cluster-dns', '10.96.0.300'], /invalid --cluster-dns/);
});

test('CIDR validation: syntax, overlap, size, dual stack', () => {
  usageError(['--cluster-cidr', '10.244.0.0'], /invalid --cluster-cidr "10.244.0.0"/);
  usageError(['--cluster-cidr', '10.244.0.0/33'], /invalid --cluster-cidr/);
  usageError(['--service-cidr', '300.1.0.0/16'], /invalid --service-cidr/);
  usageError(['--cluster-cidr', '10.0.0.0/8'], /--cluster-cidr 10.0.0.0\/8 overlaps --service-cidr 10.96.0.0\/16/);
  usageError(['--service-cidr', '10.244.128.0/20'], /overlaps/);
  usageError(['--service-cidr', '10.0.0.0/8'], /too large/);
  usageError(['--service-cidr', '10.96.0.0/30'], /too small/);
  usageError(['--cluster-cidr', '10.1.0.0/16,10.2.0.0/16'], /one subnet per IP family/);
  const c = parse(['--cluster-cidr', '10.42.0.0/16,fd00:42::/56', '--service-cidr', '10.43.0.7/16,FD00:43:0:0::/112']);
  assert.deepEqual(c.clusterCidrs, ['10.42.0.0/16', 'fd00:42::/56']);
  assert.deepEqual(c.serviceCidrs, ['10.43.0.0/16', 'fd00:43::/112']);
  assert.deepEqual(c.apiServiceIps, ['10.43.0.1', 'fd00:43::1']);
  assert.deepEqual(c.clusterDns, ['10.43.0.10']);
  usageError(['--cluster-cidr', 'fd00::/48', '--service-cidr', '10.96.0.0/16,fd00:0:0:1::/112'], /overlaps/);
});

test('config file (k3s keys): flags win over environment, environment over the file', () => {
  const files = {
    '/etc/flotilla/config.yaml': [
      'secure-port: 7443',
      'tls-san:',
      '  - from-file.example.com',
      'write-kubeconfig-mode: "0644"',
      'disable-agent: true',
      'datastore-endpoint: sqlite:///file.db',
      'enable-admission-plugins: [NodeRestriction]',
    ].join('\n'),
  };
  const e = env({ vars: { FLOTILLA_DATASTORE_ENDPOINT: 'sqlite:///env.db' } }, files);
  const c = parse(['--config', '/etc/flotilla/config.yaml', '--secure-port', '8443'], e);
  assert.equal(c.securePort, 8443);
  assert.deepEqual(c.tlsSans, ['from-file.example.com']);
  assert.equal(c.writeKubeconfigMode, 0o644);
  assert.equal(c.disableAgent, true);
  assert.equal(c.datastore.endpoint, 'sqlite:///env.db');
  assert.deepEqual(c.enableAdmissionPlugins, ['NodeRestriction']);
  assert.equal(c.configFile, '/etc/flotilla/config.yaml');
  const viaEnv = parse([], env({ vars: { FLOTILLA_CONFIG_FILE: '/etc/flotilla/config.yaml' } }, files));
  assert.equal(viaEnv.securePort, 7443);
  assert.equal(viaEnv.datastore.endpoint, 'sqlite:///file.db');

  usageError(['--config', '/missing.yaml'], /cannot read config file \/missing.yaml/);
  usageError(['--config', '/bad.yaml'], /unknown key "secure_port"/, env({}, { '/bad.yaml': 'secure_port: 1' }));
  usageError(['--config', '/bad.yaml'], /config file \/bad.yaml/, env({}, { '/bad.yaml': 'a: [' }));
});

test('the seed kubeadm ClusterConfiguration loads as a config file', () => {
  const block = SEED_KUBEADM;
  const r = parseServerConfig(['--config', '/seed.yaml'], env({}, { '/seed.yaml': block }));
  assert.ok(!('help' in r));
  const c = r.config;
  assert.deepEqual(c.datastore, {
    kind: 'etcd',
    endpoint: 'https://etcd1.company.com:2379,https://etcd2.company.com:2379,https://etcd3.company.com:2379',
    endpoints: ['https://etcd1.company.com:2379', 'https://etcd2.company.com:2379', 'https://etcd3.company.com:2379'],
    caFile: '/etc/ssl/etcd/ca.crt',
    certFile: '/etc/ssl/etcd/etcd.crt',
    keyFile: '/etc/ssl/etcd/etcd.key',
  });
  assert.deepEqual(c.serviceCidrs, ['10.96.0.0/16']);
  assert.deepEqual(c.clusterCidrs, ['10.244.0.0/16']);
  assert.equal(c.securePort, 6443);
  assert.deepEqual(c.tlsSans, ['k8s-api.company.com', '10.0.1.10', '10.0.1.11', '10.0.1.12']);
  assert.deepEqual(c.audit, { logPath: '/var/log/audit.log', maxAgeDays: 30, maxBackups: 10, maxSizeMB: 100 });
  assert.deepEqual(c.enableAdmissionPlugins, ['NodeRestriction', 'MutatingAdmissionWebhook', 'ValidatingAdmissionWebhook']);
  assert.deepEqual(r.warnings, ['config file /seed.yaml: KubeProxyConfiguration: only "mode" is used']);
  assert.equal(c.agent.proxyMode, 'ipvs', "the seed's proxy mode reaches the node (which falls back to nftables with a log line)");
});

test('controller-manager timings: kube-controller-manager flag names, Go durations, upstream defaults', () => {
  assert.deepEqual(parse([]).controllerManager, { nodeMonitorGracePeriodMs: 40_000, nodeStartupGracePeriodMs: 60_000, nodeMonitorPeriodMs: 5_000, terminatedPodGcThreshold: 12_500, maxEndpointsPerSlice: 100 });
  const c = parse(['--node-monitor-grace-period=1m30s', '--node-startup-grace-period', '2m', '--node-monitor-period=500ms', '--terminated-pod-gc-threshold', '100', '--max-endpoints-per-slice=500']);
  assert.deepEqual(c.controllerManager, { nodeMonitorGracePeriodMs: 90_000, nodeStartupGracePeriodMs: 120_000, nodeMonitorPeriodMs: 500, terminatedPodGcThreshold: 100, maxEndpointsPerSlice: 500 });
  // 0 or less disables PodGC's terminated-pod rule, as upstream.
  assert.equal(parse(['--terminated-pod-gc-threshold=0']).controllerManager.terminatedPodGcThreshold, 0);
  assert.equal(parse(['--terminated-pod-gc-threshold=-1']).controllerManager.terminatedPodGcThreshold, -1);
  // From a k3s-style config file, and from a kubeadm ClusterConfiguration's controllerManager.extraArgs.
  const file = parse(['--config', '/c.yaml'], env({}, { '/c.yaml': 'node-monitor-grace-period: 20s\nterminated-pod-gc-threshold: 50\n' }));
  assert.equal(file.controllerManager.nodeMonitorGracePeriodMs, 20_000);
  assert.equal(file.controllerManager.terminatedPodGcThreshold, 50);
  const kubeadm = SEED_KUBEADM.replace('    bind-address: "0.0.0.0"\n    \nscheduler', '    bind-address: "0.0.0.0"\n    node-monitor-grace-period: "50s"\n    terminated-pod-gc-threshold: "1000"\n    max-endpoints-per-slice: "250"\nscheduler');
  assert.notEqual(kubeadm, SEED_KUBEADM);
  const k = parse(['--config', '/k.yaml'], env({}, { '/k.yaml': kubeadm }));
  assert.equal(k.controllerManager.nodeMonitorGracePeriodMs, 50_000);
  assert.equal(k.controllerManager.terminatedPodGcThreshold, 1000);
  assert.equal(k.controllerManager.maxEndpointsPerSlice, 250);
  assert.equal(k.bindAddress, '0.0.0.0', "the controller manager's own bind-address is not the API server's");
});

test('controller-manager timings: bad values are one-line errors naming the flag', () => {
  const oneLine = (argv: string[], re: RegExp) => {
    usageError(argv, re);
    try {
      parseServerConfig(argv, env());
    } catch (e) {
      assert.ok(!(e as Error).message.includes('\n'), (e as Error).message);
    }
  };
  oneLine(['--node-monitor-grace-period=abc'], /^invalid --node-monitor-grace-period "abc": time: invalid duration "abc"$/);
  oneLine(['--node-startup-grace-period', '60'], /^invalid --node-startup-grace-period "60": time: missing unit in duration "60"$/);
  oneLine(['--node-monitor-period=0s'], /^invalid --node-monitor-period "0s": must be greater than zero$/);
  oneLine(['--node-monitor-period=-5s'], /^invalid --node-monitor-period "-5s": must be greater than zero$/);
  oneLine(['--terminated-pod-gc-threshold', 'lots'], /^invalid --terminated-pod-gc-threshold "lots": not a whole number$/);
  oneLine(['--terminated-pod-gc-threshold=1.5'], /^invalid --terminated-pod-gc-threshold "1.5": not a whole number$/);
  oneLine(['--terminated-pod-gc-threshold=3000000000'], /^invalid --terminated-pod-gc-threshold 3000000000: out of range$/);
  // kube-controller-manager's own bounds and wording.
  oneLine(['--max-endpoints-per-slice=0'], /^max-endpoints-per-slice must not be less than 1, but got 0$/);
  oneLine(['--max-endpoints-per-slice', '1001'], /^max-endpoints-per-slice must not be more than 1000, but got 1001$/);
  oneLine(['--max-endpoints-per-slice=many'], /^invalid --max-endpoints-per-slice "many": not a whole number$/);
  usageError(['--config', '/c.yaml'], /^invalid --node-monitor-grace-period "40": time: missing unit/, env({}, { '/c.yaml': 'node-monitor-grace-period: 40\n' }));
});

test('--min-request-timeout: seconds, default 1800 as kube-apiserver, never negative', () => {
  assert.equal(parse([]).minRequestTimeoutSeconds, 1800);
  assert.equal(parse(['--min-request-timeout=5']).minRequestTimeoutSeconds, 5);
  assert.equal(parse(['--config', '/c.yaml'], env({}, { '/c.yaml': 'min-request-timeout: 60\n' })).minRequestTimeoutSeconds, 60);
  usageError(['--min-request-timeout=-1'], /^--min-request-timeout can not be negative value$/);
  usageError(['--min-request-timeout=1m'], /^invalid --min-request-timeout "1m": not a whole number$/);
});

test('server --help lists the controller-manager flags with Go-style defaults', () => {
  const help = serverHelp();
  assert.match(help, /--node-monitor-grace-period duration\s+.*\(default 40s\)/);
  assert.match(help, /--node-startup-grace-period duration\s+.*\(default 1m0s\)/);
  assert.match(help, /--node-monitor-period duration\s+.*\(default 5s\)/);
  assert.match(help, /--terminated-pod-gc-threshold int\s+.*\(default 12500\)/);
  assert.match(help, /--max-endpoints-per-slice int32\s+.*\(default 100\)/);
});

test('--help wins over everything else', () => {
  assert.deepEqual(parseServerConfig(['--help'], env()), { help: true });
  assert.deepEqual(parseServerConfig(['-h', '--secure-port', 'bad'], env()), { help: true });
});

/** Verbatim from the production seed (seed/000_a6353ae481b4a8e5.txt). */
const SEED_KUBEADM = `# Cluster configuration with kubeadm
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: v1.28.2
clusterName: production-cluster
controlPlaneEndpoint: "k8s-api.company.com:6443"

# High availability configuration
etcd:
  external:
    endpoints:
    - https://etcd1.company.com:2379
    - https://etcd2.company.com:2379
    - https://etcd3.company.com:2379
    caFile: /etc/ssl/etcd/ca.crt
    certFile: /etc/ssl/etcd/etcd.crt
    keyFile: /etc/ssl/etcd/etcd.key

networking:
  serviceSubnet: "10.96.0.0/16"
  podSubnet: "10.244.0.0/16"

apiServer:
  advertiseAddress: "10.0.1.10"
  bindPort: 6443
  certSANs:
  - "k8s-api.company.com"
  - "10.0.1.10"
  - "10.0.1.11"
  - "10.0.1.12"
  extraArgs:
    audit-log-maxage: "30"
    audit-log-maxbackup: "10"
    audit-log-maxsize: "100"
    audit-log-path: "/var/log/audit.log"
    enable-admission-plugins: "NodeRestriction,MutatingAdmissionWebhook,ValidatingAdmissionWebhook"

controllerManager:
  extraArgs:
    bind-address: "0.0.0.0"
    
scheduler:
  extraArgs:
    bind-address: "0.0.0.0"

---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: "ipvs"
ipvs:
  strictARP: true
`;

test("the embedded agent's node: --node-name (default the hostname, lowercased), --node-label, --node-taint, --node-ip", () => {
  const d = parse([]);
  assert.deepEqual(d.agent, { nodeName: 'node-a', nodeLabels: {}, nodeTaints: [], bridge: 'flotilla0', kubeletPort: 10250, resolvConf: '/etc/resolv.conf' });
  const c = parse([
    '--node-name', 'Worker-Node-1',
    '--node-label', 'node.kubernetes.io/instance-type=m5.2xlarge',
    '--node-label', 'workload-type=compute-optimized',
    '--node-taint', 'workload-type=compute-optimized:NoSchedule',
    '--node-ip', '10.0.0.7',
    '--bridge', 'flt1',
    '--kubelet-port', '0',
    '--resolv-conf', 'conf/resolv.conf',
  ]);
  assert.deepEqual(c.agent, {
    nodeName: 'worker-node-1',
    nodeLabels: { 'node.kubernetes.io/instance-type': 'm5.2xlarge', 'workload-type': 'compute-optimized' },
    nodeTaints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }],
    nodeIP: '10.0.0.7',
    bridge: 'flt1',
    kubeletPort: 0,
    resolvConf: '/work/conf/resolv.conf',
  });
  usageError(['--bridge', 'a-very-long-bridge-name'], /--bridge "a-very-long-bridge-name": interface names are 1 to 15/);
  usageError(['--node-name', 'bad_name'], /--node-name "bad_name": a lowercase RFC 1123 subdomain/);
  usageError(['--node-taint', 'k=v:Sometimes'], /--node-taint "k=v:Sometimes"/);
  usageError(['--node-label', 'novalue'], /--node-label "novalue": must be key=value/);
  usageError(['--node-ip', '10.0.0.300'], /--node-ip "10.0.0.300": not an IP address/);
  // An unusable hostname does not matter when there is no agent.
  assert.equal(parse(['--disable-agent'], env({ hostname: 'Bad_Host' })).disableAgent, true);
});

test("the embedded agent's registries: --private-registry (k3s registries.yaml), the default file only when it exists, config-file keys", () => {
  const yaml = 'mirrors:\n  myregistry.com:\n    endpoint: ["http://127.0.0.1:5000"]\nconfigs:\n  "127.0.0.1:5000":\n    auth: { username: u, password: p }\n';
  // No file at the default path: no registries.
  assert.equal(parse([]).agent.registries, undefined);
  // The default path when it exists.
  assert.deepEqual(parse([], env({}, { '/etc/flotilla/registries.yaml': yaml })).agent.registries, {
    mirrors: { 'myregistry.com': { endpoint: ['http://127.0.0.1:5000'] } },
    configs: { '127.0.0.1:5000': { auth: { username: 'u', password: 'p' } } },
  });
  // A named file, relative to the working directory, with k3s' flag for no fallback.
  const c = parse(['--private-registry', 'reg.yaml', '--disable-default-registry-endpoint'], env({}, { '/work/reg.yaml': yaml }));
  assert.equal(c.agent.registries?.disableDefaultEndpoint, true);
  assert.deepEqual(c.agent.registries?.mirrors, { 'myregistry.com': { endpoint: ['http://127.0.0.1:5000'] } });
  // From the config file (k3s config.yaml keys).
  const f = parse(['--config', '/etc/f.yaml'], env({}, { '/etc/f.yaml': 'private-registry: /etc/r.yaml\ndisable-default-registry-endpoint: true\n', '/etc/r.yaml': yaml }));
  assert.equal(f.agent.registries?.disableDefaultEndpoint, true);
  assert.ok(f.agent.registries?.configs?.['127.0.0.1:5000']);
  // Errors: a missing named file, a bad key (one line naming the file and the key).
  usageError(['--private-registry', '/nope.yaml'], /^--private-registry: registries file \/nope\.yaml does not exist$/);
  usageError(['--private-registry', '/r.yaml'], /^--private-registry: registries file \/r\.yaml: mirrors\."docker\.io"\.endpoints: unknown key/, env({}, { '/r.yaml': 'mirrors:\n  docker.io:\n    endpoints: [a]\n' }));
  // Without an agent the file is not read.
  assert.equal(parse(['--disable-agent', '--private-registry', '/nope.yaml']).agent.registries, undefined);
  // Rewrites are reported as warnings.
  const r = parseServerConfig([], env({}, { '/etc/flotilla/registries.yaml': 'mirrors:\n  docker.io:\n    endpoint: [m.local]\n    rewrite: { "^a/(.*)": "b/$1" }\n' }));
  assert.ok(!('help' in r));
  assert.ok(r.warnings.some((w) => /rewrite is ignored/.test(w)), r.warnings.join());
});

test('--service-node-port-range (kube-apiserver forms) and --service-lb-pool (CIDRs or IPs outside the cluster subnets)', () => {
  const d = parse([]);
  assert.deepEqual(d.serviceNodePortRange, { base: 30000, size: 2768 });
  assert.deepEqual(d.serviceLbPool, []);
  assert.deepEqual(parse(['--service-node-port-range', '31000-31999']).serviceNodePortRange, { base: 31000, size: 1000 });
  assert.deepEqual(parse(['--service-node-port-range=30000+99']).serviceNodePortRange, { base: 30000, size: 100 });
  usageError(['--service-node-port-range', '32767-30000'], /invalid --service-node-port-range/);
  usageError(['--service-node-port-range', 'lots'], /invalid --service-node-port-range: unable to parse port range: lots/);
  assert.deepEqual(parse(['--service-lb-pool', '192.168.100.0/28,192.168.100.77', '--service-lb-pool', '2001:db8::1']).serviceLbPool, [
    '192.168.100.0/28',
    '192.168.100.77',
    '2001:db8::1',
  ]);
  usageError(['--service-lb-pool', 'nope'], /invalid --service-lb-pool "nope": neither an IP address nor a CIDR/);
  usageError(['--service-lb-pool', '10.96.1.0/24'], /--service-lb-pool 10\.96\.1\.0\/24 overlaps 10\.96\.0\.0\/16/);
  usageError(['--service-lb-pool', '10.244.3.3'], /overlaps 10\.244\.0\.0\/16/);
  const help = serverHelp();
  assert.match(help, /--service-node-port-range range/);
  assert.match(help, /--service-lb-pool/);
});
