import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServiceRules, choiceRules, CASCADE_MAX_ENDPOINTS, endpointsFor, loadBalancerSourceRanges, slicesByService, SOURCE_RANGES_ANNOTATION, usableEndpoints, type EndpointSliceLike, type ProxyConfig, type ServiceLike } from './model.js';

export const cfg: ProxyConfig = { table: 'flotilla-proxy', nodeName: 'n1', clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], localhostNodePorts: false, masqueradeBit: 0x4000 };

function svc(name: string, spec: ServiceLike['spec'], status?: ServiceLike['status']): ServiceLike {
  return { metadata: { namespace: 'default', name }, spec: { type: 'ClusterIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }], ...spec }, ...(status ? { status } : {}) };
}
type Ep = NonNullable<EndpointSliceLike['endpoints']>[number];
function slice(svcName: string, eps: Ep[], port = 8080, name = `${svcName}-abc`): EndpointSliceLike {
  return { metadata: { namespace: 'default', name, labels: { 'kubernetes.io/service-name': svcName } }, addressType: 'IPv4', ports: [{ name: 'http', protocol: 'TCP', port }], endpoints: eps };
}
const ready = (ip: string, nodeName = 'n1'): Ep => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName });

test('endpointsFor: port by name and protocol, IPv4 only, dedup keeps the ready copy, sorted by address', () => {
  const s1 = slice('web', [{ addresses: ['10.244.0.9'], conditions: { ready: false } }, ready('10.244.0.10')]);
  const s2 = slice('web', [ready('10.244.0.9'), ready('10.244.0.2')], 8080, 'web-def');
  const v6: EndpointSliceLike = { ...slice('web', [ready('fd00::1')]), addressType: 'IPv6' };
  const other: EndpointSliceLike = { ...slice('web', [ready('10.244.0.50')]), ports: [{ name: 'metrics', protocol: 'TCP', port: 9090 }] };
  const eps = endpointsFor([s1, s2, v6, other], 'http', 'tcp');
  assert.deepEqual(eps.map((e) => `${e.ip}:${e.port}:${e.ready}`), ['10.244.0.2:8080:true', '10.244.0.9:8080:true', '10.244.0.10:8080:true']);
  assert.deepEqual(endpointsFor([s1], 'http', 'UDP'), []);
});

test('usableEndpoints: ready ones; unset conditions mean ready; terminating+serving only when none is ready', () => {
  const eps = endpointsFor([slice('w', [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'], conditions: { ready: false, serving: true, terminating: true } }])], 'http', 'tcp');
  assert.deepEqual(usableEndpoints(eps).map((e) => e.ip), ['10.0.0.1']);
  const term = endpointsFor([slice('w', [{ addresses: ['10.0.0.2'], conditions: { ready: false, serving: true, terminating: true } }, { addresses: ['10.0.0.3'], conditions: { ready: false, serving: false, terminating: true } }, { addresses: ['10.0.0.4'], conditions: { ready: false } }])], 'http', 'tcp');
  assert.deepEqual(usableEndpoints(term).map((e) => e.ip), ['10.0.0.2']);
});

test('ClusterIP with three ready endpoints and one unready: random choice over the three, hairpin mark, masquerade from outside the pod network', () => {
  const r = buildServiceRules(
    svc('web', { clusterIP: '10.96.0.20' }),
    [slice('web', [ready('10.244.0.5'), ready('10.244.0.6'), ready('10.244.0.7'), { addresses: ['10.244.0.8'], conditions: { ready: false, serving: false } }])],
    cfg,
  )!;
  assert.equal(r.key, 'default/web');
  assert.deepEqual(r.elements, [
    { map: 'cluster-ips', key: '10.96.0.20' },
    { map: 'service-ips', key: '10.96.0.20 . tcp . 80', value: 'goto service-default/web/tcp/http' },
  ]);
  const ep = (ip: string, cond: string) => [
    `ip saddr ${ip} ${cond}meta l4proto tcp meta mark set meta mark | 0x4000 dnat to ${ip}:8080`,
    `ip saddr != ${ip} ${cond}meta l4proto tcp dnat to ${ip}:8080`,
  ];
  assert.deepEqual(r.chains.get('service-default/web/tcp/http'), [
    'ip daddr 10.96.0.20 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade',
    ...ep('10.244.0.5', 'numgen random mod 3 0 '),
    ...ep('10.244.0.6', 'numgen random mod 2 0 '),
    ...ep('10.244.0.7', ''),
  ]);
  assert.deepEqual([...r.chains.keys()], ['service-default/web/tcp/http'], 'one chain per service port; endpoints inline');
  assert.ok(!r.chains.get('service-default/web/tcp/http')!.some((l) => l.includes('10.244.0.8')), 'nothing for the unready endpoint');
  assert.equal(r.sets.size, 0);
});

test('no endpoints: the ClusterIP and NodePort go to the reject maps, no chains', () => {
  const r = buildServiceRules(svc('empty', { type: 'NodePort', clusterIP: '10.96.0.21', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30001 }] }), [], cfg)!;
  assert.equal(r.chains.size, 0);
  assert.deepEqual(r.elements, [
    { map: 'cluster-ips', key: '10.96.0.21' },
    { map: 'no-endpoint-services', key: '10.96.0.21 . tcp . 80', value: 'goto reject-chain' },
    { map: 'no-endpoint-nodeports', key: 'tcp . 30001', value: 'goto reject-chain' },
  ]);
});

test('NodePort and LoadBalancer ingress with externalTrafficPolicy Cluster: external chain marks and goes to the service chain', () => {
  const r = buildServiceRules(
    svc('lb', { type: 'LoadBalancer', clusterIP: '10.96.0.22', externalIPs: ['192.0.2.7'], ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30002 }] }, { loadBalancer: { ingress: [{ ip: '192.0.2.8' }, { hostname: 'x.example' }] } }),
    [slice('lb', [ready('10.244.0.5')])],
    cfg,
  )!;
  assert.deepEqual(r.chains.get('external-default/lb/tcp/http'), ['jump mark-for-masquerade', 'goto service-default/lb/tcp/http']);
  assert.deepEqual(
    r.elements.filter((e) => e.value === 'goto external-default/lb/tcp/http').map((e) => `${e.map} ${e.key}`),
    ['service-ips 192.0.2.7 . tcp . 80', 'service-ips 192.0.2.8 . tcp . 80', 'service-nodeports tcp . 30002'],
  );
});

test('externalTrafficPolicy Local: pods and the node use any endpoint, others only local ones; none local → drop', () => {
  const eps = [ready('10.244.0.5', 'n1'), ready('10.244.1.5', 'n2')];
  const r = buildServiceRules(svc('loc', { type: 'NodePort', clusterIP: '10.96.0.23', externalTrafficPolicy: 'Local', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30003 }] }), [slice('loc', eps)], cfg)!;
  assert.deepEqual(r.chains.get('external-default/loc/tcp/http'), [
    'ip saddr 10.244.0.0/16 goto service-default/loc/tcp/http',
    'fib saddr type local jump mark-for-masquerade',
    'fib saddr type local goto service-default/loc/tcp/http',
    'goto local-default/loc/tcp/http',
  ]);
  assert.deepEqual(r.chains.get('local-default/loc/tcp/http'), [
    'ip saddr 10.244.0.5 meta l4proto tcp meta mark set meta mark | 0x4000 dnat to 10.244.0.5:8080',
    'ip saddr != 10.244.0.5 meta l4proto tcp dnat to 10.244.0.5:8080',
  ]);
  assert.match(r.chains.get('service-default/loc/tcp/http')![2]!, /^ip saddr != 10\.244\.0\.5 numgen random mod 2 0 meta l4proto tcp dnat/);
  const none = buildServiceRules(svc('loc', { type: 'NodePort', clusterIP: '10.96.0.23', externalTrafficPolicy: 'Local', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30003 }] }), [slice('loc', [ready('10.244.1.5', 'n2')])], cfg)!;
  assert.equal(none.chains.get('external-default/loc/tcp/http')!.at(-1), 'drop');
  assert.equal(none.chains.has('local-default/loc/tcp/http'), false);
});

test('internalTrafficPolicy Local: the ClusterIP goes to the local chain; no local endpoint → drop (not reject)', () => {
  const r = buildServiceRules(svc('itp', { clusterIP: '10.96.0.24', internalTrafficPolicy: 'Local' }), [slice('itp', [ready('10.244.0.5', 'n1'), ready('10.244.1.5', 'n2')])], cfg)!;
  assert.deepEqual(r.elements[1], { map: 'service-ips', key: '10.96.0.24 . tcp . 80', value: 'goto local-default/itp/tcp/http' });
  assert.match(r.chains.get('local-default/itp/tcp/http')![0]!, /^ip daddr 10\.96\.0\.24 tcp dport 80 ip saddr != 10\.244\.0\.0\/16 jump mark-for-masquerade$/);
  const none = buildServiceRules(svc('itp', { clusterIP: '10.96.0.24', internalTrafficPolicy: 'Local' }), [slice('itp', [ready('10.244.1.5', 'n2')])], cfg)!;
  assert.deepEqual(none.elements[1], { map: 'no-endpoint-services', key: '10.96.0.24 . tcp . 80', value: 'drop' });
});

test('sessionAffinity ClientIP: one dynamic timeout set per endpoint, checked before the random choice, updated in the endpoint chain', () => {
  const r = buildServiceRules(svc('aff', { clusterIP: '10.96.0.25', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), [slice('aff', [ready('10.244.0.5'), ready('10.244.0.6')])], cfg)!;
  assert.deepEqual([...r.sets], [
    ['affinity-default/aff/tcp/http__10.244.0.5/8080', 'type ipv4_addr; flags dynamic,timeout; timeout 60s;'],
    ['affinity-default/aff/tcp/http__10.244.0.6/8080', 'type ipv4_addr; flags dynamic,timeout; timeout 60s;'],
  ]);
  const chain = r.chains.get('service-default/aff/tcp/http')!;
  const set5 = '@affinity-default/aff/tcp/http__10.244.0.5/8080';
  assert.deepEqual(chain.slice(1, 3), [
    `ip saddr 10.244.0.5 ip saddr ${set5} meta l4proto tcp meta mark set meta mark | 0x4000 update ${set5} { ip saddr } dnat to 10.244.0.5:8080`,
    `ip saddr != 10.244.0.5 ip saddr ${set5} meta l4proto tcp update ${set5} { ip saddr } dnat to 10.244.0.5:8080`,
  ]);
  assert.match(chain[5]!, /^ip saddr 10\.244\.0\.5 numgen random mod 2 0 meta l4proto tcp meta mark set meta mark \| 0x4000 update @affinity-default\/aff\/tcp\/http__10\.244\.0\.5\/8080 \{ ip saddr \} dnat/);
  assert.equal(chain.length, 1 + 4 + 4);
});

test('more than CASCADE_MAX_ENDPOINTS endpoints: one vmap over endpoint chains (hairpin mark, affinity update, dnat)', () => {
  const ips = Array.from({ length: CASCADE_MAX_ENDPOINTS + 1 }, (_, i) => `10.244.1.${i + 1}`);
  const r = buildServiceRules(svc('big', { clusterIP: '10.96.0.26', sessionAffinity: 'ClientIP' }), [slice('big', ips.map((ip) => ready(ip)))], cfg)!;
  const chain = r.chains.get('service-default/big/tcp/http')!;
  assert.match(chain.at(-1)!, new RegExp(`^numgen random mod ${ips.length} vmap \\{ 0 : goto endpoint-default/big/tcp/http__10\\.244\\.1\\.1/8080, `));
  assert.deepEqual(r.chains.get('endpoint-default/big/tcp/http__10.244.1.1/8080'), [
    'ip saddr 10.244.1.1 jump mark-for-masquerade',
    'update @affinity-default/big/tcp/http__10.244.1.1/8080 { ip saddr }',
    'meta l4proto tcp dnat to 10.244.1.1:8080',
  ]);
  assert.equal(r.sets.size, ips.length);
});

test('headless, ExternalName and IPv6-only Services own nothing; unnamed and UDP ports', () => {
  assert.equal(buildServiceRules(svc('h', { clusterIP: 'None' }), [slice('h', [ready('10.244.0.5')])], cfg), undefined);
  assert.equal(buildServiceRules(svc('x', { type: 'ExternalName', clusterIP: '' }), [], cfg), undefined);
  assert.equal(buildServiceRules(svc('v6', { clusterIP: 'fd00::10', clusterIPs: ['fd00::10'] }), [], cfg), undefined);
  const dns = buildServiceRules(
    { metadata: { namespace: 'kube-system', name: 'kube-dns' }, spec: { clusterIP: '10.96.0.10', ports: [{ protocol: 'UDP', port: 53 }] } },
    [{ metadata: { namespace: 'kube-system', name: 'd', labels: { 'kubernetes.io/service-name': 'kube-dns' } }, addressType: 'IPv4', ports: [{ protocol: 'UDP', port: 5353 }], endpoints: [ready('10.244.0.3')] }],
    cfg,
  )!;
  assert.equal(dns.chains.get('service-kube-system/kube-dns/udp/53')?.at(-1), 'ip saddr != 10.244.0.3 meta l4proto udp dnat to 10.244.0.3:5353');
});

test('slicesByService groups by the service-name label and namespace', () => {
  const a = slice('web', []);
  const b = { ...slice('web', [], 80, 'web-2'), metadata: { namespace: 'prod', name: 'web-2', labels: { 'kubernetes.io/service-name': 'web' } } };
  const c = { ...slice('web', []), metadata: { namespace: 'default', name: 'stray' } };
  const m = slicesByService([a, b, c]);
  assert.deepEqual([...m.keys()], ['default/web', 'prod/web']);
});

test('choiceRules: one endpoint → goto; a cascade of 1/k draws (uniform overall); a vmap above CASCADE_MAX_ENDPOINTS', () => {
  assert.deepEqual(choiceRules(['a']), ['goto a']);
  assert.deepEqual(choiceRules(['a', 'b', 'c', 'd']), ['numgen random mod 4 0 goto a', 'numgen random mod 3 0 goto b', 'numgen random mod 2 0 goto c', 'goto d']);
  // P(i) = 1/(n-i) × Π_{j<i} (1 - 1/(n-j)) = 1/n for every i.
  const n = 7;
  for (let i = 0; i < n; i++) {
    let p = 1 / (n - i);
    for (let j = 0; j < i; j++) p *= 1 - 1 / (n - j);
    assert.ok(Math.abs(p - 1 / n) < 1e-12);
  }
  const many = Array.from({ length: CASCADE_MAX_ENDPOINTS + 1 }, (_, i) => `e${i}`);
  assert.deepEqual(choiceRules(many), [`numgen random mod ${many.length} vmap { ${many.map((t, i) => `${i} : goto ${t}`).join(', ')} }`]);
});

test('loadBalancerSourceRanges: spec field, else the legacy annotation; IPv4 normalised; IPv6-only or invalid → nothing allowed', () => {
  const lb = (spec: ServiceLike['spec'], annotations?: Record<string, string>): ServiceLike => ({ metadata: { namespace: 'default', name: 'lb', ...(annotations ? { annotations } : {}) }, spec: { type: 'LoadBalancer', ...spec } });
  assert.equal(loadBalancerSourceRanges(lb({})), undefined);
  assert.deepEqual(loadBalancerSourceRanges(lb({ loadBalancerSourceRanges: ['10.1.2.3/16', ' 192.0.2.7 ', 'fd00::/8', '10.1.0.0/16'] })), ['10.1.0.0/16', '192.0.2.7/32']);
  assert.deepEqual(loadBalancerSourceRanges(lb({}, { [SOURCE_RANGES_ANNOTATION]: '198.51.100.0/24, 203.0.113.0/25' })), ['198.51.100.0/24', '203.0.113.0/25']);
  assert.deepEqual(loadBalancerSourceRanges(lb({ loadBalancerSourceRanges: ['10.0.0.0/8'] }, { [SOURCE_RANGES_ANNOTATION]: '198.51.100.0/24' })), ['10.0.0.0/8'], 'the field wins');
  assert.deepEqual(loadBalancerSourceRanges(lb({ loadBalancerSourceRanges: ['fd00::/8', '10.0.0.0/33', 'nonsense'] })), []);
});

test('LoadBalancer with source ranges: a firewall chain per port dropping other sources to the LB IPs (not externalIPs); the node\'s IP in a range admits the VIP as source', () => {
  const spec: ServiceLike['spec'] = { type: 'LoadBalancer', clusterIP: '10.96.0.50', externalIPs: ['192.0.2.99'], loadBalancerSourceRanges: ['198.51.100.0/24'], ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }, { name: 'dns', protocol: 'UDP', port: 53, nodePort: 30053 }] };
  const status = { loadBalancer: { ingress: [{ ip: '192.0.2.10' }, { ip: '192.0.2.11' }] } };
  const r = buildServiceRules(svc('lb', spec, status), [slice('lb', [ready('10.244.0.5')])], cfg)!;
  assert.deepEqual(r.chains.get('firewall-default/lb/tcp/http'), ['ip saddr != { 198.51.100.0/24 } drop']);
  assert.deepEqual(r.chains.get('firewall-default/lb/udp/dns'), ['ip saddr != { 198.51.100.0/24 } drop']);
  assert.deepEqual(
    r.elements.filter((e) => e.map === 'firewall-ips'),
    [
      { map: 'firewall-ips', key: '192.0.2.10 . tcp . 80', value: 'goto firewall-default/lb/tcp/http' },
      { map: 'firewall-ips', key: '192.0.2.11 . tcp . 80', value: 'goto firewall-default/lb/tcp/http' },
      { map: 'firewall-ips', key: '192.0.2.10 . udp . 53', value: 'goto firewall-default/lb/udp/dns' },
      { map: 'firewall-ips', key: '192.0.2.11 . udp . 53', value: 'goto firewall-default/lb/udp/dns' },
    ],
  );
  const fromNode = buildServiceRules(svc('lb', spec, status), [slice('lb', [ready('10.244.0.5')])], { ...cfg, nodeIPs: ['198.51.100.7'] })!;
  assert.deepEqual(fromNode.chains.get('firewall-default/lb/tcp/http'), ['ip saddr != { 198.51.100.0/24, 192.0.2.10, 192.0.2.11 } drop']);
  // No endpoints: still firewalled (the reject for allowed sources stays in the no-endpoint map).
  const empty = buildServiceRules(svc('lb', spec, status), [], cfg)!;
  assert.ok(empty.chains.has('firewall-default/lb/tcp/http'));
  // Ranges without any IPv4: everything dropped; no LB IP yet or not a LoadBalancer: no firewall.
  assert.deepEqual(buildServiceRules(svc('lb', { ...spec, loadBalancerSourceRanges: ['fd00::/8'] }, status), [], cfg)!.chains.get('firewall-default/lb/tcp/http'), ['drop']);
  assert.ok(![...buildServiceRules(svc('lb', spec), [slice('lb', [ready('10.244.0.5')])], cfg)!.chains.keys()].some((c) => c.startsWith('firewall-')));
  assert.ok(![...buildServiceRules(svc('lb', { ...spec, type: 'NodePort' }, status), [slice('lb', [ready('10.244.0.5')])], cfg)!.chains.keys()].some((c) => c.startsWith('firewall-')));
});

test('topology hints: cluster-policy chains use the endpoints hinted for this node\'s zone; Local policy and hint-less slices are unaffected', () => {
  const hinted = (ip: string, zone: string, nodeName = 'n2'): Ep => ({ ...ready(ip, nodeName), hints: { forZones: [{ name: zone }] } });
  const slices = [slice('web', [hinted('10.244.0.5', 'zone-a'), hinted('10.244.0.6', 'zone-b'), hinted('10.244.0.7', 'zone-a', 'n1')])];
  const eps = (r: ReturnType<typeof buildServiceRules>, chain: string) => [...new Set((r!.chains.get(chain) ?? []).map((l) => l.match(/dnat to (\S+):/)?.[1]).filter(Boolean))];
  const inA = buildServiceRules(svc('web', { clusterIP: '10.96.0.20' }), slices, { ...cfg, nodeZone: 'zone-a' });
  assert.deepEqual(eps(inA, 'service-default/web/tcp/http'), ['10.244.0.5', '10.244.0.7']);
  const inB = buildServiceRules(svc('web', { clusterIP: '10.96.0.20' }), slices, { ...cfg, nodeZone: 'zone-b' });
  assert.deepEqual(eps(inB, 'service-default/web/tcp/http'), ['10.244.0.6']);
  const noZone = buildServiceRules(svc('web', { clusterIP: '10.96.0.20' }), slices, cfg);
  assert.deepEqual(eps(noZone, 'service-default/web/tcp/http'), ['10.244.0.5', '10.244.0.6', '10.244.0.7']);
  const local = buildServiceRules(svc('web', { clusterIP: '10.96.0.20', internalTrafficPolicy: 'Local' }), slices, { ...cfg, nodeZone: 'zone-b' });
  assert.deepEqual(eps(local, 'local-default/web/tcp/http'), ['10.244.0.7'], 'Local: this node\'s endpoints, whatever the hints');
  // PreferSameNode hints (forNodes on every endpoint).
  const byNode = [slice('web', [{ ...ready('10.244.0.5', 'n1'), hints: { forZones: [{ name: 'zone-a' }], forNodes: [{ name: 'n1' }] } }, { ...ready('10.244.0.6', 'n2'), hints: { forZones: [{ name: 'zone-a' }], forNodes: [{ name: 'n2' }] } }])];
  assert.deepEqual(eps(buildServiceRules(svc('web', { clusterIP: '10.96.0.20' }), byNode, { ...cfg, nodeZone: 'zone-a' }), 'service-default/web/tcp/http'), ['10.244.0.5']);
});
