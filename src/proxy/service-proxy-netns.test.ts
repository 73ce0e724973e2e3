/**
 * The service proxy on real traffic (root): a test bridge with four "pods" (network namespaces on
 * veths, hairpin on as the CNI bridge plugin sets it) running tiny TCP servers that answer with
 * their name and the peer address they see. Services and EndpointSlices come from fake
 * informers; the rules go into a per-run table `ip flt-<hex>-proxy`. Everything is removed at the
 * end, also on failure. Traffic goes only to addresses inside our namespaces and to the node's
 * own addresses (the bridge gateway, 127.0.0.1).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { KubeObject } from '../api/types.js';
import { R, type Client } from '../client/types.js';
import { discardLogger } from '../lib/log.js';
import { createNetns, deleteNetns, type Netns } from '../../test/support/netns.js';
import { removeServiceProxyTable, startServiceProxy, type RunningServiceProxy } from './service-proxy.js';
import { fakeInformer } from './testing/fake-informer.js';

const HEX = randomBytes(3).toString('hex');
const BR = `fp${HEX}`;
const TABLE = `flt-${HEX}-proxy`;
const OCTET = 200 + (parseInt(HEX, 16) % 50);
const GW = `10.${OCTET}.7.1`;
const POD_CIDR = `10.${OCTET}.7.0/24`;
const SVC_CIDR = `10.${OCTET}.8.0/24`;
const svcIP = (n: number) => `10.${OCTET}.8.${n}`;
const NODE_PORT = 30000 + (parseInt(HEX, 16) % 2700);
/** A client outside the pod network: a namespace behind a veth of the host (another machine). */
const OUT_HOST = `10.${OCTET}.11.1`;
const OUT_CLIENT = `10.${OCTET}.11.2`;
const LB_IP = `10.${OCTET}.12.10`;
const EXT_IP = `10.${OCTET}.12.11`;
const LB_LOCAL_IP = `10.${OCTET}.12.20`;
const LB_FW_IP = `10.${OCTET}.12.30`;

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
  server?: ChildProcess;
}

function startServer(pod: Pod, port: number): Promise<void> {
  const script = `const [p,r]=process.argv.slice(1);require('net').createServer(s=>s.end(r+' '+s.remoteAddress+'\\n')).listen(+p,'0.0.0.0',()=>console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', pod.ns.name, process.execPath, '-e', script, String(port), pod.name], { stdio: ['ignore', 'pipe', 'pipe'] });
  pod.server = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server in ${pod.ns.name} not ready in 10 s`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server in ${pod.ns.name} exited ${code}`));
    });
  });
}

/** One connection from the host; resolves with the server's line, rejects with the socket error. */
function hostConnect(host: string, port: number, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect ${host}:${port} timed out`));
    }, timeoutMs);
    s.on('data', (d) => (buf += d));
    s.on('end', () => {
      clearTimeout(timer);
      resolve(buf.trim());
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** `count` sequential connections from inside a pod; one line per attempt (the reply or `ERR <code>`). */
function podConnect(pod: Pod, host: string, port: number, count: number, timeoutMs = 3_000): Promise<string[]> {
  const script = `const [h,p,n,t]=process.argv.slice(1);const out=[];const one=()=>new Promise(r=>{const s=require('net').connect(+p,h);let b='';s.setTimeout(+t,()=>{s.destroy();r('ERR timeout')});s.on('data',d=>b+=d);s.on('end',()=>r(b.trim()));s.on('error',e=>r('ERR '+e.code))});(async()=>{for(let i=0;i<+n;i++)out.push(await one());console.log(out.join('\\n'))})()`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', pod.ns.name, process.execPath, '-e', script, host, String(port), String(count), String(timeoutMs)], { timeout: count * timeoutMs + 10_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`from ${pod.name}: ${stderr || err.message}`));
      else resolve(stdout.trim().split('\n'));
    });
  });
}

async function hostMany(host: string, port: number, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(await hostConnect(host, port).catch((e: NodeJS.ErrnoException) => `ERR ${e.code ?? e.message}`));
  return out;
}
const who = (lines: string[]) => new Set(lines.map((l) => l.split(' ')[0]));

const service = (name: string, ip: string, spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'default', name },
  spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }], ...spec },
  ...(status ? { status } : {}),
});
const slice = (svc: string, eps: { ip: string; ready?: boolean; serving?: boolean; node?: string }[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: `${svc}-abc`, labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: false }, nodeName: e.node ?? 'n1' })),
});

describe('service proxy on real traffic (root; nftables, netns, a test bridge)', () => {
  const pods: Pod[] = [];
  let outside: Pod | undefined;
  const services = fakeInformer(R.services);
  const slices = fakeInformer(R.endpointslices);
  let proxy: RunningServiceProxy | undefined;

  before(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (network namespaces, nftables)');
    try {
      sh('nft', ['--version']);
    } catch {
      throw new Error('nft not found: install nftables (scripts/setup.sh)');
    }
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), '1', 'net.ipv4.ip_forward must be 1 (the agent sets it)');
    sh('ip', ['link', 'add', BR, 'type', 'bridge']);
    sh('ip', ['addr', 'add', `${GW}/24`, 'dev', BR]);
    sh('ip', ['link', 'set', BR, 'up']);
    sh('ip', ['route', 'add', SVC_CIDR, 'dev', BR]);
    for (let i = 0; i < 4; i++) {
      const ns = createNetns(`flt-${HEX}`);
      const pod: Pod = { name: `pod${i}`, ns, ip: `10.${OCTET}.7.${10 + i}` };
      pods.push(pod);
      const host = `fp${HEX}v${i}`;
      sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
      sh('ip', ['link', 'set', host, 'master', BR]);
      sh('ip', ['link', 'set', host, 'up']);
      sh('bridge', ['link', 'set', 'dev', host, 'hairpin', 'on']);
      sh('ip', ['-n', ns.name, 'addr', 'add', `${pod.ip}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', ns.name, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', ns.name, 'route', 'add', 'default', 'via', GW]);
      await startServer(pod, 8080);
    }
    const out = createNetns(`flt-${HEX}`);
    outside = { name: 'outside', ns: out, ip: OUT_CLIENT };
    sh('ip', ['link', 'add', `fp${HEX}o`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', out.name]);
    sh('ip', ['addr', 'add', `${OUT_HOST}/30`, 'dev', `fp${HEX}o`]);
    sh('ip', ['link', 'set', `fp${HEX}o`, 'up']);
    sh('ip', ['-n', out.name, 'addr', 'add', `${OUT_CLIENT}/30`, 'dev', 'eth0']);
    sh('ip', ['-n', out.name, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', out.name, 'route', 'add', 'default', 'via', OUT_HOST]);
    const ep = (i: number, ready = true) => ({ ip: pods[i]!.ip, ready });
    const lbPorts = (np: number) => [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: np }];
    services.set(service('lb', svcIP(30), { type: 'LoadBalancer', externalIPs: [EXT_IP], ports: lbPorts(NODE_PORT + 2) }, { loadBalancer: { ingress: [{ ip: LB_IP }] } }));
    slices.set(slice('lb', [{ ip: pods[1]!.ip }, { ip: pods[2]!.ip, node: 'n2' }]));
    services.set(service('lb-local', svcIP(31), { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: lbPorts(NODE_PORT + 3) }, { loadBalancer: { ingress: [{ ip: LB_LOCAL_IP }] } }));
    slices.set(slice('lb-local', [{ ip: pods[1]!.ip }, { ip: pods[2]!.ip, node: 'n2' }]));
    services.set(service('lb-fw', svcIP(32), { type: 'LoadBalancer', loadBalancerSourceRanges: [`${OUT_CLIENT}/32`], ports: lbPorts(NODE_PORT + 4) }, { loadBalancer: { ingress: [{ ip: LB_FW_IP }] } }));
    slices.set(slice('lb-fw', [{ ip: pods[1]!.ip }]));
    services.set(service('web', svcIP(20)));
    slices.set(slice('web', [ep(0), ep(1), ep(2), ep(3, false)]));
    services.set(service('empty', svcIP(21)));
    services.set(service('self', svcIP(22)));
    slices.set(slice('self', [ep(0)]));
    services.set(service('sticky', svcIP(23), { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }));
    slices.set(slice('sticky', [ep(0), ep(1), ep(2)]));
    services.set(service('np', svcIP(24), { type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: NODE_PORT }] }));
    slices.set(slice('np', [ep(1), ep(2)]));
    services.set(service('np-empty', svcIP(25), { type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: NODE_PORT + 1 }] }));
    proxy = await startServiceProxy({
      client: {} as Client,
      nodeName: 'n1',
      clusterCIDRs: [POD_CIDR],
      serviceCIDRs: [SVC_CIDR],
      logger: discardLogger,
      informers: { services, endpointSlices: slices },
      table: TABLE,
      localnetInterfaces: [BR],
      mode: 'ipvs',
    });
  });

  after(async () => {
    await proxy?.stop();
    await removeServiceProxyTable({ table: TABLE });
    for (const p of pods) {
      if (p.server?.exitCode === null && p.server.pid) p.server.kill('SIGKILL');
      deleteNetns(p.ns);
    }
    if (outside) deleteNetns(outside.ns);
    quiet('ip', ['route', 'del', SVC_CIDR, 'dev', BR]);
    quiet('ip', ['link', 'del', BR]);
  });

  test('ClusterIP from the host spreads new connections over the three ready endpoints, never the unready one', async () => {
    const lines = await hostMany(svcIP(20), 80, 60);
    assert.deepEqual([...who(lines)].sort(), ['pod0', 'pod1', 'pod2'], lines.join('; '));
  });

  test('ClusterIP from a pod spreads too (bridged DNAT, br_netfilter)', async () => {
    const lines = await podConnect(pods[3]!, svcIP(20), 80, 40);
    assert.deepEqual([...who(lines)].sort(), ['pod0', 'pod1', 'pod2'], lines.join('; '));
    assert.ok(lines.every((l) => l.endsWith(pods[3]!.ip)), 'pod-to-service traffic keeps the client address');
  });

  test('a Service without endpoints refuses at once (tcp reset), from the host and from a pod; an unknown port of a ClusterIP too', async () => {
    const t0 = performance.now();
    await assert.rejects(hostConnect(svcIP(21), 80), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    assert.ok(performance.now() - t0 < 2_000, 'not hung');
    assert.deepEqual(await podConnect(pods[1]!, svcIP(21), 80, 1), ['ERR ECONNREFUSED']);
    await assert.rejects(hostConnect(svcIP(20), 81), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
  });

  test('hairpin: a pod reaching its own Service lands on itself, masqueraded to the gateway', async () => {
    assert.deepEqual(await podConnect(pods[0]!, svcIP(22), 80, 3), [`pod0 ${GW}`, `pod0 ${GW}`, `pod0 ${GW}`]);
    // Among several endpoints: only the connections that land on the client itself are masqueraded.
    const lines = await podConnect(pods[0]!, svcIP(20), 80, 40);
    assert.deepEqual([...who(lines)].sort(), ['pod0', 'pod1', 'pod2'], lines.join('; '));
    for (const l of lines) assert.equal(l.split(' ')[1], l.startsWith('pod0 ') ? GW : pods[0]!.ip, l);
  });

  test('sessionAffinity ClientIP: every connection of one client goes to the same endpoint', async () => {
    const host = await hostMany(svcIP(23), 80, 15);
    assert.equal(who(host).size, 1, host.join('; '));
    const fromPod = await podConnect(pods[3]!, svcIP(23), 80, 15);
    assert.equal(who(fromPod).size, 1, fromPod.join('; '));
  });

  test('NodePort from the host on the gateway address and on 127.0.0.1 (route_localnet), masqueraded; none → refused', async () => {
    const gw = await hostMany(GW, NODE_PORT, 20);
    assert.deepEqual([...who(gw)].sort(), ['pod1', 'pod2'], gw.join('; '));
    const lo = await hostMany('127.0.0.1', NODE_PORT, 20);
    assert.deepEqual([...who(lo)].sort(), ['pod1', 'pod2'], lo.join('; '));
    assert.ok(lo.every((l) => l.endsWith(GW)), 'masqueraded to the bridge address');
    assert.equal(readFileSync(`/proc/sys/net/ipv4/conf/${BR}/route_localnet`, 'utf8').trim(), '1');
    await assert.rejects(hostConnect('127.0.0.1', NODE_PORT + 1), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    const fromPod = await podConnect(pods[0]!, GW, NODE_PORT, 10);
    assert.ok(fromPod.every((l) => /^pod[12] /.test(l)), fromPod.join('; '));
  });

  test('LoadBalancer ingress IP, externalIP and NodePort from outside the node: policy Cluster masquerades over all endpoints, Local keeps the client address and uses this node\'s only', async () => {
    const out = outside!;
    for (const [host, port] of [[LB_IP, 80], [EXT_IP, 80], [GW, NODE_PORT + 2]] as const) {
      const lines = await podConnect(out, host, port, 20);
      assert.deepEqual([...who(lines)].sort(), ['pod1', 'pod2'], `${host}:${port}: ${lines.join('; ')}`);
      assert.ok(lines.every((l) => l.endsWith(GW)), `masqueraded: ${lines.join('; ')}`);
    }
    for (const [host, port] of [[LB_LOCAL_IP, 80], [GW, NODE_PORT + 3]] as const) {
      const lines = await podConnect(out, host, port, 15);
      assert.deepEqual(lines, Array(15).fill(`pod1 ${OUT_CLIENT}`), `${host}:${port}`);
    }
    // From the node itself, Local still reaches every endpoint (masqueraded).
    assert.deepEqual([...who(await hostMany(LB_LOCAL_IP, 80, 30))].sort(), ['pod1', 'pod2']);
  });

  test('loadBalancerSourceRanges: only the listed sources reach the LB IP (others dropped, not refused); the NodePort and ClusterIP are not restricted; a range change applies at once', async () => {
    const out = outside!;
    assert.deepEqual(await podConnect(out, LB_FW_IP, 80, 3), Array(3).fill(`pod1 ${GW}`), 'the listed client');
    assert.deepEqual(await podConnect(pods[3]!, LB_FW_IP, 80, 1, 1_000), ['ERR timeout'], 'a pod outside the ranges: dropped');
    await assert.rejects(hostConnect(LB_FW_IP, 80, 1_000), 'the node (its address is not in the ranges)');
    assert.deepEqual(await podConnect(out, GW, NODE_PORT + 4, 1), [`pod1 ${GW}`], 'NodePort: not restricted (as upstream)');
    assert.deepEqual(await podConnect(pods[3]!, svcIP(32), 80, 1), [`pod1 ${pods[3]!.ip}`], 'ClusterIP: not restricted');
    services.set(service('lb-fw', svcIP(32), { type: 'LoadBalancer', loadBalancerSourceRanges: [POD_CIDR], ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: NODE_PORT + 4 }] }, { loadBalancer: { ingress: [{ ip: LB_FW_IP }] } }));
    await proxy!.syncNow();
    assert.deepEqual(await podConnect(pods[3]!, LB_FW_IP, 80, 2), Array(2).fill(`pod1 ${GW}`), 'now the pod network is listed (external traffic, policy Cluster: masqueraded)');
    assert.deepEqual(await podConnect(out, LB_FW_IP, 80, 1, 1_000), ['ERR timeout'], 'and the outside client is not');
  });

  test('switching endpoints (blue → green) moves new connections within the min sync period; only the delta is sent', async () => {
    const before = proxy!.stats();
    slices.set(slice('web', [{ ip: pods[3]!.ip, ready: true }, { ip: pods[0]!.ip, ready: false }, { ip: pods[1]!.ip, ready: false }, { ip: pods[2]!.ip, ready: false }]));
    const t0 = performance.now();
    let lines: string[] = [];
    while (performance.now() - t0 < 5_000) {
      lines = await hostMany(svcIP(20), 80, 5);
      if ([...who(lines)].join() === 'pod3') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual([...who(await hostMany(svcIP(20), 80, 20))], ['pod3']);
    const after = proxy!.stats();
    assert.equal(after.fullSyncs, before.fullSyncs, 'no full resync');
    assert.ok(after.lastScriptBytes < 2_000, `delta only (${after.lastScriptBytes} bytes)`);
    // Unready again: no endpoints → refused.
    slices.set(slice('web', [{ ip: pods[3]!.ip, ready: false }]));
    await proxy!.syncNow();
    await assert.rejects(hostConnect(svcIP(20), 80), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
  });

  test('a table removed behind our back is rebuilt by a full sync; removal takes only our table', async () => {
    sh('nft', ['delete', 'table', 'ip', TABLE]);
    slices.set(slice('web', [{ ip: pods[2]!.ip }]));
    await proxy!.syncNow(); // the delta fails (no table) → the next sync replaces the table
    await proxy!.syncNow();
    assert.deepEqual([...who(await hostMany(svcIP(20), 80, 5))], ['pod2']);
    const tables = () => sh('nft', ['list', 'tables']);
    assert.match(tables(), new RegExp(`table ip ${TABLE}\\b`));
    const others = tables().split('\n').filter((l) => !l.includes(TABLE));
    assert.deepEqual(await removeServiceProxyTable({ table: TABLE }), { ok: true });
    assert.doesNotMatch(tables(), new RegExp(TABLE));
    assert.deepEqual(tables().split('\n').filter((l) => !l.includes(TABLE)), others);
    assert.deepEqual(await removeServiceProxyTable({ table: TABLE }), { ok: true }, 'idempotent');
  });
});
