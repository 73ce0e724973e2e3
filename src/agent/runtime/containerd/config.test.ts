import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerdConfig,
  containerdPaths,
  normalizeEndpoint,
  parseContainerdVersion,
  registryHostsFiles,
  supportedContainerdVersion,
} from './config.js';

test('containerdPaths: everything under <dataDir>/containerd, the socket path is the contract', () => {
  const p = containerdPaths('/var/lib/flotilla/');
  assert.equal(p.socket, '/var/lib/flotilla/containerd/containerd.sock');
  assert.equal(p.ttrpcSocket, '/var/lib/flotilla/containerd/containerd.sock.ttrpc');
  assert.equal(p.root, '/var/lib/flotilla/containerd/root');
  assert.equal(p.state, '/var/lib/flotilla/containerd/state');
  assert.equal(p.pidFile, '/var/lib/flotilla/containerd/containerd.pid');
  assert.equal(p.log, '/var/lib/flotilla/containerd/containerd.log');
  assert.equal(p.certsDir, '/var/lib/flotilla/containerd/certs.d');
});

test('containerdConfig: version 2, own dirs and sockets, CRI settings as k3s sets them', () => {
  const t = containerdConfig({ dataDir: '/d', sandboxImage: 'flotilla.local/pause:3.9' });
  for (const line of [
    'version = 2',
    'root = "/d/containerd/root"',
    'state = "/d/containerd/state"',
    '  address = "/d/containerd/containerd.sock"',
    '  address = "/d/containerd/containerd.sock.ttrpc"',
    '  sandbox_image = "flotilla.local/pause:3.9"',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  disable_tcp_service = true',
    '  enable_unprivileged_ports = true',
    '  enable_unprivileged_icmp = true',
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    '  runtime_type = "io.containerd.runc.v2"',
    '  SystemdCgroup = false',
    '  Root = "/d/containerd/state/runc"',
    '  restrict_oom_score_adj = false',
    '  bin_dir = "/usr/lib/cni"',
    '  conf_dir = "/d/cni/net.d"',
    '  max_conf_num = 1',
    '  config_path = "/d/containerd/certs.d"',
  ]) {
    assert.ok(t.split('\n').includes(line), `missing line ${JSON.stringify(line)} in\n${t}`);
  }
  const o = containerdConfig({ dataDir: '/d', sandboxImage: 'p', cniBinDir: '/opt/cni/bin', cniConfDir: '/etc/cni/net.d', restrictOomScoreAdj: true });
  assert.match(o, /^ {2}restrict_oom_score_adj = true$/m);
  assert.match(o, /bin_dir = "\/opt\/cni\/bin"/);
  assert.match(o, /conf_dir = "\/etc\/cni\/net.d"/);
});

test('containerdConfig: registry credentials in the main config, strings escaped', () => {
  const t = containerdConfig({
    dataDir: '/d',
    sandboxImage: 'p',
    registries: { configs: { 'reg.example:5000': { auth: { username: 'u"x', password: 'p\\w' } }, 'tls-only.example': { tls: { insecure_skip_verify: true } } } },
  });
  assert.match(t, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\.configs\."reg\.example:5000"\.auth\]\n {2}username = "u\\"x"\n {2}password = "p\\\\w"/);
  assert.doesNotMatch(t, /tls-only/);
  assert.doesNotMatch(t, /\.tls\]/, 'TLS settings live in hosts.toml (containerd refuses configs.tls with config_path)');
});

test('registryHostsFiles: mirrors in order, TLS per endpoint host, docker.io upstream, "*" as _default', () => {
  const files = registryHostsFiles({
    mirrors: {
      'docker.io': { endpoint: ['mirror.local:5000', 'http://10.0.0.1:5000/'] },
      '*': { endpoint: ['https://all.local'] },
      'myregistry.com': {},
    },
    configs: {
      'mirror.local:5000': { tls: { insecure_skip_verify: true, ca_file: '/ca.pem', cert_file: '/c.pem', key_file: '/k.pem' } },
      'plain.example': { tls: { ca_file: '/plain-ca.pem' } },
      'authonly.example': { auth: { username: 'a', password: 'b' } },
    },
  });
  assert.deepEqual([...files.keys()].sort(), ['_default', 'docker.io', 'mirror.local:5000', 'myregistry.com', 'plain.example']);
  const docker = files.get('docker.io')!;
  assert.match(docker, /^server = "https:\/\/registry-1\.docker\.io"$/m);
  const first = docker.indexOf('[host."https://mirror.local:5000"]');
  const second = docker.indexOf('[host."http://10.0.0.1:5000"]');
  assert.ok(first > 0 && second > first, docker);
  assert.match(docker, /\[host\."https:\/\/mirror\.local:5000"\]\n {2}capabilities = \["pull", "resolve"\]\n {2}skip_verify = true\n {2}ca = "\/ca\.pem"\n {2}client = \[\["\/c\.pem", "\/k\.pem"\]\]/);
  assert.doesNotMatch(files.get('_default')!, /^server/m);
  assert.match(files.get('_default')!, /\[host\."https:\/\/all\.local"\]/);
  assert.match(files.get('myregistry.com')!, /^server = "https:\/\/myregistry\.com"$/m);
  assert.match(files.get('plain.example')!, /^server = "https:\/\/plain\.example"\nca = "\/plain-ca\.pem"\n\n\[host\]\n$/m);
  assert.match(files.get('myregistry.com')!, /^\[host\]$/m);
  assert.doesNotMatch(docker, /^\[host\]$/m);
  assert.equal(registryHostsFiles(undefined).size, 0);
});

test('registryHostsFiles: disableDefaultEndpoint makes the last endpoint the server (no fallback to the registry itself)', () => {
  const files = registryHostsFiles({
    disableDefaultEndpoint: true,
    mirrors: {
      'myregistry.com': { endpoint: ['http://127.0.0.1:5000'] },
      'docker.io': { endpoint: ['https://m1.local', 'm2.local:5000'] },
      '*': { endpoint: ['http://all.local'] },
      'quay.io': {},
    },
    configs: { 'm2.local:5000': { tls: { ca_file: '/m2-ca.pem' } } },
  });
  const mine = files.get('myregistry.com')!;
  assert.match(mine, /^server = "http:\/\/127\.0\.0\.1:5000"$/m);
  assert.doesNotMatch(mine, /\[host\./);
  // containerd 1.6 ignores a hosts.toml without a host table.
  assert.match(mine, /^\[host\]$/m);
  assert.doesNotMatch(mine, /myregistry\.com"/);
  const docker = files.get('docker.io')!;
  assert.match(docker, /^server = "https:\/\/m2\.local:5000"\nca = "\/m2-ca\.pem"$/m);
  assert.match(docker, /\[host\."https:\/\/m1\.local"\]/);
  assert.doesNotMatch(docker, /registry-1\.docker\.io|\[host\."https:\/\/m2/);
  assert.match(files.get('_default')!, /^server = "http:\/\/all\.local"$/m);
  // No endpoints: the registry itself stays (nothing else to pull from).
  assert.match(files.get('quay.io')!, /^server = "https:\/\/quay\.io"$/m);
});

test('normalizeEndpoint: https unless a scheme is given, no trailing slash', () => {
  assert.equal(normalizeEndpoint('reg:5000'), 'https://reg:5000');
  assert.equal(normalizeEndpoint('http://reg:5000/'), 'http://reg:5000');
});

test('parseContainerdVersion: Debian, upstream and too-old versions', () => {
  assert.deepEqual(parseContainerdVersion('containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n'), {
    version: '1.6.20',
    major: 1,
    minor: 6,
    patch: 20,
  });
  assert.equal(parseContainerdVersion('containerd github.com/containerd/containerd v1.7.13 7c3aca7a610df76212171d200ca3811ff6096eb8')?.version, '1.7.13');
  assert.equal(parseContainerdVersion('nonsense'), undefined);
  assert.equal(supportedContainerdVersion({ major: 1, minor: 5 }), false);
  assert.equal(supportedContainerdVersion({ major: 1, minor: 6 }), true);
  assert.equal(supportedContainerdVersion({ major: 2, minor: 0 }), true);
});
