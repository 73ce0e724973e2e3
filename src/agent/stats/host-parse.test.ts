import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cgroupCpuUsage,
  cgroupDir,
  cgroupMemory,
  defaultInterface,
  meminfoMemory,
  parseCgroupMounts,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
} from './host-parse.js';

// This machine's layout: v1 controllers in separate hierarchies plus an empty v2 at unified/.
const HYBRID = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const COMOUNTED = '25 23 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct\n26 23 0:23 / /sys/fs/cgroup/memory rw shared:10 - cgroup cgroup rw,memory\n';
const UNIFIED = '29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';

test('parseCgroupMounts: v1 controllers win on a hybrid machine; co-mounted cpu,cpuacct; pure v2', () => {
  assert.deepEqual(parseCgroupMounts(HYBRID, ['hugetlb']), {
    cpu: { version: 1, mountPoint: '/sys/fs/cgroup/cpuacct', root: '/' },
    memory: { version: 1, mountPoint: '/sys/fs/cgroup/memory', root: '/' },
  });
  assert.deepEqual(parseCgroupMounts(COMOUNTED).cpu, { version: 1, mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/' });
  const v2 = { version: 2, mountPoint: '/sys/fs/cgroup', root: '/' };
  assert.deepEqual(parseCgroupMounts(UNIFIED, ['cpuset', 'cpu', 'io', 'memory', 'pids']), { cpu: v2, memory: v2 });
  assert.deepEqual(parseCgroupMounts(UNIFIED, ['pids']), {}, 'a v2 hierarchy without the controllers provides nothing');
});

test('cgroupDir maps a runtime cgroup path into the mount, honouring the mount root', () => {
  const m = { version: 1 as const, mountPoint: '/sys/fs/cgroup/memory', root: '/' };
  assert.equal(cgroupDir(m, '/'), '/sys/fs/cgroup/memory');
  assert.equal(cgroupDir(m, '/flotilla/burstable/podU'), '/sys/fs/cgroup/memory/flotilla/burstable/podU');
  assert.equal(cgroupDir(m, 'flotilla//x/'), '/sys/fs/cgroup/memory/flotilla/x');
  assert.equal(cgroupDir(m, '/a/../../etc'), undefined);
  const nested = { version: 2 as const, mountPoint: '/sys/fs/cgroup', root: '/kubepods' };
  assert.equal(cgroupDir(nested, '/kubepods/podU'), '/sys/fs/cgroup/podU');
  assert.equal(cgroupDir(nested, '/other'), undefined);
});

test('cgroupCpuUsage: v1 cpuacct.usage in ns, v2 cpu.stat usage_usec', () => {
  assert.equal(cgroupCpuUsage(1, '1453072632\n'), 1453072632);
  assert.equal(cgroupCpuUsage(2, 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 0\n'), 2_500_000);
  assert.equal(cgroupCpuUsage(1, undefined), undefined);
  assert.equal(cgroupCpuUsage(2, 'nr_periods 0\n'), undefined);
});

test('cgroupMemory v1: hierarchical total_* keys, working set = usage - total_inactive_file', () => {
  const stat = 'cache 100\nrss 1\ninactive_file 5\ntotal_cache 40960\ntotal_rss 8192\ntotal_pgfault 851\ntotal_pgmajfault 2\ntotal_inactive_file 4096\n';
  assert.deepEqual(cgroupMemory(1, { usage: '65536\n', limit: '9223372036854771712\n', stat }, 7), {
    timeNs: 7,
    usageBytes: 65536,
    workingSetBytes: 61440,
    rssBytes: 8192,
    pageFaults: 851,
    majorPageFaults: 2,
  });
  assert.equal(cgroupMemory(1, { usage: '65536', limit: '100000', stat }, 7)?.availableBytes, 100000 - 61440);
  assert.equal(cgroupMemory(1, { stat }, 7), undefined, 'no usage file: no memory figures');
});

test('cgroupMemory v2: memory.current, memory.max, anon and inactive_file', () => {
  const stat = 'anon 3000\nfile 9000\ninactive_file 2000\nactive_file 7000\npgfault 10\npgmajfault 1\n';
  assert.deepEqual(cgroupMemory(2, { usage: '12000\n', limit: 'max\n', stat }, 1), {
    timeNs: 1,
    usageBytes: 12000,
    workingSetBytes: 10000,
    rssBytes: 3000,
    pageFaults: 10,
    majorPageFaults: 1,
  });
  assert.equal(cgroupMemory(2, { usage: '12000', limit: '50000', stat }, 1)?.availableBytes, 40000);
});

test('/proc/stat: busy ticks (not idle or iowait) in core-nanoseconds, and the boot time', () => {
  const text = 'cpu  1559367 0 208465 2525242 7669 0 11688 904 0 0\ncpu0 766701 0 100188 1282800 2457 0 3747 486 0 0\nbtime 1795520000\n';
  assert.deepEqual(parseProcStat(text), { busyCoreNanos: (1559367 + 208465 + 11688 + 904) * 1e7, bootTimeSec: 1795520000 });
});

test('/proc/meminfo and /proc/vmstat: the node memory of a v2 root', () => {
  const mi = 'MemTotal:       24684084 kB\nMemFree:        23825692 kB\nMemAvailable:   24078704 kB\nInactive(file):   170348 kB\nAnonPages:        102984 kB\nHugePages_Total:       0\n';
  assert.equal(parseMeminfo(mi)['HugePages_Total'], 0);
  const usage = (24684084 - 23825692) * 1024;
  const ws = usage - 170348 * 1024;
  assert.deepEqual(meminfoMemory(mi, 'pgfault 299368015\npgmajfault 15821\n', 5), {
    timeNs: 5,
    usageBytes: usage,
    workingSetBytes: ws,
    availableBytes: 24684084 * 1024 - ws,
    rssBytes: 102984 * 1024,
    pageFaults: 299368015,
    majorPageFaults: 15821,
  });
});

test('/proc/net/dev: counters per interface; eth0 is the default interface', () => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo: 19711638627 13283851    0    0    0     0          0         0 19711638627 13283851    0    0    0     0       0          0',
    '  ens3: 100 2 1 0 0 0 0 0 200 3 4 0 0 0 0 0',
    '  eth0: 500 6 0 0 0 0 0 0 700 8 0 0 0 0 0 0',
  ].join('\n');
  const ifaces = parseNetDev(text);
  assert.deepEqual(ifaces[1], { name: 'ens3', rxBytes: 100, rxErrors: 1, txBytes: 200, txErrors: 4 });
  assert.equal(defaultInterface(ifaces)?.name, 'eth0');
  assert.equal(defaultInterface(ifaces.filter((i) => i.name !== 'eth0'))?.name, 'ens3');
});
