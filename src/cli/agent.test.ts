import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './flags.js';
import { agentCommand, parseAgentConfig, splitNodeLabels, type AgentConfig, type AgentDeps } from './agent.js';

const env = { isRoot: true, hostname: 'Host-A' };
const parse = (argv: string[], e: Parameters<typeof parseAgentConfig>[1] = env) => parseAgentConfig(argv, e) as AgentConfig;
const usage = (argv: string[], re: RegExp) => assert.throws(() => parseAgentConfig(argv, env), (e: unknown) => e instanceof UsageError && re.test(e.message));

test("the seed's worker node as k3s agent flags: own labels and taints, node-role for the server to apply", () => {
  const c = parse([
    '--server', 'https://10.0.0.1:6443', '--token', 'K10abc::server:s', '--node-name', 'worker-node-1',
    '--node-label', 'node-role.kubernetes.io/worker=', '--node-label', 'node.kubernetes.io/instance-type=m5.2xlarge',
    '--node-label', 'topology.kubernetes.io/zone=us-east-1a', '--node-label', 'workload-type=compute-optimized',
    '--node-taint', 'workload-type=compute-optimized:NoSchedule',
  ]);
  assert.equal(c.nodeName, 'worker-node-1');
  assert.deepEqual(c.auth, { kind: 'token', server: 'https://10.0.0.1:6443', token: 'K10abc::server:s' });
  assert.deepEqual(c.nodeLabels, { 'node.kubernetes.io/instance-type': 'm5.2xlarge', 'topology.kubernetes.io/zone': 'us-east-1a', 'workload-type': 'compute-optimized' });
  assert.deepEqual(c.serverLabels, { 'node-role.kubernetes.io/worker': '' });
  assert.deepEqual(c.nodeTaints, [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }]);
  assert.equal(c.dataDir, '/var/lib/flotilla');
  assert.equal(c.bridge, 'flotilla0');
  assert.equal(c.kubeletPort, 10250);
});

test('defaults and environment: hostname lowercased, $FLOTILLA_* values', () => {
  const c = parse([], { ...env, FLOTILLA_URL: 'https://s:6443', FLOTILLA_TOKEN: 't', FLOTILLA_DATA_DIR: '/d' });
  assert.equal(c.nodeName, 'host-a');
  assert.equal(c.dataDir, '/d');
  assert.deepEqual(c.auth, { kind: 'token', server: 'https://s:6443', token: 't' });
  assert.deepEqual(parseAgentConfig(['--help'], env), { help: true });
});

test('usage errors name the flag and the value', () => {
  usage([], /--server is required/);
  usage(['--server', 'https://s'], /--token is required/);
  usage(['--server', 'http://s', '--token', 't'], /--server "http:\/\/s": must be an https:\/\/ URL/);
  usage(['--server', 'https://s', '--token', 't', '--node-name', 'a_b'], /--node-name "a_b"/);
  usage(['--server', 'https://s', '--token', 't', '--bridge', 'x'.repeat(16)], /--bridge/);
  usage(['--server', 'https://s', '--token', 't', '--kubelet-port', '70000'], /--kubelet-port/);
  usage(['--server', 'https://s', '--token', 't', '--node-ip', 'nope'], /--node-ip "nope": not an IP address/);
  usage(['--kubeconfig', 'k'], /--cluster-cidr and --service-cidr are required/);
  usage(['--kubeconfig', 'k', '--cluster-cidr', '10.0.0.0/16', '--service-cidr', '10.1.0.0/16', '--node-label', 'node-role.kubernetes.io/worker='], /unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-label: \[node-role.kubernetes.io\/worker\]/);
});

test('splitNodeLabels keeps the kubelet-settable ones for the node', () => {
  assert.deepEqual(splitNodeLabels({ 'kubernetes.io/arch': 'amd64', 'node-role.kubernetes.io/x': '', 'example.com/a': 'b', 'kubelet.kubernetes.io/y': '1' }), {
    own: { 'kubernetes.io/arch': 'amd64', 'example.com/a': 'b', 'kubelet.kubernetes.io/y': '1' },
    server: { 'node-role.kubernetes.io/x': '' },
  });
});

test('agentCommand: not root is exit 1 with one line; a failed join is exit 1 naming the cause', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
  const deps: AgentDeps = {
    joinCluster: async () => {
      throw new Error("the server's CA does not match the token");
    },
    connect: async () => assert.fail('not reached'),
    startAgent: async () => assert.fail('not reached'),
    onSignal: () => () => {},
  };
  const args = ['--server', 'https://s:6443', '--token', 't'];
  assert.equal(await agentCommand(args, { ...env, isRoot: false }, deps, io), 1);
  assert.match(err.join(''), /^Error: the node agent needs root/);
  err.length = 0;
  assert.equal(await agentCommand(args, env, deps, io), 1);
  assert.equal(err.join(''), "Error: the server's CA does not match the token\n");
});

test('--private-registry: k3s registries.yaml into the agent options; the default file only when it exists; errors name the file and key', async () => {
  const yaml = 'mirrors:\n  myregistry.com:\n    endpoint: ["http://127.0.0.1:5000"]\n';
  const files: Record<string, string> = { '/etc/flotilla/registries.yaml': yaml, '/r/bad.yaml': 'configs:\n  r.local:\n    tls: { ca_file: ca.pem }\n' };
  const readFile = (p: string): string => {
    if (p in files) return files[p]!;
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
  };
  const join = ['--server', 'https://s:6443', '--token', 't'];
  const none = (p: string): string => readFile(p === '/etc/flotilla/registries.yaml' ? '/missing' : p);
  assert.equal(parse(join, { ...env, readFile: none }).registries, undefined);
  assert.deepEqual(parse(join, { ...env, readFile }).registries, { mirrors: { 'myregistry.com': { endpoint: ['http://127.0.0.1:5000'] } } });
  const c = parse([...join, '--private-registry', '/etc/flotilla/registries.yaml', '--disable-default-registry-endpoint'], { ...env, readFile });
  assert.equal(c.registries?.disableDefaultEndpoint, true);
  assert.throws(() => parseAgentConfig([...join, '--private-registry', '/r/missing.yaml'], { ...env, readFile }), (e: unknown) => e instanceof UsageError && e.message === '--private-registry: registries file /r/missing.yaml does not exist');
  assert.throws(() => parseAgentConfig([...join, '--private-registry', '/r/bad.yaml'], { ...env, readFile }), (e: unknown) => e instanceof UsageError && /registries file \/r\/bad\.yaml: configs\."r\.local"\.tls\.ca_file: "ca\.pem" must be an absolute path$/.test(e.message));
  // agentOptions passes them to startAgent (and so to startContainerd).
  let got: unknown;
  const deps: AgentDeps = {
    joinCluster: async () => ({ kubeconfigPath: '/k', cluster: { clusterCIDRs: ['10.42.0.0/16'], serviceCIDRs: ['10.43.0.0/16'], clusterDNS: [], clusterDomain: 'cluster.local' }, warnings: [] }),
    connect: async () => ({ client: {} as never, caPem: 'ca' }),
    startAgent: async (o) => {
      got = o.registries;
      throw new Error('stop here');
    },
    onSignal: () => () => {},
  };
  const io = { stdout: () => {}, stderr: () => {} };
  assert.equal(await agentCommand([...join, '--disable-default-registry-endpoint'], { ...env, readFile }, deps, io), 1);
  assert.deepEqual(got, { mirrors: { 'myregistry.com': { endpoint: ['http://127.0.0.1:5000'] } }, disableDefaultEndpoint: true });
});
