/**
 * Safety (root): the LoadBalancer address pool (`--service-lb-pool`) is routed onto the node's bridge
 * like the pod and service subnets, so nothing addressed to a pool address can follow the default
 * route off the machine; killall removes those routes with the bridge.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { startServer } from '../support/cluster.js';

test('a configured load-balancer pool is routed onto the node bridge, and gone after the node is cleaned up', async () => {
  const pool = `10.${randomInt(64, 127)}.${randomInt(0, 255)}.0/29`;
  const server = await startServer({ agent: true, controlPlane: true, extraArgs: ['--service-lb-pool', pool] });
  const probe = pool.replace(/0\/29$/, '3');
  try {
    const bridge = server.node!.bridge;
    const route = () => execFileSync('ip', ['-4', 'route', 'get', probe], { encoding: 'utf8' });
    const end = Date.now() + 30_000;
    while (!route().includes(`dev ${bridge}`) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    assert.match(route(), new RegExp(`dev ${bridge}\\b`), `a pool address goes to ${bridge}`);
  } finally {
    await server.stop();
  }
  const after = execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  assert.ok(!after.includes(pool), `no route of ${pool} left:\n${after}`);
});
