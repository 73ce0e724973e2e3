/**
 * containerd as a child process. The first two tests use a fake `containerd` script (no root
 * needed); the others run Debian's containerd for real as root, each in its own data dir under
 * /tmp/flt-<random>-*, removed at the end (containerds by PID, mounts, dirs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discardLogger } from '../../../lib/log.js';
import { createCriClient } from '../cri/client.js';
import { containerdPaths } from './config.js';
import { isOurContainerd, startContainerd } from './process.js';
import { TEST_PREFIX, startTestContainerd, mountsUnder } from '../../../../test/support/containerd.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function tempDir(): string {
  return mkdtempSync(join('/tmp', `${TEST_PREFIX}-`));
}

function fakeContainerd(dir: string, version: string, body: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const path = join(dir, 'bin', 'containerd');
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "containerd github.com/containerd/containerd ${version} abc"; exit 0; fi\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function ourContainerds(configPath: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => isOurContainerd(pid, configPath));
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (it runs containerd for real): run it as root');
}

test('startContainerd refuses a containerd older than 1.6, naming the version', async () => {
  const dir = tempDir();
  try {
    const bin = fakeContainerd(dir, '1.5.9', 'exit 1');
    await assert.rejects(startContainerd({ dataDir: dir, logger: discardLogger, containerdPath: bin }), /containerd 1\.5\.9 is too old: Flotilla needs containerd 1\.6 or later/);
    await assert.rejects(startContainerd({ dataDir: dir, logger: discardLogger, containerdPath: join(dir, 'missing') }), /install containerd/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('startContainerd: a containerd that does not come up gives an error with the last lines of its log', async () => {
  const dir = tempDir();
  try {
    const bin = fakeContainerd(dir, '1.6.20', 'echo "level=fatal msg=\\"boom: cannot load config\\"" >&2; exit 1');
    await assert.rejects(startContainerd({ dataDir: dir, logger: discardLogger, containerdPath: bin, startTimeoutMs: 5_000 }), (e: Error) => {
      assert.match(e.message, /containerd exited \(1\) before its CRI socket answered/);
      assert.match(e.message, /last lines of .*containerd\.log:\n.*boom: cannot load config/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('supervision: containerd killed with SIGKILL is restarted and its socket answers again', async () => {
  const t = await startTestContainerd({ images: false });
  try {
    const first = t.containerd.pid();
    assert.ok(first);
    process.kill(first, 'SIGKILL');
    let next: number | undefined;
    for (let i = 0; i < 100 && (next === undefined || next === first); i++) {
      await sleep(100);
      next = t.containerd.pid();
    }
    assert.ok(next !== undefined && next !== first, 'a new containerd was started');
    let answered = false;
    for (let i = 0; i < 100 && !answered; i++) {
      answered = await t.client.runtime.version().then(
        () => true,
        () => false,
      );
      if (!answered) await sleep(100);
    }
    assert.ok(answered, 'CRI answers on the same socket through the same client');
    assert.equal(ourContainerds(containerdPaths(t.dataDir).config).length, 1);
  } finally {
    await t.stop();
  }
});

test('leftover: a containerd of an agent that crashed is terminated (by PID) and a fresh one started', async () => {
  requireRoot();
  const dataDir = tempDir();
  const p = containerdPaths(dataDir);
  const script = join(dataDir, 'agent.mts');
  const processModule = fileURLToPath(new URL('./process.ts', import.meta.url));
  const logModule = fileURLToPath(new URL('../../../lib/log.ts', import.meta.url));
  writeFileSync(
    script,
    `import { startContainerd } from ${JSON.stringify(processModule)};\nimport { discardLogger } from ${JSON.stringify(logModule)};\n` +
      `const c = await startContainerd({ dataDir: ${JSON.stringify(dataDir)}, logger: discardLogger });\nconsole.log('PID ' + c.pid());\nsetInterval(() => {}, 1000);\n`,
  );
  const agent = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let second: Awaited<ReturnType<typeof startContainerd>> | undefined;
  let oldPid: number | undefined;
  try {
    oldPid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the first agent did not start containerd within 30 s')), 30_000);
      let out = '';
      agent.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /PID (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      agent.once('exit', (code) => reject(new Error(`the first agent exited (${code})`)));
    });
    agent.kill('SIGKILL'); // the agent crashes; its containerd keeps running
    await new Promise((r) => agent.once('exit', r));
    assert.ok(isOurContainerd(oldPid, p.config), 'the orphaned containerd is still running');

    second = await startContainerd({ dataDir, logger: discardLogger });
    assert.notEqual(second.pid(), oldPid);
    assert.equal(isOurContainerd(oldPid, p.config), false, 'the leftover containerd is gone');
    assert.deepEqual(ourContainerds(p.config), [second.pid()]);
    const client = createCriClient(second.socket);
    try {
      assert.equal((await client.runtime.version()).runtimeName, 'containerd');
    } finally {
      client.close();
    }
  } finally {
    if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
    await second?.stop();
    for (const pid of ourContainerds(p.config)) process.kill(pid, 'SIGKILL');
    for (const mp of mountsUnder(dataDir)) spawn('umount', ['-l', mp]);
    await sleep(100);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('registries: a mirror endpoint is tried first and registry credentials reach the registry (loopback only)', async () => {
  const seen: { url: string; host: string; auth: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host ?? '', auth: req.headers.authorization ?? '' });
    if (!req.headers.authorization) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="flotilla-test"', 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
    res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const mirror = `127.0.0.1:${port}`;
  // The mirrored registry is itself a closed loopback port, so the fallback leaves the machine neither.
  const t = await startTestContainerd({
    images: false,
    containerdOptions: {
      registries: {
        mirrors: { '127.0.0.2:1': { endpoint: [`http://${mirror}`] } },
        configs: { [mirror]: { auth: { username: 'flt-user', password: 'flt-pass' } } },
      },
    },
  });
  try {
    await assert.rejects(t.client.images.pullImage({ image: '127.0.0.2:1/team/app:1.0' }), (e: Error) => /127\.0\.0\.2:1\/team\/app:1\.0/.test(e.message));
    assert.ok(seen.length >= 2, JSON.stringify(seen));
    assert.match(seen[0]!.url, /^\/v2\/team\/app\/manifests\/1\.0(\?ns=127\.0\.0\.2(:|%3A)1)?$/);
    const authed = seen.find((r) => r.auth !== '');
    assert.ok(authed, 'containerd retried with credentials');
    assert.equal(authed.auth, `Basic ${Buffer.from('flt-user:flt-pass').toString('base64')}`);
  } finally {
    await t.stop();
    server.close();
  }
});

test('CNI: plugins from cniBinDir, configs from cniConfDir; NetworkReady follows the config and the plugin-reported pod IP is the sandbox IP', async () => {
  requireRoot();
  // A CNI plugin that configures nothing: it reports eth0 with an address (never assigned, so no
  // traffic), beside Debian's loopback plugin that containerd runs for every sandbox.
  const cniDir = tempDir();
  const binDir = join(cniDir, 'bin');
  const confDir = join(cniDir, 'net.d');
  mkdirSync(binDir);
  mkdirSync(confDir);
  symlinkSync('/usr/lib/cni/loopback', join(binDir, 'loopback'));
  writeFileSync(
    join(binDir, 'flt-fake'),
    [
      '#!/bin/sh',
      'cat >/dev/null',
      'case "$CNI_COMMAND" in',
      '  ADD) printf \'{"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"%s"}],"ips":[{"version":"4","address":"10.255.254.7/32","interface":0}]}\' "$CNI_NETNS" ;;',
      '  VERSION) printf \'{"cniVersion":"0.4.0","supportedVersions":["0.3.0","0.3.1","0.4.0"]}\' ;;',
      'esac',
      'exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(join(binDir, 'flt-fake'), 0o755);
  const t = await startTestContainerd({ containerdOptions: { cniBinDir: binDir, cniConfDir: confDir } });
  try {
    const rt = t.client.runtime;
    assert.equal((await rt.status()).find((c) => c.type === 'NetworkReady')?.status, false);
    writeFileSync(join(confDir, '10-flt.conflist'), JSON.stringify({ cniVersion: '0.4.0', name: `${TEST_PREFIX}-net`, plugins: [{ type: 'flt-fake' }] }));
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      ready = (await rt.status()).find((c) => c.type === 'NetworkReady')?.status === true;
      if (!ready) await sleep(100);
    }
    assert.ok(ready, 'NetworkReady once a CNI config exists in cniConfDir');
    const uid = `${TEST_PREFIX}-uid`;
    const sandbox = {
      metadata: { name: `${TEST_PREFIX}-podnet`, uid, namespace: 'default', attempt: 0 },
      hostname: `${TEST_PREFIX}-podnet`,
      logDirectory: join(t.dataDir, 'pods', uid),
      portMappings: [],
      labels: {},
      annotations: {},
      linux: { cgroupParent: '', securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } as const } },
    };
    const podId = await rt.runPodSandbox(sandbox);
    try {
      const st = await rt.podSandboxStatus(podId);
      assert.equal(st.state, 'SANDBOX_READY');
      assert.equal(st.network?.ip, '10.255.254.7');
      assert.equal(st.linux?.namespaces?.options?.network, 'POD');
    } finally {
      await rt.stopPodSandbox(podId);
      await rt.removePodSandbox(podId);
    }
  } finally {
    await t.stop();
    rmSync(cniDir, { recursive: true, force: true });
  }
});
