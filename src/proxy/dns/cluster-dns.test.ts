/**
 * The DNS server over real UDP and TCP sockets on 127.0.0.1: a real in-process API server feeds
 * the informers, a fake upstream resolver on 127.0.0.1 stands in for the host's resolvers (no
 * query ever leaves loopback).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { builtinResources } from '../../api/builtin.js';
import { startTestServer, type TestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient, R, type Client } from '../../client/index.js';
import { discardLogger } from '../../lib/log.js';
import { startClusterDns, upstreamsFromResolvConf, type RunningClusterDns } from './cluster-dns.js';
import { parseSimpleQuery } from './dns-server.js';
import { queryTcp, queryUdp, rcodeOf, startFakeUpstream, udpRaw, type FakeUpstream } from './testing/dns-client.js';

let api: TestServer;
let client: Client;
let upstream: FakeUpstream;
let dns: RunningClusterDns;
let port: number;

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const svc = (namespace: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec });
const slice = (namespace: string, name: string, service: string, ips: string[], hostname = false) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace, name, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: ips.map((ip, i) => ({ addresses: [ip], conditions: { ready: true }, ...(hostname ? { hostname: `h-${i}` } : {}) })),
  ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
});

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

before(async () => {
  api = await startTestServer({ resources: builtinResources() });
  client = createHttpClient({ server: api.url }, 'dns-test');
  for (const n of ['default', 'prod']) await client.create(R.namespaces, '', ns(n)).catch(() => undefined);
  await client.create(R.services, 'default', svc('default', 'web', { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  await client.create(R.services, 'prod', svc('prod', 'many', { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  await client.create(R.endpointslices, 'prod', slice('prod', 'many-1', 'many', Array.from({ length: 60 }, (_, i) => `10.244.1.${i + 1}`), true));
  await client.create(R.services, 'prod', svc('prod', 'ext', { type: 'ExternalName', externalName: 'db.example.test' }));
  upstream = await startFakeUpstream({
    'www.example.test': [{ name: 'www.example.test', type: 'A', ttl: 120, class: 'IN', data: '192.0.2.10' }],
    'db.example.test': [{ name: 'db.example.test', type: 'A', ttl: 120, class: 'IN', data: '192.0.2.20' }],
    'big.example.test': Array.from({ length: 50 }, (_, i) => ({ name: 'big.example.test', type: 'A' as const, ttl: 120, class: 'IN' as const, data: `192.0.2.${i + 1}` })),
  });
  dns = await startClusterDns({
    client,
    listen: [{ address: '127.0.0.1', port: 0 }],
    upstreams: [{ address: '127.0.0.1', port: upstream.port }],
    upstreamTimeoutMs: 300,
    logger: discardLogger,
  });
  port = dns.addresses[0]!.port;
});

after(async () => {
  await dns?.stop();
  await upstream?.close();
  await api?.close();
});

test('UDP: a Service name answers its ClusterIP, authoritative, with the query id; unknown names NXDOMAIN with SOA', async () => {
  const r = await queryUdp(port, 'web.default.svc.cluster.local', 'A', { id: 4242 });
  assert.equal(r.id, 4242);
  assert.equal(r.flag_aa, true);
  assert.equal(r.flag_qr, true);
  assert.equal(rcodeOf(r), 'NOERROR');
  assert.deepEqual(r.answers.map((a) => [a.name, a.type, a.ttl, a.data]), [['web.default.svc.cluster.local', 'A', 5, '10.96.0.20']]);
  const nx = await queryUdp(port, 'nope.default.svc.cluster.local');
  assert.equal(rcodeOf(nx), 'NXDOMAIN');
  assert.equal(nx.authorities[0]!.type, 'SOA');
  const nodata = await queryUdp(port, 'web.default.svc.cluster.local', 'AAAA');
  assert.equal(rcodeOf(nodata), 'NOERROR');
  assert.equal(nodata.answers.length, 0);
  const srv = await queryUdp(port, '_http._tcp.web.default.svc.cluster.local', 'SRV');
  assert.deepEqual(srv.answers.map((a) => a.data), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
  assert.equal(upstream.seen.length, 0, 'cluster names never reach the upstream');
});

test('reused answers carry the asker\'s id, question case and flags; the question is echoed as asked', async () => {
  const a = await queryUdp(port, 'web.default.svc.cluster.local', 'A', { id: 1 });
  const b = await queryUdp(port, 'WEB.Default.svc.cluster.local', 'A', { id: 2 });
  const c = await queryUdp(port, 'WEB.Default.svc.cluster.local', 'A', { id: 3, edns: 1232 });
  assert.equal(a.id, 1);
  assert.equal(b.id, 2);
  assert.equal(b.questions![0]!.name, 'WEB.Default.svc.cluster.local');
  assert.deepEqual(b.answers.map((r) => r.data), ['10.96.0.20']);
  assert.ok(c.additionals.some((r) => r.type === 'OPT'), 'an EDNS query gets OPT back, not the answer cached for a plain one');
  assert.ok(!b.additionals.some((r) => r.type === 'OPT'));
  const f1 = await queryUdp(port, 'db.example.test', 'A', { id: 10 });
  const f2 = await queryUdp(port, 'Db.Example.Test', 'A', { id: 11 });
  assert.equal(f2.id, 11);
  assert.equal(f2.questions![0]!.name, 'Db.Example.Test');
  assert.deepEqual(f2.answers.map((r) => r.data), f1.answers.map((r) => r.data));
});

test('parseSimpleQuery: plain queries only', () => {
  const enc = (p: Parameters<typeof dnsPacket.encode>[0]) => dnsPacket.encode(p);
  const plain = parseSimpleQuery(enc({ type: 'query', id: 9, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'A.b', type: 'A', class: 'IN' }] }));
  assert.deepEqual(plain, { key: 'a.b|1|1|256|0', questionEnd: 12 + 5 + 4, udpSize: 512 });
  const edns = parseSimpleQuery(enc({ type: 'query', id: 9, questions: [{ name: 'a.b', type: 'AAAA', class: 'IN' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] }));
  assert.equal(edns?.udpSize, 4096);
  assert.equal(edns?.key, 'a.b|28|1|0|1');
  assert.equal(parseSimpleQuery(enc({ type: 'response', id: 9, questions: [{ name: 'a.b', type: 'A', class: 'IN' }] })), undefined);
  assert.equal(parseSimpleQuery(enc({ type: 'query', id: 9, questions: [{ name: 'a.b', type: 'A', class: 'IN' }, { name: 'c', type: 'A', class: 'IN' }] })), undefined);
  assert.equal(parseSimpleQuery(enc({ type: 'query', id: 9, questions: [{ name: 'a\\.b', type: 'A', class: 'IN' }] })), undefined, 'a dot inside a label');
  assert.equal(parseSimpleQuery(Buffer.alloc(5)), undefined);
});

test('TCP: pipelined queries on one connection', async () => {
  const [a, b] = await queryTcp(port, [{ name: 'web.default.svc.cluster.local' }, { name: '_http._tcp.web.default.svc.cluster.local', type: 'SRV' }]);
  assert.equal(a!.answers[0]!.data, '10.96.0.20');
  assert.equal(b!.answers[0]!.type, 'SRV');
});

test('large answers: UDP without EDNS is truncated to 512 bytes with TC; EDNS 4096 and TCP carry all 60 records', async () => {
  const small = await queryUdp(port, 'many.prod.svc.cluster.local');
  assert.equal(small.flag_tc, true);
  assert.ok(small.size <= 512, `${small.size} bytes`);
  const edns = await queryUdp(port, 'many.prod.svc.cluster.local', 'A', { edns: 4096 });
  assert.equal(edns.flag_tc, false);
  assert.equal(edns.answers.length, 60);
  assert.ok(edns.additionals.some((r) => r.type === 'OPT'), 'OPT echoed');
  const [tcp] = await queryTcp(port, [{ name: 'many.prod.svc.cluster.local' }]);
  assert.equal(tcp!.flag_tc, false);
  assert.equal(tcp!.answers.length, 60);
  const srv = await queryTcp(port, [{ name: '_http._tcp.many.prod.svc.cluster.local', type: 'SRV' }]);
  assert.equal(srv[0]!.answers.length, 60);
  assert.equal((srv[0]!.answers[0]!.data as { target: string }).target, 'h-0.many.prod.svc.cluster.local');
});

test('forwarding: names outside the zone go to the upstream once, then come from the cache (any case) with lower TTLs', async () => {
  const before = upstream.seen.length;
  const a = await queryUdp(port, 'www.example.test');
  assert.equal(rcodeOf(a), 'NOERROR');
  assert.equal(a.flag_aa, false);
  assert.equal(a.flag_ra, true);
  assert.deepEqual(a.answers.map((r) => r.data), ['192.0.2.10']);
  assert.ok(a.answers[0]!.ttl! <= 30, 'forwarded TTLs are capped at the cache maximum');
  const b = await queryUdp(port, 'WWW.Example.Test');
  assert.deepEqual(b.answers.map((r) => r.data), ['192.0.2.10']);
  assert.ok(b.answers[0]!.ttl! <= 30, 'cached answers live at most 30 s');
  assert.deepEqual(upstream.seen.slice(before), ['www.example.test A udp']);
  const nx = await queryUdp(port, 'missing.example.test');
  assert.equal(rcodeOf(nx), 'NXDOMAIN');
  await queryUdp(port, 'missing.example.test');
  assert.equal(upstream.seen.filter((s) => s.startsWith('missing.example.test')).length, 1, 'NXDOMAIN cached');
  assert.ok(dns.stats().cacheHits >= 2);
});

test('forwarding: a truncated upstream answer is passed on over UDP and fetched over TCP for a TCP client', async () => {
  const u = await queryUdp(port, 'big.example.test');
  assert.equal(u.flag_tc, true);
  const [t] = await queryTcp(port, [{ name: 'big.example.test' }]);
  assert.equal(t!.answers.length, 50);
  assert.ok(upstream.seen.includes('big.example.test A tcp'));
});

test('ExternalName outside the zone: CNAME plus the target resolved upstream', async () => {
  const r = await queryUdp(port, 'ext.prod.svc.cluster.local');
  assert.equal(rcodeOf(r), 'NOERROR');
  assert.deepEqual(r.answers.map((a) => [a.type, a.data]), [
    ['CNAME', 'db.example.test'],
    ['A', '192.0.2.20'],
  ]);
});

test('informer updates: a new Service resolves, a deleted one is NXDOMAIN again', async () => {
  await client.create(R.services, 'prod', svc('prod', 'late', { type: 'ClusterIP', clusterIP: '10.96.0.77', clusterIPs: ['10.96.0.77'], ports: [{ port: 80, protocol: 'TCP' }] }));
  const r = await until('late Service', async () => {
    const p = await queryUdp(port, 'late.prod.svc.cluster.local');
    return p.answers.length ? p : undefined;
  });
  assert.equal(r.answers[0]!.data, '10.96.0.77');
  const ptr = await queryUdp(port, '77.0.96.10.in-addr.arpa', 'PTR');
  assert.deepEqual(ptr.answers.map((a) => a.data), ['late.prod.svc.cluster.local']);
  await client.delete(R.services, 'prod', 'late');
  await until('late Service gone', async () => (rcodeOf(await queryUdp(port, 'late.prod.svc.cluster.local')) === 'NXDOMAIN' ? true : undefined));
});

test('malformed and unsupported queries: FORMERR, NOTIMP', async () => {
  const garbage = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
  const raw = await udpRaw(port, garbage);
  assert.ok(raw);
  const p = dnsPacket.decode(raw);
  assert.equal(p.id, 0x1234);
  assert.equal(rcodeOf(p), 'FORMERR');
  const notify = dnsPacket.encode({ type: 'query', id: 7, flags: 4 << 11, questions: [{ name: 'cluster.local', type: 'SOA', class: 'IN' }] });
  const n = await udpRaw(port, notify);
  assert.equal(rcodeOf(dnsPacket.decode(n!)), 'NOTIMP');
});

test('upstream down: SERVFAIL for uncached names, cached ones still answer, cluster names unaffected', async () => {
  await upstream.close();
  const r = await queryUdp(port, 'other.example.test');
  assert.equal(rcodeOf(r), 'SERVFAIL');
  const cached = await queryUdp(port, 'www.example.test');
  assert.equal(rcodeOf(cached), 'NOERROR');
  const local = await queryUdp(port, 'web.default.svc.cluster.local');
  assert.equal(local.answers[0]!.data, '10.96.0.20');
  assert.ok(dns.stats().servfail >= 1);
});

test('resolv.conf nameservers become upstreams on port 53', () => {
  assert.deepEqual(upstreamsFromResolvConf('# x\nsearch a b\nnameserver 192.0.2.1\nnameserver fe80::1%eth0\noptions ndots:1\n'), [
    { address: '192.0.2.1', port: 53 },
    { address: 'fe80::1', port: 53 },
  ]);
});

test('shared informers: started if needed, synced before the server answers, not stopped by stop()', async () => {
  const { createInformerFactory } = await import('../../client/index.js');
  const factory = createInformerFactory(client);
  const shared = { services: factory.for(R.services), endpointSlices: factory.for(R.endpointslices) };
  const d = await startClusterDns({ client, listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [], informers: shared, logger: discardLogger });
  try {
    const r = await queryUdp(d.addresses[0]!.port, 'web.default.svc.cluster.local');
    assert.deepEqual(r.answers.map((a) => a.data), ['10.96.0.20']);
    const f = await queryUdp(d.addresses[0]!.port, 'www.example.test');
    assert.equal(rcodeOf(f), 'SERVFAIL', 'no upstreams: SERVFAIL, nothing sent anywhere');
  } finally {
    await d.stop();
  }
  assert.ok(shared.services.hasSynced());
  assert.ok(shared.services.get('default', 'web'), 'the shared cache is still there');
  factory.stop();
});
