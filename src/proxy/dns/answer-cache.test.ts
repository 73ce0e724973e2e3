import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerCache } from './answer-cache.js';

type R = { name: string; type: string; ttl: number; data?: unknown };
const a = (ttl: number): R => ({ name: 'x.example', type: 'A', ttl, data: '192.0.2.1' });
const soa = (ttl: number, minimum: number): R => ({ name: 'example', type: 'SOA', ttl, data: { minimum } });

test('answer cache: smallest TTL capped at max, TTLs served lowered by age, expiry', () => {
  const c = new AnswerCache<R>(10, 30);
  const k = AnswerCache.key('X.Example.', 'A', 'IN');
  assert.equal(k, 'x.example|A|IN');
  assert.equal(c.put(k, { rcode: 'NOERROR', answers: [a(300), a(20)], authorities: [], additionals: [] }, 1_000), 20);
  assert.deepEqual(c.get(k, 6_500)!.answers.map((r) => r.ttl), [15, 15], "never more than the entry has left");
  assert.equal(c.get(k, 21_000), undefined);
  assert.equal(c.put(k, { rcode: 'NOERROR', answers: [a(3600)], authorities: [], additionals: [] }, 0), 30, 'capped at 30 s');
  assert.equal(c.hits, 1);
  assert.equal(c.misses, 1);
});

test('answer cache: negative answers live min(SOA TTL, minimum); SERVFAIL and zero TTLs are not stored; size bound', () => {
  const c = new AnswerCache<R>(2, 30);
  assert.equal(c.put('n', { rcode: 'NXDOMAIN', answers: [], authorities: [soa(60, 10)], additionals: [] }, 0), 10);
  assert.equal(c.put('nodata-no-soa', { rcode: 'NOERROR', answers: [], authorities: [], additionals: [] }, 0), 0);
  assert.equal(c.put('f', { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] }, 0), 0);
  assert.equal(c.put('z', { rcode: 'NOERROR', answers: [a(0)], authorities: [], additionals: [] }, 0), 0);
  c.put('a', { rcode: 'NOERROR', answers: [a(10)], authorities: [], additionals: [] }, 0);
  c.put('b', { rcode: 'NOERROR', answers: [a(10)], authorities: [], additionals: [] }, 0);
  assert.equal(c.size(), 2);
  assert.equal(c.get('n', 0), undefined, 'oldest evicted');
  assert.ok(c.get('b', 0));
});
