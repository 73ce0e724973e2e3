import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dropCounter,
  egressChainName,
  egressGuardApplyScript,
  egressGuardRemoveScript,
  localnetChainName,
  parseNftJson,
  tableUnused,
  validateNftTableName,
} from './egress-guard.js';

test('apply script: shared table and set, this bridge in the set, its chains replaced then rebuilt', () => {
  const s = egressGuardApplyScript({ table: 'flotilla', bridge: 'flotilla1' }).split('\n');
  assert.deepEqual(s.slice(0, 3), ['add table inet flotilla', 'add set inet flotilla bridges { type ifname; }', 'add element inet flotilla bridges { "flotilla1" }']);
  // Leftovers of any shape are removed in the same transaction before the chain is created again.
  const eg = s.indexOf('add chain inet flotilla egress_flotilla1 { type filter hook forward priority filter; policy accept; }');
  assert.ok(eg > 0);
  assert.deepEqual(s.slice(eg - 3, eg), ['add chain inet flotilla egress_flotilla1', 'flush chain inet flotilla egress_flotilla1', 'delete chain inet flotilla egress_flotilla1']);
  const rules = s.filter((l) => l.startsWith('add rule inet flotilla egress_flotilla1 '));
  assert.deepEqual(
    rules.map((l) => l.replace(/ comment ".*"$/, '')),
    [
      'add rule inet flotilla egress_flotilla1 iifname "flotilla1" oifname @bridges accept',
      'add rule inet flotilla egress_flotilla1 iifname "flotilla1" ct direction reply accept',
      'add rule inet flotilla egress_flotilla1 iifname "flotilla1" counter drop',
    ],
    'accept towards any agent bridge, answers to inbound connections, drop the rest (counted)',
  );
  // Every rule of this agent is keyed on its own bridge: other agents' traffic is never judged here.
  for (const l of s.filter((x) => x.startsWith('add rule'))) assert.match(l, /iifname "flotilla1" /);
  const ln = s.filter((l) => l.startsWith(`add rule inet flotilla ${localnetChainName('flotilla1')} `)).map((l) => l.replace(/ comment ".*"$/, ''));
  assert.deepEqual(ln, [
    'add rule inet flotilla localnet_flotilla1 iifname "flotilla1" ip daddr 127.0.0.0/8 ct state established,related accept',
    'add rule inet flotilla localnet_flotilla1 iifname "flotilla1" ip daddr 127.0.0.0/8 ct status dnat accept',
    'add rule inet flotilla localnet_flotilla1 iifname "flotilla1" ip daddr 127.0.0.0/8 counter drop',
  ]);
  assert.ok(s.includes('add chain inet flotilla localnet_flotilla1 { type filter hook input priority filter; policy accept; }'));
  assert.ok(!s.some((l) => /flush table|delete table|flush ruleset/.test(l)), 'never touches other agents or other tables');
});

test('remove script: adds before deleting so it succeeds from any state, touches only this bridge', () => {
  const s = egressGuardRemoveScript({ table: 'flt-x', bridge: 'br0' }).split('\n').filter(Boolean);
  assert.deepEqual(s, [
    'add table inet flt-x',
    'add set inet flt-x bridges { type ifname; }',
    'add element inet flt-x bridges { "br0" }',
    'delete element inet flt-x bridges { "br0" }',
    'add chain inet flt-x egress_br0',
    'flush chain inet flt-x egress_br0',
    'delete chain inet flt-x egress_br0',
    'add chain inet flt-x localnet_br0',
    'flush chain inet flt-x localnet_br0',
    'delete chain inet flt-x localnet_br0',
  ]);
});

test('names: chains derive from the bridge; bad table or bridge names are refused', () => {
  assert.equal(egressChainName('0br.x-y'), 'egress_0br.x-y');
  assert.equal(validateNftTableName('flotilla'), undefined);
  assert.equal(validateNftTableName('flt-ab12c'), undefined);
  for (const bad of ['', '1abc', 'a b', 'a"b', 'a;b', 'x'.repeat(64)]) assert.ok(validateNftTableName(bad), bad);
  assert.throws(() => egressGuardApplyScript({ table: 'flotilla', bridge: 'a"; flush ruleset' }));
  assert.throws(() => egressGuardRemoveScript({ table: 'bad table', bridge: 'br0' }));
});

test('listing: a table with only the (empty) set is unused; drop counters are read from the rule', () => {
  const listed = JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6', json_schema_version: 1 } },
      { table: { family: 'inet', name: 'flotilla', handle: 1 } },
      { set: { family: 'inet', name: 'bridges', table: 'flotilla', type: 'ifname', handle: 1, elem: ['flotilla0'] } },
      { chain: { family: 'inet', table: 'flotilla', name: 'egress_flotilla0', handle: 2, type: 'filter', hook: 'forward', prio: 0, policy: 'accept' } },
      {
        rule: {
          family: 'inet',
          table: 'flotilla',
          chain: 'egress_flotilla0',
          handle: 5,
          expr: [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'flotilla0' } }, { accept: null }],
        },
      },
      {
        rule: {
          family: 'inet',
          table: 'flotilla',
          chain: 'egress_flotilla0',
          handle: 6,
          expr: [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'flotilla0' } }, { counter: { packets: 3, bytes: 180 } }, { drop: null }],
        },
      },
    ],
  });
  const objs = parseNftJson(listed);
  assert.equal(objs.length, 5, 'metainfo dropped');
  assert.equal(tableUnused(objs), false);
  assert.equal(dropCounter(objs, 'egress_flotilla0'), 3);
  assert.equal(dropCounter(objs, 'egress_other'), undefined);
  assert.equal(tableUnused(objs.filter((o) => o.table || o.set)), true);
  assert.deepEqual(parseNftJson(''), []);
});
