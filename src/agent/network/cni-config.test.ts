import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CNI_VERSION,
  DEFAULT_BRIDGE,
  MAX_INTERFACE_NAME,
  bridgeConflist,
  cidrTextsOverlap,
  gatewayAddress,
  probeAddress,
  validateCIDR,
  validateInterfaceName,
  validatePodCIDR,
} from './cni-config.js';

test('bridgeConflist: bridge (gateway, no masquerade, hairpin, mtu) + host-local over the podCIDR + portmap', () => {
  const conf = bridgeConflist({ networkName: 'flotilla', bridge: 'flotilla0', podCIDR: '10.42.3.0/24', ipamDataDir: '/var/lib/flotilla/cni/networks', mtu: 1450 });
  assert.deepEqual(conf, {
    cniVersion: '0.4.0',
    name: 'flotilla',
    plugins: [
      {
        type: 'bridge',
        bridge: 'flotilla0',
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        mtu: 1450,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: '10.42.3.0/24', gateway: '10.42.3.1' }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: '/var/lib/flotilla/cni/networks',
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  });
  assert.equal(CNI_VERSION, '0.4.0');
  // It is plain JSON data (what gets written to the conf dir).
  assert.deepEqual(JSON.parse(JSON.stringify(conf)), conf);
});

test('bridgeConflist: options off, no mtu key, IPv6 default route', () => {
  const conf = bridgeConflist({ networkName: 'n', bridge: 'br0', podCIDR: 'fd00:42:0:3::/64', ipamDataDir: '/d', hairpin: false, portmap: false });
  assert.equal(conf.plugins.length, 1);
  const bridge = conf.plugins[0]!;
  assert.equal(bridge.hairpinMode, false);
  assert.equal('mtu' in bridge, false);
  assert.deepEqual((bridge.ipam as { routes: unknown }).routes, [{ dst: '::/0' }]);
  assert.deepEqual((bridge.ipam as { ranges: unknown }).ranges, [[{ subnet: 'fd00:42:0:3::/64', gateway: 'fd00:42:0:3::1' }]]);
});

test('bridgeConflist throws on invalid input (callers validate first)', () => {
  const base = { networkName: 'n', bridge: 'br0', podCIDR: '10.0.0.0/24', ipamDataDir: '/d' };
  assert.throws(() => bridgeConflist({ ...base, podCIDR: '10.0.0.1/24' }), /host bits/);
  assert.throws(() => bridgeConflist({ ...base, podCIDR: '10.0.0.0/31' }), /too small/);
  assert.throws(() => bridgeConflist({ ...base, bridge: 'a-very-long-bridge-name' }), /longer than 15/);
  assert.throws(() => bridgeConflist({ ...base, mtu: 100 }), /MTU/);
});

test('gatewayAddress is the first host of the podCIDR', () => {
  assert.equal(gatewayAddress('10.42.3.0/24'), '10.42.3.1');
  assert.equal(gatewayAddress('10.244.0.0/16'), '10.244.0.1');
  assert.equal(gatewayAddress('10.0.0.4/30'), '10.0.0.5');
  assert.equal(gatewayAddress('fd00::/64'), 'fd00::1');
  assert.throws(() => gatewayAddress('nope'), /invalid CIDR/);
});

test('validateCIDR / validatePodCIDR: canonical text only, room for gateway and a pod', () => {
  assert.equal(typeof validateCIDR('10.96.0.0/12'), 'object');
  assert.match(validateCIDR('10.96.0.1/12') as string, /host bits/);
  assert.match(validateCIDR('10.096.0.0/12') as string, /invalid CIDR/);
  assert.match(validateCIDR('0.0.0.0/0') as string, /whole address family/);
  assert.match(validateCIDR('10.0.0.0') as string, /invalid CIDR/);
  assert.equal(typeof validatePodCIDR('10.0.0.0/30'), 'object');
  assert.match(validatePodCIDR('10.0.0.0/31') as string, /too small/);
});

test('validateInterfaceName: 1..15 characters of a safe alphabet', () => {
  assert.equal(DEFAULT_BRIDGE.length <= MAX_INTERFACE_NAME, true);
  assert.equal(validateInterfaceName(DEFAULT_BRIDGE), undefined);
  assert.equal(validateInterfaceName('fltabcde'), undefined);
  assert.equal(validateInterfaceName('a'.repeat(15)), undefined);
  assert.match(validateInterfaceName('a'.repeat(16))!, /longer than 15/);
  assert.match(validateInterfaceName('')!, /empty/);
  assert.match(validateInterfaceName('br 0')!, /may contain only/);
  assert.match(validateInterfaceName('br/0')!, /may contain only/);
  assert.match(validateInterfaceName('..')!, /may contain only/);
});

test('cidrTextsOverlap and probeAddress', () => {
  assert.equal(cidrTextsOverlap('10.244.0.0/16', '10.244.3.0/24'), true);
  assert.equal(cidrTextsOverlap('10.244.0.0/16', '10.96.0.0/12'), false);
  assert.equal(cidrTextsOverlap('10.0.0.0/8', '10.96.0.0/12'), true);
  assert.equal(cidrTextsOverlap('10.0.0.0/8', 'fd00::/8'), false);
  assert.equal(cidrTextsOverlap('junk', '10.0.0.0/8'), false);
  assert.equal(probeAddress(validateCIDR('10.251.0.0/16') as never), '10.251.255.254');
  assert.equal(probeAddress(validateCIDR('10.96.0.0/12') as never), '10.111.255.254');
});
