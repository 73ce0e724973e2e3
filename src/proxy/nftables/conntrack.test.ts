import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conntrackDeleteArgs, deletedCount, parseConntrackUdp, staleConntrackFilters, staleFromListing } from './conntrack.js';
import { buildServiceRules, type EndpointSliceLike, type ProxyConfig, type ServiceLike } from './model.js';

const cfg: ProxyConfig = { table: 'flotilla-proxy', nodeName: 'n1', clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], localhostNodePorts: false, masqueradeBit: 0x4000 };

const udpSvc = (spec: ServiceLike['spec'] = {}): ServiceLike => ({
  metadata: { namespace: 'default', name: 'dns' },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ name: 'dns', protocol: 'UDP', port: 53 }, { name: 'dns-tcp', protocol: 'TCP', port: 53 }], ...spec },
});
const slice = (eps: { ip: string; ready?: boolean; serving?: boolean }[]): EndpointSliceLike => ({
  metadata: { namespace: 'default', name: 'dns-x', labels: { 'kubernetes.io/service-name': 'dns' } },
  addressType: 'IPv4',
  ports: [{ name: 'dns', protocol: 'UDP', port: 5353 }, { name: 'dns-tcp', protocol: 'TCP', port: 5353 }],
  endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: !(e.ready ?? true) } })),
});
const rules = (s: ServiceLike, eps: { ip: string; ready?: boolean; serving?: boolean }[]) => buildServiceRules(s, [slice(eps)], cfg);

test('UDP frontends are recorded with every serving endpoint (TCP ports are not)', () => {
  const r = rules(udpSvc({ type: 'NodePort', externalIPs: ['192.0.2.7'], ports: [{ name: 'dns', protocol: 'UDP', port: 53, nodePort: 30053 }] }), [{ ip: '10.244.0.5' }, { ip: '10.244.0.6', ready: false, serving: true }, { ip: '10.244.0.7', ready: false, serving: false }])!;
  assert.deepEqual(r.udp, [
    { ip: '10.96.0.10', port: 53, endpoints: ['10.244.0.5', '10.244.0.6'] },
    { ip: '192.0.2.7', port: 53, endpoints: ['10.244.0.5', '10.244.0.6'] },
    { port: 30053, endpoints: ['10.244.0.5', '10.244.0.6'] },
  ]);
});

test('an endpoint replaced: entries DNATed to the old one go (by orig-dst/port and reply-src), the new one is left alone', () => {
  const a = rules(udpSvc(), [{ ip: '10.244.0.5' }]);
  const b = rules(udpSvc(), [{ ip: '10.244.0.9' }]);
  assert.deepEqual(staleConntrackFilters([{ old: a, new: b }]), [{ origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.0.5' }]);
  // Unchanged, or an endpoint added: nothing.
  assert.deepEqual(staleConntrackFilters([{ old: a, new: a }]), []);
  assert.deepEqual(staleConntrackFilters([{ old: a, new: rules(udpSvc(), [{ ip: '10.244.0.5' }, { ip: '10.244.0.9' }]) }]), []);
  // Unready but still serving (terminating): its flows stay, as upstream.
  assert.deepEqual(staleConntrackFilters([{ old: a, new: rules(udpSvc(), [{ ip: '10.244.0.5', ready: false, serving: true }]) }]), []);
});

test('the last endpoint gone, then a new one: the old entries go at once; un-DNATed entries to the ClusterIP go when it gets endpoints again', () => {
  const a = rules(udpSvc(), [{ ip: '10.244.0.5' }]);
  const none = rules(udpSvc(), []);
  const b = rules(udpSvc(), [{ ip: '10.244.0.9' }]);
  assert.deepEqual(staleConntrackFilters([{ old: a, new: none }]), [{ origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.0.5' }]);
  assert.deepEqual(staleConntrackFilters([{ old: none, new: b }]), [{ origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.96.0.10' }]);
  // At start (nothing known before) only the never-DNATed entries are deleted.
  assert.deepEqual(staleConntrackFilters([{ new: b }]), [{ origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.96.0.10' }]);
});

test('ClusterIP, port or NodePort changed, or the Service deleted: the old frontend\'s entries go', () => {
  const np = (ip: string, port: number, nodePort: number) => udpSvc({ type: 'NodePort', clusterIP: ip, ports: [{ name: 'dns', protocol: 'UDP', port, nodePort }] });
  const a = rules(np('10.96.0.10', 53, 30053), [{ ip: '10.244.0.5' }]);
  const b = rules(np('10.96.0.11', 54, 30054), [{ ip: '10.244.0.5' }]);
  assert.deepEqual(staleConntrackFilters([{ old: a, new: b }]), [
    { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.0.5' },
    { origPortDst: 30053, replySrc: '10.244.0.5' },
    { origDst: '10.96.0.11', origPortDst: 54, replySrc: '10.96.0.11' },
  ]);
  assert.deepEqual(staleConntrackFilters([{ old: a }]), [
    { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.0.5' },
    { origPortDst: 30053, replySrc: '10.244.0.5' },
  ]);
});

test('TCP-only Services never ask for conntrack deletions; duplicates across changes are merged', () => {
  const tcp: ServiceLike = { metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] } };
  const s = (ip: string): EndpointSliceLike => ({ metadata: { namespace: 'default', name: 'web-x', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', ports: [{ name: 'http', protocol: 'TCP', port: 8080 }], endpoints: [{ addresses: [ip] }] });
  assert.deepEqual(staleConntrackFilters([{ old: buildServiceRules(tcp, [s('10.244.0.5')], cfg), new: buildServiceRules(tcp, [s('10.244.0.6')], cfg) }]), []);
  const a = rules(udpSvc(), [{ ip: '10.244.0.5' }]);
  const b = rules(udpSvc(), [{ ip: '10.244.0.9' }]);
  assert.equal(staleConntrackFilters([{ old: a, new: b }, { old: a, new: b }]).length, 1);
});

test('conntrack arguments and its deleted-count line', () => {
  assert.deepEqual(conntrackDeleteArgs({ origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.0.5' }), ['-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--orig-port-dst', '53', '--reply-src', '10.244.0.5']);
  assert.deepEqual(conntrackDeleteArgs({ origPortDst: 30053, replySrc: '10.244.0.5' }), ['-D', '-p', 'udp', '--orig-port-dst', '30053', '--reply-src', '10.244.0.5']);
  assert.deepEqual(conntrackDeleteArgs({ origDst: 'fd00:10:96::a', origPortDst: 53, replySrc: 'fd00:10:244::5' }), ['-D', '-f', 'ipv6', '-p', 'udp', '--orig-dst', 'fd00:10:96::a', '--orig-port-dst', '53', '--reply-src', 'fd00:10:244::5']);
  assert.equal(deletedCount('conntrack v1.4.7 (conntrack-tools): 3 flow entries have been deleted.'), 3);
  assert.equal(deletedCount('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.'), 0);
  assert.equal(deletedCount(''), 0);
});

test('listing: parsed from conntrack -L (original dst/dport, reply src); other protocols and odd lines skipped', () => {
  const text = [
    'udp      17 28 src=10.244.0.7 dst=10.96.0.10 sport=40053 dport=53 src=10.244.0.5 dst=10.244.0.7 sport=5353 dport=40053 mark=0 use=1',
    'udp      17 29 src=10.244.0.8 dst=10.96.0.10 sport=40054 dport=53 [UNREPLIED] src=10.96.0.10 dst=10.244.0.8 sport=53 dport=40054 mark=0 use=1',
    'tcp      6 431999 ESTABLISHED src=10.244.0.7 dst=10.96.0.20 sport=1 dport=80 src=10.244.0.6 dst=10.244.0.7 sport=8080 dport=1 [ASSURED] mark=0 use=1',
    'udp      17 5 src=192.0.2.9 dst=192.0.2.1 sport=5000 dport=30053 src=10.244.0.9 dst=192.0.2.1 sport=5353 dport=5000 mark=0 use=1',
    'conntrack v1.4.7 (conntrack-tools): 4 flow entries have been shown.',
    '',
  ].join('\n');
  assert.deepEqual(parseConntrackUdp(text), [
    { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.0.5' },
    { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.96.0.10' },
    { origDst: '192.0.2.1', origPortDst: 30053, replySrc: '10.244.0.9' },
  ]);
});

test('listing reconciled as upstream: entries to a frontend with serving endpoints not answered by one of them go (never-DNATed included); frontends without endpoints are left', () => {
  const entries = [
    { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.0.5' },
    { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.0.6' },
    { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.96.0.10' },
    { origDst: '10.96.0.10', origPortDst: 54, replySrc: '10.244.0.9' },
    { origDst: '10.96.0.11', origPortDst: 53, replySrc: '10.244.0.9' },
    { origDst: '192.0.2.1', origPortDst: 30053, replySrc: '10.244.0.9' },
    { origDst: '192.0.2.1', origPortDst: 30053, replySrc: '10.244.0.5' },
  ];
  const frontends = [
    { ip: '10.96.0.10', port: 53, endpoints: ['10.244.0.5'] },
    { ip: '10.96.0.11', port: 53, endpoints: [] },
    { port: 30053, endpoints: ['10.244.0.5'] },
  ];
  assert.deepEqual(staleFromListing(entries, frontends), [
    { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.0.6' },
    { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.96.0.10' },
    { origPortDst: 30053, replySrc: '10.244.0.9' },
  ]);
});
