import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlotSet, ipStaticBand, portStaticBand } from './slots.js';
import { IpRange } from './ip-range.js';
import { PortRange, parsePortRange } from './port-range.js';
import { AllocationError } from './errors.js';
import { ServiceAllocator } from './allocator.js';
import type { V1Service } from '../../../api/core/v1/service.js';
import { defaultService } from '../../../api/core/v1/service.js';
import { ApiError } from '../../../lib/errors.js';

/** A deterministic random source (a linear congruential generator). */
function lcg(seed = 1): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const svc = (name: string, spec: V1Service['spec'], namespace = 'ns'): V1Service => {
  const s: V1Service = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: structuredClone(spec) };
  defaultService(s);
  return s;
};

const apiErr = (fn: () => unknown): ApiError => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected an ApiError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
};

test('SlotSet: dynamic band first, then the static band; reserved slots never handed out; full', () => {
  const s = new SlotSet(20, 16, lcg(), new Set([0]));
  const got: number[] = [];
  for (let i = 0; i < 4; i++) {
    const n = s.next()!;
    assert.ok(s.take(n));
    got.push(n);
  }
  assert.deepEqual([...got].sort((a, b) => a - b), [16, 17, 18, 19], 'the dynamic band [16, 20) is used up first');
  for (let i = 0; i < 15; i++) assert.ok(s.take(s.next()!));
  assert.equal(s.count(), 19);
  assert.equal(s.next(), undefined, 'slot 0 is reserved: nothing left');
  assert.ok(s.take(0), 'a reserved slot can be taken explicitly');
  assert.equal(s.take(0), false);
  s.release(5);
  assert.equal(s.next(), 5);
  assert.equal(s.take(20), false);
  assert.equal(ipStaticBand(65534), 256);
  assert.equal(ipStaticBand(254), 16);
  assert.equal(portStaticBand(2768), 86);
});

test('IpRange 10.96.0.0/16: network and broadcast excluded, first address reserved, upstream messages', () => {
  const r = new IpRange('10.96.0.0/16', { random: lcg(7) });
  assert.equal(r.size, 65534);
  assert.equal(r.firstAddress(), '10.96.0.1');
  assert.equal(r.contains('10.96.0.0'), false);
  assert.equal(r.contains('10.96.255.255'), false);
  assert.equal(r.contains('10.96.255.254'), true);
  const ip = r.allocateNext();
  assert.match(ip, /^10\.96\.\d+\.\d+$/);
  const last = Number(ip.split('.')[2]) * 256 + Number(ip.split('.')[3]);
  assert.ok(last > 256, `${ip} comes from the dynamic band (above the first 256 addresses)`);
  assert.ok(r.has(ip));
  assert.throws(() => r.allocate(ip), (e: unknown) => e instanceof AllocationError && e.reason === 'Allocated' && e.message === 'provided IP is already allocated');
  assert.throws(
    () => r.allocate('10.0.0.5'),
    (e: unknown) => e instanceof AllocationError && e.message === 'provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/16',
  );
  assert.throws(() => r.allocate('10.96.0.0'), /not in the valid range/);
  r.allocate('10.96.0.1'); // explicit requests may take the reserved address
  r.allocate('10.96.0.10', true);
  assert.equal(r.has('10.96.0.10'), false, 'a dry run takes nothing');
  r.release(ip);
  assert.equal(r.has(ip), false);
  assert.equal(r.used(), 1);
});

test('IpRange: exhaustion says "range is full"; the reserved first address is never picked', () => {
  const r = new IpRange('10.1.2.0/29', { random: lcg(3) }); // 6 usable, .1 reserved
  const got = new Set<string>();
  for (let i = 0; i < 5; i++) got.add(r.allocateNext());
  assert.deepEqual([...got].sort(), ['10.1.2.2', '10.1.2.3', '10.1.2.4', '10.1.2.5', '10.1.2.6']);
  assert.throws(() => r.allocateNext(), (e: unknown) => e instanceof AllocationError && e.reason === 'Full' && e.message === 'range is full');
  const v6 = new IpRange('fd00:10:96::/112', { random: lcg() });
  assert.equal(v6.firstAddress(), 'fd00:10:96::1');
  assert.equal(v6.size, 65535);
  assert.match(v6.allocateNext(), /^fd00:10:96::[0-9a-f]+$/);
  assert.throws(() => new IpRange('10.0.0.0/8', { random: lcg() }), /too large/);
});

test('PortRange and parsePortRange (kube-apiserver --service-node-port-range forms)', () => {
  assert.deepEqual(parsePortRange('30000-32767'), { base: 30000, size: 2768 });
  assert.deepEqual(parsePortRange('30000+100'), { base: 30000, size: 101 });
  assert.deepEqual(parsePortRange('31000'), { base: 31000, size: 1 });
  assert.equal(typeof parsePortRange('32767-30000'), 'string');
  assert.equal(typeof parsePortRange('abc'), 'string');
  assert.equal(typeof parsePortRange('0-10'), 'string');
  const p = new PortRange({ base: 30000, size: 2768 }, lcg());
  const n = p.allocateNext();
  assert.ok(n >= 30086 && n <= 32767, `${n} is in the dynamic band`);
  assert.throws(() => p.allocate(n), (e: unknown) => e instanceof AllocationError && e.message === 'provided port is already allocated');
  assert.throws(() => p.allocate(8080), (e: unknown) => e instanceof AllocationError && e.message === 'provided port is not in the valid range. The range of valid ports is 30000-32767');
  const small = new PortRange({ base: 30000, size: 2 }, lcg());
  small.allocateNext();
  small.allocateNext();
  assert.throws(() => small.allocateNext(), /range is full/);
  const dry = new PortRange({ base: 30000, size: 3 }, lcg());
  const a = dry.allocateNext(true);
  const b = dry.allocateNext(true, new Set([a]));
  assert.notEqual(a, b, 'a dry run does not promise one port twice');
  assert.equal(dry.used(), 0);
});

test('ServiceAllocator: create allocates a cluster IP (single-stack defaults), honours requests, refuses with upstream texts', () => {
  const a = new ServiceAllocator({ serviceCidrs: ['10.96.0.0/16'], random: lcg(11) });
  assert.deepEqual(a.apiServiceIps(), ['10.96.0.1']);
  const s1 = svc('web', { ports: [{ port: 80 }], selector: { app: 'web' } });
  const t1 = a.allocateCreate(s1, false);
  t1.commit();
  assert.match(s1.spec!.clusterIP!, /^10\.96\./);
  assert.notEqual(s1.spec!.clusterIP, '10.96.0.1');
  assert.deepEqual(s1.spec!.clusterIPs, [s1.spec!.clusterIP]);
  assert.deepEqual(s1.spec!.ipFamilies, ['IPv4']);
  assert.equal(s1.spec!.ipFamilyPolicy, 'SingleStack');
  assert.ok(a.isIpAllocated(s1.spec!.clusterIP!));

  const taken = svc('dup', { ports: [{ port: 80 }], clusterIP: s1.spec!.clusterIP });
  const e1 = apiErr(() => a.allocateCreate(taken, false));
  assert.equal(e1.code, 422);
  assert.equal(e1.message, `Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"${s1.spec!.clusterIP}"}: failed to allocate IP ${s1.spec!.clusterIP}: provided IP is already allocated`);
  const out = svc('out', { ports: [{ port: 80 }], clusterIP: '10.0.0.5' });
  assert.equal(
    apiErr(() => a.allocateCreate(out, false)).message,
    'Service "out" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/16',
  );
  const dns = svc('kube-dns', { ports: [{ port: 53, protocol: 'UDP' }], clusterIP: '10.96.0.10' });
  a.allocateCreate(dns, false).commit();
  assert.equal(dns.spec!.clusterIP, '10.96.0.10');

  // headless and ExternalName take nothing
  const before = a.usage().ips['10.96.0.0/16'];
  const headless = svc('h', { clusterIP: 'None', selector: { app: 'x' } });
  a.allocateCreate(headless, false).commit();
  assert.deepEqual(headless.spec!.clusterIPs, ['None']);
  const ext = svc('e', { type: 'ExternalName', externalName: 'example.com' });
  a.allocateCreate(ext, false).commit();
  assert.equal(ext.spec!.clusterIP, undefined);
  assert.equal(a.usage().ips['10.96.0.0/16'], before);

  // dry run: fields filled, nothing kept
  const d = svc('dry', { type: 'NodePort', ports: [{ port: 80 }] });
  a.allocateCreate(d, true).revert();
  assert.ok(d.spec!.clusterIP && d.spec!.ports![0]!.nodePort);
  assert.equal(a.isIpAllocated(d.spec!.clusterIP), false);
  assert.equal(a.isNodePortAllocated(d.spec!.ports![0]!.nodePort!), false);

  // revert gives back
  const r = svc('r', { ports: [{ port: 80 }] });
  a.allocateCreate(r, false).revert();
  assert.equal(a.isIpAllocated(r.spec!.clusterIP!), false);

  // dual-stack requests on a single-stack cluster
  const v6 = svc('v6', { ports: [{ port: 80 }], ipFamilies: ['IPv6'] });
  assert.match(apiErr(() => a.allocateCreate(v6, false)).message, /spec\.ipFamilies\[0\]: Invalid value: "IPv6": not configured on this cluster/);
  const req = svc('req', { ports: [{ port: 80 }], ipFamilyPolicy: 'RequireDualStack' });
  assert.match(apiErr(() => a.allocateCreate(req, false)).message, /spec\.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services/);
});

test('ServiceAllocator: exhausted service range is a 500 "failed to allocate a serviceIP: range is full"', () => {
  const a = new ServiceAllocator({ serviceCidrs: ['10.1.2.0/30'], random: lcg() }); // .1 reserved, .2 free
  a.allocateCreate(svc('one', { ports: [{ port: 80 }] }), false).commit();
  const e = apiErr(() => a.allocateCreate(svc('two', { ports: [{ port: 80 }] }), false));
  assert.equal(e.code, 500);
  assert.equal(e.message, 'Internal error occurred: failed to allocate a serviceIP: range is full');
});

test('ServiceAllocator: NodePorts, shared by TCP and UDP of one port number, requests honoured, health-check port', () => {
  const a = new ServiceAllocator({ serviceCidrs: ['10.96.0.0/16'], random: lcg(5) });
  const np = svc('np', { type: 'NodePort', ports: [{ name: 'a', port: 53, protocol: 'TCP' }, { name: 'b', port: 53, protocol: 'UDP' }, { name: 'c', port: 80, nodePort: 30080 }] });
  a.allocateCreate(np, false).commit();
  const [p0, p1, p2] = np.spec!.ports!;
  assert.ok(p0!.nodePort! >= 30000 && p0!.nodePort! <= 32767);
  assert.equal(p1!.nodePort, p0!.nodePort);
  assert.equal(p2!.nodePort, 30080);
  const clash = svc('clash', { type: 'NodePort', ports: [{ port: 81, nodePort: 30080 }] });
  assert.equal(apiErr(() => a.allocateCreate(clash, false)).message, 'Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  assert.equal(a.isIpAllocated(clash.spec!.clusterIP ?? ''), false, 'the cluster IP taken before the failure was given back');

  const lb = svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 443 }] });
  a.allocateCreate(lb, false).commit();
  assert.ok(lb.spec!.ports![0]!.nodePort);
  assert.ok(lb.spec!.healthCheckNodePort! >= 30000);
  assert.ok(a.isNodePortAllocated(lb.spec!.healthCheckNodePort!));
  const noPorts = svc('lb2', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 443 }] });
  a.allocateCreate(noPorts, false).commit();
  assert.equal(noPorts.spec!.ports![0]!.nodePort, undefined);

  a.releaseService(lb);
  assert.equal(a.isNodePortAllocated(lb.spec!.healthCheckNodePort!), false);
  assert.equal(a.isIpAllocated(lb.spec!.clusterIP!), false);
});

test('ServiceAllocator: updates: type changes release on commit only; ExternalName → ClusterIP allocates', () => {
  const a = new ServiceAllocator({ serviceCidrs: ['10.96.0.0/16'], random: lcg(9) });
  const old = svc('s', { type: 'NodePort', ports: [{ port: 80 }] });
  a.allocateCreate(old, false).commit();
  const ip = old.spec!.clusterIP!;
  const port = old.spec!.ports![0]!.nodePort!;

  // NodePort → ClusterIP: the node port goes back on commit, not before
  const toCip = structuredClone(old);
  toCip.spec!.type = 'ClusterIP';
  delete toCip.spec!.ports![0]!.nodePort;
  delete toCip.spec!.externalTrafficPolicy;
  const t = a.allocateUpdate(toCip, old, false);
  assert.ok(a.isNodePortAllocated(port));
  t.commit();
  assert.equal(a.isNodePortAllocated(port), false);
  assert.ok(a.isIpAllocated(ip));

  // ClusterIP → ExternalName, reverted: keeps the address; committed: releases it
  const toExt: V1Service = structuredClone(toCip);
  toExt.spec = { type: 'ExternalName', externalName: 'example.com', ports: toCip.spec!.ports, sessionAffinity: 'None' };
  a.allocateUpdate(toExt, toCip, false).revert();
  assert.ok(a.isIpAllocated(ip));
  a.allocateUpdate(toExt, toCip, false).commit();
  assert.equal(a.isIpAllocated(ip), false);

  // ExternalName → ClusterIP allocates again
  const back = svc('s', { type: 'ClusterIP', ports: [{ port: 80 }] });
  a.allocateUpdate(back, toExt, false).commit();
  assert.ok(back.spec!.clusterIP && a.isIpAllocated(back.spec!.clusterIP));

  // ClusterIP → NodePort allocates a node port; a requested new one replaces the old on commit
  const toNp = structuredClone(back);
  toNp.spec!.type = 'NodePort';
  toNp.spec!.externalTrafficPolicy = 'Cluster';
  a.allocateUpdate(toNp, back, false).commit();
  const p1 = toNp.spec!.ports![0]!.nodePort!;
  assert.ok(a.isNodePortAllocated(p1));
  const moved = structuredClone(toNp);
  moved.spec!.ports![0]!.nodePort = 31999 === p1 ? 31998 : 31999;
  a.allocateUpdate(moved, toNp, false).commit();
  assert.equal(a.isNodePortAllocated(p1), false);
  assert.ok(a.isNodePortAllocated(moved.spec!.ports![0]!.nodePort!));
});

test('ServiceAllocator.rebuild marks what stored Services hold and reports inconsistencies', () => {
  const a = new ServiceAllocator({ serviceCidrs: ['10.96.0.0/16'], random: lcg() });
  const s1 = svc('a', { type: 'NodePort', clusterIP: '10.96.3.4', ports: [{ port: 80, nodePort: 30001 }] });
  const s2 = svc('b', { clusterIP: '10.96.3.4', ports: [{ port: 80 }] });
  const s3 = svc('c', { clusterIP: '192.168.0.1', ports: [{ port: 80 }] });
  const problems = a.rebuild([s1, s2, s3]);
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /10\.96\.3\.4 of service ns\/b was assigned to multiple services/);
  assert.match(problems[1]!, /192\.168\.0\.1 of service ns\/c is not within any configured service CIDR/);
  assert.ok(a.isIpAllocated('10.96.3.4'));
  assert.ok(a.isNodePortAllocated(30001));
  a.rebuild([]);
  assert.equal(a.isIpAllocated('10.96.3.4'), false);
});

test('ServiceAllocator: dual-stack cluster: PreferDualStack gets both families, SingleStack one', () => {
  const a = new ServiceAllocator({ serviceCidrs: ['10.96.0.0/16', 'fd00:96::/112'], random: lcg() });
  const pref = svc('p', { ports: [{ port: 80 }], ipFamilyPolicy: 'PreferDualStack' });
  a.allocateCreate(pref, false).commit();
  assert.deepEqual(pref.spec!.ipFamilies, ['IPv4', 'IPv6']);
  assert.equal(pref.spec!.clusterIPs!.length, 2);
  assert.match(pref.spec!.clusterIPs![1]!, /^fd00:96::/);
  const single = svc('s', { ports: [{ port: 80 }] });
  a.allocateCreate(single, false).commit();
  assert.deepEqual(single.spec!.ipFamilies, ['IPv4']);
  const v6only = new ServiceAllocator({ serviceCidrs: ['fd00:96::/112'], random: lcg() });
  const d = svc('d', { ports: [{ port: 80 }] });
  v6only.allocateCreate(d, false).commit();
  assert.deepEqual(d.spec!.ipFamilies, ['IPv6'], 'the IPv4 default becomes the cluster family');
  assert.match(d.spec!.clusterIP!, /^fd00:96::/);
});

test('ServiceAllocator: an update of a Service stored without an address (older data) allocates one', () => {
  const a = new ServiceAllocator({ serviceCidrs: ['10.96.0.0/16'], random: lcg(2) });
  const old = svc('legacy', { ports: [{ port: 80 }] });
  const next = structuredClone(old);
  a.allocateUpdate(next, old, false).commit();
  assert.match(next.spec!.clusterIP!, /^10\.96\./);
  assert.ok(a.isIpAllocated(next.spec!.clusterIP!));
});
