import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, familyOps, formatIPv6, isIPv6, normaliseCIDR, parseIPv6 } from './family.js';

const V6 = familyOps('ip6');

test('IPv6: parse and RFC 5952 text round trip (::, leading/trailing zero runs, embedded IPv4, longest run first)', () => {
  for (const [inp, out] of [
    ['fd00::1', 'fd00::1'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8::', '2001:db8::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
    ['::ffff:10.1.2.3', '::ffff:a01:203'],
  ] as const) {
    const n = parseIPv6(inp);
    assert.notEqual(n, undefined, inp);
    assert.equal(formatIPv6(n!), out, inp);
  }
  for (const bad of ['', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'fd00::g', '10.0.0.1', '1:2:3:4:5:6:7', ':::']) assert.equal(parseIPv6(bad), undefined, bad);
  assert.ok(isIPv6('fd00::5') && !isIPv6('10.0.0.1') && !isIPv6(undefined));
});

test('CIDRs per family: normalised to the network, bare addresses as host routes, containment', () => {
  assert.equal(normaliseCIDR('10.1.2.3/16'), '10.1.0.0/16');
  assert.equal(normaliseCIDR('192.0.2.7'), '192.0.2.7/32');
  assert.equal(normaliseCIDR('0.0.0.0/0'), '0.0.0.0/0');
  assert.equal(normaliseCIDR('fd00::/8'), undefined, 'not IPv4');
  assert.equal(normaliseCIDR('fd00:1:2::5/48', V6), 'fd00:1:2::/48');
  assert.equal(normaliseCIDR('fd00::5', V6), 'fd00::5/128');
  assert.equal(normaliseCIDR('fd00::/129', V6), undefined);
  assert.equal(normaliseCIDR('10.0.0.0/8', V6), undefined);
  assert.ok(cidrContains('10.1.0.0/16', '10.1.200.3'));
  assert.ok(!cidrContains('10.1.0.0/16', '10.2.0.1'));
  assert.ok(cidrContains('0.0.0.0/0', '8.8.8.8'));
  assert.ok(cidrContains('fd00:1:2::/48', 'fd00:1:2:ffff::1', V6));
  assert.ok(!cidrContains('fd00:1:2::/48', 'fd00:1:3::1', V6));
  assert.ok(!cidrContains('10.1.0.0/16', 'fd00::1'));
});
