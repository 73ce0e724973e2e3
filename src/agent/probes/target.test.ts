import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Pod } from '../../api/core/v1/pod-types.js';
import { allowedProbeHosts, expandStatic, probeAction, resolveContainerPort } from './target.js';

const container: V1Container = {
  name: 'app',
  ports: [
    { name: 'http', containerPort: 8080 },
    { name: 'grpc', containerPort: 9090 },
  ],
  env: [{ name: 'PORT', value: '8080' }, { name: 'FROM_API', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
};

function pod(extra: Partial<V1Pod['spec']> = {}, status: V1Pod['status'] = { podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }, { ip: 'fd00::5' }] }): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u' }, spec: { containers: [container], ...extra }, status };
}

test('ports: numbers, names, numeric strings, and upstream’s errors', () => {
  assert.equal(resolveContainerPort(8081, container), 8081);
  assert.equal(resolveContainerPort('http', container), 8080);
  assert.equal(resolveContainerPort('9000', container), 9000);
  assert.deepEqual(resolveContainerPort('metrics', container), { error: 'strconv.Atoi: parsing "metrics": invalid syntax' });
  assert.deepEqual(resolveContainerPort(70000, container), { error: 'invalid port number: 70000' });
  assert.deepEqual(resolveContainerPort(0, container), { error: 'invalid port number: 0' });
});

test('httpGet: pod IP by default, scheme lower-cased, headers kept', () => {
  assert.deepEqual(
    probeAction(pod(), container, { httpGet: { path: '/ready', port: 'http', scheme: 'HTTPS', httpHeaders: [{ name: 'X-A', value: 'b' }] } }),
    { type: 'http', scheme: 'https', host: '10.42.0.5', port: 8080, path: '/ready', headers: [{ name: 'X-A', value: 'b' }] },
  );
  assert.equal((probeAction(pod(), container, { httpGet: { port: 80, host: 'fd00::5' } }) as { host: string }).host, 'fd00::5');
});

test('tcpSocket and grpc resolve to the pod IP', () => {
  assert.deepEqual(probeAction(pod(), container, { tcpSocket: { port: 'http' } }), { type: 'tcp', host: '10.42.0.5', port: 8080 });
  assert.deepEqual(probeAction(pod(), container, { grpc: { port: 9090, service: 'ready' } }), { type: 'grpc', host: '10.42.0.5', port: 9090, service: 'ready' });
  assert.deepEqual(probeAction(pod(), container, { grpc: { port: 9090 } }), { type: 'grpc', host: '10.42.0.5', port: 9090, service: '' });
});

test('only the pod’s own addresses: other hosts and a missing pod IP are errors', () => {
  assert.deepEqual(probeAction(pod(), container, { httpGet: { port: 80, host: '192.168.1.1' } }), {
    type: 'error',
    message: 'probe host "192.168.1.1" is not an address of the pod (probes connect only to the pod itself)',
  });
  assert.equal(probeAction(pod(), container, { tcpSocket: { port: 80, host: '127.0.0.1' } }).type, 'error', 'loopback is the node’s, not the pod’s');
  assert.deepEqual(probeAction(pod({}, {}), container, { tcpSocket: { port: 80 } }), { type: 'error', message: 'the pod has no IP address yet' });
});

test('hostNetwork pods may also be probed on loopback and the node’s IPs', () => {
  const p = pod({ hostNetwork: true }, { podIP: '192.0.2.10', hostIP: '192.0.2.10', hostIPs: [{ ip: '192.0.2.10' }] });
  assert.deepEqual([...allowedProbeHosts(p)].sort(), ['127.0.0.1', '192.0.2.10', '::1', 'localhost']);
  assert.deepEqual(probeAction(p, container, { tcpSocket: { port: 80, host: '127.0.0.1' } }), { type: 'tcp', host: '127.0.0.1', port: 80 });
});

test('exec: $(VAR) from literal env values, $$ escapes, unknown and valueFrom variables stay', () => {
  assert.deepEqual(expandStatic(['sh', '-c', 'wget -qO- localhost:$(PORT)/ $(FROM_API) $(NOPE) $$(PORT) $(unterminated'], container), [
    'sh',
    '-c',
    'wget -qO- localhost:8080/ $(FROM_API) $(NOPE) $(PORT) $(unterminated',
  ]);
  assert.deepEqual(probeAction(pod(), container, { exec: { command: ['cat', '/tmp/$(PORT)'] } }), { type: 'exec', command: ['cat', '/tmp/8080'] });
});

test('a probe without a handler is an error', () => {
  assert.deepEqual(probeAction(pod(), container, {}), { type: 'error', message: 'missing probe handler for default/web:app' });
});
