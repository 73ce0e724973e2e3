import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { runTcpProbe } from './tcp.js';

test('tcpSocket: an open port is a success with no output', async () => {
  let accepted = 0;
  const server = createServer((s) => {
    accepted++;
    s.destroy();
  });
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
  try {
    assert.deepEqual(await runTcpProbe({ host: '127.0.0.1', port, timeoutMs: 1000 }), { result: 'success', output: '' });
    for (let i = 0; i < 50 && accepted === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(accepted, 1);
  } finally {
    server.close();
  }
});

test('tcpSocket: a closed port fails with Go’s dial text', async () => {
  const tmp = createServer();
  const port = await new Promise<number>((r) => tmp.listen(0, '127.0.0.1', () => r((tmp.address() as AddressInfo).port)));
  await new Promise((r) => tmp.close(r));
  assert.deepEqual(await runTcpProbe({ host: '127.0.0.1', port, timeoutMs: 1000 }), {
    result: 'failure',
    output: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
  });
});

test('tcpSocket: IPv6 loopback addresses are bracketed like Go’s JoinHostPort', async () => {
  const tmp = createServer();
  const port = await new Promise<number>((r) => tmp.listen(0, '127.0.0.1', () => r((tmp.address() as AddressInfo).port)));
  await new Promise((r) => tmp.close(r));
  const r = await runTcpProbe({ host: '::1', port, timeoutMs: 1000 });
  assert.equal(r.result, 'failure');
  assert.match(r.output, new RegExp(`^dial tcp \\[::1\\]:${port}: connect: `));
});
