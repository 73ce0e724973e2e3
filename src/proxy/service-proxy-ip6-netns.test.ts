/**
 * The service proxy's IPv6 table on real traffic (root; nftables, network namespaces): a
 * dual-stack Service's IPv6 ClusterIP, from the host, reaches a "pod" (a namespace on a test
 * bridge with a per-run ULA prefix); the IPv4 half goes to the `ip` table of the same run, one
 * transaction. Per-run names (`flt-<hex>`, bridge `f6<hex>`, table `flt-<hex>-ip6`); everything is
 * removed at the end, also on failure. Traffic only to addresses inside our namespace / routed
 * onto our bridge.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { KubeObject } from '../api/types.js';
import { R, type Client } from '../client/types.js';
import { discardLogger } from '../lib/log.js';
import { createNetns, deleteNetns, type Netns } from '../../test/support/netns.js';
import { removeServiceProxyTable, startServiceProxy, type RunningServiceProxy } from './service-proxy.js';
import { fakeInformer } from './testing/fake-informer.js';

const HEX = randomBytes(3).toString('hex');
const BR = `f6${HEX}`;
const TABLE = `flt-${HEX}-ip6`;
/** A per-run ULA /48: fdXX:XXXX:XX00::/48 from the run's random bytes. */
const ULA = `fd${HEX.slice(0, 2)}:${parseInt(HEX.slice(2, 6), 16).toString(16)}:${parseInt(`${HEX.slice(0, 2)}00`, 16).toString(16)}`; // no leading zeros: nft prints addresses that way
const GW6 = `${ULA}::1`;
const POD6 = `${ULA}::10`;
const POD_CIDR6 = `${ULA}::/64`;
const SVC_CIDR6 = `${ULA}:1::/112`;
const VIP6 = `${ULA}:1::20`;
const OCTET = 200 + (parseInt(HEX, 16) % 50);

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

function hostConnect(host: string, port: number, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect [${host}]:${port} timed out`));
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

describe('service proxy, IPv6 table (root; nftables, netns, a test bridge)', () => {
  let ns: Netns | undefined;
  let server: ChildProcess | undefined;
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
    sh('ip', ['link', 'add', BR, 'type', 'bridge']);
    sh('ip', ['-6', 'addr', 'add', `${GW6}/64`, 'dev', BR, 'nodad']);
    sh('ip', ['link', 'set', BR, 'up']);
    sh('ip', ['-6', 'route', 'add', SVC_CIDR6, 'dev', BR]);
    ns = createNetns(`flt-${HEX}`);
    sh('ip', ['link', 'add', `f6${HEX}v`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
    sh('ip', ['link', 'set', `f6${HEX}v`, 'master', BR]);
    sh('ip', ['link', 'set', `f6${HEX}v`, 'up']);
    sh('ip', ['-n', ns.name, '-6', 'addr', 'add', `${POD6}/64`, 'dev', 'eth0', 'nodad']);
    sh('ip', ['-n', ns.name, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', ns.name, '-6', 'route', 'add', 'default', 'via', GW6]);
    const script = `require('net').createServer(s=>s.end('pod0 '+s.remoteAddress+'\\n')).listen(8080,'::',()=>console.log('ready'))`;
    server = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('server not ready in 10 s')), 10_000);
      server!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && (clearTimeout(t), resolve()));
    });
    services.set({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: 'default', name: 'web' },
      spec: { type: 'ClusterIP', clusterIP: `10.${OCTET}.31.20`, clusterIPs: [`10.${OCTET}.31.20`, VIP6], ipFamilies: ['IPv4', 'IPv6'], ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
    });
    slices.set({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace: 'default', name: 'web-v6', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv6',
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
      endpoints: [{ addresses: [POD6], conditions: { ready: true } }],
    });
    proxy = await startServiceProxy({
      client: {} as Client,
      nodeName: 'n1',
      clusterCIDRs: [`10.${OCTET}.30.0/24`, POD_CIDR6],
      serviceCIDRs: [`10.${OCTET}.31.0/24`, SVC_CIDR6],
      logger: discardLogger,
      informers: { services, endpointSlices: slices },
      table: TABLE,
      conntrack: false,
    });
  });

  after(async () => {
    await proxy?.stop();
    await removeServiceProxyTable({ table: TABLE });
    if (server?.exitCode === null && server.pid) server.kill('SIGKILL');
    if (ns) deleteNetns(ns);
    quiet('ip', ['-6', 'route', 'del', SVC_CIDR6, 'dev', BR]);
    quiet('ip', ['link', 'del', BR]);
  });

  test('the IPv6 ClusterIP reaches the IPv6 endpoint; an unknown port of it is refused; both tables exist and go together', async () => {
    const line = await hostConnect(VIP6, 80);
    assert.match(line, /^pod0 /, line);
    await assert.rejects(hostConnect(VIP6, 81), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    const tables = () => sh('nft', ['list', 'tables']);
    assert.match(tables(), new RegExp(`table ip ${TABLE}\\b`));
    assert.match(tables(), new RegExp(`table ip6 ${TABLE}\\b`));
    assert.match(sh('nft', ['list', 'chain', 'ip6', TABLE, 'service-default/web/tcp/http']), new RegExp(`dnat to \\[${POD6}\\]:8080`));
    await proxy!.stop();
    proxy = undefined;
    assert.deepEqual(await removeServiceProxyTable({ table: TABLE }), { ok: true });
    assert.doesNotMatch(tables(), new RegExp(TABLE));
  });
});
