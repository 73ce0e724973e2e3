import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '../../api/batch/v1/index.js';
import { R } from '../../client/index.js';
import { startHarness } from '../statefulset/testing/harness.js';
import { createJobController } from '../job/controller.js';
import { createCronJobController } from './controller.js';
import { SCHEDULED_TIMESTAMP_ANNOTATION, jobNameFor } from './reconcile.js';

test('CronJob controller against a real API server (injected clock): creates the due Job, tracks it, prunes history', async () => {
  const h = await startHarness();
  let clock = Date.now();
  h.ctx.now = () => new Date(clock);
  h.fate = (p) => (p.status?.phase === 'Running' ? 'succeed' : 'ready');
  try {
    await h.start(createJobController());
    await h.start(createCronJobController());
    await h.client.create(R.cronjobs, 'default', {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: 'default' },
      spec: { schedule: '* * * * *', successfulJobsHistoryLimit: 1, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
    });
    // Nothing is due until the next minute.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await h.client.list(R.jobs, { namespace: 'default' })).items.length, 0);

    const due = (t: number) => new Date(Math.floor(t / 60000) * 60000);
    const touch = () => h.client.patch(R.cronjobs, 'default', 'tick', 'merge', { metadata: { annotations: { poke: String(clock) } } });
    clock += 61_000;
    const first = jobNameFor('tick', due(clock));
    await touch();
    const job = await h.waitFor('first job', () => h.client.get<Job>(R.jobs, 'default', first).catch(() => undefined));
    assert.equal(job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], due(clock).toISOString().replace('.000Z', 'Z'));
    assert.equal(job.metadata.ownerReferences?.[0]?.kind, 'CronJob');
    const cj = await h.waitFor('lastSuccessfulTime', async () => {
      const c = await h.client.get<CronJob>(R.cronjobs, 'default', 'tick');
      return c.status?.lastSuccessfulTime && !c.status.active?.length ? c : undefined;
    });
    assert.equal(cj.status?.lastScheduleTime, due(clock).toISOString().replace('.000Z', 'Z'));
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${first}`));

    // The next minute: a second Job; once it completes, history limit 1 removes the first.
    clock += 60_000;
    const second = jobNameFor('tick', due(clock));
    await touch();
    await h.waitFor('second job', () => h.client.get<Job>(R.jobs, 'default', second).catch(() => undefined));
    await h.waitFor('first pruned', async () => {
      const names = (await h.client.list(R.jobs, { namespace: 'default' })).items.map((j) => j.metadata.name);
      return names.length === 1 && names[0] === second;
    });
  } finally {
    await h.close();
  }
});
