import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PRIVATE_REGISTRY, RegistriesFileError, loadRegistriesFile, parseRegistriesYaml } from './registries-file.js';
import { containerdConfig, registryHostsFiles } from './containerd/config.js';

const P = '/etc/flotilla/registries.yaml';

function invalid(text: string): RegistriesFileError {
  try {
    parseRegistriesYaml(text, P);
  } catch (e) {
    assert.ok(e instanceof RegistriesFileError, String(e));
    assert.equal(e.reason, 'Invalid');
    assert.equal(e.path, P);
    assert.doesNotMatch(e.message, /\n/, 'one line');
    assert.ok(e.message.startsWith(`registries file ${P}: `), e.message);
    return e;
  }
  assert.fail(`accepted: ${text}`);
}

test('parseRegistriesYaml: the k3s example (mirrors with endpoints, auth and tls per host)', () => {
  const { config, warnings } = parseRegistriesYaml(
    `
mirrors:
  docker.io:
    endpoint:
      - "https://mirror.example.com:5000"
  myregistry.com:
    endpoint: ["http://127.0.0.1:5000", registry.internal:5000]
configs:
  "mirror.example.com:5000":
    auth:
      username: xxxxxx # this is the registry username
      password: xxxxxx # this is the registry password
    tls:
      cert_file: /etc/ssl/client.pem
      key_file: /etc/ssl/client-key.pem
      ca_file: /etc/ssl/ca.pem
  registry.internal:5000:
    auth: { auth: ${Buffer.from('u:p:w').toString('base64')}, identity_token: tok }
    tls: { insecure_skip_verify: true }
`,
    P,
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, {
    mirrors: {
      'docker.io': { endpoint: ['https://mirror.example.com:5000'] },
      'myregistry.com': { endpoint: ['http://127.0.0.1:5000', 'registry.internal:5000'] },
    },
    configs: {
      'mirror.example.com:5000': {
        auth: { username: 'xxxxxx', password: 'xxxxxx' },
        tls: { cert_file: '/etc/ssl/client.pem', key_file: '/etc/ssl/client-key.pem', ca_file: '/etc/ssl/ca.pem' },
      },
      'registry.internal:5000': { auth: { auth: Buffer.from('u:p:w').toString('base64'), identity_token: 'tok' }, tls: { insecure_skip_verify: true } },
    },
  });
  // What containerd gets from it.
  const hosts = registryHostsFiles(config);
  assert.match(hosts.get('myregistry.com')!, /\[host\."http:\/\/127\.0\.0\.1:5000"\][\s\S]*\[host\."https:\/\/registry\.internal:5000"\]\n {2}capabilities = \["pull", "resolve"\]\n {2}skip_verify = true/);
  assert.match(containerdConfig({ dataDir: '/d', sandboxImage: 'p', registries: config }), /configs\."mirror\.example\.com:5000"\.auth\]\n {2}username = "xxxxxx"/);
});

test('parseRegistriesYaml: empty file, comments only, "*" mirror, nulls', () => {
  assert.deepEqual(parseRegistriesYaml('', P), { config: {}, warnings: [] });
  assert.deepEqual(parseRegistriesYaml('# nothing yet\n', P), { config: {}, warnings: [] });
  assert.deepEqual(parseRegistriesYaml('mirrors:\n  "*":\n    endpoint: [http://10.0.0.1:5000]\nconfigs:\n', P).config, {
    mirrors: { '*': { endpoint: ['http://10.0.0.1:5000'] } },
  });
  assert.deepEqual(parseRegistriesYaml('mirrors:\n  a.example:\n', P).config, { mirrors: { 'a.example': {} } });
});

test('parseRegistriesYaml: rewrite is accepted with a warning (containerd 1.6 has no rewrites)', () => {
  const { config, warnings } = parseRegistriesYaml('mirrors:\n  docker.io:\n    endpoint: [m.local]\n    rewrite:\n      "^rancher/(.*)": "mirrorproject/rancher-images/$1"\n', P);
  assert.deepEqual(config, { mirrors: { 'docker.io': { endpoint: ['m.local'] } } });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /mirrors\."docker\.io"\.rewrite is ignored/);
});

test('parseRegistriesYaml: one-line errors naming the file and the bad key', () => {
  assert.match(invalid('mirror:\n  docker.io: {}\n').message, /: mirror: unknown key \(expected "mirrors" or "configs"\)$/);
  assert.match(invalid('mirrors:\n  docker.io:\n    endpoints: [a]\n').message, /mirrors\."docker\.io"\.endpoints: unknown key/);
  assert.match(invalid('mirrors:\n  docker.io:\n    endpoint: http://a\n').message, /mirrors\."docker\.io"\.endpoint: must be a list of URLs$/);
  assert.equal(invalid('mirrors:\n  docker.io:\n    endpoint: [ok.local, 5]\n').key, 'mirrors."docker.io".endpoint[1]');
  assert.match(invalid('mirrors:\n  docker.io:\n    endpoint: ["http://a b"]\n').message, /endpoint\[0\]: "http:\/\/a b" is not a URL/);
  assert.match(invalid('mirrors:\n  docker.io:\n    endpoint: ["ftp://a"]\n').message, /only http:\/\/ and https:\/\//);
  assert.match(invalid('mirrors:\n  docker.io:\n    endpoint: ["https://u:p@a"]\n').message, /credentials under configs/);
  assert.match(invalid('mirrors:\n  "https://docker.io": {}\n').message, /mirrors\."https:\/\/docker\.io": must be a registry host/);
  assert.match(invalid('mirrors: [a]\n').message, /: mirrors: must be a map$/);
  assert.match(invalid('configs:\n  r.local:\n    auth:\n      user: a\n').message, /configs\."r\.local"\.auth\.user: unknown key/);
  assert.match(invalid('configs:\n  r.local:\n    auth:\n      username: 5\n').message, /configs\."r\.local"\.auth\.username: must be a string$/);
  assert.match(invalid('configs:\n  r.local:\n    auth:\n      password: p\n').message, /auth\.username: required with a password/);
  assert.match(invalid('configs:\n  r.local:\n    auth:\n      auth: "not base64!"\n').message, /auth\.auth: must be base64 of "username:password"/);
  assert.match(invalid('configs:\n  r.local:\n    tls:\n      ca_file: ca.pem\n').message, /tls\.ca_file: "ca\.pem" must be an absolute path/);
  assert.match(invalid('configs:\n  r.local:\n    tls:\n      key_file: /k.pem\n').message, /tls\.cert_file: required with key_file/);
  assert.match(invalid('configs:\n  r.local:\n    tls:\n      insecure_skip_verify: "yes"\n').message, /insecure_skip_verify: must be true or false/);
  assert.match(invalid('configs:\n  r.local:\n    tsl: {}\n').message, /configs\."r\.local"\.tsl: unknown key \(expected "auth" or "tls"\)/);
  assert.match(invalid('- a\n- b\n').message, /expected a map/);
  assert.match(invalid('mirrors:\n  a: {}\n  a: {}\n').message, /not valid YAML \(line \d+\)/);
  assert.match(invalid('mirrors: [\n').message, /not valid YAML/);
});

test('loadRegistriesFile: the default path may be missing, an explicit one may not', () => {
  const enoent = (p: string): string => {
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
  };
  assert.equal(loadRegistriesFile(DEFAULT_PRIVATE_REGISTRY, false, enoent), undefined);
  assert.throws(
    () => loadRegistriesFile('/x/reg.yaml', true, enoent),
    (e: unknown) => e instanceof RegistriesFileError && e.reason === 'NotFound' && e.message === 'registries file /x/reg.yaml does not exist',
  );
  const eacces = (): string => {
    throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  };
  assert.throws(() => loadRegistriesFile(DEFAULT_PRIVATE_REGISTRY, false, eacces), (e: unknown) => e instanceof RegistriesFileError && e.reason === 'Unreadable' && /EACCES/.test(e.message));
  assert.deepEqual(loadRegistriesFile('/x/reg.yaml', true, () => 'mirrors:\n  a.example:\n    endpoint: [b.example]\n'), {
    config: { mirrors: { 'a.example': { endpoint: ['b.example'] } } },
    warnings: [],
  });
});
