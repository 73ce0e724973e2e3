/** startServiceProxy over fake informers and a recording nft (no root needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { R } from '../client/types.js';
import type { Client } from '../client/types.js';
import { createLogger, type LogRecord } from '../lib/log.js';
import { proxyModeNotice, removeServiceProxyTable, startServiceProxy } from './service-proxy.js';
import { fakeInformer } from './testing/fake-informer.js';
import { CONNTRACK_MISSING, type ConntrackDelete, type ConntrackList, type NftApply } from './nft.js';
import { conntrackDeleteArgs } from './nftables/conntrack.js';

const service = (name: string, ip: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'default', name },
  spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
});
const slice = (svc: string, ips: string[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: `${svc}-x`, labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
});

function setup(opts: { fail?: (script: string) => boolean; minSyncPeriodMs?: number; mode?: string; syncPeriodMs?: number; tableExists?: () => Promise<boolean>; conntrack?: ConntrackDelete; conntrackList?: ConntrackList; serviceCIDRs?: string[] } = {}) {
  const services = fakeInformer(R.services);
  const slices = fakeInformer(R.endpointslices);
  const nodes = fakeInformer(R.nodes);
  const scripts: string[] = [];
  /** Scripts and conntrack calls in order (`ct <args>`). */
  const calls: string[] = [];
  const conntrack: ConntrackDelete =
    opts.conntrack ??
    (async (filters) => {
      for (const f of filters) calls.push(`ct ${conntrackDeleteArgs(f).join(' ')}`);
      return { ok: true, deleted: filters.length };
    });
  const nft: NftApply = async (s) => {
    scripts.push(s);
    calls.push('nft');
    return opts.fail?.(s) ? { ok: false, error: 'Error: No such file or directory' } : { ok: true };
  };
  const logs: LogRecord[] = [];
  const logger = createLogger((r) => logs.push(r), { verbosity: 4 });
  const start = () =>
    startServiceProxy({
      client: {} as Client,
      nodeName: 'n1',
      clusterCIDRs: ['10.244.0.0/16', 'fd00::/48'],
      serviceCIDRs: opts.serviceCIDRs ?? ['10.96.0.0/16'],
      logger,
      informers: { services, endpointSlices: slices, nodes },
      nft,
      conntrack,
      ...(opts.conntrackList ? { conntrackList: opts.conntrackList } : {}),
      tableExists: opts.tableExists ?? (async () => true),
      ...(opts.syncPeriodMs !== undefined ? { syncPeriodMs: opts.syncPeriodMs } : {}),
      table: 'flt-test',
      minSyncPeriodMs: opts.minSyncPeriodMs ?? 0,
      ...(opts.mode !== undefined ? { mode: opts.mode } : {}),
    });
  return { services, slices, nodes, scripts, calls, logs, start };
}

test('proxy mode: ipvs and iptables fall back to nftables with one clear line; nftables and empty are silent', async () => {
  assert.match(proxyModeNotice('ipvs')!, /IPVS is not available.*using nftables/);
  assert.match(proxyModeNotice('iptables')!, /using nftables/);
  assert.equal(proxyModeNotice('nftables'), undefined);
  assert.equal(proxyModeNotice(''), undefined);
  const s = setup({ mode: 'ipvs' });
  const p = await s.start();
  await p.stop();
  assert.equal(s.logs.filter((l) => l.level === 'warn' && /ipvs/.test(l.msg)).length, 1);
});

test('start: one full sync replacing our table; then one Service change sends only that Service\'s delta', async () => {
  const s = setup();
  for (let i = 0; i < 50; i++) {
    s.services.set(service(`svc${i}`, `10.96.1.${i}`));
    s.slices.set(slice(`svc${i}`, [`10.244.0.${i + 2}`]));
  }
  const p = await s.start();
  try {
    assert.equal(s.scripts.length, 1);
    assert.match(s.scripts[0]!, /^add table ip flt-test\ndelete table ip flt-test\n/);
    assert.equal(s.scripts[0]!.match(/^add element ip flt-test service-ips/gm)?.length, 1, 'elements batched');
    assert.equal(p.stats().services, 50);
    s.slices.set(slice('svc7', ['10.244.0.9', '10.244.5.5']));
    await p.syncNow();
    assert.equal(s.scripts.length, 2);
    const delta = s.scripts[1]!;
    assert.ok(!/svc(?!7\/)\d+/.test(delta), 'no other Service in the delta');
    assert.match(delta, /^add rule ip flt-test service-default\/svc7\/tcp\/http ip saddr != 10\.244\.5\.5 meta l4proto tcp dnat to 10\.244\.5\.5:8080$/m);
    assert.ok(!delta.includes('10.244.0.0/16,') && !delta.includes('fd00'), 'IPv6 CIDRs are not used in the ip table');
    // Unchanged state: nothing sent.
    s.services.set(service('svc7', '10.96.1.7'));
    await p.syncNow();
    assert.equal(s.scripts.length, 2);
    s.services.remove('default', 'svc3');
    await p.syncNow();
    assert.match(s.scripts[2]!, /delete element ip flt-test service-ips \{ 10\.96\.1\.3 \. tcp \. 80 \}/);
    assert.equal(p.stats().services, 49);
  } finally {
    await p.stop();
  }
});

test('rate limit: events of one tick share a sync; two syncs back to back, then one per minSyncPeriod', async () => {
  const s = setup({ minSyncPeriodMs: 400 });
  const p = await s.start();
  const waitFor = async (n: number) => {
    const t0 = Date.now();
    while (s.scripts.length < n && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
    return Date.now();
  };
  try {
    await new Promise((r) => setTimeout(r, 450)); // the start's sync took a token; let it refill
    const t0 = Date.now();
    s.services.set(service('a', '10.96.2.1'));
    s.services.set(service('b', '10.96.2.2'));
    s.slices.set(slice('a', ['10.244.0.2']));
    const t1 = await waitFor(2);
    assert.equal(s.scripts.length, 2, 'one delta for three events of one tick');
    assert.ok(t1 - t0 < 200, 'at once');
    assert.match(s.scripts[1]!, /default\/a\/tcp\/http/);
    assert.match(s.scripts[1]!, /no-endpoint-services \{ 10\.96\.2\.2 \. tcp \. 80 : goto reject-chain \}/);
    s.slices.set(slice('b', ['10.244.0.3']));
    const t2 = await waitFor(3);
    assert.ok(t2 - t1 < 200, 'the burst allows a second sync at once');
    s.slices.set(slice('b', ['10.244.0.4']));
    const t3 = await waitFor(4);
    assert.equal(s.scripts.length, 4);
    assert.ok(t3 - t2 >= 250, `then the min sync period applies (${t3 - t2} ms)`);
  } finally {
    await p.stop();
  }
});

test('a failed delta makes the next sync a full one; a failed first sync rejects the start', async () => {
  let failNext = false;
  const s = setup({ fail: () => failNext && !(failNext = false) });
  s.services.set(service('a', '10.96.2.1'));
  const p = await s.start();
  try {
    failNext = true;
    s.slices.set(slice('a', ['10.244.0.2']));
    await p.syncNow();
    assert.equal(p.stats().failures, 1);
    await p.syncNow();
    assert.match(s.scripts.at(-1)!, /^add table ip flt-test\ndelete table/);
    assert.match(s.scripts.at(-1)!, /service-default\/a\/tcp\/http ip saddr != 10\.244\.0\.2 meta l4proto tcp dnat to 10\.244\.0\.2:8080/);
  } finally {
    await p.stop();
  }
  const bad = setup({ fail: () => true });
  await assert.rejects(bad.start(), /full sync of table ip flt-test failed/);
  const seen: string[] = [];
  assert.deepEqual(await removeServiceProxyTable({ table: 'flt-test', nft: async (x) => (seen.push(x), { ok: true }) }), { ok: true });
  assert.deepEqual(seen, ['add table ip flt-test\ndelete table ip flt-test\nadd table ip6 flt-test\ndelete table ip6 flt-test\n'], 'both families, one transaction');
});

test('every syncPeriod: nothing is sent while the table is there; a lost table is replaced by a full sync', async () => {
  let exists = true;
  const s = setup({ syncPeriodMs: 50, tableExists: async () => exists });
  s.services.set(service('a', '10.96.2.1'));
  const p = await s.start();
  try {
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(s.scripts.length, 1, 'no periodic traffic');
    exists = false;
    const t0 = Date.now();
    while (s.scripts.length < 2 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
    assert.match(s.scripts[1]!, /^add table ip flt-test\ndelete table ip flt-test\n/);
    assert.equal(p.stats().fullSyncs, 2);
  } finally {
    await p.stop();
  }
});

const udpService = (name: string, ip: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'default', name },
  spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }] },
});
const udpSlice = (svc: string, ips: string[]): KubeObject => ({ ...slice(svc, ips), ports: [{ name: 'dns', protocol: 'UDP', port: 5353 }] });

test('UDP: after the delta that replaces an endpoint is applied, the entries DNATed to the old one are deleted; TCP changes never call conntrack', async () => {
  const s = setup();
  s.services.set(udpService('dns', '10.96.0.10'));
  s.slices.set(udpSlice('dns', ['10.244.0.5']));
  s.services.set(service('web', '10.96.0.20'));
  s.slices.set(slice('web', ['10.244.0.6']));
  const p = await s.start();
  try {
    assert.deepEqual(s.calls, ['nft', 'ct -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.96.0.10'], 'at start: only entries never DNATed');
    s.calls.length = 0;
    s.slices.set(udpSlice('dns', ['10.244.0.9']));
    await p.syncNow();
    assert.deepEqual(s.calls, ['nft', 'ct -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.0.5']);
    s.calls.length = 0;
    s.slices.set(slice('web', ['10.244.0.7']));
    await p.syncNow();
    assert.deepEqual(s.calls, ['nft']);
    assert.equal(p.stats().conntrackDeleted, 2);
  } finally {
    await p.stop();
  }
});

test('UDP: a missing conntrack tool is one clear error; rules are still applied', async () => {
  const s = setup({ conntrack: async () => ({ ok: false, error: CONNTRACK_MISSING, missing: true, deleted: 0 }) });
  s.services.set(udpService('dns', '10.96.0.10'));
  s.slices.set(udpSlice('dns', ['10.244.0.5']));
  const p = await s.start();
  try {
    s.slices.set(udpSlice('dns', ['10.244.0.9']));
    await p.syncNow();
    assert.equal(s.scripts.length, 2);
    assert.equal(p.stats().conntrackFailures, 2);
    const errs = s.logs.filter((l) => l.level === 'error');
    assert.equal(errs.length, 1);
    assert.match(errs[0]!.msg, /conntrack not found.*install the Debian package conntrack/);
  } finally {
    await p.stop();
  }
});

test('topology: the Node\'s zone label picks the zone-hinted endpoints; a zone change recomputes every Service', async () => {
  const s = setup();
  const hinted = (svc: string): KubeObject => ({
    ...slice(svc, []),
    endpoints: [
      { addresses: ['10.244.0.5'], conditions: { ready: true }, hints: { forZones: [{ name: 'zone-a' }] } },
      { addresses: ['10.244.0.6'], conditions: { ready: true }, hints: { forZones: [{ name: 'zone-b' }] } },
    ],
  });
  s.nodes.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } });
  s.nodes.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'other', labels: { 'topology.kubernetes.io/zone': 'zone-c' } } });
  for (const n of ['a', 'b']) {
    s.services.set(service(n, n === 'a' ? '10.96.3.1' : '10.96.3.2'));
    s.slices.set(hinted(n));
  }
  const p = await s.start();
  try {
    assert.equal(p.stats().zone, 'zone-a');
    assert.match(s.scripts[0]!, /dnat to 10\.244\.0\.5:8080/);
    assert.doesNotMatch(s.scripts[0]!, /10\.244\.0\.6/);
    s.nodes.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-b' } } });
    await p.syncNow();
    assert.equal(s.scripts.length, 2);
    assert.match(s.scripts[1]!, /service-default\/a\/tcp\/http .*dnat to 10\.244\.0\.6:8080/);
    assert.match(s.scripts[1]!, /service-default\/b\/tcp\/http .*dnat to 10\.244\.0\.6:8080/);
    assert.doesNotMatch(s.scripts[1]!, /dnat to 10\.244\.0\.5/);
    // Another node's label, or a Node update that keeps our zone: nothing.
    s.nodes.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'other', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } });
    s.nodes.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-b', x: 'y' } } });
    await p.syncNow();
    assert.equal(s.scripts.length, 2);
  } finally {
    await p.stop();
  }
});

test('dual-stack: an IPv6 service CIDR adds table ip6 in the same transaction; a change of the IPv6 half only touches it', async () => {
  const single = setup();
  const p1 = await single.start();
  await p1.stop();
  assert.doesNotMatch(single.scripts[0]!, /ip6/, 'IPv4 single-stack: no ip6 table');
  const s = setup({ serviceCIDRs: ['10.96.0.0/16', 'fd00:96::/112'] });
  const dual = (): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'default', name: 'web' },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20', 'fd00:96::20'], ipFamilies: ['IPv4', 'IPv6'], ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
  });
  const v6slice = (ip: string): KubeObject => ({ ...slice('web', []), metadata: { namespace: 'default', name: 'web-v6', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv6', endpoints: [{ addresses: [ip], conditions: { ready: true } }] });
  s.services.set(dual());
  s.slices.set(slice('web', ['10.244.0.5']));
  s.slices.set(v6slice('fd00::5'));
  const p = await s.start();
  try {
    const full = s.scripts[0]!;
    assert.match(full, /^add table ip flt-test\ndelete table ip flt-test\n/);
    assert.match(full, /\nadd table ip6 flt-test\ndelete table ip6 flt-test\n/);
    assert.match(full, /add rule ip flt-test service-default\/web\/tcp\/http ip saddr != 10\.244\.0\.5 meta l4proto tcp dnat to 10\.244\.0\.5:8080/);
    assert.match(full, /add rule ip6 flt-test service-default\/web\/tcp\/http ip6 saddr != fd00::5 meta l4proto tcp dnat to \[fd00::5\]:8080/);
    assert.match(full, /add rule ip6 flt-test service-default\/web\/tcp\/http ip6 daddr fd00:96::20 tcp dport 80 ip6 saddr != fd00::\/48 jump mark-for-masquerade/);
    s.slices.set(v6slice('fd00::6'));
    await p.syncNow();
    assert.equal(s.scripts.length, 2);
    assert.doesNotMatch(s.scripts[1]!, / ip flt-test /, 'the IPv4 table is not touched');
    assert.match(s.scripts[1]!, /^flush chain ip6 flt-test service-default\/web\/tcp\/http$/m);
    assert.equal(p.stats().services, 1);
  } finally {
    await p.stop();
  }
});

test('UDP: a full sync reconciles a conntrack listing — entries to an endpoint that went away while the agent was down are deleted; deltas do not list', async () => {
  const listed: string[] = [];
  const s = setup({
    conntrackList: async (family) => {
      listed.push(family);
      return {
        ok: true,
        text: [
          'udp      17 28 src=10.244.0.7 dst=10.96.0.10 sport=40053 dport=53 src=10.244.0.4 dst=10.244.0.7 sport=5353 dport=40053 mark=0 use=1',
          'udp      17 28 src=10.244.0.8 dst=10.96.0.10 sport=40054 dport=53 src=10.244.0.5 dst=10.244.0.8 sport=5353 dport=40054 mark=0 use=1',
          'udp      17 28 src=10.244.0.8 dst=10.96.9.9 sport=40055 dport=53 src=10.244.0.4 dst=10.244.0.8 sport=5353 dport=40055 mark=0 use=1',
        ].join('\n'),
      };
    },
  });
  s.services.set(udpService('dns', '10.96.0.10'));
  s.slices.set(udpSlice('dns', ['10.244.0.5']));
  const p = await s.start();
  try {
    assert.deepEqual(listed, ['ipv4']);
    assert.deepEqual(s.calls, [
      'nft',
      'ct -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.96.0.10',
      'ct -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.0.4',
    ]);
    s.slices.set(udpSlice('dns', ['10.244.0.6']));
    await p.syncNow();
    assert.deepEqual(listed, ['ipv4'], 'no listing for a delta');
  } finally {
    await p.stop();
  }
});
