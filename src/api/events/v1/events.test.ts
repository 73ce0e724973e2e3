import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../../types.js';
import { eventV1, eventV1ToCore, eventCoreToV1 } from './index.js';

const ctx: StrategyContext = { now: new Date('2026-01-01T00:00:00Z'), user: { username: 'u', groups: [] }, subresource: '' };

function ev(): KubeObject {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web.1', namespace: 'default', creationTimestamp: '2025-12-31T23:59:00Z' },
    eventTime: '2025-12-31T23:59:00.000000Z',
    reportingController: 'flotilla.io/scheduler',
    reportingInstance: 'scheduler-1',
    action: 'Binding',
    reason: 'Scheduled',
    regarding: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'p1', apiVersion: 'v1' },
    note: 'Successfully assigned default/web to node-1',
    type: 'Normal',
  };
}

test('events.k8s.io/v1 ⇄ core/v1 conversion round-trips', () => {
  const e = ev();
  const core = eventV1ToCore(e);
  assert.equal(core.apiVersion, 'v1');
  assert.deepEqual((core as any).involvedObject, e.regarding);
  assert.equal((core as any).message, e.note);
  assert.equal((core as any).reportingComponent, 'flotilla.io/scheduler');
  assert.deepEqual((core as any).source, {});
  const back = eventCoreToV1(core);
  assert.deepEqual(back, { ...e, deprecatedSource: {} });
  // A legacy core event shows its deprecated fields in the new API.
  const legacy = eventCoreToV1({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'x' }, involvedObject: { kind: 'Node', name: 'n' }, message: 'm', source: { component: 'kubelet', host: 'n' }, count: 3, firstTimestamp: '2025-12-31T00:00:00Z' });
  assert.deepEqual(legacy, { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'x' }, regarding: { kind: 'Node', name: 'n' }, note: 'm', deprecatedSource: { component: 'kubelet', host: 'n' }, deprecatedFirstTimestamp: '2025-12-31T00:00:00Z', deprecatedCount: 3 });
});

test('events.k8s.io/v1 strict validation with core field paths', () => {
  assert.deepEqual(eventV1.strategy!.validate!(ev(), ctx).map(String), []);
  const bad = ev();
  Object.assign(bad, { type: 'Info', deprecatedCount: 2, series: { count: 1 } });
  delete bad.eventTime;
  const errs = eventV1.strategy!.validate!(bad, ctx).map(String);
  for (const want of [
    'series.count: Invalid value: "": should be at least 2',
    'series.lastObservedTime: Required value',
    'eventTime: Required value',
    'type: Invalid value: "": has invalid value: Info',
    'count: Invalid value: "": needs to be unset',
  ])
    assert.ok(errs.includes(want), `${want}\n in ${errs.join('\n')}`);
  const upd = ev();
  upd.note = 'changed';
  assert.deepEqual(eventV1.strategy!.validateUpdate!(upd, ev(), ctx).map(String), ['message: Invalid value: "changed": field is immutable']);
});

test('events.k8s.io/v1 field selectors and table', () => {
  const e = ev();
  assert.equal(eventV1.fieldSelectors!['regarding.name']!(e), 'web');
  assert.equal(eventV1.fieldSelectors!['regarding.name']!(eventV1ToCore(e)), 'web');
  assert.equal(eventV1.fieldSelectors!.reportingController!(e), 'flotilla.io/scheduler');
  const cells = eventV1.table!.cells(e, ctx.now);
  assert.equal(cells[2], 'Scheduled');
  assert.equal(cells[3], 'pod/web');
});
