/**
 * The volume manager against a temp dir, as root with real tmpfs mounts (emptyDir medium Memory,
 * secrets, projected). Everything is under /tmp/flt-<run>-volumes and removed at the end.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, lstat, readdir, stat, symlink, mkdir, writeFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { V1Pod } from '../../api/core/v1/index.js';
import { createVolumeManager, systemMounter, type VolumeSources } from './manager.js';
import { prepareContainerMounts } from './container-files.js';
import { writeAtomic } from './atomic-writer.js';

if (process.getuid?.() !== 0) throw new Error('agent/volumes tests need root (tmpfs mounts): run them as root');

const root = await mkdtemp(`/tmp/flt-${randomBytes(3).toString('hex')}-volumes-`);
after(async () => {
  for (const m of (await systemMounter.mountPoints()).filter((p) => p.startsWith(root + '/')).reverse()) await systemMounter.unmount(m).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function fakes() {
  const configMaps = new Map<string, { data?: Record<string, string> }>();
  const secrets = new Map<string, { data?: Record<string, string> }>();
  const requests: { sa: string; audiences: string[]; expirationSeconds: number; uid: string }[] = [];
  let now = new Date(Date.UTC(2026, 0, 1));
  const sources: VolumeSources = {
    getConfigMap: async (ns, name) => configMaps.get(`${ns}/${name}`),
    getSecret: async (ns, name) => secrets.get(`${ns}/${name}`),
    requestToken: async (_ns, sa, req) => {
      requests.push({ sa, audiences: req.audiences, expirationSeconds: req.expirationSeconds, uid: req.boundPod.uid });
      return { token: `token-${requests.length}`, expirationTimestamp: new Date(now.getTime() + req.expirationSeconds * 1000).toISOString() };
    },
    podFieldValue: (pod, ref) => (ref.fieldPath === 'metadata.namespace' ? { value: pod.metadata.namespace ?? '' } : { error: `unsupported fieldPath: ${ref.fieldPath}` }),
    podResourceValue: () => ({ value: '1' }),
  };
  return { configMaps, secrets, requests, sources, clock: () => now, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

const pod = (uid: string, volumes: unknown[], containers: unknown[] = [{ name: 'app' }]): V1Pod =>
  ({ metadata: { name: 'web', namespace: 'ns', uid }, spec: { serviceAccountName: 'sa', volumes, containers } }) as V1Pod;

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

test('configMap volume: items and modes, `..data` swap on update, unchanged content writes nothing, missing source fails as upstream', async () => {
  const f = fakes();
  const podsDir = join(root, 'cm');
  const vm = createVolumeManager({ podsDir, sources: f.sources, clock: f.clock, jitter: () => 0 });
  const p = pod('u-cm', [
    { name: 'cfg', configMap: { name: 'app', defaultMode: 0o640, items: [{ key: 'a', path: 'conf/a.txt' }, { key: 'b', path: 'b', mode: 0o600 }] } },
    { name: 'all', configMap: { name: 'app' } },
  ]);
  const missing = await vm.setupPodVolumes(p);
  assert.ok('error' in missing);
  assert.equal(missing.error.message, 'MountVolume.SetUp failed for volume "cfg" : configmap "app" not found');
  assert.equal(missing.error.volumes.length, 2);

  f.configMaps.set('ns/app', { data: { a: 'one', b: 'two' } });
  const r = await vm.setupPodVolumes(p);
  assert.ok('paths' in r, JSON.stringify(r));
  const dir = r.paths.get('cfg')!;
  assert.equal(dir, join(podsDir, 'u-cm/volumes/kubernetes.io~configmap/cfg'));
  assert.equal(await readFile(join(dir, 'conf/a.txt'), 'utf8'), 'one');
  assert.equal(await modeOf(join(dir, 'conf/a.txt')), 0o640);
  assert.equal(await modeOf(join(dir, 'b')), 0o600);
  assert.equal(await readlink(join(dir, 'conf')), '..data/conf');
  const v1 = await readlink(join(dir, '..data'));
  assert.match(v1, /^\.\.2026_01_01_00_00_00\./);

  // Unchanged: nothing written, same version.
  assert.deepEqual(await vm.refreshPodVolumes(p), { updated: [], errors: [] });
  assert.equal(await readlink(join(dir, '..data')), v1);

  // Changed: a new version behind `..data`, the old one removed, a key gone removes its link.
  f.configMaps.set('ns/app', { data: { a: 'uno', b: 'two' } });
  f.advance(1000);
  const upd = await vm.refreshPodVolumes(p);
  assert.deepEqual(upd.updated.sort(), ['all', 'cfg']);
  const v2 = await readlink(join(dir, '..data'));
  assert.notEqual(v2, v1);
  assert.equal(await readFile(join(dir, 'conf/a.txt'), 'utf8'), 'uno');
  assert.deepEqual((await readdir(dir)).sort(), ['..data', v2, 'b', 'conf'].sort());
  f.configMaps.set('ns/app', { data: { a: 'uno' } });
  assert.deepEqual((await vm.refreshPodVolumes(p)).errors.map((e) => e.message), ['MountVolume.SetUp failed for volume "cfg" : configmap references non-existent config key: b']);
  const all = r.paths.get('all')!;
  assert.deepEqual((await readdir(all)).filter((n) => !n.startsWith('..')), ['a']);

  await vm.teardownPodVolumes('u-cm');
  await assert.rejects(lstat(join(podsDir, 'u-cm')));
});

test('secret and emptyDir medium Memory on tmpfs (size limit), disk emptyDir 0777, teardown unmounts', async () => {
  const f = fakes();
  const podsDir = join(root, 'sec');
  const vm = createVolumeManager({ podsDir, sources: f.sources, clock: f.clock });
  f.secrets.set('ns/creds', { data: { password: b64('hunter2') } });
  const p = pod('u-sec', [
    { name: 'creds', secret: { secretName: 'creds' } },
    { name: 'opt', secret: { secretName: 'nope', optional: true } },
    { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
    { name: 'disk', emptyDir: {} },
  ]);
  const r = await vm.setupPodVolumes(p);
  assert.ok('paths' in r, JSON.stringify(r));
  const mounts = await systemMounter.mountPoints();
  for (const n of ['creds', 'mem', 'opt']) assert.ok(mounts.includes(r.paths.get(n)!), `${n} is a tmpfs`);
  assert.ok(!mounts.includes(r.paths.get('disk')!));
  assert.equal(await readFile(join(r.paths.get('creds')!, 'password'), 'utf8'), 'hunter2');
  assert.equal(await modeOf(r.paths.get('disk')!), 0o777);
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  assert.match(info.split('\n').find((l) => l.includes(r.paths.get('mem')!))!, /size=1024k/);
  // Setting up again is harmless (no second mount).
  assert.ok('paths' in (await vm.setupPodVolumes(p)));
  assert.equal((await systemMounter.mountPoints()).filter((m) => m === r.paths.get('mem')).length, 1);
  // A symlink pointing out of the pod dir is removed, never followed.
  const outside = join(root, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'keep'), 'x');
  await symlink(outside, join(r.paths.get('disk')!, 'escape'));
  await vm.teardownPodVolumes('u-sec');
  assert.ok(!(await systemMounter.mountPoints()).some((m) => m.startsWith(join(podsDir, 'u-sec'))));
  assert.equal(await readFile(join(outside, 'keep'), 'utf8'), 'x');
  await vm.teardownPodVolumes('u-sec'); // twice is fine
});

test('projected volume: token bound to the pod, configMap, downwardAPI; token rotated at 80 % with a fake clock', async () => {
  const f = fakes();
  const podsDir = join(root, 'proj');
  const vm = createVolumeManager({ podsDir, sources: f.sources, clock: f.clock, jitter: () => 0 });
  f.configMaps.set('ns/kube-root-ca.crt', { data: { 'ca.crt': 'PEM' } });
  const p = pod('u-proj', [
    {
      name: 'kube-api-access-abcde',
      projected: {
        defaultMode: 0o644,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
  ]);
  const r = await vm.setupPodVolumes(p);
  assert.ok('paths' in r, JSON.stringify(r));
  const dir = r.paths.get('kube-api-access-abcde')!;
  assert.ok((await systemMounter.mountPoints()).includes(dir));
  assert.equal(await readFile(join(dir, 'token'), 'utf8'), 'token-1');
  assert.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), 'PEM');
  assert.equal(await readFile(join(dir, 'namespace'), 'utf8'), 'ns');
  assert.deepEqual(f.requests, [{ sa: 'sa', audiences: [], expirationSeconds: 3607, uid: 'u-proj' }]);
  f.advance(2800 * 1000); // < 80 % of 3607 s
  assert.deepEqual(await vm.refreshPodVolumes(p), { updated: [], errors: [] });
  assert.equal(f.requests.length, 1);
  f.advance(100 * 1000); // 2900 s > 2885.6 s
  assert.deepEqual(await vm.refreshPodVolumes(p), { updated: ['kube-api-access-abcde'], errors: [] });
  assert.equal(await readFile(join(dir, 'token'), 'utf8'), 'token-2');
  await vm.teardownPodVolumes('u-proj');
});

test('hostPath types with upstream messages', async () => {
  const f = fakes();
  const vm = createVolumeManager({ podsDir: join(root, 'hp'), sources: f.sources, clock: f.clock });
  const base = join(root, 'hostpaths');
  await mkdir(base);
  await writeFile(join(base, 'file'), '');
  const cases: [string, string, string | undefined][] = [
    ['DirectoryOrCreate', join(base, 'new/dir'), undefined],
    ['FileOrCreate', join(base, 'newfile'), undefined],
    ['Directory', join(base, 'file'), `hostPath type check failed: ${join(base, 'file')} is not a directory`],
    ['File', base, `hostPath type check failed: ${base} is not a file`],
    ['Socket', base, `hostPath type check failed: ${base} is not a socket file`],
    ['CharDevice', '/dev/null', undefined],
    ['BlockDevice', '/dev/null', 'hostPath type check failed: /dev/null is not a block device'],
    ['', join(base, 'absent'), undefined],
    ['Bogus', base, 'Bogus is an invalid volume type'],
  ];
  for (const [type, path, want] of cases) {
    const r = await vm.setupPodVolumes(pod(`u-hp-${type || 'none'}`, [{ name: 'h', hostPath: { path, type } }]));
    if (want === undefined) assert.ok('paths' in r && r.paths.get('h') === path, `${type}: ${JSON.stringify(r)}`);
    else assert.ok('error' in r && r.error.message === `MountVolume.SetUp failed for volume "h" : ${want}`, `${type}: ${JSON.stringify(r)}`);
  }
  assert.ok((await stat(join(base, 'new/dir'))).isDirectory());
  assert.ok((await stat(join(base, 'newfile'))).isFile());
});

test('prepareContainerMounts: /etc/hosts and termination file written, subPath created inside the volume, escape refused', async () => {
  const f = fakes();
  const podsDir = join(root, 'ctr');
  const vm = createVolumeManager({ podsDir, sources: f.sources, clock: f.clock });
  const p = pod('u-ctr', [{ name: 'data', emptyDir: {} }], [{ name: 'app', volumeMounts: [{ name: 'data', mountPath: '/d', subPath: 'x/y' }] }]);
  const r = await vm.setupPodVolumes(p);
  assert.ok('paths' in r);
  const opts = { podsDir, volumePaths: r.paths, attempt: 0, podIPs: ['10.42.0.9'], env: [], clusterDomain: 'cluster.local' };
  const m = await prepareContainerMounts(p, p.spec!.containers![0]!, opts);
  assert.ok('mounts' in m, JSON.stringify(m));
  assert.ok((await stat(join(r.paths.get('data')!, 'x/y'))).isDirectory());
  assert.match(await readFile(join(podsDir, 'u-ctr/etc-hosts'), 'utf8'), /10\.42\.0\.9\tweb\n$/);
  assert.equal(await modeOf(join(podsDir, 'u-ctr/containers/app/termination-0')), 0o666);
  // A symlink inside the volume that points out of it cannot be used as a subPath.
  await symlink('/etc', join(r.paths.get('data')!, 'evil'));
  const bad = pod('u-ctr', [{ name: 'data', emptyDir: {} }], [{ name: 'app', volumeMounts: [{ name: 'data', mountPath: '/d', subPath: 'evil/sub' }] }]);
  const e = await prepareContainerMounts(bad, bad.spec!.containers![0]!, opts);
  assert.ok('error' in e && /not within volume path/.test(e.error), JSON.stringify(e));
  await assert.rejects(lstat('/etc/sub'));
  await vm.teardownPodVolumes('u-ctr');
});

test('writeAtomic: invalid paths write nothing', async () => {
  const dir = join(root, 'aw');
  await mkdir(dir);
  assert.deepEqual(await writeAtomic(dir, new Map([['../x', { data: new Uint8Array(), mode: 0o644 }]]), new Date()), { error: "invalid path: must not contain '..': ../x" });
  assert.deepEqual(await readdir(dir), []);
});
