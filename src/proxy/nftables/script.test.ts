import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServiceRules, type EndpointSliceLike, type ProxyConfig, type ServiceLike } from './model.js';
import { baseStatements, deleteTableScript, diffScript, fullSyncScript } from './script.js';

const cfg: ProxyConfig = { table: 'flotilla-proxy', nodeName: 'n1', clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], localhostNodePorts: false, masqueradeBit: 0x4000 };
const svc = (name: string, ip: string, extra: ServiceLike['spec'] = {}): ServiceLike => ({
  metadata: { namespace: 'default', name },
  spec: { clusterIP: ip, ports: [{ name: 'http', protocol: 'TCP', port: 80 }], ...extra },
});
const slice = (name: string, ips: string[]): EndpointSliceLike => ({
  metadata: { namespace: 'default', name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4',
  ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
});

test('base: hooks at kube-proxy priorities, vmap lookups, masquerade by mark bit, reject with tcp reset', () => {
  const b = baseStatements(cfg).join('\n');
  for (const line of [
    'add map ip flotilla-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict;',
    'add rule ip flotilla-proxy services ip daddr . meta l4proto . th dport vmap @service-ips',
    'add rule ip flotilla-proxy services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports',
    'add chain ip flotilla-proxy nat-prerouting { type nat hook prerouting priority dstnat; policy accept; }',
    'add chain ip flotilla-proxy nat-output { type nat hook output priority -100; policy accept; }',
    'add chain ip flotilla-proxy filter-forward { type filter hook forward priority -110; policy accept; }',
    'add chain ip flotilla-proxy filter-output-post-dnat { type filter hook output priority -90; policy accept; }',
    'add rule ip flotilla-proxy masquerading meta mark & 0x4000 == 0 return',
    'add rule ip flotilla-proxy mark-for-masquerade meta mark set meta mark | 0x4000',
    'add rule ip flotilla-proxy reject-chain meta l4proto tcp reject with tcp reset',
    'add rule ip flotilla-proxy cluster-ips-check ip daddr { 10.96.0.0/16 } drop comment "unallocated ClusterIP"',
  ]) assert.ok(b.includes(line), `missing: ${line}`);
  const local = baseStatements({ ...cfg, localhostNodePorts: true }).join('\n');
  assert.ok(local.includes('services fib daddr type local meta l4proto . th dport vmap @service-nodeports'));
});

test('full sync replaces only our table, in one script: add + delete table first', () => {
  const r = buildServiceRules(svc('web', '10.96.0.20'), [slice('web', ['10.244.0.5'])], cfg)!;
  const s = fullSyncScript(cfg, [r]).split('\n');
  assert.deepEqual(s.slice(0, 3), ['add table ip flotilla-proxy', 'delete table ip flotilla-proxy', 'add table ip flotilla-proxy { comment "flotilla service proxy"; }']);
  assert.ok(s.every((l) => l === '' || / ip flotilla-proxy( |$)/.test(l)), 'nothing outside our table');
  assert.ok(s.includes('add element ip flotilla-proxy service-ips { 10.96.0.20 . tcp . 80 : goto service-default/web/tcp/http }'));
  assert.equal(deleteTableScript('flotilla-proxy'), 'add table ip flotilla-proxy\ndelete table ip flotilla-proxy\n');
});

test('diff: unchanged Service → empty; one endpoint added rewrites only that Service\'s chain', () => {
  const a = buildServiceRules(svc('web', '10.96.0.20'), [slice('web', ['10.244.0.5'])], cfg)!;
  assert.equal(diffScript(cfg, [{ old: a, new: buildServiceRules(svc('web', '10.96.0.20'), [slice('web', ['10.244.0.5'])], cfg) }]), '');
  const b = buildServiceRules(svc('web', '10.96.0.20'), [slice('web', ['10.244.0.5', '10.244.0.6'])], cfg)!;
  const c = 'add rule ip flotilla-proxy service-default/web/tcp/http';
  assert.equal(
    diffScript(cfg, [{ old: a, new: b }]),
    [
      'flush chain ip flotilla-proxy service-default/web/tcp/http',
      `${c} ip daddr 10.96.0.20 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
      `${c} ip saddr 10.244.0.5 numgen random mod 2 0 meta l4proto tcp meta mark set meta mark | 0x4000 dnat to 10.244.0.5:8080`,
      `${c} ip saddr != 10.244.0.5 numgen random mod 2 0 meta l4proto tcp dnat to 10.244.0.5:8080`,
      `${c} ip saddr 10.244.0.6 meta l4proto tcp meta mark set meta mark | 0x4000 dnat to 10.244.0.6:8080`,
      `${c} ip saddr != 10.244.0.6 meta l4proto tcp dnat to 10.244.0.6:8080`,
      '',
    ].join('\n'),
  );
});

test('diff: last endpoint gone → element moves to the reject map; the element goes before its chain', () => {
  const a = buildServiceRules(svc('web', '10.96.0.20'), [slice('web', ['10.244.0.5'])], cfg)!;
  const b = buildServiceRules(svc('web', '10.96.0.20'), [], cfg)!;
  assert.deepEqual(diffScript(cfg, [{ old: a, new: b }]).trim().split('\n'), [
    'flush chain ip flotilla-proxy service-default/web/tcp/http',
    'delete element ip flotilla-proxy service-ips { 10.96.0.20 . tcp . 80 }',
    'delete chain ip flotilla-proxy service-default/web/tcp/http',
    'add element ip flotilla-proxy no-endpoint-services { 10.96.0.20 . tcp . 80 : goto reject-chain }',
  ]);
});

test('diff: Service deleted removes its elements, chains and sets; affinity timeout change replaces the sets and re-adds the rules that use them', () => {
  const aff = (t: number) => svc('aff', '10.96.0.30', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: t } } });
  const a = buildServiceRules(aff(60), [slice('aff', ['10.244.0.5'])], cfg)!;
  const gone = diffScript(cfg, [{ old: a }]);
  assert.match(gone, /delete set ip flotilla-proxy affinity-default\/aff\/tcp\/http__10\.244\.0\.5\/8080\n/);
  assert.match(gone, /delete element ip flotilla-proxy cluster-ips \{ 10\.96\.0\.30 \}/);
  assert.ok(gone.indexOf('delete set') > gone.indexOf('delete chain'), 'the set goes after the chain that uses it');
  const b = buildServiceRules(aff(120), [slice('aff', ['10.244.0.5'])], cfg)!;
  const d = diffScript(cfg, [{ old: a, new: b }]).trim().split('\n');
  const i = (s: string) => d.findIndex((l) => l.startsWith(s));
  assert.ok(i('flush chain ip flotilla-proxy service-') === 0);
  assert.ok(i('delete set') > 0 && i('add set') > i('delete set') && i('add rule') > i('add set'));
  assert.ok(d.includes('add set ip flotilla-proxy affinity-default/aff/tcp/http__10.244.0.5/8080 { type ipv4_addr; flags dynamic,timeout; timeout 120s; }'));
  assert.equal(d.filter((l) => l.includes('element')).length, 0);
});

test('diff: new Service only adds; many changes combine into one transaction in dependency order', () => {
  const x = buildServiceRules(svc('x', '10.96.0.40'), [slice('x', ['10.244.0.9'])], cfg)!;
  const y = buildServiceRules(svc('y', '10.96.0.41'), [slice('y', ['10.244.0.10'])], cfg)!;
  const d = diffScript(cfg, [{ new: x }, { old: y }]).trim().split('\n');
  const firstAdd = d.findIndex((l) => l.startsWith('add '));
  const lastDelete = d.map((l) => l.startsWith('delete ') || l.startsWith('flush ')).lastIndexOf(true);
  assert.ok(lastDelete < firstAdd, 'all deletions before additions');
  assert.ok(d.at(-1)!.startsWith('add element ip flotilla-proxy service-ips { 10.96.0.40 . tcp . 80 : goto service-default/x/tcp/http }') || d.some((l) => l.includes('10.96.0.40 . tcp . 80 : goto')));
});

test('base: loadBalancerSourceRanges are checked before DNAT for new connections, from outside (prerouting) and from the node (output)', () => {
  const b = baseStatements(cfg);
  for (const line of [
    'add map ip flotilla-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict; comment "LoadBalancer IPs with loadBalancerSourceRanges"; }',
    'add chain ip flotilla-proxy filter-prerouting { type filter hook prerouting priority -110; policy accept; }',
    'add rule ip flotilla-proxy filter-prerouting ct state new jump firewall-check',
    'add rule ip flotilla-proxy filter-output ct state new jump firewall-check',
    'add rule ip flotilla-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips',
  ]) assert.ok(b.includes(line), line);
  assert.ok(b.indexOf('add chain ip flotilla-proxy firewall-check') < b.indexOf('add rule ip flotilla-proxy filter-prerouting ct state new jump firewall-check'), 'declared before it is used');
});

test('diff: source ranges added to a LoadBalancer Service add its firewall chain and elements only; removed → both go', () => {
  const lb = (ranges?: string[]): ServiceLike => ({
    metadata: { namespace: 'default', name: 'lb' },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.50', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }], ...(ranges ? { loadBalancerSourceRanges: ranges } : {}) },
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
  });
  const a = buildServiceRules(lb(), [slice('lb', ['10.244.0.5'])], cfg)!;
  const b = buildServiceRules(lb(['198.51.100.0/24']), [slice('lb', ['10.244.0.5'])], cfg)!;
  assert.deepEqual(diffScript(cfg, [{ old: a, new: b }]).trim().split('\n'), [
    'add chain ip flotilla-proxy firewall-default/lb/tcp/http',
    'add rule ip flotilla-proxy firewall-default/lb/tcp/http ip saddr != { 198.51.100.0/24 } drop',
    'add element ip flotilla-proxy firewall-ips { 192.0.2.10 . tcp . 80 : goto firewall-default/lb/tcp/http }',
  ]);
  assert.deepEqual(diffScript(cfg, [{ old: b, new: a }]).trim().split('\n'), [
    'flush chain ip flotilla-proxy firewall-default/lb/tcp/http',
    'delete element ip flotilla-proxy firewall-ips { 192.0.2.10 . tcp . 80 }',
    'delete chain ip flotilla-proxy firewall-default/lb/tcp/http',
  ]);
});

test('IPv6 (table ip6): the same shape with ip6 matches, ipv6_addr keys, [addr]:port DNAT targets, names without colons; IPv4 objects ignored', () => {
  const c6: ProxyConfig = { table: 'flotilla-proxy', family: 'ip6', nodeName: 'n1', clusterCIDRs: ['fd00:10:244::/56'], serviceCIDRs: ['fd00:10:96::/112'], localhostNodePorts: true, masqueradeBit: 0x4000 };
  const base = baseStatements(c6);
  for (const line of [
    'add map ip6 flotilla-proxy service-ips { type ipv6_addr . inet_proto . inet_service : verdict; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"; }',
    'add set ip6 flotilla-proxy cluster-ips { type ipv6_addr; comment "ClusterIPs of active services"; }',
    'add rule ip6 flotilla-proxy services ip6 daddr . meta l4proto . th dport vmap @service-ips',
    'add rule ip6 flotilla-proxy services fib daddr type local ip6 daddr != ::1 meta l4proto . th dport vmap @service-nodeports',
    'add rule ip6 flotilla-proxy cluster-ips-check ip6 daddr { fd00:10:96::/112 } drop comment "unallocated ClusterIP"',
    'add chain ip6 flotilla-proxy nat-prerouting { type nat hook prerouting priority dstnat; policy accept; }',
  ]) assert.ok(base.includes(line), line);
  assert.ok(!base.some((l) => /\bip (saddr|daddr)|ipv4_addr|127\.0\.0/.test(l)), 'nothing IPv4');
  const dual: ServiceLike = {
    metadata: { namespace: 'default', name: 'web' },
    spec: { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20', 'fd00:10:96::20'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }], sessionAffinity: 'ClientIP' },
  };
  const v6slice: EndpointSliceLike = { ...slice('web', []), metadata: { namespace: 'default', name: 'web-v6', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv6', endpoints: [{ addresses: ['fd00:10:244::5'], conditions: { ready: true } }] };
  const r6 = buildServiceRules(dual, [slice('web', ['10.244.0.5']), v6slice], c6)!;
  assert.deepEqual(r6.elements, [
    { map: 'cluster-ips', key: 'fd00:10:96::20' },
    { map: 'service-ips', key: 'fd00:10:96::20 . tcp . 80', value: 'goto service-default/web/tcp/http' },
  ]);
  assert.deepEqual(r6.chains.get('service-default/web/tcp/http'), [
    'ip6 daddr fd00:10:96::20 tcp dport 80 ip6 saddr != fd00:10:244::/56 jump mark-for-masquerade',
    'ip6 saddr fd00:10:244::5 ip6 saddr @affinity-default/web/tcp/http__fd00.10.244..5/8080 meta l4proto tcp meta mark set meta mark | 0x4000 update @affinity-default/web/tcp/http__fd00.10.244..5/8080 { ip6 saddr } dnat to [fd00:10:244::5]:8080',
    'ip6 saddr != fd00:10:244::5 ip6 saddr @affinity-default/web/tcp/http__fd00.10.244..5/8080 meta l4proto tcp update @affinity-default/web/tcp/http__fd00.10.244..5/8080 { ip6 saddr } dnat to [fd00:10:244::5]:8080',
    'ip6 saddr fd00:10:244::5 meta l4proto tcp meta mark set meta mark | 0x4000 update @affinity-default/web/tcp/http__fd00.10.244..5/8080 { ip6 saddr } dnat to [fd00:10:244::5]:8080',
    'ip6 saddr != fd00:10:244::5 meta l4proto tcp update @affinity-default/web/tcp/http__fd00.10.244..5/8080 { ip6 saddr } dnat to [fd00:10:244::5]:8080',
  ]);
  assert.deepEqual([...r6.sets.values()], ['type ipv6_addr; flags dynamic,timeout; timeout 10800s;']);
  const full = fullSyncScript(c6, [r6]);
  assert.match(full, /^add table ip6 flotilla-proxy\ndelete table ip6 flotilla-proxy\n/);
  assert.ok(!/10\.96\.0\.20|10\.244\.0\.5/.test(full), 'the IPv4 half stays in the ip table');
  // The IPv4 table of the same dual-stack Service sees only the IPv4 half; an IPv4-only Service has nothing in ip6.
  const r4 = buildServiceRules(dual, [slice('web', ['10.244.0.5']), v6slice], cfg)!;
  assert.ok(!JSON.stringify([...r4.chains]).includes('fd00'));
  assert.equal(buildServiceRules(svc('v4only', '10.96.0.21'), [slice('v4only', ['10.244.0.6'])], c6), undefined);
  assert.equal(deleteTableScript('flotilla-proxy', 'ip6'), 'add table ip6 flotilla-proxy\ndelete table ip6 flotilla-proxy\n');
});
