/** EventRecorder conformance: run by every transport's test file against a real apiserver. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import type { Harness, Setup } from './client.case.js';
import { COMBINED_PREFIX, createEventRecorder } from './events.js';
import { R } from './types.js';

interface Ev extends KubeObject {
  involvedObject: Record<string, string>;
  source: { component: string; host?: string };
  reason: string;
  message: string;
  type: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  reportingComponent: string;
}

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', uid: 'uid-1', resourceVersion: '7' } };

function fakeClock(start = Date.parse('2026-11-24T08:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

export function eventsConformance(name: string, setup: Setup): void {
  const withHarness = (title: string, fn: (h: Harness) => Promise<void>) =>
    test(`${name}: events: ${title}`, async (t) => {
      const h = await setup();
      t.after(() => h.close());
      await fn(h);
    });
  const events = async (h: Harness, ns = 'default') => (await h.client.list<Ev>(R.events, { namespace: ns })).items;

  withHarness('writes a core/v1 Event as upstream names and fills it', async (h) => {
    const clock = fakeClock();
    const rec = createEventRecorder(h.client, 'deployment-controller', { now: clock.now, host: 'server-1' });
    rec.event(POD, 'Normal', 'Scheduled', 'Successfully assigned default/web-1 to n1');
    await rec.flush();
    const [e, ...rest] = await events(h);
    assert.equal(rest.length, 0);
    assert.match(e!.metadata.name!, /^web-1\.[0-9a-f]+$/);
    assert.deepEqual(e!.involvedObject, { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'uid-1', apiVersion: 'v1', resourceVersion: '7' });
    assert.deepEqual(e!.source, { component: 'deployment-controller', host: 'server-1' });
    assert.equal(e!.reportingComponent, 'deployment-controller');
    assert.equal(e!.type, 'Normal');
    assert.equal(e!.reason, 'Scheduled');
    assert.equal(e!.count, 1);
    assert.equal(e!.firstTimestamp, '2026-11-24T08:00:00Z');
    assert.equal(e!.lastTimestamp, '2026-11-24T08:00:00Z');

    rec.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n-uid' } }, 'Warning', 'NodeNotReady', 'gone');
    await rec.flush();
    const nodeEv = (await events(h)).find((x) => x.involvedObject['name'] === 'n1');
    assert.equal(nodeEv?.metadata.namespace, 'default', 'cluster-scoped subjects get their events in default');
    rec.stop();
  });

  withHarness('the same event within 10 minutes bumps count and lastTimestamp; later it starts anew', async (h) => {
    const clock = fakeClock();
    const rec = createEventRecorder(h.client, 'c', { now: clock.now });
    rec.event(POD, 'Warning', 'BackOff', 'Back-off restarting');
    clock.advance(60_000);
    rec.event(POD, 'Warning', 'BackOff', 'Back-off restarting');
    clock.advance(60_000);
    rec.event(POD, 'Warning', 'BackOff', 'Back-off restarting');
    await rec.flush();
    let list = await events(h);
    assert.equal(list.length, 1);
    assert.equal(list[0]!.count, 3);
    assert.equal(list[0]!.firstTimestamp, '2026-11-24T08:00:00Z');
    assert.equal(list[0]!.lastTimestamp, '2026-11-24T08:02:00Z');
    clock.advance(11 * 60_000);
    rec.event(POD, 'Warning', 'BackOff', 'Back-off restarting');
    await rec.flush();
    list = await events(h);
    assert.equal(list.length, 2);
    assert.deepEqual(list.map((e) => e.count).sort(), [1, 3]);
  });

  withHarness('similar events with different messages fold into one combined event', async (h) => {
    const clock = fakeClock();
    const rec = createEventRecorder(h.client, 'c', { now: clock.now });
    for (let i = 0; i < 12; i++) {
      rec.event(POD, 'Warning', 'FailedCreate', `attempt ${i} failed`);
      clock.advance(1000);
    }
    await rec.flush();
    const list = await events(h);
    const combined = list.filter((e) => e.message.startsWith(COMBINED_PREFIX));
    assert.equal(list.length - combined.length, 9, 'the first 9 distinct messages are recorded as they are');
    assert.equal(combined.length, 1);
    assert.equal(combined[0]!.count, 3);
    assert.equal(combined[0]!.message, `${COMBINED_PREFIX}attempt 11 failed`);
  });

  withHarness('per-object spam filter: 25 burst, then one per 5 minutes', async (h) => {
    const clock = fakeClock();
    const rec = createEventRecorder(h.client, 'c', { now: clock.now });
    for (let i = 0; i < 30; i++) rec.event(POD, 'Normal', `R${i}`, 'm');
    rec.event({ ...POD, metadata: { ...POD.metadata, name: 'other', uid: 'uid-2' } }, 'Normal', 'R', 'm');
    await rec.flush();
    assert.equal((await events(h)).length, 26);
    clock.advance(5 * 60_000);
    rec.event(POD, 'Normal', 'Later1', 'm');
    rec.event(POD, 'Normal', 'Later2', 'm');
    await rec.flush();
    const reasons = (await events(h)).map((e) => e.reason);
    assert.ok(reasons.includes('Later1') && !reasons.includes('Later2'), reasons.join(','));
  });

  withHarness('never blocks: a full queue drops events', async (h) => {
    const rec = createEventRecorder(h.client, 'c', { maxQueued: 5 });
    for (let i = 0; i < 20; i++) rec.event({ ...POD, metadata: { ...POD.metadata, name: `p${i}`, uid: `u${i}` } }, 'Normal', 'R', 'm');
    assert.equal((await events(h)).length, 0, 'nothing written inside event()');
    await rec.flush();
    assert.equal((await events(h)).length, 5);
  });
}
