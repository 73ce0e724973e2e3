import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../api/types.js';
import { ApiError } from '../lib/errors.js';
import { createInformer, objectKey, splitKey } from './informer.js';
import type { Client, WatchEvent } from './types.js';
import { R } from './types.js';

const cm = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv } });

/** A scripted client: lists answer from `pages`, watches are captured for the test to drive. */
function scripted(pages: (() => Promise<KubeList>)[]) {
  const watches: { rv: string; onEvent: (e: WatchEvent) => void; onClose: (err?: Error) => void }[] = [];
  const client = {
    userAgent: 'fake',
    list: () => pages.shift()!(),
    watch: (_gvr: unknown, opts: { resourceVersion?: string }, onEvent: (e: WatchEvent) => void, onClose: (err?: Error) => void) => {
      watches.push({ rv: opts.resourceVersion ?? '', onEvent, onClose });
      return { stop() {} };
    },
  } as unknown as Client;
  return { client, watches };
}
const list = (rv: string, items: KubeObject[], cont?: string): KubeList => ({ apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: rv, continue: cont }, items });
const tick = () => new Promise((r) => setTimeout(r, 5));

test('keys', () => {
  assert.equal(objectKey(cm('a', '1')), 'ns/a');
  assert.equal(objectKey({ metadata: { name: 'n1' } }), 'n1');
  assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
  assert.deepEqual(splitKey('n1'), { namespace: '', name: 'n1' });
});

test('a throwing handler neither breaks the cache nor the other handlers; failed lists retry', async () => {
  const { client, watches } = scripted([
    () => Promise.reject(new Error('connection refused')),
    () => Promise.resolve(list('5', [cm('a', '4')], 'next')),
    () => Promise.resolve(list('5', [cm('b', '5')])),
  ]);
  const inf = createInformer(client, R.configmaps, { retryBaseMs: 1 });
  const seen: string[] = [];
  inf.addHandlers({ add: () => { throw new Error('buggy handler'); } });
  inf.addHandlers({ add: (o) => seen.push(o.metadata.name!), delete: (o) => seen.push(`-${o.metadata.name}`) });
  await inf.start();
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(watches[0]!.rv, '5');
  watches[0]!.onEvent({ type: 'DELETED', object: cm('a', '6') });
  watches[0]!.onEvent({ type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '9' } } });
  assert.deepEqual(seen, ['a', 'b', '-a']);
  assert.equal(inf.lastResourceVersion(), '9');
  // A failed watch (not 410) resumes from the last resourceVersion after a backoff.
  watches[0]!.onClose(new Error('reset'));
  await tick();
  assert.equal(watches[1]!.rv, '9');
  // A 410 relists.
  let relisted = false;
  (client as { list: unknown }).list = () => ((relisted = true), Promise.resolve(list('20', [cm('b', '5')])));
  watches[1]!.onEvent({ type: 'ERROR', object: { kind: 'Status', code: 410 } as unknown as KubeObject });
  watches[1]!.onClose(new ApiError('Expired', 410, 'too old'));
  await tick();
  assert.equal(relisted, true);
  assert.equal(watches[2]!.rv, '20');
  inf.stop();
});

test('stop() before the first list resolves start() without syncing', async () => {
  const { client } = scripted([() => new Promise(() => {})]);
  const inf = createInformer(client, R.configmaps);
  const started = inf.start();
  inf.stop();
  await started;
  assert.equal(inf.hasSynced(), false);
});
