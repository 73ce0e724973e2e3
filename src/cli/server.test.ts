import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ApiServer, ApiServerOptions } from '../apiserver/index.js';
import { discardLogger } from '../lib/log.js';
import { MemoryBackend } from '../storage/index.js';
import type { Backend } from '../storage/backend.js';
import { type ServerDeps, startServer } from './server.js';
import { type ServerConfig, type ServerEnv, parseServerConfig } from './server-config.js';

function configFor(dataDir: string, extra: string[] = []): ServerConfig {
  const env: ServerEnv = { vars: {}, isRoot: false, homeDir: dataDir, cwd: dataDir, hostname: 'test-host', readFile: () => '' };
  const r = parseServerConfig(['--data-dir', dataDir, '--bind-address', '127.0.0.1', '--secure-port', '0', '--disable-agent', ...extra], env);
  assert.ok(!('help' in r));
  return r.config;
}

/** Fakes for every dependency, recording what happened. */
function fakes(over: Partial<ServerDeps> = {}) {
  const events: string[] = [];
  let backend: MemoryBackend | undefined;
  const deps: ServerDeps = {
    openBackend: async (opts) => {
      events.push(`open ${opts.endpoint}`);
      backend = new MemoryBackend();
      const close = backend.close.bind(backend);
      backend.close = async () => {
        events.push('backend closed');
        await close();
      };
      return backend as Backend;
    },
    startAutoCompaction: () => {
      events.push('compaction started');
      return async () => void events.push('compaction stopped');
    },
    resources: () => [],
    createApiServer: (opts: ApiServerOptions): Pick<ApiServer, 'handle' | 'start' | 'close'> => ({
      handle: async (req, res) => {
        let user: unknown = null;
        for (const a of opts.authenticators) user ??= (await a.authenticate(req)) ?? null;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ user }));
      },
      start: async () => void events.push('api started'),
      close: async () => void events.push('api closed'),
    }),
    ...over,
  };
  return { deps, events };
}

const io = () => {
  const out: string[] = [];
  return { out, io: { stdout: (t: string) => void out.push(t), stderr: () => {} } };
};

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-test-server-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('startServer: PKI, kubeconfig, x509 identity, ordered graceful stop', () =>
  withDir(async (dir) => {
    const { deps, events } = fakes();
    const o = io();
    const s = await startServer(configFor(dir), deps, discardLogger, o.io);
    try {
      assert.equal(s.url, `https://127.0.0.1:${s.port}`);
      assert.equal(s.kubeconfigPath, join(dir, 'kubeconfig.yaml'));
      assert.equal((await stat(s.kubeconfigPath)).mode & 0o777, 0o600);
      assert.deepEqual(o.out, [
        `Wrote kubeconfig ${s.kubeconfigPath}; export KUBECONFIG=${s.kubeconfigPath}\n`,
        `Flotilla is ready (${s.url}, started in ${s.startupMs} ms)\n`,
      ]);
      const kc = parseYaml(await readFile(s.kubeconfigPath, 'utf8'));
      assert.equal(kc['current-context'], 'default');
      assert.equal(kc.clusters[0].name, 'default');
      assert.equal(kc.clusters[0].cluster.server, s.url);
      assert.equal(kc.contexts[0].context.user, 'default');
      const b64 = (x: string) => Buffer.from(x, 'base64').toString();
      const ca = b64(kc.clusters[0].cluster['certificate-authority-data']);
      assert.equal(ca, s.pki.ca.certPem);

      const call = (client: boolean) =>
        new Promise<string>((resolve, reject) => {
          const req = request(
            {
              host: '127.0.0.1', port: s.port, path: '/', ca, servername: 'localhost', agent: false,
              ...(client ? { cert: b64(kc.users[0].user['client-certificate-data']), key: b64(kc.users[0].user['client-key-data']) } : {}),
            },
            (res) => {
              let body = '';
              res.on('data', (c) => (body += c));
              res.on('end', () => resolve(body));
            },
          );
          req.on('error', reject);
          req.end();
        });
      assert.deepEqual(JSON.parse(await call(true)), { user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] } });
      assert.deepEqual(JSON.parse(await call(false)), { user: null });
      assert.deepEqual(events, [`open sqlite://${join(dir, 'state.db')}`, 'api started', 'compaction started']);
    } finally {
      await s.stop();
    }
    assert.deepEqual(events.slice(3), ['api closed', 'compaction stopped', 'backend closed']);
    await s.stop(); // idempotent
    assert.equal(events.length, 6);
  }));

test('startServer: a port in use fails with one line and undoes the partial start', () =>
  withDir(async (dir) => {
    const blocker = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { deps, events } = fakes();
      await assert.rejects(
        startServer(configFor(dir, ['--secure-port', String(port)]), deps, discardLogger, io().io),
        new RegExp(`^Error: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use$`),
      );
      assert.deepEqual(events.slice(1), ['api started', 'api closed', 'backend closed']);
    } finally {
      blocker.close();
    }
  }));

test('startServer: a datastore failure stops start-up before anything listens', () =>
  withDir(async (dir) => {
    const { deps, events } = fakes({
      openBackend: async () => {
        throw new Error('cannot reach etcd at https://127.0.0.1:1: connection refused');
      },
    });
    await assert.rejects(startServer(configFor(dir), deps, discardLogger, io().io), /cannot reach etcd/);
    assert.deepEqual(events, []);
  }));

test('startServer: one server per data dir; a stale pid file is taken over', () =>
  withDir(async (dir) => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'server.pid'), '999999999\n'); // a crashed server's leftover
    const first = await startServer(configFor(dir), fakes().deps, discardLogger, io().io);
    try {
      assert.equal((await readFile(join(dir, 'server.pid'), 'utf8')).trim(), String(process.pid));
      // Same process here, so simulate another live holder: PID 1 always exists.
      await writeFile(join(dir, 'server.pid'), '1\n');
      await assert.rejects(
        startServer(configFor(dir), fakes().deps, discardLogger, io().io),
        /another flotilla server \(pid 1\) is using this data dir/,
      );
      await writeFile(join(dir, 'server.pid'), `${process.pid}\n`);
    } finally {
      await first.stop();
    }
    await assert.rejects(stat(join(dir, 'server.pid')), /ENOENT/);
  }));

test('startServer: --audit-log-path goes to the audit sink (file via openAuditLog, - to stdout)', () =>
  withDir(async (dir) => {
    let seen: ApiServerOptions | undefined;
    const opened: string[] = [];
    const base = fakes();
    const deps: ServerDeps = {
      ...base.deps,
      createApiServer: (opts) => {
        seen = opts;
        return base.deps.createApiServer(opts);
      },
      openAuditLog: async (opts) => {
        opened.push(`${opts.path} ${opts.maxSizeMiB} ${opts.maxBackups} ${opts.maxAgeDays}`);
        return { write: () => {}, close: async () => {} };
      },
    };
    const file = await startServer(configFor(dir, ['--audit-log-path', 'audit.log', '--audit-log-maxsize', '100', '--audit-log-maxbackup', '10', '--audit-log-maxage', '30']), deps, discardLogger, io().io);
    await file.stop();
    assert.deepEqual(opened, [`${join(dir, 'audit.log')} 100 10 30`]);
    assert.ok(seen?.audit);

    const o = io();
    const stdout = await startServer(configFor(dir, ['--audit-log-path', '-']), deps, discardLogger, o.io);
    await stdout.stop();
    seen!.audit!.write({ kind: 'Event', verb: 'get' } as never);
    assert.equal(o.out.at(-1), '{"kind":"Event","verb":"get"}\n');
    assert.equal(opened.length, 1);
  }));
