import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from './index.js';
import { podInfoOf } from '../framework/index.js';
import { defaultFramework } from '../plugins/index.js';
import { pod } from '../testing/fixtures.js';

const pi = (name: string, priority = 0) => podInfoOf(pod(name, { priority }));
const hints = defaultFramework().eventsByPlugin();

test('activeQ pops by priority, then by enqueue time', () => {
  const q = new SchedulingQueue();
  q.add(pi('low'), 1);
  q.add(pi('high', 100), 3);
  q.add(pi('low2'), 2);
  assert.deepEqual([q.pop()?.podInfo.name, q.pop()?.podInfo.name, q.pop()?.podInfo.name, q.pop()], ['high', 'low', 'low2', undefined]);
});

test('backoff doubles from 1 s to at most 10 s per attempt', () => {
  const q = new SchedulingQueue();
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a)), [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('an unschedulable pod moves only on events its rejecting plugin registered', () => {
  const q = new SchedulingQueue({ eventsByPlugin: hints });
  q.add(pi('p'), 0);
  const p = q.pop()!;
  q.requeue(p, ['NodeResourcesFit'], 0);
  assert.equal(q.stats().unschedulable, 1);
  assert.equal(q.onEvent({ resource: 'Pod', action: 'Add' }, 100), 0);
  assert.equal(q.onEvent({ resource: 'Pod', action: 'Delete' }, 100), 1);
  // Still backing off (1 s after the failure at 0): in backoffQ until flushed after 1 s.
  assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0, inflight: 0 });
  assert.equal(q.nextBackoffIn(100), 900);
  q.flush(999);
  assert.equal(q.pop(), undefined);
  q.flush(1000);
  assert.equal(q.pop()?.attempts, 2);
});

test('a relevant event during the cycle sends the failed pod to backoffQ, not unschedulable', () => {
  const q = new SchedulingQueue({ eventsByPlugin: hints });
  q.add(pi('p'), 0);
  const p = q.pop()!;
  q.onEvent({ resource: 'Node', action: 'Add' }, 5);
  q.requeue(p, ['TaintToleration'], 10);
  assert.equal(q.stats().backoff, 1);
});

test('unschedulable pods are flushed after 5 minutes; gated pods wait for an update', () => {
  const q = new SchedulingQueue({ eventsByPlugin: hints });
  q.add(pi('p'), 0);
  q.requeue(q.pop()!, ['NodeAffinity'], 0);
  q.flush(299_999);
  assert.equal(q.stats().unschedulable, 1);
  q.flush(300_000);
  assert.equal(q.pop()?.podInfo.name, 'p');
  const gated = pod('g', {});
  gated.spec!.schedulingGates = [{ name: 'example.com/wait' }];
  q.add(podInfoOf(gated), 0);
  q.flush(10_000_000);
  q.onEvent({ resource: 'Node', action: 'Add' }, 10_000_000);
  assert.equal(q.pop(), undefined);
  q.update(podInfoOf(pod('g')), 10_000_001);
  assert.equal(q.pop()?.podInfo.name, 'g');
});

test('deleted pods never pop; done removes in-flight pods', () => {
  const q = new SchedulingQueue();
  q.add(pi('a'), 0);
  q.add(pi('b'), 1);
  q.delete('default/a');
  const b = q.pop()!;
  assert.equal(b.podInfo.name, 'b');
  q.done(b.podInfo.key);
  assert.equal(q.has('default/b'), false);
  assert.equal(q.pop(), undefined);
});
