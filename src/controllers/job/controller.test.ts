import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '../../api/batch/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { R } from '../../client/index.js';
import { startHarness } from '../statefulset/testing/harness.js';
import { createJobController } from './controller.js';
import { COMPLETION_INDEX_KEY, TRACKING_FINALIZER } from './reconcile.js';

const tpl = { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } };
const cond = (j: Job, t: string) => j.status?.conditions?.find((c) => c.type === t && c.status === 'True');

test('Job controller against a real API server: indexed completion, tracking finalizers, backoff limit', async () => {
  const h = await startHarness();
  try {
    // Pods succeed once Running; pods of the "bad" job fail.
    h.fate = (p: V1Pod) => (p.metadata.labels?.['batch.kubernetes.io/job-name'] === 'bad' ? 'fail' : p.status?.phase === 'Running' ? 'succeed' : 'ready');
    await h.start(createJobController());
    await h.client.create(R.jobs, 'default', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'idx', namespace: 'default' }, spec: { completions: 3, parallelism: 2, completionMode: 'Indexed', template: tpl } });
    const done = await h.waitFor('idx complete', async () => {
      const j = await h.client.get<Job>(R.jobs, 'default', 'idx');
      return cond(j, 'Complete') && j.status?.succeeded === 3 ? j : undefined;
    });
    assert.equal(done.status?.completedIndexes, '0-2');
    assert.ok(cond(done, 'SuccessCriteriaMet'));
    assert.ok(done.status?.completionTime && done.status.startTime);
    const pods = await h.waitFor('finalizers released', async () => {
      const ps = (await h.client.list<V1Pod>(R.pods, { namespace: 'default' })).items;
      return ps.every((p) => !p.metadata.finalizers?.includes(TRACKING_FINALIZER)) ? ps : undefined;
    });
    assert.deepEqual(pods.map((p) => p.metadata.annotations?.[COMPLETION_INDEX_KEY]).sort(), ['0', '1', '2']);
    assert.ok(pods.every((p) => p.spec?.hostname === `idx-${p.metadata.annotations?.[COMPLETION_INDEX_KEY]}`));
    assert.ok(h.events.some((e) => e.name === 'idx' && e.reason === 'Completed'));
    assert.equal(h.events.filter((e) => e.name === 'idx' && e.reason === 'SuccessfulCreate').length, 3);

    // backoffLimit 0: the first failure fails the Job.
    await h.client.create(R.jobs, 'default', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'bad', namespace: 'default' }, spec: { backoffLimit: 0, template: tpl } });
    const failed = await h.waitFor('bad failed', async () => {
      const j = await h.client.get<Job>(R.jobs, 'default', 'bad');
      return cond(j, 'Failed') && j.status?.failed === 1 ? j : undefined;
    });
    assert.equal(cond(failed, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.ok(h.events.some((e) => e.name === 'bad' && e.reason === 'BackoffLimitExceeded'));
  } finally {
    await h.close();
  }
});
