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
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { discardLogger } from '../../lib/log.js';
import { parseCidr, cidrsOverlap } from '../../lib/net.js';
import { bridgeConflist, CONFLIST_FILE, type CniConflist } from './cni-config.js';
import { FALLBACK_METRIC, NodeNetworkError, setupNodeNetwork, type NodeNetwork } from './node-network.js';
import { BRIDGES_SET, dropCounter, parseNftJson } from './egress-guard.js';
import { CniPluginError, cleanupPortmapIptables, cniInvoke, cniIptablesLines, createNetns, snapshotIptables, type IptablesSnapshot, deleteNetns, resultIPv4s, type Netns } from '../../../test/support/netns.js';

const RUN = randomBytes(3).toString('hex').slice(0, 5);
const PREFIX = `flt${RUN}`; // interface names: ≤ 15 characters
const NET_NAME = `flt-${RUN}`;
/** The egress guard's table of this run (the agents' default is `flotilla`). */
const NFT_TABLE = `flt-${RUN}`;
/**
 * Stands in for the uplink: a TEST-NET-2 address is routed onto this dummy interface of ours, so
 * that a pod's packet the guard failed to drop would vanish there, never reach the real uplink.
 */
const OUTSIDE = '198.51.100.1';
const BIN_DIR = '/usr/lib/cni';

const sh = (file: string, args: string[]) => execFileSync(file, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
const ipJson = <T>(args: string[]): T => JSON.parse(sh('ip', ['-j', ...args]) || '[]') as T;
const routeDev = (addr: string, extra: string[] = []) => ipJson<{ dev?: string; gateway?: string }[]>(['route', 'get', addr, ...extra])[0];
const routesExact = (cidr: string) => ipJson<{ dev?: string; type?: string; metric?: number }[]>(['route', 'show', 'exact', cidr]);
/** The bridges a CIDR is routed onto (the device-less fallback left out). */
const routeDevs = (cidr: string) => routesExact(cidr).flatMap((r) => (r.dev ? [r.dev] : []));
const bridgeAddrs = (br: string) =>
  (ipJson<{ addr_info?: { family: string; local: string; prefixlen: number }[] }[]>(['-4', 'addr', 'show', 'dev', br])[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);

const nftTables = () => sh('nft', ['list', 'tables']).split('\n').map((l) => l.replace(/^table /, '').trim()).filter(Boolean);
const nftObjects = (family: string, table: string) => parseNftJson(sh('nft', ['-j', 'list', 'table', family, table]));
const guardDrops = (chain: string) => dropCounter(nftObjects('inet', NFT_TABLE), chain) ?? -1;
const linkTxPackets = (dev: string) => ipJson<{ stats64?: { tx?: { packets?: number } } }[]>(['-s', 'link', 'show', 'dev', dev])[0]?.stats64?.tx?.packets ?? -1;
/** The node's own IPv4 address: the first global one of the default route's device (else of any device but lo). */
function nodeIP(): string | undefined {
  const dev = ipJson<{ dev?: string }[]>(['-4', 'route', 'show', 'default'])[0]?.dev;
  const addrs = ipJson<{ ifname: string; addr_info?: { local: string; scope: string }[] }[]>(['-4', 'addr', 'show'])
    .filter((l) => l.ifname !== 'lo' && !l.ifname.startsWith(PREFIX))
    .sort((a, b) => Number(b.ifname === dev) - Number(a.ifname === dev));
  return addrs.flatMap((l) => (l.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => a.local))[0];
}

function requirements(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new Error('this test needs root (it creates bridges, routes and network namespaces): run it as root');
  for (const p of ['bridge', 'host-local', 'portmap']) {
    if (!existsSync(join(BIN_DIR, p))) throw new Error(`${BIN_DIR}/${p} missing: install Debian's containernetworking-plugins (scripts/setup.sh)`);
  }
  for (const bin of ['ip', 'nft', 'iptables-save', 'iptables-restore']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${bin} not found: install iproute2, nftables and iptables (scripts/setup.sh)`);
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
    if (nftTables().includes(`inet ${NFT_TABLE}`)) execFileSync('nft', ['delete', 'table', 'inet', NFT_TABLE], { stdio: 'ignore' });
    cleanupPortmapIptables(NET_NAME, iptablesBefore);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('rejects invalid options before touching the host', async () => {
    const base = { bridge: `${PREFIX}x`, clusterCIDRs: [cluster], serviceCIDRs: [service], nftTable: NFT_TABLE, ...dirs('x'), logger: discardLogger };
    for (const bad of [{ nftTable: 'bad table' }, { bridge: 'a-name-longer-than-15' }, { clusterCIDRs: ['10.0.0.1/8'] }, { clusterCIDRs: [] }, { podCIDR: '10.1.2.0/31' }, { networkName: 'bad name' }]) {
      await assert.rejects(setupNodeNetwork({ ...base, ...bad }), (e: unknown) => e instanceof NodeNetworkError && e.reason === 'Invalid');
    }
    assert.equal(existsSync(`/sys/class/net/${PREFIX}x`), false);
  });

  test('routes the cluster and service CIDRs onto the bridge at once, before the podCIDR is known', async () => {
    netA = await setupNodeNetwork({ bridge: brA, clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, nftTable: NFT_TABLE, ...dirs('a'), logger: discardLogger });
    networks.push(netA);
    assert.equal(readFileSync(`/sys/class/net/${brA}/bridge/stp_state`, 'utf8').trim(), '0');
    assert.equal(readFileSync(`/sys/class/net/${brA}/addr_assign_type`, 'utf8').trim(), '3', 'MAC pinned: ports joining never change it');
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

  test('the egress guard is in place before any pod: our table, the bridge in its set, forward and input chains', async () => {
    assert.deepEqual(netA.guard, { table: NFT_TABLE, forwardChain: `egress_${brA}`, inputChain: `localnet_${brA}` });
    const objs = nftObjects('inet', NFT_TABLE);
    assert.deepEqual(objs.find((o) => o.set?.name === BRIDGES_SET)?.set?.elem, [brA]);
    const hooks = objs.flatMap((o) => (o.chain ? [`${o.chain.name}:${o.chain.hook}`] : [])).sort();
    assert.deepEqual(hooks, [`egress_${brA}:forward`, `localnet_${brA}:input`]);
    assert.equal(guardDrops(netA.guard.forwardChain), 0);
    // ensure() leaves a complete guard alone (counters survive); a damaged one is rebuilt.
    sh('nft', ['flush', 'chain', 'inet', NFT_TABLE, netA.guard.forwardChain]);
    await netA.ensure();
    assert.equal(nftObjects('inet', NFT_TABLE).filter((o) => o.rule?.chain === netA.guard.forwardChain).length, 3);
    await netA.ensure();
    assert.equal(nftObjects('inet', NFT_TABLE).filter((o) => o.rule).length, 6, 'no duplicated rules');
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
    const mac = readFileSync(`/sys/class/net/${brA}/address`, 'utf8');
    const a = await addPod('a', confA);
    const b = await addPod('b', confA);
    assert.equal(readFileSync(`/sys/class/net/${brA}/address`, 'utf8'), mac, 'the gateway MAC stays as veths join');
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

  test('egress guard: a pod cannot send anything off the node; its drop counter counts the attempt', async () => {
    // The "outside": a TEST-NET-2 address routed onto a veth whose peer sits in a namespace of
    // ours, never the uplink. Had the guard let a packet through, it would arrive there.
    const uplink = `${PREFIX}u`;
    const peer = `${PREFIX}v`;
    const outside = newNetns();
    sh('ip', ['link', 'add', uplink, 'type', 'veth', 'peer', 'name', peer, 'netns', outside.name]);
    try {
      writeFileSync(`/proc/sys/net/ipv6/conf/${uplink}/disable_ipv6`, '1'); // no router solicitations: quiet counters
      sh('ip', ['-n', outside.name, 'link', 'set', 'dev', peer, 'up']);
      sh('ip', ['link', 'set', 'dev', uplink, 'up']);
      sh('ip', ['route', 'add', `${OUTSIDE}/32`, 'dev', uplink]);
      const b = pods.get('b')!;
      assert.equal(routeDev(OUTSIDE, ['from', b.ip, 'iif', brA])?.dev, uplink, 'without the guard the kernel would forward it out of the veth');
      const drops = guardDrops(netA.guard.forwardChain);
      const tx = linkTxPackets(uplink);
      await assert.rejects(nsConnect(b.ns, OUTSIDE, 80, 1_500), /timeout/);
      assert.ok(guardDrops(netA.guard.forwardChain) > drops, 'dropped by our forward chain');
      assert.equal(linkTxPackets(uplink), tx, 'nothing left through the non-bridge interface');
      // Control: with the chain emptied the same connect leaves through the veth (into our
      // namespace, where nobody answers); ensure() puts the guard back.
      sh('nft', ['flush', 'chain', 'inet', NFT_TABLE, netA.guard.forwardChain]);
      try {
        await assert.rejects(nsConnect(b.ns, OUTSIDE, 80, 1_500), /timeout|EHOSTUNREACH/);
        assert.ok(linkTxPackets(uplink) > tx, 'without the guard the packet is forwarded');
      } finally {
        await netA.ensure();
      }
      assert.equal(guardDrops(netA.guard.forwardChain), 0, 'guard rebuilt');
    } finally {
      execFileSync('ip', ['link', 'del', 'dev', uplink], { stdio: 'ignore' });
      deleteNetns(outside);
    }
  });

  test("egress guard: a pod still reaches the node's own addresses", async () => {
    const ip = nodeIP();
    assert.ok(ip, 'the node has a global IPv4 address');
    const b = pods.get('b')!;
    const port = 30000 + Math.floor(Math.random() * 10000);
    const server = createServer((sock) => sock.end(`node ${sock.remoteAddress}\n`));
    await new Promise<void>((resolve) => server.listen(port, ip, resolve));
    try {
      assert.equal(await nsConnect(b.ns, ip!, port), `node ${b.ip}`, 'delivered locally (input), not forwarded');
      assert.equal(await nsConnect(b.ns, netA.gateway!, port).catch((e: Error) => e.message).then((r) => /ECONNREFUSED/.test(r)), true, 'the gateway is a node address too');
    } finally {
      server.close();
    }
  });

  test('hostPort through portmap: 127.0.0.1, the node IP, the gateway address and another pod reach it', async () => {
    const caps = { portMappings: [{ hostPort, containerPort: 8080, protocol: 'tcp' }] };
    const c = await addPod('c', confA, caps);
    const server = await startServer(c.ns, 8080, 'pod-c');
    try {
      // From localhost: portmap marks it for masquerade and sets route_localnet on the bridge.
      assert.equal(await hostConnect('127.0.0.1', hostPort), `pod-c ${netA.gateway}`);
      assert.equal(readFileSync(`/proc/sys/net/ipv4/conf/${brA}/route_localnet`, 'utf8').trim(), '1');
      assert.equal(await hostConnect(netA.gateway!, hostPort), `pod-c ${netA.gateway}`);
      // The node's own address (its InternalIP): DNAT in OUTPUT, no masquerade, the pod sees the node.
      const ip = nodeIP()!;
      assert.equal(await hostConnect(ip, hostPort), `pod-c ${ip}`);
      const b = pods.get('b')!;
      assert.equal(await nsConnect(b.ns, netA.gateway!, hostPort), `pod-c ${netA.gateway}`);
      assert.equal(await nsConnect(b.ns, ip, hostPort), `pod-c ${netA.gateway}`, 'pod → node IP:hostPort, hairpinned and masqueraded');
    } finally {
      stopServer(server);
    }
    assert.ok(cniIptablesLines().some((l) => l.includes(`dnat name: \\"${NET_NAME}\\"`)));
  });

  test('egress guard: another machine reaches a hostPort on the node, the answers pass, the pod still cannot call it', async () => {
    // "Another machine": a namespace of ours behind a veth, on a TEST-NET-2 link only it and the
    // node share. It connects to the node's address on that link; portmap DNATs to pod c.
    const [hostEnd, peer] = [`${PREFIX}p`, `${PREFIX}q`];
    const machine = newNetns();
    sh('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', peer, 'netns', machine.name]);
    try {
      writeFileSync(`/proc/sys/net/ipv6/conf/${hostEnd}/disable_ipv6`, '1');
      sh('ip', ['addr', 'add', '198.51.100.2/24', 'dev', hostEnd]);
      sh('ip', ['link', 'set', 'dev', hostEnd, 'up']);
      sh('ip', ['-n', machine.name, 'addr', 'add', `${OUTSIDE}/24`, 'dev', peer]);
      sh('ip', ['-n', machine.name, 'link', 'set', 'dev', peer, 'up']);
      const c = pods.get('c')!;
      const server = await startServer(c.ns, 8080, 'pod-c');
      try {
        const drops = guardDrops(netA.guard.forwardChain);
        assert.equal(await nsConnect(machine, '198.51.100.2', hostPort), `pod-c ${OUTSIDE}`, 'DNAT to the pod, answers let through as replies');
        assert.equal(guardDrops(netA.guard.forwardChain), drops);
        await assert.rejects(nsConnect(c.ns, OUTSIDE, 9, 1_500), /timeout/, 'but the pod opens nothing towards it');
        assert.ok(guardDrops(netA.guard.forwardChain) > drops);
      } finally {
        stopServer(server);
      }
    } finally {
      execFileSync('ip', ['link', 'del', 'dev', hostEnd], { stdio: 'ignore' });
      deleteNetns(machine);
    }
  });

  test("localnet guard: a pod that routes 127.0.0.0/8 to its gateway does not reach the host's loopback services (CVE-2020-8558)", async () => {
    // portmap's snat set route_localnet=1 on the bridge (needed for 127.0.0.1:hostPort), so the
    // kernel accepts 127/8 destinations arriving there; our input chain drops them unless DNAT'd.
    assert.equal(readFileSync(`/proc/sys/net/ipv4/conf/${brA}/route_localnet`, 'utf8').trim(), '1');
    const e = await addPod('e', confA);
    const inPod = (args: string[]) => sh('ip', ['netns', 'exec', e.ns.name, ...args]);
    // What a pod with NET_ADMIN could do: send 127.0.0.2 to its gateway instead of its own lo.
    inPod(['ip', 'route', 'del', 'local', '127.0.0.0/8', 'dev', 'lo', 'table', 'local']);
    inPod(['ip', 'route', 'add', '127.0.0.2/32', 'via', netA.gateway!, 'dev', 'eth0']);
    inPod(['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet; echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet']);
    const port = 30000 + Math.floor(Math.random() * 10000);
    const server = createServer((sock) => sock.end(`host-loopback ${sock.remoteAddress}\n`));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.2', resolve));
    try {
      const drops = guardDrops(netA.guard.inputChain);
      await assert.rejects(nsConnect(e.ns, '127.0.0.2', port, 1_500), /timeout/);
      assert.ok(guardDrops(netA.guard.inputChain) > drops, 'dropped by our input chain');
      // Control: without the chain the same connection gets through — the guard is what stops it.
      sh('nft', ['flush', 'chain', 'inet', NFT_TABLE, netA.guard.inputChain]);
      try {
        assert.equal(await nsConnect(e.ns, '127.0.0.2', port, 1_500), `host-loopback ${e.ip}`);
      } finally {
        await netA.ensure();
      }
      assert.equal(guardDrops(netA.guard.inputChain), 0, 'guard rebuilt');
      // The hostPort path through 127.0.0.1 still works with the guard back (DNAT'd, established).
      const c = pods.get('c')!;
      const sC = await startServer(c.ns, 8080, 'pod-c');
      try {
        assert.equal(await hostConnect('127.0.0.1', hostPort), `pod-c ${netA.gateway}`);
      } finally {
        stopServer(sC);
      }
    } finally {
      server.close();
    }
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
    netB = await setupNodeNetwork({ bridge: brB, podCIDR: podCidrB(), clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, nftTable: NFT_TABLE, ...dirs('b'), logger: discardLogger });
    networks.push(netB);
    assert.deepEqual(routeDevs(cluster).sort(), [brA, brB].sort(), 'both agents route the cluster CIDR');
    assert.deepEqual(routeDevs(service).sort(), [brA, brB].sort());
    const confB = JSON.parse(readFileSync(netB.conflistPath, 'utf8')) as CniConflist;
    const d = await addPod('d', confB);
    assert.ok(d.ip.startsWith(`10.${octet}.4.`), d.ip);
    const a = pods.get('a')!;
    const b = pods.get('b')!;
    // The connected routes of the two podCIDRs win over the cluster-wide safety routes and the
    // fallback (longest prefix first), also for forwarded packets.
    assert.equal(routeDev(d.ip)?.dev, brB);
    assert.equal(routeDev(a.ip)?.dev, brA);
    assert.equal(routeDev(d.ip, ['from', b.ip, 'iif', brA])?.dev, brB);
    assert.equal(routeDev(a.ip, ['from', d.ip, 'iif', brB])?.dev, brA);
    assert.deepEqual(
      (nftObjects('inet', NFT_TABLE).find((o) => o.set?.name === BRIDGES_SET)?.set?.elem ?? []).slice().sort(),
      [brA, brB].sort(),
      'both agents share the guard table',
    );
    const dropsA = guardDrops(netA.guard.forwardChain);
    const dropsB = guardDrops(netB.guard.forwardChain);
    const sA = await startServer(a.ns, 8081, 'pod-a');
    const sD = await startServer(d.ns, 8082, 'pod-d');
    try {
      assert.equal(await nsConnect(d.ns, a.ip, 8081), `pod-a ${d.ip}`, 'agent B pod → agent A pod, no NAT');
      assert.equal(await nsConnect(b.ns, d.ip, 8082), `pod-d ${b.ip}`, 'agent A pod → agent B pod, no NAT');
      assert.equal(await hostConnect(d.ip, 8082), `pod-d ${netB.gateway}`);
      assert.deepEqual([guardDrops(netA.guard.forwardChain), guardDrops(netB.guard.forwardChain)], [dropsA, dropsB], 'nothing dropped between bridges');
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
    for (const key of ['a', 'b', 'd', 'e']) await delPod(key);
    const left = readdirSync(ipamDir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    assert.deepEqual(left, []);
    pods.clear();
    for (const ns of netnses) deleteNetns(ns);
  });

  test("teardown of one agent keeps the other's safety routes and guard; removes its portmap leftovers, routes, conflist and bridge", async () => {
    // A pod whose DEL never ran (the agent was killed): its netns is gone, portmap's chain is not.
    const confB = JSON.parse(readFileSync(netB.conflistPath, 'utf8')) as CniConflist;
    const ns = newNetns();
    await cniInvoke('ADD', confB, { containerId: `${NET_NAME}-f`, netns: ns, ifName: 'eth0', binDir: BIN_DIR, capabilityArgs: { portMappings: [{ hostPort: hostPort + 1, containerPort: 80, protocol: 'tcp' }] } });
    deleteNetns(ns);
    const intoB = (l: string) => l.includes(`--to-destination 10.${octet}.4.`);
    assert.ok(cniIptablesLines().some(intoB), 'the crashed pod left its DNAT chain');
    await netB.teardown({ removeBridge: true });
    assert.equal(cniIptablesLines().some(intoB), false, "teardown removed the agent's leftover portmap chain");
    assert.equal(cniIptablesLines().some((l) => l.includes(`dnat name: \"${NET_NAME}\"`)), false);
    const objs = nftObjects('inet', NFT_TABLE);
    assert.deepEqual(objs.find((o) => o.set?.name === BRIDGES_SET)?.set?.elem, [brA], "B's bridge left the set");
    assert.deepEqual(objs.flatMap((o) => (o.chain ? [o.chain.name] : [])).sort(), [netA.guard.forwardChain, netA.guard.inputChain].sort(), "A's chains stay, B's are gone");
    assert.equal(existsSync(`/sys/class/net/${brB}`), false);
    assert.equal(existsSync(netB.conflistPath), false);
    assert.equal(routeDev(`10.${octet}.200.7`)?.dev, brA, 'agent A still holds the cluster CIDR');
    assert.equal(routeDev(`10.${octet + 1}.0.10`)?.dev, brA);
    assert.equal(routesExact(cluster).filter((r) => r.type === 'unreachable' && r.metric === FALLBACK_METRIC).length, 1, 'the fallback stays while an agent is left');
    await netA.teardown({ removeBridge: false });
    assert.equal(nftTables().includes(`inet ${NFT_TABLE}`), false, 'the last agent removes the guard table');
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
    const net = await setupNodeNetwork({ bridge: brA, podCIDR: podCidrA(), clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, nftTable: NFT_TABLE, ...d, logger: discardLogger });
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
    const again = await setupNodeNetwork({ bridge: brA, podCIDR: podCidrA(), clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, nftTable: NFT_TABLE, ...d, logger: discardLogger });
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
      const opts = { bridge: brB, clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, nftTable: NFT_TABLE, ...dirs('d'), logger: discardLogger };
      await assert.rejects(setupNodeNetwork(opts), (e: unknown) => e instanceof NodeNetworkError && e.reason === 'Unsafe' && e.message.includes(`10.${octet}.250.0/24`));
    } finally {
      execFileSync('ip', ['link', 'del', 'dev', v0], { stdio: 'ignore' });
    }
    // The routes it added are the safe part; removing them is the caller's teardown.
    const net = await setupNodeNetwork({ bridge: brB, clusterCIDRs: [cluster], serviceCIDRs: [service], networkName: NET_NAME, nftTable: NFT_TABLE, ...dirs('d'), logger: discardLogger });
    await net.teardown({ removeBridge: true });
    assert.deepEqual(routesExact(cluster), []);
  });

  test('after the teardowns nothing of ours is left: no nft table, no portmap chain, no nat table we caused, no bridge, no netns', () => {
    // Teardown did the portmap cleanup itself: the test helper must find nothing more to remove.
    const now = snapshotIptables();
    assert.equal(now.cni.some((l) => l.includes(NET_NAME) || l.includes(`10.${octet}.`)), false);
    const othersActive = now.cni.some((l) => l.startsWith('-A CNI-HOSTPORT-DNAT ') || /^:CNI-DN-/.test(l));
    if (!othersActive && !iptablesBefore.cni.length) {
      assert.deepEqual(now.cni, [], 'no CNI-HOSTPORT chain left');
      for (const t of now.natTables) assert.ok(iptablesBefore.natTables.includes(t), `${t} was created by this run and not removed`);
    }
    assert.equal(nftTables().includes(`inet ${NFT_TABLE}`), false);
    assert.deepEqual(ipJson<{ ifname: string }[]>(['link', 'show']).filter((l) => l.ifname.startsWith(PREFIX)), []);
    assert.deepEqual(sh('ip', ['netns', 'list']).split('\n').filter((l) => l.startsWith(`flt-${RUN}`)), []);
    assert.deepEqual(routesExact(cluster), []);
    assert.deepEqual(routesExact(service), []);
  });
});
