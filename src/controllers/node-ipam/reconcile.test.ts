import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CidrSet, PodCidrAllocator, formatCidr, parseCidr, reconcileNode } from './reconcile.js';

test('parseCidr masks host bits and round-trips IPv4 and IPv6', () => {
  assert.equal(formatCidr(parseCidr('10.244.3.7/16')!), '10.244.0.0/16');
  assert.equal(formatCidr(parseCidr('fd00:10:244::1/56')!), 'fd00:10:244::/56');
  assert.equal(formatCidr(parseCidr('2001:db8:0:0:1:0:0:0/64')!), '2001:db8::/64');
  for (const bad of ['10.0.0.0', '10.0.0.256/8', '10.0.0.0/33', 'x/8', '1::2::3/64', '010.0.0.0/8']) assert.equal(parseCidr(bad), undefined, bad);
});

test('a /16 with /24 node masks holds 256 nodes, lowest first, then CIDRNotAvailable', () => {
  const a = new PodCidrAllocator(['10.244.0.0/16'], 24);
  assert.deepEqual(reconcileNode({ name: 'n0' }, a), { type: 'assign', podCIDRs: ['10.244.0.0/24'] });
  assert.deepEqual(reconcileNode({ name: 'n1' }, a), { type: 'assign', podCIDRs: ['10.244.1.0/24'] });
  for (let i = 2; i < 256; i++) assert.equal(reconcileNode({ name: `n${i}` }, a).type, 'assign');
  assert.deepEqual(reconcileNode({ name: 'n256' }, a), { type: 'unavailable' });
  a.release(['10.244.7.0/24']);
  assert.deepEqual(reconcileNode({ name: 'n256' }, a), { type: 'assign', podCIDRs: ['10.244.7.0/24'] });
});

test('rebuilt from existing nodes: their CIDRs are never handed out again; nodes with a CIDR keep it', () => {
  const a = new PodCidrAllocator(['10.244.0.0/22'], 24);
  assert.deepEqual(reconcileNode({ name: 'old', podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] }, a), { type: 'none' });
  assert.deepEqual(a.occupy(['10.244.2.0/24', '192.168.0.0/24']), ['192.168.0.0/24']);
  assert.deepEqual(reconcileNode({ name: 'x' }, a), { type: 'assign', podCIDRs: ['10.244.1.0/24'] });
  assert.deepEqual(reconcileNode({ name: 'y' }, a), { type: 'assign', podCIDRs: ['10.244.3.0/24'] });
  assert.deepEqual(reconcileNode({ name: 'z' }, a), { type: 'unavailable' });
});

test('dual stack: one subnet per family, all or nothing', () => {
  const a = new PodCidrAllocator(['10.244.0.0/23', 'fd00:10:244::/63'], 24);
  assert.deepEqual(reconcileNode({ name: 'a' }, a), { type: 'assign', podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'] });
  assert.deepEqual(reconcileNode({ name: 'b' }, a), { type: 'assign', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] });
  assert.deepEqual(reconcileNode({ name: 'c' }, a), { type: 'unavailable' });
});

test('node masks that do not fit are rejected', () => {
  assert.throws(() => new CidrSet('10.244.0.0/16', 8), /does not fit/);
  assert.throws(() => new CidrSet('10.0.0.0/8', 33), /does not fit/);
  assert.throws(() => new CidrSet('nope', 24), /invalid cluster CIDR/);
});

test('property: allocations are distinct, inside the cluster CIDR, and capacity is exact', () => {
  fc.assert(
    fc.property(fc.integer({ min: 16, max: 28 }), fc.integer({ min: 0, max: 6 }), fc.array(fc.boolean(), { maxLength: 200 }), (prefix, extra, ops) => {
      const mask = Math.min(30, prefix + extra);
      const set = new CidrSet(`10.0.0.0/${prefix}`, mask);
      const held: string[] = [];
      for (const release of ops) {
        if (release && held.length) set.release(held.shift()!);
        else {
          const c = set.allocate();
          if (c === undefined) assert.equal(held.length, set.capacity);
          else {
            assert.ok(!held.includes(c));
            assert.ok(set.contains(c));
            held.push(c);
          }
        }
      }
      assert.equal(set.free(), set.capacity - held.length);
    }),
  );
});
