import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../../types.js';
import { endpointSlice } from './index.js';

const ctx: StrategyContext = { now: new Date('2026-01-01T00:00:00Z'), user: { username: 'u', groups: [] }, subresource: '' };

test('EndpointSlice defaults, validation, table', () => {
  const es: KubeObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' }, creationTimestamp: '2025-12-31T23:59:30Z' },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.244.0.5'], conditions: { ready: true }, nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default' } },
      { addresses: ['10.244.0.6'] },
      { addresses: ['10.244.0.7'] },
      { addresses: ['10.244.0.8'] },
    ],
    ports: [{ port: 8080 }, { name: 'metrics', port: 9090, protocol: 'TCP' }],
  };
  endpointSlice.strategy!.defaults!(es);
  assert.deepEqual(es.ports, [{ port: 8080, name: '', protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }]);
  assert.deepEqual(endpointSlice.strategy!.validate!(es, ctx), []);
  assert.deepEqual(endpointSlice.table!.cells(es, ctx.now), ['web-abc', 'IPv4', '8080,9090', '10.244.0.5,10.244.0.6,10.244.0.7 + 1 more...', '30s']);
  const bad: KubeObject = { ...es, addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1', '::1', 'x'] }, { addresses: [] }], ports: [{ name: 'a', protocol: 'ICMP' }, { name: 'a', protocol: 'TCP' }] };
  assert.deepEqual(endpointSlice.strategy!.validate!(bad, ctx).map(String), [
    'endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    'endpoints[0].addresses[1]: Invalid value: "::1": must be a valid IPv4 address',
    'endpoints[0].addresses[2]: Invalid value: "x": must be a valid IPv4 address',
    'endpoints[1].addresses: Required value: must contain at least 1 address',
    'ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    'ports[1].name: Duplicate value: "a"',
  ]);
  const upd = { ...es, addressType: 'IPv6' };
  assert.deepEqual(endpointSlice.strategy!.validateUpdate!(upd, es, ctx).map(String), ['addressType: Invalid value: "IPv6": field is immutable']);
});
