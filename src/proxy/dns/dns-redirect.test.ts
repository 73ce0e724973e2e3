/**
 * The redirect script as text, then for real (root): a pod-like network namespace behind a veth
 * asks 10.96.0.10:53 over UDP and TCP (node's dgram/net inside the namespace, and busybox
 * nslookup) and gets the answer of the DNS server on the host end of the veth. Everything is named
 * flt-<random> and removed at the end: namespace (and its veth), the nft table, the server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { builtinResources } from '../../api/builtin.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient, R } from '../../client/index.js';
import { discardLogger } from '../../lib/log.js';
import { DNS_NAT_PRIORITY, dnsRedirectApplyScript, dnsRedirectRemoveScript } from './dns-redirect.js';
import { startNodeDns } from './node-dns.js';
import { startFakeUpstream } from './testing/dns-client.js';

test('redirect script: per-bridge prerouting and output chains DNAT the cluster DNS IPs on 53 to the target, before the proxy', () => {
  const s = dnsRedirectApplyScript({ bridge: 'flotilla0', clusterDNS: ['10.96.0.10', 'fd00::a'], target: { address: '10.244.0.1', port: 53 } });
  assert.equal(
    s,
    [
      'add table ip flotilla-dns',
      'add chain ip flotilla-dns pre_flotilla0',
      'flush chain ip flotilla-dns pre_flotilla0',
      'delete chain ip flotilla-dns pre_flotilla0',
      'add chain ip flotilla-dns out_flotilla0',
      'flush chain ip flotilla-dns out_flotilla0',
      'delete chain ip flotilla-dns out_flotilla0',
      'add chain ip flotilla-dns pre_flotilla0 { type nat hook prerouting priority -120; policy accept; }',
      'add rule ip flotilla-dns pre_flotilla0 iifname "flotilla0" ip daddr { 10.96.0.10 } meta l4proto { udp, tcp } th dport 53 counter dnat to 10.244.0.1:53 comment "cluster DNS to the node-local server"',
      'add chain ip flotilla-dns out_flotilla0 { type nat hook output priority -120; policy accept; }',
      'add rule ip flotilla-dns out_flotilla0 ip daddr { 10.96.0.10 } meta l4proto { udp, tcp } th dport 53 counter dnat to 10.244.0.1:53 comment "the node\'s own cluster DNS queries"',
      '',
    ].join('\n'),
  );
  assert.ok(DNS_NAT_PRIORITY < -100, 'ahead of dstnat (-100), where the service proxy sits');
  const noHost = dnsRedirectApplyScript({ bridge: 'br-x.1', clusterDNS: ['10.96.0.10'], target: { address: '10.244.0.1', port: 5353 }, fromHost: false, table: 't1' });
  assert.match(noHost, /add chain ip t1 pre_br_x_1 \{/);
  assert.doesNotMatch(noHost, /hook output/);
  assert.doesNotMatch(dnsRedirectApplyScript({ bridge: 'b', clusterDNS: ['fd00::a'], target: { address: '10.0.0.1', port: 53 } }), /add rule/, 'no IPv4 address: chains only removed');
  assert.throws(() => dnsRedirectApplyScript({ bridge: 'b; drop', clusterDNS: [], target: { address: '10.0.0.1', port: 53 } }));
  assert.throws(() => dnsRedirectApplyScript({ bridge: 'b', clusterDNS: [], target: { address: 'fd00::1', port: 53 } }));
  assert.equal(dnsRedirectRemoveScript({ bridge: 'b' }).split('\n').filter((l) => l.startsWith('delete chain')).length, 2);
});

function sh(file: string, args: string[], input?: string): string {
  return execFileSync(file, args, { encoding: 'utf8', timeout: 20_000, ...(input !== undefined ? { input } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Async: the DNS server under test runs in this process, so its event loop must stay free. */
async function shAsync(file: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(file, args, { encoding: 'utf8', timeout: 20_000 });
  return stdout;
}

/** A tiny resolver client run inside the namespace with node: prints the A answers (UDP or TCP). */
const CLIENT = `
const dgram = require('node:dgram'); const net = require('node:net');
const [name, proto] = process.argv.slice(1);
const labels = name.split('.');
const q = Buffer.concat([Buffer.from([0x12,0x34,1,0,0,1,0,0,0,0,0,0]), ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0,0,1,0,1])]);
const parse = (m) => { const an = m.readUInt16BE(6); let o = q.length; const out = []; const skip = () => { for (;;) { const l = m[o]; if (l === 0) { o += 1; return; } if (l >= 192) { o += 2; return; } o += l + 1; } }; for (let i = 0; i < an; i++) { skip(); const type = m.readUInt16BE(o); o += 8; const len = m.readUInt16BE(o); o += 2; if (type === 1) out.push([...m.subarray(o, o + 4)].join('.')); o += len; } console.log(JSON.stringify({ rcode: m[3] & 15, answers: out })); process.exit(0); };
setTimeout(() => { console.log('timeout'); process.exit(1); }, 8000);
if (proto === 'udp') { const s = dgram.createSocket('udp4'); s.on('message', parse); s.send(q, 53, '10.96.0.10'); }
else { const c = net.connect(53, '10.96.0.10', () => { const h = Buffer.alloc(2); h.writeUInt16BE(q.length); c.write(Buffer.concat([h, q])); }); let b = Buffer.alloc(0); c.on('data', (d) => { b = Buffer.concat([b, d]); if (b.length >= 2 && b.length >= 2 + b.readUInt16BE(0)) parse(b.subarray(2)); }); }
`;

test('root: a namespace behind a veth resolves through 10.96.0.10:53 (UDP, TCP, busybox nslookup) via the redirect', { timeout: 60_000 }, async (t) => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (nftables, network namespaces): run it as root');
  try {
    sh('nft', ['--version']);
  } catch {
    throw new Error('nft not found: scripts/setup.sh installs nftables');
  }
  const id = randomBytes(3).toString('hex');
  const nsName = `flt-${id}-dns`;
  const hostIf = `flt${id}h`;
  const podIf = `flt${id}p`;
  const table = `flt-${id}-dns`;
  // A random /30 in 100.64.0.0/10 (shared address space: not on this machine, unlikely in other tests).
  const r = randomBytes(3);
  const net30 = `100.${64 + (r[0]! % 64)}.${r[1]!}.${r[2]! & 0xfc}`;
  const base = net30.split('.').map(Number);
  const gw = `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 1}`;
  const podIP = `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 2}`;
  const api = await startTestServer({ resources: builtinResources() });
  const upstream = await startFakeUpstream({});
  let nodeDns: Awaited<ReturnType<typeof startNodeDns>> | undefined;
  t.after(async () => {
    await nodeDns?.stop().catch(() => undefined);
    for (const cmd of [
      ['ip', 'netns', 'del', nsName],
      ['ip', 'link', 'del', hostIf],
      ['nft', 'delete', 'table', 'ip', table],
    ]) {
      try {
        sh(cmd[0]!, cmd.slice(1));
      } catch {
        /* already gone */
      }
    }
    await upstream.close();
    await api.close();
  });
  sh('ip', ['netns', 'add', nsName]);
  sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', podIf]);
  sh('ip', ['link', 'set', podIf, 'netns', nsName]);
  sh('ip', ['addr', 'add', `${gw}/30`, 'dev', hostIf]);
  sh('ip', ['link', 'set', hostIf, 'up']);
  sh('ip', ['-n', nsName, 'link', 'set', 'lo', 'up']);
  sh('ip', ['-n', nsName, 'addr', 'add', `${podIP}/30`, 'dev', podIf]);
  sh('ip', ['-n', nsName, 'link', 'set', podIf, 'up']);
  sh('ip', ['-n', nsName, 'route', 'add', 'default', 'via', gw]);

  const client = createHttpClient({ server: api.url }, 'dns-redirect-test');
  await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }).catch(() => undefined);
  await client.create(R.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ port: 80, protocol: 'TCP' }] } });
  nodeDns = await startNodeDns({
    client,
    bridge: hostIf,
    gateway: gw,
    port: 0,
    clusterDNS: ['10.96.0.10'],
    upstreams: [{ address: '127.0.0.1', port: upstream.port }],
    fromHost: false,
    nftTable: table,
    logger: discardLogger,
  });
  assert.match(sh('nft', ['list', 'table', 'ip', table]), new RegExp(`dnat to ${gw.replace(/\./g, '\\.')}:${nodeDns.target.port}`));

  for (const proto of ['udp', 'tcp']) {
    const out = (await shAsync('ip', ['netns', 'exec', nsName, process.execPath, '-e', CLIENT, 'web.default.svc.cluster.local', proto])).trim();
    assert.deepEqual(JSON.parse(out), { rcode: 0, answers: ['10.96.0.20'] }, proto);
  }
  const nx = JSON.parse((await shAsync('ip', ['netns', 'exec', nsName, process.execPath, '-e', CLIENT, 'nope.default.svc.cluster.local', 'udp'])).trim());
  assert.equal(nx.rcode, 3);
  const bb = await shAsync('ip', ['netns', 'exec', nsName, 'busybox', 'nslookup', 'web.default.svc.cluster.local', '10.96.0.10']);
  assert.match(bb, /Address:?\s+10\.96\.0\.20/);

  await nodeDns.stop();
  nodeDns = undefined;
  assert.doesNotMatch(sh('nft', ['list', 'table', 'ip', table]), /dnat/, 'stop removes the redirect');
});
