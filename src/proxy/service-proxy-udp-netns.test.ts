/**
 * Stale UDP conntrack entries on real traffic (root; nftables, conntrack, network namespaces): a
 * "pod" keeps sending datagrams from one source port to a UDP ClusterIP (one conntrack entry, kept
 * alive by the traffic) while the Service's only endpoint is replaced. Without the proxy deleting
 * the entry, every datagram would keep going to the old endpoint (whose server is still running
 * here, so the staleness is visible) until the client stops for the UDP timeout. Also across a
 * proxy restart (the full sync reconciles a listing of the conntrack table).
 * Per-run names (`flt-<hex>`, bridge `fu<hex>`, table `ip flt-<hex>-udp`); everything is removed at
 * the end, also on failure. Traffic only between our namespaces through our bridge.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../api/types.js';
import { R, type Client } from '../client/types.js';
import { discardLogger } from '../lib/log.js';
import { createNetns, deleteNetns, type Netns } from '../../test/support/netns.js';
import { removeServiceProxyTable, startServiceProxy, type RunningServiceProxy } from './service-proxy.js';
import { fakeInformer } from './testing/fake-informer.js';

const HEX = randomBytes(3).toString('hex');
const BR = `fu${HEX}`;
const TABLE = `flt-${HEX}-udp`;
const OCTET = 200 + (parseInt(HEX, 16) % 50);
const GW = `10.${OCTET}.20.1`;
const POD_CIDR = `10.${OCTET}.20.0/24`;
const SVC_CIDR = `10.${OCTET}.21.0/24`;
const VIP = `10.${OCTET}.21.53`;
const podIP = (i: number) => `10.${OCTET}.20.${10 + i}`;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}
function quiet(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
  } catch {
    /* already gone */
  }
}

interface Pod {
  name: string;
  ns: Netns;
  ip: string;
  proc?: ChildProcess;
}

/** Runs `script` with node inside the pod; resolves once it printed `ready`. */
function run(pod: Pod, script: string, args: string[], onLine?: (line: string) => void): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', pod.ns.name, process.execPath, '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  pod.proc = child;
  let buf = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pod.name}: not ready in 10 s`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'ready') {
          clearTimeout(timer);
          resolve(child);
        } else onLine?.(line);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${pod.name} exited ${code}`));
    });
  });
}

/** A UDP server answering every datagram with its name. */
const SERVER = `const [p,n]=process.argv.slice(1);const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(n,r.port,r.address));s.bind(+p,'0.0.0.0',()=>console.log('ready'))`;
/** A client sending from one fixed source port every `ms`, printing `<epoch ms> <answer>` per reply. */
const CLIENT = `const [h,p,sp,ms]=process.argv.slice(1);const s=require('dgram').createSocket('udp4');s.on('message',m=>console.log(Date.now()+' '+m));s.bind(+sp,()=>{console.log('ready');setInterval(()=>s.send('ping',+p,h),+ms)})`;

const service = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'default', name: 'dns' },
  spec: { type: 'ClusterIP', clusterIP: VIP, ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }] },
});
const slice = (ips: string[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: 'dns-abc', labels: { 'kubernetes.io/service-name': 'dns' } },
  addressType: 'IPv4',
  ports: [{ name: 'dns', protocol: 'UDP', port: 5353 }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1' })),
});

describe('service proxy: stale UDP conntrack entries (root; nftables, conntrack, netns)', () => {
  const pods: Pod[] = [];
  const replies: { t: number; from: string }[] = [];
  const services = fakeInformer(R.services);
  const slices = fakeInformer(R.endpointslices);
  let proxy: RunningServiceProxy | undefined;

  before(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (network namespaces, nftables, conntrack)');
    for (const [bin, pkg] of [['nft', 'nftables'], ['conntrack', 'conntrack']] as const) {
      try {
        sh(bin, ['--version']);
      } catch {
        throw new Error(`${bin} not found: install the Debian package ${pkg} (scripts/setup.sh)`);
      }
    }
    sh('ip', ['link', 'add', BR, 'type', 'bridge']);
    sh('ip', ['addr', 'add', `${GW}/24`, 'dev', BR]);
    sh('ip', ['link', 'set', BR, 'up']);
    sh('ip', ['route', 'add', SVC_CIDR, 'dev', BR]);
    for (let i = 0; i < 3; i++) {
      const pod: Pod = { name: ['old', 'new', 'client'][i]!, ns: createNetns(`flt-${HEX}`), ip: podIP(i) };
      pods.push(pod);
      const host = `fu${HEX}v${i}`;
      sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.ns.name]);
      sh('ip', ['link', 'set', host, 'master', BR]);
      sh('ip', ['link', 'set', host, 'up']);
      sh('ip', ['-n', pod.ns.name, 'addr', 'add', `${pod.ip}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', pod.ns.name, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', pod.ns.name, 'route', 'add', 'default', 'via', GW]);
    }
    await run(pods[0]!, SERVER, ['5353', 'old']);
    await run(pods[1]!, SERVER, ['5353', 'new']);
    services.set(service());
    slices.set(slice([pods[0]!.ip]));
    proxy = await startServiceProxy({
      client: {} as Client,
      nodeName: 'n1',
      clusterCIDRs: [POD_CIDR],
      serviceCIDRs: [SVC_CIDR],
      logger: discardLogger,
      informers: { services, endpointSlices: slices },
      table: TABLE,
      minSyncPeriodMs: 0,
    });
  });

  after(async () => {
    await proxy?.stop();
    await removeServiceProxyTable({ table: TABLE });
    for (const p of pods) {
      if (p.proc?.exitCode === null && p.proc.pid) p.proc.kill('SIGKILL');
      deleteNetns(p.ns);
    }
    quiet('conntrack', ['-D', '-p', 'udp', '--orig-dst', VIP]);
    quiet('ip', ['route', 'del', SVC_CIDR, 'dev', BR]);
    quiet('ip', ['link', 'del', BR]);
  });

  /** Waits (bounded) until `from` answers; returns the ms from `since` to its first answer after it. */
  async function firstFrom(from: string, since: number, limitMs: number): Promise<number | undefined> {
    while (Date.now() - since < limitMs) {
      const r = replies.find((x) => x.t >= since && x.from === from);
      if (r) return r.t - since;
      await new Promise((res) => setTimeout(res, 20));
    }
    return undefined;
  }
  const lastFrom = (ms: number) => [...new Set(replies.filter((r) => r.t >= Date.now() - ms).map((r) => r.from))];

  test('a client keeping one UDP 5-tuple reaches the new endpoint within ~1 s of the only endpoint being replaced (directly, and via no endpoints)', async () => {
    await run(pods[2]!, CLIENT, [VIP, '53', '40053', '50'], (line) => {
      const [t, from] = line.split(' ');
      replies.push({ t: Number(t), from: from! });
    });
    const t0 = Date.now();
    assert.notEqual(await firstFrom('old', t0, 5_000), undefined, 'the client reaches the first endpoint');
    assert.ok(sh('conntrack', ['-L', '-p', 'udp', '--orig-dst', VIP]).includes(`src=${pods[0]!.ip}`), 'one entry DNATed to the old endpoint');

    // 1. Replaced in one step (a rollout's surge): old → new.
    const t1 = Date.now();
    slices.set(slice([pods[1]!.ip]));
    const took1 = await firstFrom('new', t1, 5_000);
    assert.ok(took1 !== undefined && took1 < 1_500, `new endpoint answered after ${took1} ms`);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(lastFrom(250), ['new'], 'nothing goes to the old endpoint any more');

    // 2. Only endpoint gone (pod deleted first), then a replacement: new → none → old.
    slices.set(slice([]));
    await proxy!.syncNow();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(lastFrom(200), [], 'no endpoint: nothing answers (rejected, no entry kept)');
    const t2 = Date.now();
    slices.set(slice([pods[0]!.ip]));
    const took2 = await firstFrom('old', t2, 5_000);
    assert.ok(took2 !== undefined && took2 < 1_500, `replacement answered after ${took2} ms`);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(lastFrom(250), ['old']);
    assert.ok(proxy!.stats().conntrackDeleted >= 1, 'entries were deleted');
    assert.equal(proxy!.stats().conntrackFailures, 0);
  });

  test('an endpoint replaced while the proxy is down: the restarted proxy\'s full sync finds the stale entry in a conntrack listing', async () => {
    await proxy!.stop();
    proxy = undefined;
    slices.set(slice([pods[1]!.ip]));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(lastFrom(300), ['old'], 'while no proxy runs, the flow stays on the old endpoint');
    const t0 = Date.now();
    proxy = await startServiceProxy({
      client: {} as Client,
      nodeName: 'n1',
      clusterCIDRs: [POD_CIDR],
      serviceCIDRs: [SVC_CIDR],
      logger: discardLogger,
      informers: { services, endpointSlices: slices },
      table: TABLE,
      minSyncPeriodMs: 0,
    });
    const took = await firstFrom('new', t0, 5_000);
    assert.ok(took !== undefined && took < 1_500, `new endpoint answered ${took} ms after the proxy started`);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(lastFrom(250), ['new']);
  });
});
