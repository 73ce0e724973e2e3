import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP, isIPv4, isIPv6, nameIsDNS1035Label, nameIsDNSSubdomain, validateLabelSelector, FieldPath } from './validation-util.js';

test('IP parsing', () => {
  for (const ok of ['10.0.0.1', '255.255.255.255', '0.0.0.0']) assert.ok(isIPv4(ok), ok);
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '']) assert.ok(!isIPv4(bad), bad);
  for (const ok of ['::1', '::', '2001:db8::ffff', 'fe80::1:2:3:4', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8']) assert.ok(isIPv6(ok), ok);
  for (const bad of ['1:2:3:4:5:6:7:8:9', '2001:db8:::1', ':::', '10.0.0.1', 'g::1', '1::2::3']) assert.ok(!isIPv6(bad), bad);
  assert.ok(isIP('10.1.2.3') && isIP('fd00::1') && !isIP('nope'));
});

test('generateName prefixes may end in a dash', () => {
  assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
  assert.equal(nameIsDNSSubdomain('web-', false).length, 1);
  assert.deepEqual(nameIsDNS1035Label('svc-', true), []);
});

test('label selector validation', () => {
  const errs = validateLabelSelector(
    { matchLabels: { ok: 'v' }, matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'Near' }] },
    FieldPath.root('spec').child('selector'),
  ).map(String);
  assert.deepEqual(errs, [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'spec.selector.matchExpressions[2].operator: Invalid value: "Near": not a valid selector operator',
  ]);
});
