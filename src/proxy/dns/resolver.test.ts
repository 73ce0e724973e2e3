import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../../api/types.js';
import { ClusterIndex } from './cluster-index.js';
import { canonicalIP, ipFromDashed, ipFromReverseName, reverseName } from './ip.js';
import { resolveQuestion, type Resolution, type ZoneConfig } from './resolver.js';

const cfg: ZoneConfig = { zone: 'cluster.local', ttl: 5 };

function svc(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec } as KubeObject;
}
function slice(ns: string, name: string, service: string, endpoints: unknown[], ports: unknown[] = []): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints,
    ports,
  } as KubeObject;
}

function fixture(): ClusterIndex {
  const ix = new ClusterIndex();
  ix.setService(svc('default', 'kubernetes', { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', protocol: 'TCP', port: 443 }] }));
  ix.setService(
    svc('prod', 'Web', {
      type: 'ClusterIP',
      clusterIPs: ['10.96.10.20', 'fd00:10:96::14'],
      ports: [
        { name: 'http', protocol: 'TCP', port: 80 },
        { name: 'dns', protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 9000 },
      ],
    }),
  );
  ix.setService(svc('prod', 'db', { clusterIP: 'None', ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }] }));
  ix.setSlice(
    slice('prod', 'db-abc', 'db', [
      { addresses: ['10.244.0.5'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.244.0.6'], conditions: { ready: true } },
      { addresses: ['10.244.0.7'], hostname: 'db-2', conditions: { ready: false } },
      { addresses: ['10.244.0.8'] },
    ]),
  );
  ix.setService(svc('prod', 'empty', { clusterIP: 'None' }));
  ix.setService(svc('prod', 'ext', { type: 'ExternalName', externalName: 'db.example.com.' }));
  ix.setService(svc('prod', 'alias', { type: 'ExternalName', externalName: 'web.prod.svc.cluster.local' }));
  return ix;
}

function ans(r: Resolution) {
  assert.equal(r.kind, 'answer');
  if (r.kind !== 'answer') throw new Error('unreachable');
  return r;
}
const data = (r: Resolution) => ans(r).answers.map((a) => (typeof a.data === 'string' ? a.data : a.data));
const q = (ix: ClusterIndex, name: string, type = 'A') => resolveQuestion({ name, type }, ix, cfg, 7);

test('ClusterIP Service: A and AAAA from clusterIPs, TTL 5, authoritative names; AAAA of IPv4-only is NODATA', () => {
  const ix = fixture();
  const a = ans(q(ix, 'kubernetes.default.svc.cluster.local'));
  assert.equal(a.rcode, 'NOERROR');
  assert.deepEqual(a.answers, [{ name: 'kubernetes.default.svc.cluster.local', ttl: 5, class: 'IN', type: 'A', data: '10.96.0.1' }]);
  assert.deepEqual(data(q(ix, 'web.prod.svc.cluster.local', 'AAAA')), ['fd00:10:96::14']);
  const nodata = ans(q(ix, 'kubernetes.default.svc.cluster.local', 'AAAA'));
  assert.equal(nodata.rcode, 'NOERROR');
  assert.equal(nodata.answers.length, 0);
  assert.equal(nodata.authorities[0]!.type, 'SOA');
  assert.equal(nodata.authorities[0]!.name, 'cluster.local');
  const soa = nodata.authorities[0]!.data as { mname: string; minimum: number; serial: number };
  assert.equal(soa.mname, 'ns.dns.cluster.local');
  assert.equal(soa.minimum, 5);
  assert.equal(soa.serial, 7);
});

test('comparisons are case-insensitive and a trailing dot is accepted', () => {
  const ix = fixture();
  assert.deepEqual(data(q(ix, 'WEB.Prod.SVC.Cluster.Local.')), ['10.96.10.20']);
  assert.deepEqual(data(q(ix, '_HTTP._TCP.web.prod.svc.cluster.local', 'SRV')).length, 1);
});

test('headless Service: ready endpoint IPs only; no ready endpoint is NODATA, not NXDOMAIN', () => {
  const ix = fixture();
  assert.deepEqual(data(q(ix, 'db.prod.svc.cluster.local')), ['10.244.0.5', '10.244.0.6', '10.244.0.8']);
  const e = ans(q(ix, 'empty.prod.svc.cluster.local'));
  assert.equal(e.rcode, 'NOERROR');
  assert.deepEqual(e.answers, []);
  assert.equal(e.authorities[0]!.type, 'SOA');
});

test('endpoint names: <hostname>.<svc>.<ns>.svc.<zone> and the dashed address for endpoints without hostname', () => {
  const ix = fixture();
  assert.deepEqual(data(q(ix, 'db-0.db.prod.svc.cluster.local')), ['10.244.0.5']);
  assert.deepEqual(data(q(ix, '10-244-0-6.db.prod.svc.cluster.local')), ['10.244.0.6']);
  assert.equal(ans(q(ix, 'db-2.db.prod.svc.cluster.local')).rcode, 'NXDOMAIN', 'not ready');
  assert.equal(ans(q(ix, 'nope.db.prod.svc.cluster.local')).rcode, 'NXDOMAIN');
});

test('SRV for named ports: ClusterIP → the Service name; headless → one per ready endpoint; unnamed ports have none', () => {
  const ix = fixture();
  const a = ans(q(ix, '_https._tcp.kubernetes.default.svc.cluster.local', 'SRV'));
  assert.deepEqual(a.answers.map((r) => r.data), [{ priority: 0, weight: 100, port: 443, target: 'kubernetes.default.svc.cluster.local' }]);
  assert.deepEqual(a.additionals.map((r) => [r.name, r.type, r.data]), [['kubernetes.default.svc.cluster.local', 'A', '10.96.0.1']]);
  const dns = ans(q(ix, '_dns._udp.web.prod.svc.cluster.local', 'SRV'));
  assert.equal((dns.answers[0]!.data as { port: number }).port, 53);
  assert.equal(ans(q(ix, '_dns._tcp.web.prod.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN', 'wrong protocol');
  assert.equal(ans(q(ix, '_9000._tcp.web.prod.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN', 'unnamed port');
  const h = ans(q(ix, '_pg._tcp.db.prod.svc.cluster.local', 'SRV'));
  assert.deepEqual(
    h.answers.map((r) => (r.data as { target: string; port: number }).target),
    ['db-0.db.prod.svc.cluster.local', '10-244-0-6.db.prod.svc.cluster.local', '10-244-0-8.db.prod.svc.cluster.local'],
  );
  assert.ok(h.answers.every((r) => (r.data as { port: number }).port === 5432));
  assert.equal(h.additionals.length, 3);
  // An A question on an SRV name is NODATA; `_tcp.<svc>` is an empty non-terminal.
  const nd = ans(q(ix, '_pg._tcp.db.prod.svc.cluster.local', 'A'));
  assert.equal(nd.rcode, 'NOERROR');
  assert.equal(nd.answers.length, 0);
  assert.equal(ans(q(ix, '_tcp.db.prod.svc.cluster.local', 'A')).rcode, 'NOERROR');
  assert.equal(ans(q(ix, '_sctp.db.prod.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
  // SRV at the Service name itself: every named port (CoreDNS).
  assert.equal(ans(q(ix, 'web.prod.svc.cluster.local', 'SRV')).answers.length, 2);
});

test('ExternalName: CNAME for every type; a target outside the zone is left to chase; one inside is followed', () => {
  const ix = fixture();
  const a = ans(q(ix, 'ext.prod.svc.cluster.local'));
  assert.deepEqual(a.answers.map((r) => [r.type, r.data]), [['CNAME', 'db.example.com']]);
  assert.equal(a.chase, 'db.example.com');
  const c = ans(q(ix, 'ext.prod.svc.cluster.local', 'CNAME'));
  assert.equal(c.chase, undefined);
  const inz = ans(q(ix, 'alias.prod.svc.cluster.local'));
  assert.deepEqual(inz.answers.map((r) => [r.name, r.type, r.data]), [
    ['alias.prod.svc.cluster.local', 'CNAME', 'web.prod.svc.cluster.local'],
    ['web.prod.svc.cluster.local', 'A', '10.96.10.20'],
  ]);
  assert.equal(inz.chase, undefined);
  assert.equal(ans(q(ix, 'x.ext.prod.svc.cluster.local')).rcode, 'NXDOMAIN');
});

test('pod records a-b-c-d.<ns>.pod.<zone> (and dashed IPv6); invalid ones NXDOMAIN; disabled mode', () => {
  const ix = fixture();
  assert.deepEqual(data(q(ix, '10-244-1-9.prod.pod.cluster.local')), ['10.244.1.9']);
  assert.deepEqual(data(q(ix, 'fd00-10-244--9.prod.pod.cluster.local', 'AAAA')), ['fd00:10:244::9']);
  assert.equal(ans(q(ix, '10-244-1-9.prod.pod.cluster.local', 'AAAA')).answers.length, 0);
  assert.equal(ans(q(ix, '10-244-1-999.prod.pod.cluster.local')).rcode, 'NXDOMAIN');
  assert.equal(ans(q(ix, 'x.10-244-1-9.prod.pod.cluster.local')).rcode, 'NXDOMAIN');
  assert.equal(ans(resolveQuestion({ name: '10-244-1-9.prod.pod.cluster.local', type: 'A' }, ix, { ...cfg, pods: 'disabled' })).rcode, 'NXDOMAIN');
});

test('NXDOMAIN vs NODATA across the zone, search-path expansions are NXDOMAIN', () => {
  const ix = fixture();
  const rc = (name: string, type = 'A') => {
    const r = ans(q(ix, name, type));
    return r.rcode === 'NOERROR' && r.answers.length === 0 ? 'NODATA' : r.rcode;
  };
  assert.equal(rc('cluster.local'), 'NODATA');
  assert.equal(rc('svc.cluster.local'), 'NODATA');
  assert.equal(rc('prod.svc.cluster.local'), 'NODATA');
  assert.equal(rc('pod.cluster.local'), 'NODATA');
  assert.equal(rc('nope.svc.cluster.local'), 'NXDOMAIN', 'namespace without Services');
  assert.equal(rc('missing.prod.svc.cluster.local'), 'NXDOMAIN');
  assert.equal(rc('foo.cluster.local'), 'NXDOMAIN');
  assert.equal(rc('web.prod.svc.cluster.local.cluster.local'), 'NXDOMAIN');
  assert.equal(rc('web.prod.svc.cluster.local.prod.svc.cluster.local'), 'NXDOMAIN');
  assert.equal(rc('web.prod.svc.cluster.local.svc.cluster.local'), 'NXDOMAIN');
  assert.equal(rc('web.prod.svc.cluster.local', 'MX'), 'NODATA');
  const nx = ans(q(ix, 'missing.prod.svc.cluster.local'));
  assert.equal(nx.authorities[0]!.type, 'SOA', 'NXDOMAIN carries the SOA');
});

test('zone apex SOA/NS and dns-version TXT', () => {
  const ix = fixture();
  assert.equal(ans(q(ix, 'cluster.local', 'SOA')).answers[0]!.type, 'SOA');
  assert.deepEqual(data(q(ix, 'cluster.local', 'NS')), ['ns.dns.cluster.local']);
  assert.deepEqual(data(q(ix, 'dns-version.cluster.local', 'TXT')), [['1.1.0']]);
});

test('names outside the zone are forwarded; reverse names of Service IPs and headless endpoints get PTR', () => {
  const ix = fixture();
  assert.deepEqual(q(ix, 'example.com'), { kind: 'forward' });
  assert.deepEqual(q(ix, 'local'), { kind: 'forward' });
  assert.deepEqual(q(ix, 'xcluster.local'), { kind: 'forward' });
  assert.deepEqual(data(q(ix, '1.0.96.10.in-addr.arpa', 'PTR')), ['kubernetes.default.svc.cluster.local']);
  assert.deepEqual(data(q(ix, reverseName('fd00:10:96::14')!, 'PTR')), ['web.prod.svc.cluster.local']);
  assert.deepEqual(data(q(ix, '5.0.244.10.IN-ADDR.ARPA.', 'PTR')), ['db-0.db.prod.svc.cluster.local']);
  assert.deepEqual(data(q(ix, '6.0.244.10.in-addr.arpa', 'PTR')), ['10-244-0-6.db.prod.svc.cluster.local']);
  assert.deepEqual(q(ix, '9.9.96.10.in-addr.arpa', 'PTR'), { kind: 'forward' }, 'unknown address: fall through');
  assert.deepEqual(q(ix, '1.1.168.192.in-addr.arpa', 'PTR'), { kind: 'forward' });
  const nodata = ans(q(ix, '1.0.96.10.in-addr.arpa', 'A'));
  assert.equal(nodata.answers.length, 0);
  assert.equal(nodata.authorities[0]!.name, 'in-addr.arpa');
});

test('index: updates and deletes of Services and slices, several slices per Service, slices before their Service', () => {
  const ix = new ClusterIndex();
  ix.setSlice(slice('ns', 's-1', 'h', [{ addresses: ['10.244.0.1'] }]));
  ix.setSlice(slice('ns', 's-2', 'h', [{ addresses: ['10.244.0.2'] }, { addresses: ['10.244.0.1'] }]));
  assert.equal(ans(q(ix, 'h.ns.svc.cluster.local')).rcode, 'NXDOMAIN', 'no Service yet');
  ix.setService(svc('ns', 'h', { clusterIP: 'None' }));
  assert.deepEqual(data(q(ix, 'h.ns.svc.cluster.local')), ['10.244.0.1', '10.244.0.2']);
  ix.setSlice(slice('ns', 's-1', 'h', [{ addresses: ['10.244.0.3'], conditions: { ready: true } }]));
  assert.deepEqual(data(q(ix, 'h.ns.svc.cluster.local')), ['10.244.0.3', '10.244.0.2', '10.244.0.1']);
  ix.deleteSlice('ns', 's-2');
  assert.deepEqual(data(q(ix, 'h.ns.svc.cluster.local')), ['10.244.0.3']);
  assert.deepEqual(data(q(ix, '3.0.244.10.in-addr.arpa', 'PTR')), ['10-244-0-3.h.ns.svc.cluster.local']);
  ix.setService(svc('ns', 'h', { clusterIP: '10.96.0.50' }));
  assert.deepEqual(data(q(ix, 'h.ns.svc.cluster.local')), ['10.96.0.50']);
  ix.deleteService('ns', 'h');
  assert.equal(ans(q(ix, 'h.ns.svc.cluster.local')).rcode, 'NXDOMAIN');
  assert.equal(ans(q(ix, 'ns.svc.cluster.local')).rcode, 'NXDOMAIN', 'namespace gone with its last Service');
  assert.deepEqual(q(ix, '3.0.244.10.in-addr.arpa', 'PTR'), { kind: 'forward' });
  ix.deleteService('ns', 'h');
  ix.deleteSlice('ns', 'nope');
});

test('ip helpers: canonical text, dashed and reverse forms', () => {
  assert.equal(canonicalIP('FD00:0:0:0:0:0:0:1'), 'fd00::1');
  assert.equal(canonicalIP('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalIP('::ffff:10.0.0.1'), '::ffff:a00:1');
  assert.equal(canonicalIP('10.0.0.01'), undefined);
  assert.equal(canonicalIP('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(ipFromDashed('10-0-0-1'), '10.0.0.1');
  assert.equal(ipFromDashed('fd00--1'), 'fd00::1');
  assert.equal(ipFromDashed('web'), undefined);
  assert.equal(reverseName('10.96.0.10'), '10.0.96.10.in-addr.arpa');
  assert.equal(ipFromReverseName(reverseName('fd00::a')!), 'fd00::a');
  assert.equal(ipFromReverseName('0.96.10.in-addr.arpa'), undefined);
});

test('the decision modules import no I/O', () => {
  const dir = dirname(fileURLToPath(import.meta.url));
  for (const f of ['ip.ts', 'cluster-index.ts', 'resolver.ts', 'answer-cache.ts']) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.doesNotMatch(text, /from\s+['"](node:|dgram|net|fs)/, f);
  }
});
