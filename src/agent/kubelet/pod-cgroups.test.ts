import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeEmptyCgroupRoot, removePodCgroups } from './pod-cgroups.js';

test("a pod's cgroups go from every hierarchy and QoS class, children first; busy ones are reported; the root goes when empty", async () => {
  const root = mkdtempSync(join(tmpdir(), 'flt-cg-'));
  try {
    // Two v1 hierarchies; the pod is burstable; a leftover container cgroup under it.
    for (const h of ['cpu', 'memory']) mkdirSync(join(root, h, 'flotilla', 'burstable', 'podabc-1', 'c1'), { recursive: true });
    mkdirSync(join(root, 'pids', 'flotilla', 'besteffort', 'podother'), { recursive: true });
    // A busy one: a regular directory with a file stands for a cgroup with processes.
    mkdirSync(join(root, 'pids', 'flotilla', 'burstable', 'podabc-1'), { recursive: true });
    writeFileSync(join(root, 'pids', 'flotilla', 'burstable', 'podabc-1', 'cgroup.procs'), '123\n');
    {
      const left = await removePodCgroups('abc-1', { mountRoot: root });
      assert.deepEqual(left, [join(root, 'pids', 'flotilla', 'burstable', 'podabc-1')]);
      assert.equal(existsSync(join(root, 'cpu', 'flotilla', 'burstable', 'podabc-1')), false);
      assert.equal(existsSync(join(root, 'memory', 'flotilla', 'burstable', 'podabc-1')), false);
      assert.equal(existsSync(join(root, 'pids', 'flotilla', 'besteffort', 'podother')), true, 'other pods untouched');
      assert.deepEqual(await removePodCgroups('../../etc', { mountRoot: root }), [], 'no path tricks');
      await removeEmptyCgroupRoot({ mountRoot: root });
      assert.equal(existsSync(join(root, 'cpu', 'flotilla')), false, 'empty root removed');
      assert.equal(existsSync(join(root, 'pids', 'flotilla', 'besteffort', 'podother')), true, 'non-empty kept');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
