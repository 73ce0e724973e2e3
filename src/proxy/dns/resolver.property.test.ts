/** Property tests of the resolver and the IP helpers (fast-check). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../../api/types.js';
import { ClusterIndex } from './cluster-index.js';
import { canonicalIP, dashedIP, ipFromDashed, ipFromReverseName, reverseName } from './ip.js';
import { resolveQuestion } from './resolver.js';

const cfg = { zone: 'cluster.local', ttl: 5 };
const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));

test('ip: canonical forms survive the dashed and reverse round trips', () => {
  fc.assert(
    fc.property(fc.oneof(v4, v6), (ip) => {
      const c = canonicalIP(ip)!;
      assert.ok(c);
      assert.equal(canonicalIP(c), c);
      assert.equal(ipFromReverseName(reverseName(c)!), c);
      assert.equal(ipFromDashed(dashedIP(c)), c);
    }),
  );
});

test('resolver: every Service resolves to its ClusterIP in any letter case; names under the zone never forward or throw', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(label, label), { minLength: 1, maxLength: 20, selector: ([n, s]) => `${n}/${s}` }),
      fc.array(fc.array(fc.oneof(label, fc.constantFrom('svc', 'pod', '_tcp', '_http', '')), { maxLength: 7 }), { maxLength: 20 }),
      (svcs, junk) => {
        const ix = new ClusterIndex();
        svcs.forEach(([ns, name], i) => ix.setService({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { clusterIP: `10.96.${i >> 8}.${i & 255}` } } as KubeObject));
        svcs.forEach(([ns, name], i) => {
          const r = resolveQuestion({ name: `${name}.${ns}.SVC.cluster.LOCAL.`.toUpperCase(), type: 'A' }, ix, cfg);
          assert.equal(r.kind, 'answer');
          if (r.kind === 'answer') assert.deepEqual(r.answers.map((a) => a.data), [`10.96.${i >> 8}.${i & 255}`]);
        });
        for (const labels of junk) {
          const name = [...labels, 'cluster', 'local'].filter((l) => l !== '').join('.');
          for (const type of ['A', 'AAAA', 'SRV', 'PTR', 'TXT', 'ANY']) {
            const r = resolveQuestion({ name, type }, ix, cfg);
            assert.equal(r.kind, 'answer', name);
            if (r.kind === 'answer') {
              assert.ok(r.rcode === 'NXDOMAIN' || r.answers.length > 0 || r.authorities.some((a) => a.type === 'SOA'), `${name} ${type}: negative answers carry the SOA`);
              for (const a of r.answers) assert.ok(a.ttl === 5);
            }
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});
