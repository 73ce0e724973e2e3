/**
 * Streaming end to end with the real kubectl (current = 1.33, 1.32, 1.30 and 1.27) → apiserver (pods/exec, attach,
 * portforward) → the agent's kubelet server (TLS, client certificate) → containerd's streaming
 * server → runc containers. Root only: a private containerd (test/support/containerd.ts) with the
 * built-in images; one host-network pod (sandbox labelled with the apiserver's pod uid) running
 * busybox shells and the demo app on a free loopback port.
 *
 * Covered per kubectl version: exec (stdout, stderr, exit codes), exec -i (stdin and its end), attach -it,
 * exec -it through util-linux `script` (a pseudo-terminal), attach -i, port-forward with an HTTP GET
 * through it, cp local→pod and pod→local. With kubectl ≥ 1.30 exec/attach use WebSocket
 * v5.channel.k8s.io and port-forward (≥ 1.31) the SPDY-over-WebSocket tunnel; the test checks which
 * protocol the apiserver saw, so a silent fallback to SPDY fails it. Everything is named with the
 * run prefix and removed at the end (containers, containerd, kubectl children, temp dirs).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runKubectl, DEFAULT_KUBECTL } from '../../../test/support/cluster.js';
import { startTestContainerd, TEST_PREFIX, type TestContainerd } from '../../../test/support/containerd.js';
import { BUILTIN_IMAGES } from '../images/builtin.js';
import type { ContainerConfig, PodSandboxConfig } from '../runtime/cri-types.js';
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import { startStreamCluster, type StreamCluster } from './testing/stream-cluster.js';
import type { StreamEvent } from '../../apiserver/handlers/pod-stream.js';

const KUBECTL_127 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';
const POD = `${TEST_PREFIX}-pod`;

let t: TestContainerd | undefined;
let c: StreamCluster | undefined;
let sandboxId = '';
let webPort = 0;
const children = new Set<ChildProcess>();
const events: StreamEvent[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function kubectlVersion(binary: string): string {
  const out = execFileSync(binary, ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 10_000 });
  const v = (JSON.parse(out) as { clientVersion: { major: string; minor: string } }).clientVersion;
  return `${v.major}.${v.minor.replace(/\D+$/, '')}`;
}

before(async () => {
  t = await startTestContainerd();
  const rt = t.client.runtime;
  webPort = await freePort();
  c = await startStreamCluster({ runtime: rt, onStream: (e) => events.push(e) });
  await c.createPod({
    metadata: { name: POD },
    spec: {
      containers: [
        { name: 'shell', image: BUILTIN_IMAGES.busybox },
        { name: 'att', image: BUILTIN_IMAGES.busybox, stdin: true },
        { name: 'tty', image: BUILTIN_IMAGES.busybox, stdin: true, tty: true },
        { name: 'web', image: BUILTIN_IMAGES.demo },
      ],
    },
  });
  const pod = JSON.parse((await c.request('GET', `/api/v1/namespaces/default/pods/${POD}`)).text) as V1Pod;
  const uid = pod.metadata.uid!;
  const logDirectory = join(t.dataDir, 'pods', `default_${POD}_${uid}`);
  mkdirSync(logDirectory, { recursive: true });
  const hostNs = { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } as const;
  const sandbox: PodSandboxConfig = {
    metadata: { name: POD, uid, namespace: 'default', attempt: 0 },
    hostname: '',
    logDirectory,
    portMappings: [],
    labels: { 'io.kubernetes.pod.uid': uid },
    annotations: {},
    linux: { cgroupParent: '', securityContext: { namespaceOptions: hostNs } },
  };
  sandboxId = await rt.runPodSandbox(sandbox);
  const container = (name: string, image: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
    metadata: { name, attempt: 0 },
    image: { image },
    command,
    args: [],
    workingDir: '',
    envs: [],
    mounts: [],
    labels: { 'io.kubernetes.container.name': name, 'io.kubernetes.pod.uid': uid },
    annotations: {},
    logPath: `${name}/0.log`,
    stdin: false,
    stdinOnce: false,
    tty: false,
    linux: { securityContext: { namespaceOptions: hostNs, privileged: false, readonlyRootfs: false, supplementalGroups: [], noNewPrivs: false } },
    ...extra,
  });
  const ids: Record<string, string> = {};
  const specs: [string, ContainerConfig][] = [
    ['shell', container('shell', BUILTIN_IMAGES.busybox, ['sleep', '3600'])],
    ['att', container('att', BUILTIN_IMAGES.busybox, ['sh', '-c', 'while read -r l; do echo "echo:$l"; done; sleep 3600'], { stdin: true })],
    ['tty', container('tty', BUILTIN_IMAGES.busybox, ['sh'], { stdin: true, tty: true })],
    ['web', container('web', BUILTIN_IMAGES.demo, [], { envs: [{ key: 'PORT', value: String(webPort) }] })],
  ];
  for (const [name, cfg] of specs) {
    ids[name] = await rt.createContainer(sandboxId, cfg, sandbox);
    await rt.startContainer(ids[name]!);
  }
  const now = new Date().toISOString();
  await c.request('PUT', `/api/v1/namespaces/default/pods/${POD}/status`, {
    ...pod,
    status: {
      phase: 'Running',
      containerStatuses: Object.entries(ids).map(([name, id]) => ({
        name,
        containerID: `containerd://${id}`,
        state: { running: { startedAt: now } },
        ready: true,
        restartCount: 0,
        image: name,
        imageID: '',
      })),
    },
  });
});

after(async () => {
  for (const ch of children) if (ch.exitCode === null && ch.signalCode === null && ch.pid) process.kill(ch.pid, 'SIGKILL');
  await c?.close();
  await t?.stop();
});

/** Spawns kubectl (or `script` around it); resolves once `ready` matches stdout, with the child. */
function spawnUntil(cmd: string, args: string[], ready: RegExp, opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}) {
  const child = spawn(cmd, args, { cwd: c!.dir, env: { ...process.env, HOME: c!.dir, KUBECONFIG: c!.kubeconfig, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code))));
  const matched = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${ready}; stdout=${JSON.stringify(stdout)} stderr=${JSON.stringify(stderr)}`)), opts.timeoutMs ?? 20_000);
    const check = () => {
      if (ready.test(stdout)) {
        clearTimeout(timer);
        resolve(stdout);
      }
    };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => ((stdout += d), check()));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    void exited.then((code) => {
      clearTimeout(timer);
      if (!ready.test(stdout)) reject(new Error(`exited ${code} before ${ready}; stdout=${JSON.stringify(stdout)} stderr=${JSON.stringify(stderr)}`));
    });
  });
  if (opts.input !== undefined) child.stdin!.write(opts.input);
  return {
    child,
    matched,
    exited,
    output: () => ({ stdout, stderr }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
      return exited;
    },
  };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const VERSIONS: { name: string; binary: string }[] = [
  { name: 'current', binary: DEFAULT_KUBECTL },
  { name: '1.32', binary: '/usr/lib/google-cloud-sdk/bin/kubectl.1.32' },
  { name: '1.30', binary: '/usr/lib/google-cloud-sdk/bin/kubectl.1.30' },
  { name: '1.27', binary: KUBECTL_127 },
];

for (const { name, binary } of VERSIONS) {
  const missing = !existsSync(binary) && `kubectl ${name} is missing at ${binary}: install it to run these tests`;
  if (missing) console.log(`# SKIP kubectl ${name}: ${missing}`);
  describe(`kubectl ${name}`, { skip: missing }, () => {
    let minor = 0;
    const kubectl = (args: string[], input?: string, timeoutMs = 30_000) => runKubectl(c!.kubeconfig, c!.dir, args, { binary, input, timeoutMs });
    /** The protocols the apiserver saw since `from` for a subresource. */
    const seen = (from: number, sub: string) => events.slice(from).filter((e) => e.subresource === sub).map((e) => e.protocol);
    const expectExec = () => (minor >= 30 ? 'websocket-v5' : 'spdy');
    const expectPortForward = () => (minor >= 31 ? 'websocket-spdy-tunnel' : 'spdy');

    before(() => {
      minor = Number(kubectlVersion(binary).split('.')[1]);
    });

    test('exec: stdout, stderr and a zero exit', async () => {
      const from = events.length;
      const r = await kubectl(['exec', POD, '-c', 'shell', '--', 'sh', '-c', 'echo hi; echo oops >&2']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hi\n');
      assert.equal(r.stderr, 'oops\n');
      assert.deepEqual(seen(from, 'exec'), [expectExec()]);
    });

    test('exec: a non-zero exit code is propagated', async () => {
      const r = await kubectl(['exec', POD, '-c', 'shell', '--', 'sh', '-c', 'exit 3']);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /command terminated with exit code 3/);
    });

    test('exec: an unknown command fails with the runtime message', async () => {
      const r = await kubectl(['exec', POD, '-c', 'shell', '--', '/no/such/binary']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /no such file or directory|not found/i);
    });

    test('exec -i: stdin reaches the process and its end is seen', async () => {
      const r = await kubectl(['exec', '-i', POD, '-c', 'shell', '--', 'sh', '-c', 'cat; echo done'], 'line one\nline two\n');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'line one\nline two\ndone\n');
    });

    test('exec -it: a pseudo-terminal through script(1), its size passed on, typed input, exit code', async () => {
      // The terminal size reaches the process through the resize stream (asynchronously: poll).
      const remote = 'test -t 0 && echo is-a-tty; i=0; while [ $i -lt 25 ]; do s=$(stty size 2>/dev/null); [ "$s" = "45 123" ] && break; i=$((i+1)); sleep 0.2; done; echo "size:$s"; read -r x; echo "got:$x"; exit 5';
      const cmd = `stty cols 123 rows 45; ${binary} --kubeconfig ${shellQuote(c!.kubeconfig)} exec -it ${POD} -c shell -- sh -c ${shellQuote(remote)}`;
      const s = spawnUntil('script', ['-qec', cmd, '/dev/null'], /size:/);
      await s.matched;
      assert.match(s.output().stdout, /is-a-tty\r\n/);
      assert.match(s.output().stdout, /size:45 123\r\n/);
      s.child.stdin!.write('typed\r');
      const code = await Promise.race([s.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
      const out = s.output();
      await s.kill();
      assert.equal(code, 5, JSON.stringify(out));
      assert.match(out.stdout, /got:typed/);
    });

    test('attach -i: stdin in, stdout out', async () => {
      const from = events.length;
      const word = `hello-${name}`;
      const s = spawnUntil(binary, ['--kubeconfig', c!.kubeconfig, 'attach', '-i', POD, '-c', 'att'], new RegExp(`echo:${word}`), { input: `${word}\n` });
      try {
        await s.matched;
      } finally {
        await s.kill();
      }
      assert.deepEqual(seen(from, 'attach'), [expectExec()]);
    });

    test('attach -it: a shell on the terminal of the container', async () => {
      const from = events.length;
      const cmd = `${binary} --kubeconfig ${shellQuote(c!.kubeconfig)} attach -it ${POD} -c tty`;
      const s = spawnUntil('script', ['-qec', cmd, '/dev/null'], /hi-42/);
      // Type until the shell answers (the attach is up only after kubectl has connected).
      const typing = setInterval(() => s.child.stdin!.write(`echo hi-$((40+2))\r`), 300);
      try {
        await s.matched;
      } finally {
        clearInterval(typing);
        await s.kill();
      }
      assert.deepEqual(seen(from, 'attach'), [expectExec()]);
    });

    test('port-forward: an HTTP GET through the local port reaches the demo app', async () => {
      const from = events.length;
      const local = await freePort();
      const s = spawnUntil(binary, ['--kubeconfig', c!.kubeconfig, 'port-forward', `pod/${POD}`, `${local}:${webPort}`], /Forwarding from 127\.0\.0\.1/);
      try {
        await s.matched;
        let body = '';
        for (let i = 0; i < 50 && !body; i++) {
          body = await fetch(`http://127.0.0.1:${local}/`, { signal: AbortSignal.timeout(5000) })
            .then((r) => r.text())
            .catch(() => '');
          if (!body) await new Promise((r) => setTimeout(r, 200));
        }
        assert.match(body, /^hello from /);
        // Two connections over one forward, the second after the first one ended.
        const health = await fetch(`http://127.0.0.1:${local}/health`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
        assert.equal(health, 'ok\n');
      } finally {
        await s.kill();
      }
      assert.deepEqual(seen(from, 'portforward'), [expectPortForward()]);
    });

    test('exec: 20 MB of stdout arrive whole', async () => {
      const r = await kubectl(['exec', POD, '-c', 'shell', '--', 'sh', '-c', 'head -c 20000000 /dev/zero | tr "\\0" x'], undefined, 60_000);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, 20_000_000);
      assert.ok(/^x+$/.test(r.stdout));
    });

    test('cp: a 6 MB random file to the pod, byte for byte', async () => {
      const { createHash, randomBytes } = await import('node:crypto');
      const data = randomBytes(6_000_000);
      const src = join(c!.dir, `up-big-${name}`);
      writeFileSync(src, data);
      let r = await kubectl(['cp', src, `${POD}:/tmp/up-big-${name}`, '-c', 'shell'], undefined, 60_000);
      assert.equal(r.code, 0, r.stderr);
      r = await kubectl(['exec', POD, '-c', 'shell', '--', 'md5sum', `/tmp/up-big-${name}`]);
      assert.equal(r.stdout.split(' ')[0], createHash('md5').update(data).digest('hex'));
    });

    test('cp: a 6 MB random file from the pod, byte for byte', async () => {
      let r = await kubectl(['exec', POD, '-c', 'shell', '--', 'sh', '-c', `head -c 6000000 /dev/urandom > /tmp/big-${name}; md5sum /tmp/big-${name}`]);
      assert.equal(r.code, 0, r.stderr);
      const sum = r.stdout.split(' ')[0];
      const dst = join(c!.dir, `big-${name}`);
      r = await kubectl(['cp', `${POD}:/tmp/big-${name}`, dst, '-c', 'shell'], undefined, 60_000);
      assert.equal(r.code, 0, r.stderr);
      const { createHash } = await import('node:crypto');
      assert.equal(createHash('md5').update(readFileSync(dst)).digest('hex'), sum);
    });

    test('cp: local → pod and pod → local', async () => {
      const src = join(c!.dir, `up-${name}.txt`);
      const content = `payload ${name} ${TEST_PREFIX}\n`.repeat(2000);
      writeFileSync(src, content);
      let r = await kubectl(['cp', src, `${POD}:/tmp/up-${name}.txt`, '-c', 'shell']);
      assert.equal(r.code, 0, r.stderr);
      r = await kubectl(['exec', POD, '-c', 'shell', '--', 'md5sum', `/tmp/up-${name}.txt`]);
      const { createHash } = await import('node:crypto');
      assert.equal(r.stdout.split(' ')[0], createHash('md5').update(content).digest('hex'));
      r = await kubectl(['exec', POD, '-c', 'shell', '--', 'sh', '-c', `echo from-the-pod > /tmp/down-${name}.txt`]);
      assert.equal(r.code, 0, r.stderr);
      const dst = join(c!.dir, `down-${name}.txt`);
      r = await kubectl(['cp', `${POD}:/tmp/down-${name}.txt`, dst, '-c', 'shell']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(dst, 'utf8'), 'from-the-pod\n');
    });
  });
}

/** A WebSocket client as @kubernetes/client-node opens one (binary frames, channel byte first). */
async function rawWebSocket(path: string, protocols: string[]) {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(c!.url.replace(/^http/, 'ws') + path, protocols);
  const messages: Buffer[] = [];
  ws.on('message', (d: Buffer) => messages.push(Buffer.from(d)));
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const timeout = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref());
  return { ws, messages, closed: () => Promise.race([closed, timeout(20_000)]), protocol: ws.protocol };
}

describe('raw WebSocket clients (client-node protocols, proxied to the runtime)', () => {
  test('exec over v4.channel.k8s.io: stdout on channel 1, exit status on channel 3', async () => {
    const from = events.length;
    const q = new URLSearchParams([['command', 'sh'], ['command', '-c'], ['command', 'echo hi; exit 2'], ['container', 'shell'], ['stdout', 'true'], ['stderr', 'true']]);
    const s = await rawWebSocket(`/api/v1/namespaces/default/pods/${POD}/exec?${q}`, ['v4.channel.k8s.io']);
    assert.equal(s.protocol, 'v4.channel.k8s.io');
    await s.closed();
    const on = (ch: number) => Buffer.concat(s.messages.filter((m) => m[0] === ch).map((m) => m.subarray(1))).toString();
    assert.equal(on(1), 'hi\n');
    const status = JSON.parse(on(3)) as { status: string; reason: string; details: { causes: { reason: string; message: string }[] } };
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details.causes.find((x) => x.reason === 'ExitCode')?.message, '2');
    assert.deepEqual(events.slice(from).map((e) => e.protocol), ['websocket']);
  });

  test('port-forward over v4.channel.k8s.io: port-prefixed channels 0 (data) and 1 (error)', async () => {
    const s = await rawWebSocket(`/api/v1/namespaces/default/pods/${POD}/portforward?ports=${webPort}`, ['v4.channel.k8s.io']);
    // The first message on each channel carries the port, little-endian.
    for (let i = 0; i < 50 && s.messages.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const port = (ch: number) => s.messages.find((m) => m[0] === ch)?.readUInt16LE(1);
    assert.equal(port(0), webPort);
    assert.equal(port(1), webPort);
    s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]));
    await s.closed();
    const data = Buffer.concat(s.messages.filter((m) => m[0] === 0).map((m) => m.subarray(1)).slice(1)).toString();
    assert.match(data, /^HTTP\/1\.1 200 /);
    assert.match(data, /\r\n\r\nok\n$/);
  });
});
