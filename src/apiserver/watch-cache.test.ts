import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../storage/index.js';
import { discardLogger } from '../lib/log.js';
import { REGISTRY_ROOT } from './registry/keys.js';
import { WatchCache, type CacheEvent } from './watch-cache.js';

const key = (n: string) => `${REGISTRY_ROOT}secrets/ns/${n}`;

async function collect(cache: WatchCache, after: number, want: number): Promise<CacheEvent[]> {
  const got: CacheEvent[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${want} events`)), 2000);
    let done = false;
    const sub = cache.subscribe(`${REGISTRY_ROOT}secrets/`, after, (evs) => {
      got.push(...evs);
      if (got.length >= want) {
        clearTimeout(timer);
        done = true;
        resolve();
      }
    }, reject);
    if (done) sub.close();
  });
  return got;
}

test('a cache started after writes replays the retained history: a watch from before a restart resumes', async () => {
  const backend = new MemoryBackend();
  const a = await backend.create(key('a'), '{"v":1}');
  await backend.update(key('a'), '{"v":2}', a.modRevision);
  await backend.create(key('b'), '{"v":1}');
  const cache = new WatchCache(backend, { logger: discardLogger });
  await cache.start();
  const events = await collect(cache, a.modRevision, 2);
  assert.deepEqual(events.map((e) => [e.key, e.type, e.value]), [
    [key('a'), 'put', '{"v":2}'],
    [key('b'), 'put', '{"v":1}'],
  ]);
  cache.close();
  await backend.close();
});

test('the replay is bounded: older resume points get 410 Expired', async () => {
  const backend = new MemoryBackend();
  const first = await backend.create(key('x'), '{}');
  for (let i = 0; i < 5; i++) await backend.create(key(`y${i}`), '{}');
  const cache = new WatchCache(backend, { logger: discardLogger, replayRevisions: 3 });
  await cache.start();
  assert.throws(() => cache.subscribe(`${REGISTRY_ROOT}secrets/`, first.modRevision, () => {}, () => {}), /too old resource version/);
  const recent = await collect(cache, (await backend.currentRevision()) - 3, 3);
  assert.equal(recent.length, 3);
  cache.close();
  await backend.close();
});

test('a watch opened during the replay gets each event once, in order, from its own start revision', async () => {
  const backend = new MemoryBackend();
  const revs: number[] = [];
  for (let i = 0; i < 50; i++) revs.push((await backend.create(key(`k${i}`), `{"i":${i}}`)).modRevision);
  const cache = new WatchCache(backend, { logger: discardLogger });
  const starting = cache.start();
  await starting;
  const after = revs[19]!;
  const got = await collect(cache, after, 30);
  assert.deepEqual(got.map((e) => e.revision), revs.slice(20));
  // A live write after the replay arrives too, once.
  const more = collect(cache, revs[49]!, 1);
  const w = await backend.create(key('late'), '{}');
  assert.deepEqual((await more).map((e) => e.revision), [w.modRevision]);
  cache.close();
  await backend.close();
});
