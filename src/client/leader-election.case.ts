/** Leader election conformance: run by every transport's test file against a real apiserver. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { eventually, type Setup } from './client.case.js';
import { createLeaderElector, type LeaderElector } from './leader-election.js';
import type { Client } from './types.js';
import { R } from './types.js';

interface Lease extends KubeObject {
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

export function leaderElectionConformance(name: string, setup: Setup): void {
  const elector = (client: Client, identity: string, log: string[]) =>
    createLeaderElector({
      client,
      namespace: 'kube-system',
      name: 'test-lock',
      identity,
      leaseDurationMs: 1000,
      renewDeadlineMs: 600,
      retryPeriodMs: 100,
      onStartedLeading: () => log.push(`${identity} started`),
      onStoppedLeading: () => log.push(`${identity} stopped`),
    });

  test(`${name}: leader election: one leader at a time; stop() hands over at once`, async (t) => {
    const h = await setup();
    const started: LeaderElector[] = [];
    t.after(async () => {
      for (const e of started) await e.stop();
      await h.close();
    });
    const log: string[] = [];
    const a = elector(h.client, 'a', log);
    started.push(a);
    void a.run();
    await eventually(() => a.isLeader(), 'a leads');
    const b = elector(h.client, 'b', log);
    started.push(b);
    void b.run();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.isLeader(), false);
    assert.equal(b.getLeader(), 'a');
    let lease = await h.client.get<Lease>(R.leases, 'kube-system', 'test-lock');
    assert.equal(lease.spec.holderIdentity, 'a');
    assert.equal(lease.spec.leaseDurationSeconds, 1);
    assert.equal(lease.spec.leaseTransitions, 0);
    assert.match(lease.spec.renewTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    const stoppedAt = Date.now();
    await a.stop();
    assert.equal(a.isLeader(), false);
    await eventually(() => b.isLeader(), 'b takes over');
    assert.ok(Date.now() - stoppedAt < 1000, 'released lease is taken within a retry period, not a lease duration');
    lease = await h.client.get<Lease>(R.leases, 'kube-system', 'test-lock');
    assert.equal(lease.spec.holderIdentity, 'b');
    assert.equal(lease.spec.leaseTransitions, 1);
    assert.deepEqual(log, ['a started', 'a stopped', 'b started']);
  });

  test(`${name}: leader election: a silent leader loses the lease after leaseDuration`, async (t) => {
    const h = await setup();
    const log: string[] = [];
    // 'a' can write until cut off, as a leader whose network fails.
    let cut = false;
    const flaky: Client = {
      ...h.client,
      userAgent: 'flaky',
      get: (...args) => (cut ? Promise.reject(new Error('network down')) : h.client.get(...args)),
      update: (...args) => (cut ? Promise.reject(new Error('network down')) : h.client.update(...args)),
      create: (...args) => (cut ? Promise.reject(new Error('network down')) : h.client.create(...args)),
    };
    const a = elector(flaky, 'a', log);
    const b = elector(h.client, 'b', log);
    t.after(async () => {
      await a.stop();
      await b.stop();
      await h.close();
    });
    void a.run();
    await eventually(() => a.isLeader(), 'a leads');
    void b.run();
    cut = true;
    const cutAt = Date.now();
    await eventually(() => !a.isLeader(), 'a steps down after renewDeadline', 3000);
    await eventually(() => b.isLeader(), 'b acquires after leaseDuration', 3000);
    assert.ok(Date.now() - cutAt >= 900, 'not before the lease expired');
    assert.deepEqual(log, ['a started', 'a stopped', 'b started']);
  });
}
