import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostStatsReader } from './host-reader.js';

test('host reader on a cgroup v2 tree (fake /proc and a directory standing in for the unified mount)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flt-stats-'));
  try {
    const proc = join(dir, 'proc');
    const cg = join(dir, 'cg');
    mkdirSync(join(proc, 'self'), { recursive: true });
    mkdirSync(join(proc, 'net'), { recursive: true });
    mkdirSync(join(cg, 'flotilla/besteffort/podU'), { recursive: true });
    writeFileSync(join(proc, 'self/mountinfo'), `29 23 0:26 / ${cg} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n`);
    writeFileSync(join(proc, 'stat'), 'cpu  100 0 50 1000 5 0 10 0 0 0\nbtime 1795000000\n');
    writeFileSync(join(proc, 'meminfo'), 'MemTotal: 1000 kB\nMemFree: 400 kB\nInactive(file): 100 kB\nAnonPages: 300 kB\n');
    writeFileSync(join(proc, 'vmstat'), 'pgfault 77\npgmajfault 3\n');
    writeFileSync(join(proc, 'net/dev'), 'h1\nh2\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n  eth0: 10 1 2 0 0 0 0 0 20 1 3 0 0 0 0 0\n vethab: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n');
    writeFileSync(join(cg, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    writeFileSync(join(cg, 'cpu.stat'), 'usage_usec 5000000\nuser_usec 4000000\n');
    writeFileSync(join(cg, 'flotilla/besteffort/podU/cpu.stat'), 'usage_usec 1500\n');
    writeFileSync(join(cg, 'flotilla/besteffort/podU/memory.current'), '8192\n');
    writeFileSync(join(cg, 'flotilla/besteffort/podU/memory.max'), 'max\n');
    writeFileSync(join(cg, 'flotilla/besteffort/podU/memory.stat'), 'anon 4096\ninactive_file 1024\npgfault 9\npgmajfault 0\n');

    const r = createHostStatsReader({ procDir: proc, rootDir: dir, now: () => 1000 });
    assert.deepEqual(await r.layout(), { cpu: { version: 2, mountPoint: cg, root: '/' }, memory: { version: 2, mountPoint: cg, root: '/' } });
    const node = await r.node();
    assert.equal(node.timeNs, 1e9);
    assert.equal(node.startTimeNs, 1795000000e9);
    assert.deepEqual(node.cpu, { timeNs: 1e9, usageCoreNanoSeconds: 5e9 }, 'root cpu.stat');
    assert.deepEqual(node.memory, { timeNs: 1e9, usageBytes: 600 * 1024, workingSetBytes: 500 * 1024, availableBytes: 500 * 1024, rssBytes: 300 * 1024, pageFaults: 77, majorPageFaults: 3 }, 'the v2 root from meminfo');
    assert.deepEqual(node.network, { timeNs: 1e9, defaultInterface: { name: 'eth0', rxBytes: 10, rxErrors: 2, txBytes: 20, txErrors: 3 }, interfaces: [{ name: 'eth0', rxBytes: 10, rxErrors: 2, txBytes: 20, txErrors: 3 }] });
    assert.ok(node.fs && node.fs.capacityBytes! > 0 && node.fs.inodes! >= node.fs.inodesFree!, 'statfs of the root dir');
    assert.deepEqual(await r.cgroup('/flotilla/besteffort/podU'), {
      cpu: { timeNs: 1e9, usageCoreNanoSeconds: 1_500_000 },
      memory: { timeNs: 1e9, usageBytes: 8192, workingSetBytes: 7168, rssBytes: 4096, pageFaults: 9, majorPageFaults: 0 },
    });
    assert.deepEqual(await r.cgroup('/missing'), {}, 'a missing cgroup has no figures (and does not throw)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('host reader on a cgroup v1 tree falls back to /proc/stat when the root has no cpuacct.usage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flt-stats-'));
  try {
    const proc = join(dir, 'proc');
    mkdirSync(join(proc, 'self'), { recursive: true });
    mkdirSync(join(dir, 'memory'));
    mkdirSync(join(dir, 'cpuacct'));
    writeFileSync(
      join(proc, 'self/mountinfo'),
      `33 31 0:30 / ${dir}/cpuacct rw - cgroup cgroup rw,cpuacct\n35 31 0:32 / ${dir}/memory rw - cgroup cgroup rw,memory\n41 31 0:38 / ${dir}/unified rw - cgroup2 cgroup2 rw\n`,
    );
    writeFileSync(join(proc, 'stat'), 'cpu  100 0 50 1000 5 0 10 0 0 0\nbtime 1\n');
    writeFileSync(join(proc, 'meminfo'), 'MemTotal: 1000 kB\nMemFree: 400 kB\n');
    writeFileSync(join(dir, 'memory/memory.usage_in_bytes'), '204800\n');
    writeFileSync(join(dir, 'memory/memory.stat'), 'total_rss 4096\ntotal_inactive_file 4800\ntotal_pgfault 5\ntotal_pgmajfault 1\n');
    const r = createHostStatsReader({ procDir: proc, rootDir: dir, now: () => 1 });
    const node = await r.node();
    assert.deepEqual(node.cpu, { timeNs: 1e6, usageCoreNanoSeconds: 160 * 1e7 }, '(user+system+softirq) ticks at USER_HZ 100');
    assert.deepEqual(node.memory, { timeNs: 1e6, usageBytes: 204800, workingSetBytes: 200000, rssBytes: 4096, availableBytes: 1024000 - 200000, pageFaults: 5, majorPageFaults: 1 }, 'root memory cgroup, available against MemTotal');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('host reader on this machine: node CPU, memory and fs are present and sane', async () => {
  const r = createHostStatsReader();
  const a = await r.node();
  await new Promise((res) => setTimeout(res, 50));
  const b = await r.node();
  assert.ok(a.cpu && b.cpu, 'node CPU read');
  assert.ok(b.cpu.usageCoreNanoSeconds >= a.cpu.usageCoreNanoSeconds, 'cumulative');
  assert.ok(a.memory?.workingSetBytes !== undefined && a.memory.usageBytes! >= a.memory.workingSetBytes, 'working set ≤ usage');
  assert.ok(a.memory.availableBytes !== undefined, 'available against MemTotal');
  assert.ok(a.startTimeNs > 0 && a.startTimeNs < a.timeNs, 'boot time before now');
  assert.ok(a.fs?.capacityBytes, 'statfs /');
});

test('du counts allocated bytes and inodes of a tree without following symlinks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flt-stats-'));
  try {
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app/0.log'), 'x'.repeat(10_000));
    writeFileSync(join(dir, 'app/1.log'), 'y');
    symlinkSync('/etc', join(dir, 'app/link'));
    const r = createHostStatsReader();
    const u = await r.du!(join(dir, 'app'));
    assert.equal(u?.inodesUsed, 4, 'the directory, two files and the link itself');
    assert.ok(u && u.usedBytes >= 12_288 && u.usedBytes < 1 << 20, `allocated bytes ${u?.usedBytes}`);
    assert.equal(await r.du!(join(dir, 'missing')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
