/**
 * The service proxy (needs root and nftables):
 *   1. Time to apply one Service change with 1,000 and 10,000 Services present (each with two
 *      endpoints: three chains per Service), end to end through startServiceProxy: an EndpointSlice
 *      event → recompute that Service → delta script → `nft -f -`. Split into compute (pure) and
 *      the nft transaction. For scale: the initial full sync of the whole table. Upstream's
 *      nftables proxy: about 141 ms per sync at 10,000 Services (KEP-3866's figures).
 *   2. Requests through a ClusterIP against a direct connection to the same pod, in the same run:
 *      HTTP/1.1 requests, first each on a new TCP connection (every request passes the nat hooks:
 *      the worst case for DNAT), then over kept-alive connections; `--concurrency` in flight for
 *      `--seconds`, alternating direct / ClusterIP rounds; requests/s, p50/p99 latency and the
 *      ratio (aim ≥ 0.95). Client (this process) and server (a node in a netns) share the host's
 *      cores, so the run is CPU-bound: per-connection kernel work shows in full.
 * Everything (table `ip flt-<hex>-bench`, bridge, netns, servers) is removed at the end.
 *
 *   A third target, one plain `dnat` rule in a table of its own, is the baseline for what the
 *   kernel's DNAT + conntrack cost by themselves.
 * Run: node --import tsx bench/proxy.bench.ts [--sizes 1000,10000 | 0] [--changes 20] [--seconds 3] [--rounds 4] [--concurrency 8]
 *        [--targets direct,clusterip,plain] [--keep-alive both|on|off] [--client host|pod]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { percentile } from './lib/https-client.js';
import type { KubeObject } from '../src/api/types.js';
import { R, type Client } from '../src/client/types.js';
import { discardLogger } from '../src/lib/log.js';
import { buildServiceRules, type ProxyConfig } from '../src/proxy/nftables/model.js';
import { diffScript } from '../src/proxy/nftables/script.js';
import { removeServiceProxyTable, startServiceProxy } from '../src/proxy/service-proxy.js';
import { nftApplier } from '../src/proxy/nft.js';
import { fakeInformer } from '../src/proxy/testing/fake-informer.js';
import { createNetns, deleteNetns, type Netns } from '../test/support/netns.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    changes: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '8' },
    targets: { type: 'string', default: 'direct,clusterip,plain' },
    'keep-alive': { type: 'string', default: 'both' },
    client: { type: 'string', default: 'host' },
  },
});
// `--sizes 0`: only the ClusterIP vs direct part.
const SIZES = values.sizes!.split(',').map(Number).filter((n) => n > 0 && n <= 20_000);
const CHANGES = Math.max(1, Math.min(200, Number(values.changes)));
const SECONDS = Math.max(1, Math.min(30, Number(values.seconds)));
const ROUNDS = Math.max(1, Math.min(10, Number(values.rounds)));
const CONC = Math.max(1, Math.min(64, Number(values.concurrency)));
/** Which targets run (e.g. one alone under `perf record -a`): direct, clusterip, plain. */
const TARGETS = new Set(values.targets!.split(','));
const KEEP_ALIVE = values['keep-alive'] === 'on' ? [true] : values['keep-alive'] === 'off' ? [false] : [false, true];
/** Where the HTTP client runs: this process on the host (output path), or a "pod" on the bridge (forwarded path). */
const CLIENT_IN_POD = values.client === 'pod';

// Output piped into `head` must not kill the run before it removes what it made (EPIPE).
process.stdout.on('error', () => {});

if (process.getuid?.() !== 0) {
  console.error('proxy bench needs root (nftables, network namespaces)');
  process.exit(1);
}

const HEX = randomBytes(3).toString('hex');
const TABLE = `flt-${HEX}-bench`;
const fmt = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(2)} ms  p99 ${percentile(s, 99).toFixed(2)} ms`;
};
const ipOf = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
const service = (i: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'bench', name: `svc-${i}` },
  spec: { type: 'ClusterIP', clusterIP: ipOf((96 << 16) + i + 10), ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
});
const slice = (i: number, ips: string[], name = `svc-${i}`): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'bench', name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4',
  ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'n1' })),
});

async function changeBench(n: number): Promise<void> {
  const services = fakeInformer(R.services);
  const slices = fakeInformer(R.endpointslices);
  for (let i = 0; i < n; i++) {
    services.set(service(i));
    slices.set(slice(i, [ipOf((244 << 16) + 2 * i + 2), ipOf((244 << 16) + 2 * i + 3)]));
  }
  const t0 = performance.now();
  const proxy = await startServiceProxy({
    client: {} as Client,
    nodeName: 'n1',
    clusterCIDRs: ['10.244.0.0/16'],
    serviceCIDRs: ['10.96.0.0/16'],
    logger: discardLogger,
    informers: { services, endpointSlices: slices },
    table: TABLE,
    minSyncPeriodMs: 0,
    syncPeriodMs: 3_600_000,
  });
  const full = performance.now() - t0;
  const fullStats = proxy.stats();
  const cfg: ProxyConfig = { table: TABLE, nodeName: 'n1', clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], localhostNodePorts: false, masqueradeBit: 0x4000 };
  const total: number[] = [];
  const apply: number[] = [];
  const compute: number[] = [];
  let bytes = 0;
  try {
    for (let c = 0; c < CHANGES; c++) {
      // Pairs of changes on one Service: add a third endpoint, then back to two (each a real
      // change; before, the odd changes hit another Service with its own two endpoints: no-ops
      // that halved the medians).
      const i = Math.floor(((c - (c % 2)) * n) / CHANGES);
      const ips = [ipOf((244 << 16) + 2 * i + 2), ipOf((244 << 16) + 2 * i + 3)];
      if (c % 2 === 0) ips.push(ipOf((245 << 16) + c));
      const c0 = performance.now();
      const old = buildServiceRules(services.get('bench', `svc-${i}`) as never, [slices.get('bench', `svc-${i}-x`) as never], cfg);
      const neu = buildServiceRules(services.get('bench', `svc-${i}`) as never, [slice(i, ips) as never], cfg);
      diffScript(cfg, [{ old, new: neu }]);
      compute.push(performance.now() - c0);
      const s0 = performance.now();
      slices.set(slice(i, ips));
      await proxy.syncNow();
      total.push(performance.now() - s0);
      const st = proxy.stats();
      apply.push(st.lastApplyMs);
      bytes = st.lastScriptBytes;
      if (st.failures > 0) throw new Error('a delta failed');
    }
  } finally {
    await proxy.stop();
    await removeServiceProxyTable({ table: TABLE });
  }
  console.log(`${n} Services (two endpoints each, one chain per Service): full sync ${full.toFixed(0)} ms (nft ${fullStats.lastApplyMs.toFixed(0)} ms, ${(fullStats.lastScriptBytes / 1e6).toFixed(1)} MB script)`);
  console.log(`  one Service change, event → applied: ${fmt(total)}  [compute ${fmt(compute)}; nft -f - ${fmt(apply)}; delta ${bytes} bytes]  (upstream nftables: ~141 ms at 10,000)`);
  // Baseline of the same moment: what one tiny nft transaction costs on this machine right now
  // (process start + netlink), so a loaded machine shows as such.
  const base = await nftBaseline(CHANGES);
  console.log(`  baseline, same run: one rule replaced in a one-chain table of its own: ${fmt(base)}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

async function nftBaseline(n: number): Promise<number[]> {
  const t = `ip flt-${HEX}-nftbase`;
  const apply = nftApplier();
  const out: number[] = [];
  try {
    await apply(`add table ${t}\nadd chain ${t} c\n`);
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const r = await apply(`flush chain ${t} c\nadd rule ${t} c ip daddr 10.0.${i % 250}.1 tcp dport 80 accept\n`);
      out.push(performance.now() - t0);
      if (!r.ok) throw new Error(r.error);
    }
  } finally {
    await apply(`add table ${t}\ndelete table ${t}\n`);
  }
  return out;
}

// ---- ClusterIP vs direct --------------------------------------------------------------------------
const BR = `fb${HEX}`;
const OCT = 200 + (parseInt(HEX, 16) % 50);
const GW = `10.${OCT}.9.1`;
/**
 * The ClusterIP runs' client address. Separate from the direct runs' (GW): the pod holds TIME_WAIT
 * for connections it closed, and TCP timestamps are offset per address pair, so a SYN reusing a
 * port towards the ClusterIP can carry older timestamps than the direct connection the pod still
 * remembers under the same (DNAT'd) tuple — it is refused and retried after 1 s, a benchmark artefact.
 */
const GW2 = `10.${OCT}.9.2`;
/** The plain-DNAT baseline's client address (same reason). */
const GW3 = `10.${OCT}.9.3`;
/** A second virtual IP, DNAT'd by one plain rule in a table of its own (no service proxy ruleset). */
const PLAIN_IP = `10.${OCT}.10.30`;
const PLAIN_TABLE = `flt-${HEX}-plain`;
/** The client pod's three addresses (one per target, as GW/GW2/GW3 for the host client). */
const CL = [`10.${OCT}.9.21`, `10.${OCT}.9.22`, `10.${OCT}.9.23`];

/**
 * The load loop as a script for a client "pod": reads one JSON job per stdin line
 * ({host, port, local, seconds, keepAlive, conc}), answers one JSON line {lat, errors, cpuMs, ms}.
 */
const POD_CLIENT = `const http=require('http');const rl=require('readline').createInterface({input:process.stdin});
rl.on('line',async(l)=>{const j=JSON.parse(l);const lat=[];let errors=0;const agent=j.keepAlive?new http.Agent({keepAlive:true,maxSockets:j.conc}):false;
const end=performance.now()+j.seconds*1000;const c0=process.cpuUsage();const t0=performance.now();
const one=()=>new Promise(r=>{const t=performance.now();const q=http.request({host:j.host,port:j.port,path:'/',agent,localAddress:j.local,timeout:5000},(s)=>{s.resume();s.on('end',()=>{lat.push(performance.now()-t);r()})});q.on('timeout',()=>q.destroy(new Error('timeout')));q.on('error',()=>{errors++;r()});q.end()});
await Promise.all(Array.from({length:j.conc},async()=>{while(performance.now()<end)await one()}));const ms=performance.now()-t0;if(agent)agent.destroy();const c=process.cpuUsage(c0);
console.log(JSON.stringify({lat,errors,cpuMs:(c.user+c.system)/1000,ms}))});console.log('ready')`;
const POD = `10.${OCT}.9.10`;
const CIP = `10.${OCT}.10.20`;

function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}
function quiet(cmd: string, args: string[]): void {
  try {
    sh(cmd, args);
  } catch {
    /* gone */
  }
}

/** CPU time (user + system, ms) the process has used so far, from /proc (clock ticks of 10 ms). */
function procCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function load(host: string, port: number, seconds: number, agent: Agent | false, localAddress: string): Promise<{ rps: number; lat: number[]; errors: number }> {
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const req = request({ host, port, path: '/', agent, localAddress, timeout: 5_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          lat.push(performance.now() - t);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (performance.now() < end) await one();
  };
  const t0 = performance.now();
  return Promise.all(Array.from({ length: CONC }, worker)).then(() => ({ rps: lat.length / ((performance.now() - t0) / 1000), lat, errors }));
}

async function throughputBench(): Promise<void> {
  let ns: Netns | undefined;
  let clientNs: Netns | undefined;
  let podClient: ChildProcess | undefined;
  let server: ChildProcess | undefined;
  const services = fakeInformer(R.services);
  const slices = fakeInformer(R.endpointslices);
  let proxy: Awaited<ReturnType<typeof startServiceProxy>> | undefined;
  try {
    sh('ip', ['link', 'add', BR, 'type', 'bridge']);
    sh('ip', ['addr', 'add', `${GW}/24`, 'dev', BR]);
    sh('ip', ['addr', 'add', `${GW2}/24`, 'dev', BR]);
    sh('ip', ['addr', 'add', `${GW3}/24`, 'dev', BR]);
    sh('ip', ['link', 'set', BR, 'up']);
    sh('ip', ['route', 'add', `10.${OCT}.10.0/24`, 'dev', BR]);
    ns = createNetns(`flt-${HEX}`);
    sh('ip', ['link', 'add', `fb${HEX}v`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
    sh('ip', ['link', 'set', `fb${HEX}v`, 'master', BR]);
    sh('ip', ['link', 'set', `fb${HEX}v`, 'up']);
    sh('ip', ['-n', ns.name, 'addr', 'add', `${POD}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', ns.name, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', ns.name, 'route', 'add', 'default', 'via', GW]);
    const script = `require('http').createServer((q,s)=>s.end('ok\\n')).listen(8080,'0.0.0.0',()=>console.log('ready'))`;
    server = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('server not ready')), 10_000);
      server!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && (clearTimeout(t), resolve()));
    });
    services.set({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'bench', name: 'web' }, spec: { type: 'ClusterIP', clusterIP: CIP, ports: [{ name: 'http', protocol: 'TCP', port: 80 }] } });
    slices.set(slice(0, [POD], 'web'));
    proxy = await startServiceProxy({
      client: {} as Client,
      nodeName: 'n1',
      clusterCIDRs: [`10.${OCT}.9.0/24`],
      serviceCIDRs: [`10.${OCT}.10.0/24`],
      logger: discardLogger,
      informers: { services, endpointSlices: slices },
      table: TABLE,
    });
    // Baseline for the kernel's own DNAT + conntrack cost: one dnat rule in a table of its own at
    // a priority before ours (the first NAT binding wins, so our nat chains are skipped for it;
    // our filter chains still see it, as they see the direct connections).
    const plain = `table ip ${PLAIN_TABLE} {\n chain out { type nat hook output priority -101; policy accept; ip daddr ${PLAIN_IP} tcp dport 80 dnat to ${POD}:8080; }\n chain pre { type nat hook prerouting priority -101; policy accept; ip daddr ${PLAIN_IP} tcp dport 80 dnat to ${POD}:8080; }\n}\n`;
    execFileSync('nft', ['-f', '-'], { input: plain, timeout: 10_000 });
    let run = (host: string, port: number, seconds: number, agent: Agent | false, local: string) => load(host, port, seconds, agent, local).then((r) => ({ ...r, cpuMs: NaN }));
    let clientPid = process.pid;
    const locals = CLIENT_IN_POD ? CL : [GW, GW2, GW3];
    if (CLIENT_IN_POD) {
      clientNs = createNetns(`flt-${HEX}`);
      sh('ip', ['link', 'add', `fb${HEX}c`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', clientNs.name]);
      sh('ip', ['link', 'set', `fb${HEX}c`, 'master', BR]);
      sh('ip', ['link', 'set', `fb${HEX}c`, 'up']);
      for (const a of CL) sh('ip', ['-n', clientNs.name, 'addr', 'add', `${a}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', clientNs.name, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', clientNs.name, 'route', 'add', 'default', 'via', GW]);
      const child = spawn('ip', ['netns', 'exec', clientNs.name, process.execPath, '-e', POD_CLIENT], { stdio: ['pipe', 'pipe', 'inherit'] });
      podClient = child;
      const lines: string[] = [];
      const waiters: ((l: string) => void)[] = [];
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const l = buf.slice(0, i);
          buf = buf.slice(i + 1);
          const w = waiters.shift();
          if (w) w(l);
          else lines.push(l);
        }
      });
      const next = (timeoutMs: number) =>
        new Promise<string>((resolve, reject) => {
          const l = lines.shift();
          if (l !== undefined) return resolve(l);
          const t = setTimeout(() => reject(new Error('client pod did not answer')), timeoutMs);
          waiters.push((x) => (clearTimeout(t), resolve(x)));
        });
      if ((await next(10_000)) !== 'ready') throw new Error('client pod not ready');
      clientPid = child.pid!;
      run = async (host, port, seconds, agent, local) => {
        child.stdin!.write(JSON.stringify({ host, port, local, seconds, keepAlive: agent !== false, conc: CONC }) + '\n');
        const r = JSON.parse(await next(seconds * 1000 + 30_000)) as { lat: number[]; errors: number; cpuMs: number; ms: number };
        return { rps: r.lat.length / (r.ms / 1000), lat: r.lat, errors: r.errors, cpuMs: r.cpuMs };
      };
    }
    console.log(`client pid ${clientPid}${CLIENT_IN_POD ? ' (a pod on the bridge: forwarded path)' : ' (this process: the host\'s output path)'}, server pid ${server.pid} (for perf report --pid)`);
    await run(POD, 8080, 1, false, locals[0]!); // warm-up
    await run(CIP, 80, 1, false, locals[1]!);
    await run(PLAIN_IP, 80, 1, false, locals[2]!);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    for (const keepAlive of KEEP_ALIVE) {
      // cpu: client (this process) + server CPU ms, n: requests — CPU per request is what a
      // CPU-bound run's rate depends on, and hardly moves with other load on the machine.
      const acc0 = () => ({ rps: [] as number[], lat: [] as number[], errors: 0, cpu: 0, n: 0 });
      const direct = acc0();
      const viaCip = acc0();
      const viaPlain = acc0();
      for (let r = 0; r < ROUNDS; r++) {
        for (const [name, target, acc] of [['direct', [POD, 8080, locals[0]!], direct], ['clusterip', [CIP, 80, locals[1]!], viaCip], ['plain', [PLAIN_IP, 80, locals[2]!], viaPlain]] as const) {
          if (!TARGETS.has(name)) continue;
          const agent = keepAlive ? new Agent({ keepAlive: true, maxSockets: CONC }) : false;
          const c0 = process.cpuUsage();
          const s0 = procCpuMs(server!.pid!);
          const res = await run(target[0], target[1], SECONDS, agent, target[2]);
          const c1 = process.cpuUsage(c0);
          const clientCpu = CLIENT_IN_POD ? res.cpuMs : (c1.user + c1.system) / 1000;
          acc.cpu += clientCpu + (procCpuMs(server!.pid!) - s0);
          acc.n += res.lat.length;
          if (agent) agent.destroy();
          acc.rps.push(res.rps);
          acc.lat.push(...res.lat);
          acc.errors += res.errors;
        }
      }
      console.log(`HTTP, ${keepAlive ? `${CONC} kept-alive connections` : `a new connection per request, ${CONC} in flight`}, ${ROUNDS} × ${SECONDS} s alternating:`);
      console.log(`  direct to the pod: ${mean(direct.rps).toFixed(0)} req/s  ${fmt(direct.lat)}  errors ${direct.errors}`);
      console.log(`  through ClusterIP: ${mean(viaCip.rps).toFixed(0)} req/s  ${fmt(viaCip.lat)}  errors ${viaCip.errors}`);
      console.log(`  one plain nft dnat rule (baseline: the kernel's DNAT alone): ${mean(viaPlain.rps).toFixed(0)} req/s  ${fmt(viaPlain.lat)}  errors ${viaPlain.errors}`);
      // Rounds alternate, so each round's ratio compares neighbours in time: the median of those
      // resists the load swings of a shared machine better than the ratio of the means.
      const paired = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
      console.log(`  ratio ClusterIP / direct: ${(mean(viaCip.rps) / mean(direct.rps)).toFixed(3)} of the means, ${paired(viaCip.rps, direct.rps).toFixed(3)} median of rounds (aim ≥ 0.95); plain DNAT / direct: ${(mean(viaPlain.rps) / mean(direct.rps)).toFixed(3)}, ${paired(viaPlain.rps, direct.rps).toFixed(3)}; ClusterIP / plain DNAT: ${(mean(viaCip.rps) / mean(viaPlain.rps)).toFixed(3)}, ${paired(viaCip.rps, viaPlain.rps).toFixed(3)}`);
      const us = (a: { cpu: number; n: number }) => (a.cpu * 1000) / a.n;
      console.log(`  CPU per request (client + server processes, incl. the kernel work done in them): direct ${us(direct).toFixed(0)} µs, ClusterIP ${us(viaCip).toFixed(0)} µs, plain DNAT ${us(viaPlain).toFixed(0)} µs → direct/ClusterIP ${(us(direct) / us(viaCip)).toFixed(3)}, plain/ClusterIP ${(us(viaPlain) / us(viaCip)).toFixed(3)}`);
      console.log(`  per round (req/s) direct ${direct.rps.map((x) => x.toFixed(0)).join(' ')} | ClusterIP ${viaCip.rps.map((x) => x.toFixed(0)).join(' ')} | plain ${viaPlain.rps.map((x) => x.toFixed(0)).join(' ')}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    }
  } finally {
    await proxy?.stop();
    await removeServiceProxyTable({ table: TABLE });
    quiet('nft', ['delete', 'table', 'ip', PLAIN_TABLE]);
    if (server?.exitCode === null && server.pid) server.kill('SIGKILL');
    if (podClient?.exitCode === null && podClient.pid) podClient.kill('SIGKILL');
    if (ns) deleteNetns(ns);
    if (clientNs) deleteNetns(clientNs);
    quiet('ip', ['route', 'del', `10.${OCT}.10.0/24`, 'dev', BR]);
    quiet('ip', ['link', 'del', BR]);
  }
}

for (const n of SIZES) await changeBench(n);
await throughputBench();
