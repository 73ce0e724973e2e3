import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp, cidrsOverlap, formatCidr, nthAddress, parseCidr, parseIp, formatIp } from './net.js';

test('IP parsing and canonical form follow Go and RFC 5952', () => {
  assert.equal(canonicalIp('10.96.0.1'), '10.96.0.1');
  assert.equal(canonicalIp('010.96.0.1'), undefined);
  assert.equal(canonicalIp('1.2.3'), undefined);
  assert.equal(canonicalIp('256.0.0.1'), undefined);
  assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIp('FD00:10:96:0:0:0:0:1'), 'fd00:10:96::1');
  assert.equal(canonicalIp('::ffff:10.0.0.1'), '::ffff:a00:1');
  assert.equal(canonicalIp('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
  assert.equal(canonicalIp('::'), '::');
  assert.equal(canonicalIp('1::2::3'), undefined);
  assert.equal(canonicalIp('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(canonicalIp('fe80::1%eth0'), undefined);
  assert.equal(formatIp(parseIp('2001:db8::')!), '2001:db8::');
});

test('CIDRs: masking, overlap, n-th address', () => {
  assert.equal(formatCidr(parseCidr('10.96.7.1/16')!), '10.96.0.0/16');
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('10.0.0.0/016'), undefined);
  assert.ok(cidrsOverlap(parseCidr('10.0.0.0/8')!, parseCidr('10.96.0.0/16')!));
  assert.ok(!cidrsOverlap(parseCidr('10.244.0.0/16')!, parseCidr('10.96.0.0/16')!));
  assert.ok(!cidrsOverlap(parseCidr('10.0.0.0/8')!, parseCidr('fd00::/8')!));
  assert.equal(formatIp(nthAddress(parseCidr('10.96.0.0/16')!, 10)!), '10.96.0.10');
  assert.equal(nthAddress(parseCidr('10.96.0.0/30')!, 10), undefined);
  assert.equal(formatIp(nthAddress(parseCidr('fd00:43::/112')!, 1)!), 'fd00:43::1');
});
