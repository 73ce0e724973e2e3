/**
 * The node network for real, as root: iproute2, Debian's CNI plugins (bridge, host-local, portmap)
 * run through test/support/netns.ts's libcni-like runner, TCP between network namespaces.
 * Everything is named with a per-run prefix and removed in `after`, also when a test fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { discardLogger } from '../../lib/log.js';
import { parseCidr, cidrsOverlap } from '../../lib/net.js';
import { bridgeConflist, CONFLIST_FILE, type CniConflist } from './cni-config.js';
import { FALLBACK_METRIC, NodeNetworkError, setupNodeNetwork, type NodeNetwork } from './node-network.js';
import { CniPluginError, cleanupPortmapIptables, cniInvoke, cniIptablesLines, createNetns, snapshotIptables, type IptablesSnapshot, deleteNetns, resultIPv4s, type Netns } from '../../../test/support/netns.js';

const RUN = randomBytes(3).toString('hex').slice(0, 5);
const PREFIX = `flt${RUN}`; // interface names: ≤ 15 characters
const NET_NAME = `flt-${RUN}`;
const BIN_DIR = '/usr/lib/cni';

const sh = (file: string, args: string[]) => execFileSync(file, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
const ipJson = <T>(args: string[]): T => JSON.parse(sh('ip', ['-j', ...args]) || '[]') as T;
const routeDev = (addr: string, extra: string[] = []) => ipJson<{ dev?: string; gateway?: string }[]>(['route', 'get', addr, ...extra])[0];
const routesExact = (cidr: string) => ipJson<{ dev?: string; type?: string; metric?: number }[]>(['route', 'show', 'exact', cidr]);
/** The bridges a CIDR is routed onto (the device-less fallback left out). */
const routeDevs = (cidr: string) => routesExact(cidr).flatMap((r) => (r.dev ? [r.dev] : []));
const bridgeAddrs = (br: string) =>
  (ipJson<{ addr_info?: { family: string; local: string; prefixlen: number }[] }[]>(['-4', 'addr', 'show', 'dev', br])[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);

function requirements(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new Error('this test needs root (it creates bridges, routes and network namespaces): run it as root');
  for (const p of ['bridge', 'host-local', 'portmap']) {
    if (!existsSync(join(BIN_DIR, p))) throw new Error(`${BIN_DIR}/${p} missing: install Debian's containernetworking-plugins (scripts/setup.sh)`);
  }
  for (const bin of ['ip', 'iptables-save', 'iptables-restore']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${bin} not found: install iproute2 and iptables (scripts/setup.sh)`);
    }
  }
}

/** A pod range and a service range that nothing on this host routes or uses yet. */
function pickCidrs(): { cluster: string; service: string; octet: number } {
  const used = ipJson<{ dst?: string }[]>(['-4', 'route', 'show', 'table', 'all'])
    .map((r) => r.dst)
    .filter((d): d is string => !!d && d !== 'default')
    .map((d) => parseCidr(d.includes('/') ? d : `${d}/32`))
    .filter((c) => !!c);
  for (const octet of [251, 241, 231, 221]) {
    const cluster = `10.${octet}.0.0/16`;
    const service = `10.${octet + 1}.0.0/16`;
    if (used.every((u) => !cidrsOverlap(u!, parseCidr(cluster)!) && !cidrsOverlap(u!, parseCidr(service)!))) return { cluster, service, octet };
  }
  throw new Error('no free test CIDR among 10.251/10.241/10.231/10.221.0.0/16: the host routes them all');
}

const servers = new Set<ChildProcess>();

/** A TCP server in `ns` answering every connection with `<reply> <peer address>\n`. */
function startServer(ns: Netns, port: number, reply: string): Promise<ChildProcess> {
  const script = `const [p,r]=process.argv.slice(1);require('net').createServer(s=>s.end(r+' '+s.remoteAddress+'\\n')).listen(+p,'0.0.0.0',()=>console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', script, String(port), reply], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.add(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server in ${ns.name} not ready in 10 s`)), 10_000);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server in ${ns.name} exited ${code}: ${err}`));
    });
  });
}

function stopServer(child: ChildProcess): void {
  servers.delete(child);
  if (child.exitCode === null && child.pid) child.kill('SIGKILL');
}

/** Connects from the host; resolves with what the server sent. */
function hostConnect(host: string, port: number, timeoutMs = 5_000): Promise<string> {
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

/** Connects from inside `ns` (a node one-liner under `ip netns exec`). */
function nsConnect(ns: Netns, host: string, port: number, timeoutMs = 3_000): Promise<string> {
  const script = `const [h,p,t]=process.argv.slice(1);const s=require('net').connect(+p,h);let b='';s.setTimeout(+t,()=>{console.error('timeout');process.exit(3)});s.on('data',d=>b+=d);s.on('end',()=>{process.stdout.write(b);process.exit(0)});s.on('error',e=>{console.error(e.code);process.exit(2)})`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns.name, process.execPath, '-e', script, host, String(port), String(timeoutMs)], { timeout: timeoutMs + 5_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`from ${ns.name} to ${host}:${port}: ${stderr.trim() || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

describe('node network (root; real iproute2 and CNI plugins)', () => {
  let tmp = '';
  let cluster = '';
  let service = '';
  let octet = 0;
  let iptablesBefore: IptablesSnapshot = { cni: [], natTables: [] };
  const networks: NodeNetwork[] = [];
  const netnses: Netns[] = [];
  const brA = `${PREFIX}a`;
  const brB = `${PREFIX}b`;
  const dirs = (agent: string) => ({ cniConfDir: join(tmp, agent, 'cni/net.d'), cniDataDir: join(tmp, agent, 'cni/networks') });
  let netA: NodeNetwork;
  let netB: NodeNetwork;
  let confA: CniConflist;
  const podCidrA = () => `10.${octet}.3.0/24`;
  const podCidrB = () => `10.${octet}.4.0/24`;
  const pods = new Map<string, { ns: Netns; result: unknown; ip: string; conf: CniConflist; caps?: Record<string, unknown> }>();
  const hostPort = 20000 + Math.floor(Math.random() * 10000);

  const newNetns = () => {
    const ns = createNetns(`flt-${RUN}`);
    netnses.push(ns);
    return ns;
  };
  const addPod = async (key: string, conf: CniConflist, caps?: Record<string, unknown>) => {
    const ns = newNetns();
    const result = await cniInvoke('ADD', conf, { containerId: `${NET_NAME}-${key}`, netns: ns, ifName: 'eth0', binDir: BIN_DIR, ...(caps ? { capabilityArgs: caps } : {}) });
    const ip = resultIPv4s(result)[0]!;
    pods.set(key, { ns, result, ip, conf, ...(caps ? { caps } : {}) });
    return { ns, ip, result };
  };
  const delPod = async (key: string) => {
    const p = pods.get(key)!;
    await cniInvoke('DEL', p.conf, { containerId: `${NET_NAME}-${key}`, netns: p.ns, ifName: 'eth0', binDir: BIN_DIR, prevResult: p.result, ...(p.caps ? { capabilityArgs: p.caps } : {}) });
  };

  before(() => {
    requirements();
    ({ cluster, service, octet } = pickCidrs());
    iptablesBefore = snapshotIptables();
    tmp = mkdtempSync(`/tmp/flt-${RUN}-`);
  });

  after(async () => {
    for (const s of [...servers]) stopServer(s);
    for (const [key, p] of pods) {
      try {
        await cniInvoke('DEL', p.conf, { containerId: `${NET_NAME}-${key}`, netns: p.ns, ifName: 'eth0', binDir: BIN_DIR, prevResult: p.result });
      } catch {
        /* best effort: the netns and bridge go below */
      }
    }
    for (const ns of netnses) deleteNetns(ns);
    for (const n of networks) await n.teardown({ removeBridge: true }).catch(() => undefined);
    for (const l of ipJson<{ ifname: string }[]>(['link', 'show'])) {
      if (l.ifname.startsWith(PREFIX)) execFileSync('ip', ['link', 'del', 'dev', l.ifname], { stdio: 'ignore' });
    }
    for (const cidr of [cluster, service]) {
      for (const r of cidr ? routesExact(cidr) : []) if (r.dev?.startsWith(PREFIX)) execFileSync('ip', ['route', 'del', cidr, 'dev', r.dev], { stdio: 'ignore' });
      const left = cidr ? routesExact(cidr) : [];
      if (left.every((r) => !r.dev) && left.some((r) => r.type === 'unreachable' && r.metric === FALLBACK_METRIC)) {
        execFileSync('ip', ['route', 'del', 'unreachable', cidr, 'metric', String(FALLBACK_METRIC)], { stdio: 'ignore' });
      }
    }
    cleanupPortmapIptables(NET_NAME, iptablesBefore);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('rejects invalid options before touching the host', async () => {
    const base = { bridge: `${PREFIX}x`, clusterCIDRs: [cluster], serviceCIDRs: [service], ...dirs('x'), logger: discardLogger };
    for (const bad of [{ bridge: 'a-name-longer-than-15' }, { clusterCIDRs: ['10.0.0.1/8'] }, { clusterCIDRs: [] }, { podCIDR: '10.1.2.0/31' }, { networkName: 'bad name' }]) {
      await assert.rejects(setupNodeNetwork({ ...base, ...bad }), (e: unknown) => e instanceof NodeNetworkError && e.reason === 'Invalid');
    }
    assert.equal(existsSync(`/sys/class/net/${PREFIX}x`), false);
  });

  test('routes the cluster and service CIDRs onto the bridge at once, before the podCIDR is known', async () => {
    netA = await setupNodeNetwork({ bridge: brA, clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, ...dirs('a'), logger: discardLogger });
    networks.push(netA);
    assert.equal(readFileSync(`/sys/class/net/${brA}/bridge/stp_state`, 'utf8').trim(), '0');
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), '1');
    for (const addr of [`10.${octet}.200.7`, `10.${octet + 1}.0.10`, `10.${octet}.255.254`]) {
      const r = routeDev(addr);
      assert.equal(r?.dev, brA, `${addr} must resolve to ${brA}, got ${JSON.stringify(r)}`);
      assert.equal(r?.gateway, undefined);
    }
    assert.equal(netA.podCIDR, undefined);
    assert.equal(existsSync(netA.conflistPath), false, 'no conflist before the podCIDR is known');
    // Running it again changes nothing (one route per CIDR).
    await netA.ensure();
    assert.deepEqual(routeDevs(cluster), [brA]);
  });

  test('setPodCIDR assigns the gateway to the bridge and writes the conflist atomically', async () => {
    await netA.setPodCIDR(podCidrA());
    assert.equal(netA.gateway, `10.${octet}.3.1`);
    assert.deepEqual(bridgeAddrs(brA), [`10.${octet}.3.1/24`]);
    confA = JSON.parse(readFileSync(netA.conflistPath, 'utf8')) as CniConflist;
    assert.deepEqual(confA, bridgeConflist({ networkName: NET_NAME, bridge: brA, podCIDR: podCidrA(), ipamDataDir: dirs('a').cniDataDir }));
    assert.deepEqual(readdirSync(dirs('a').cniConfDir), [CONFLIST_FILE], 'no temporary files left');
    assert.equal(routeDev(`10.${octet}.3.77`)?.dev, brA);
    await netA.setPodCIDR(podCidrA());
    assert.deepEqual(bridgeAddrs(brA), [`10.${octet}.3.1/24`]);
  });

  test('two pods on the bridge get podCIDR addresses, talk TCP, and the host reaches them', async () => {
    const a = await addPod('a', confA);
    const b = await addPod('b', confA);
    const pod = parseCidr(podCidrA())!;
    for (const ip of [a.ip, b.ip]) assert.ok(cidrsOverlap(pod, parseCidr(`${ip}/32`)!), `${ip} in ${podCidrA()}`);
    assert.notEqual(a.ip, b.ip);
    assert.ok(![a.ip, b.ip].includes(netA.gateway!), 'the gateway is never handed out');
    assert.deepEqual((a.result as { ips: { gateway: string }[] }).ips[0]!.gateway, netA.gateway);
    const server = await startServer(a.ns, 8080, 'pod-a');
    try {
      assert.equal(await nsConnect(b.ns, a.ip, 8080), `pod-a ${b.ip}`);
      assert.equal(await hostConnect(a.ip, 8080), `pod-a ${netA.gateway}`);
    } finally {
      stopServer(server);
    }
    // A pod's packet to an unassigned cluster or service address is routed onto the bridge too.
    for (const addr of [`10.${octet}.200.7`, `10.${octet + 1}.0.10`]) {
      assert.equal(routeDev(addr, ['from', b.ip, 'iif', brA])?.dev, brA, `forwarded ${addr}`);
    }
    await assert.rejects(nsConnect(b.ns, `10.${octet}.200.7`, 80, 1_500), /EHOSTUNREACH|timeout/);
  });

  test('hostPort through portmap: 127.0.0.1, the gateway address and another pod reach it', async () => {
    const caps = { portMappings: [{ hostPort, containerPort: 8080, protocol: 'tcp' }] };
    const c = await addPod('c', confA, caps);
    const server = await startServer(c.ns, 8080, 'pod-c');
    try {
      // From localhost: portmap marks it for masquerade and sets route_localnet on the bridge.
      assert.equal(await hostConnect('127.0.0.1', hostPort), `pod-c ${netA.gateway}`);
      assert.equal(readFileSync(`/proc/sys/net/ipv4/conf/${brA}/route_localnet`, 'utf8').trim(), '1');
      assert.equal(await hostConnect(netA.gateway!, hostPort), `pod-c ${netA.gateway}`);
      const b = pods.get('b')!;
      assert.equal(await nsConnect(b.ns, netA.gateway!, hostPort), `pod-c ${netA.gateway}`);
    } finally {
      stopServer(server);
    }
    assert.ok(cniIptablesLines().some((l) => l.includes(`dnat name: \\"${NET_NAME}\\"`)));
  });

  test('CHECK: the bridge plugin confirms the pod; portmap 1.1.1 fails CHECK on an IPv4-only pod', async () => {
    const c = pods.get('c')!;
    const bridgeOnly = { ...confA, plugins: [confA.plugins[0]!] };
    await cniInvoke('CHECK', bridgeOnly, { containerId: `${NET_NAME}-c`, netns: c.ns, ifName: 'eth0', binDir: BIN_DIR, prevResult: c.result });
    // containernetworking/plugins#819: CHECK also looks for an ip6tables DN chain that ADD never made.
    // containerd 1.6's CRI never runs CHECK, so this only matters to tools that do.
    await assert.rejects(
      cniInvoke('CHECK', confA, { containerId: `${NET_NAME}-c`, netns: c.ns, ifName: 'eth0', binDir: BIN_DIR, prevResult: c.result, capabilityArgs: c.caps! }),
      (e: unknown) => e instanceof CniPluginError && e.plugin === 'portmap' && /ipv6/.test(e.msg),
    );
  });

  test('a second agent on the same host: its own bridge and podCIDR, and pods reach each other across', async () => {
    netB = await setupNodeNetwork({ bridge: brB, podCIDR: podCidrB(), clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, ...dirs('b'), logger: discardLogger });
    networks.push(netB);
    assert.deepEqual(routeDevs(cluster).sort(), [brA, brB].sort(), 'both agents route the cluster CIDR');
    assert.deepEqual(routeDevs(service).sort(), [brA, brB].sort());
    const confB = JSON.parse(readFileSync(netB.conflistPath, 'utf8')) as CniConflist;
    const d = await addPod('d', confB);
    assert.ok(d.ip.startsWith(`10.${octet}.4.`), d.ip);
    const a = pods.get('a')!;
    const b = pods.get('b')!;
    const sA = await startServer(a.ns, 8081, 'pod-a');
    const sD = await startServer(d.ns, 8082, 'pod-d');
    try {
      assert.equal(await nsConnect(d.ns, a.ip, 8081), `pod-a ${d.ip}`, 'agent B pod → agent A pod, no NAT');
      assert.equal(await nsConnect(b.ns, d.ip, 8082), `pod-d ${b.ip}`, 'agent A pod → agent B pod, no NAT');
      assert.equal(await hostConnect(d.ip, 8082), `pod-d ${netB.gateway}`);
    } finally {
      stopServer(sA);
      stopServer(sD);
    }
  });

  test('DEL releases the pod IP in the host-local dataDir and the portmap chain; DEL twice is fine', async () => {
    const ipamDir = join(dirs('a').cniDataDir, NET_NAME);
    const c = pods.get('c')!;
    assert.ok(existsSync(join(ipamDir, c.ip)), 'host-local recorded the IP under the agent data dir');
    await delPod('c');
    assert.equal(existsSync(join(ipamDir, c.ip)), false);
    assert.equal(cniIptablesLines().some((l) => l.includes(`dnat name: \\"${NET_NAME}\\"`)), false, 'portmap removed its DNAT rules');
    await delPod('c');
    for (const key of ['a', 'b', 'd']) await delPod(key);
    const left = readdirSync(ipamDir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    assert.deepEqual(left, []);
    pods.clear();
  });

  test("teardown of one agent keeps the other's safety routes; teardown removes routes, conflist and bridge", async () => {
    await netB.teardown({ removeBridge: true });
    assert.equal(existsSync(`/sys/class/net/${brB}`), false);
    assert.equal(existsSync(netB.conflistPath), false);
    assert.equal(routeDev(`10.${octet}.200.7`)?.dev, brA, 'agent A still holds the cluster CIDR');
    assert.equal(routeDev(`10.${octet + 1}.0.10`)?.dev, brA);
    assert.equal(routesExact(cluster).filter((r) => r.type === 'unreachable' && r.metric === FALLBACK_METRIC).length, 1, 'the fallback stays while an agent is left');
    await netA.teardown({ removeBridge: false });
    assert.deepEqual(routesExact(cluster), []);
    assert.deepEqual(routesExact(service), []);
    assert.equal(existsSync(netA.conflistPath), false);
    assert.equal(existsSync(`/sys/class/net/${brA}`), true, 'bridge kept when asked');
    await netA.teardown({ removeBridge: true });
    assert.equal(existsSync(`/sys/class/net/${brA}`), false);
    await netA.teardown({ removeBridge: true }); // nothing left: still fine
  });

  test('leftovers from a killed run are tolerated: stale bridge address, routes and temp conflist', async () => {
    const d = dirs('c');
    sh('ip', ['link', 'add', 'name', brA, 'type', 'bridge']);
    sh('ip', ['link', 'set', 'dev', brA, 'up']);
    sh('ip', ['addr', 'add', `10.${octet}.9.1/24`, 'dev', brA]);
    sh('ip', ['route', 'append', cluster, 'dev', brA]);
    mkdirSync(d.cniConfDir, { recursive: true });
    writeFileSync(join(d.cniConfDir, `.${CONFLIST_FILE}.tmp-99999`), '{"half":');
    const net = await setupNodeNetwork({ bridge: brA, podCIDR: podCidrA(), clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, ...d, logger: discardLogger });
    networks.push(net);
    assert.deepEqual(bridgeAddrs(brA), [`10.${octet}.3.1/24`], 'stale address replaced by the gateway');
    assert.deepEqual(routeDevs(cluster), [brA], 'one route, not two');
    assert.deepEqual(routeDevs(service), [brA]);
    assert.deepEqual(readdirSync(d.cniConfDir), [CONFLIST_FILE]);
    // The kernel flushes a device's routes when it goes down; the fallback keeps the CIDRs from
    // following the default route until ensure() puts the bridge routes back.
    sh('ip', ['link', 'set', 'dev', brA, 'down']);
    assert.deepEqual(routeDevs(cluster), [], 'kernel flushed the bridge routes');
    assert.throws(() => routeDev(`10.${octet}.200.7`), /No route to host|unreachable/i);
    assert.throws(() => routeDev(`10.${octet + 1}.0.10`), /No route to host|unreachable/i);
    await net.ensure();
    assert.equal(routeDev(`10.${octet}.200.7`)?.dev, brA);
    assert.equal(routeDev(`10.${octet}.3.9`)?.dev, brA);
    // A second handle on the same bridge (agent restarted while the old one still runs) converges too.
    const again = await setupNodeNetwork({ bridge: brA, podCIDR: podCidrA(), clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, ...d, logger: discardLogger });
    assert.deepEqual(routeDevs(cluster), [brA]);
    await again.teardown({ removeBridge: true });
    assert.equal(existsSync(`/sys/class/net/${brA}`), false);
  });

  test('refuses (Unsafe) when a more specific route sends cluster addresses off the bridges', async () => {
    const v0 = `${PREFIX}v0`;
    const v1 = `${PREFIX}v1`;
    sh('ip', ['link', 'add', v0, 'type', 'veth', 'peer', 'name', v1]);
    try {
      sh('ip', ['link', 'set', 'dev', v0, 'up']);
      sh('ip', ['route', 'add', `10.${octet}.250.0/24`, 'dev', v0]);
      const opts = { bridge: brB, clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, ...dirs('d'), logger: discardLogger };
      await assert.rejects(setupNodeNetwork(opts), (e: unknown) => e instanceof NodeNetworkError && e.reason === 'Unsafe' && e.message.includes(`10.${octet}.250.0/24`));
    } finally {
      execFileSync('ip', ['link', 'del', 'dev', v0], { stdio: 'ignore' });
    }
    // The routes it added are the safe part; removing them is the caller's teardown.
    const net = await setupNodeNetwork({ bridge: brB, clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, ...dirs('d'), logger: discardLogger });
    await net.teardown({ removeBridge: true });
    assert.deepEqual(routesExact(cluster), []);
  });

  test('portmap leaves nothing of ours in iptables once pods are deleted and the shared chains are cleaned', () => {
    const diff = cleanupPortmapIptables(NET_NAME, iptablesBefore);
    assert.equal(cniIptablesLines().some((l) => l.includes(NET_NAME)), false);
    const othersActive = cniIptablesLines().some((l) => l.startsWith('-A CNI-HOSTPORT-DNAT '));
    if (!othersActive) assert.deepEqual(diff, [], '`iptables-save | grep CNI` is back to what it was');
  });
});
