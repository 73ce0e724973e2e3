import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '../../api/core/v1/index.js';
import { cleanPayload, planAtomicWrite, timestampDirPrefix, validatePayloadPath } from './atomic-plan.js';
import { containerMounts, etcHostsContent, expandSubPathExpr } from './mounts.js';
import { parseMountPoints, mountsUnder } from './mountinfo.js';
import { escapePluginName, volumeDir } from './paths.js';
import { configMapPayload, downwardAPIPayload, formatMap, secretPayload, type Payload } from './payload.js';
import { tokenNeedsRefresh } from './token-rotation.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

const pod = (spec: Record<string, unknown> = {}): V1Pod =>
  ({ metadata: { name: 'web', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'app' }], ...spec } }) as V1Pod;

test('paths: kubelet layout and escaped plugin names', () => {
  assert.equal(escapePluginName('kubernetes.io/empty-dir'), 'kubernetes.io~empty-dir');
  assert.equal(volumeDir('/var/lib/pods/', 'u1', 'configMap', 'cfg'), '/var/lib/pods/u1/volumes/kubernetes.io~configmap/cfg');
  assert.equal(volumeDir('/p', 'u1', 'downwardAPI', 'd'), '/p/u1/volumes/kubernetes.io~downward-api/d');
});

test('configMap payload: all keys, items, modes, optional and upstream errors', () => {
  const cm = { data: { a: 'A', b: 'B' }, binaryData: { bin: Buffer.from([0, 1, 2]).toString('base64') } };
  let r = configMapPayload(cm, { name: 'x' }, 0o644);
  assert.ok('payload' in r);
  assert.deepEqual([...r.payload.keys()].sort(), ['a', 'b', 'bin']);
  assert.deepEqual([...r.payload.get('bin')!.data], [0, 1, 2]);
  r = configMapPayload(cm, { name: 'x', items: [{ key: 'a', path: 'sub/a.txt', mode: 0o400 }] }, 0o644);
  assert.ok('payload' in r);
  assert.deepEqual([...r.payload.entries()].map(([k, v]) => [k, dec(v.data), v.mode]), [['sub/a.txt', 'A', 0o400]]);
  assert.deepEqual(configMapPayload(cm, { name: 'x', items: [{ key: 'zz', path: 'z' }] }, 0o644), { error: 'configmap references non-existent config key: zz' });
  const opt = configMapPayload(cm, { name: 'x', optional: true, items: [{ key: 'zz', path: 'z' }] }, 0o644);
  assert.ok('payload' in opt && opt.payload.size === 0);
  assert.deepEqual(configMapPayload(undefined, { name: 'x' }, 0o644), { error: 'configmap "x" not found' });
  assert.ok('payload' in configMapPayload(undefined, { name: 'x', optional: true }, 0o644));
});

test('secret payload: base64 decoded, errors as upstream', () => {
  const s = { data: { tls: Buffer.from('secret!').toString('base64') } };
  const r = secretPayload(s, { name: 's', items: [{ key: 'tls', path: 'k' }] }, 0o600);
  assert.ok('payload' in r);
  assert.equal(dec(r.payload.get('k')!.data), 'secret!');
  assert.equal(r.payload.get('k')!.mode, 0o600);
  assert.deepEqual(secretPayload(s, { name: 's', items: [{ key: 'no', path: 'k' }] }, 0o644), { error: 'references non-existent secret key: no' });
  assert.deepEqual(secretPayload(undefined, { name: 's' }, 0o644), { error: 'secret "s" not found' });
});

test('downwardAPI payload: labels formatted as key="value" lines, fields resolved, errors aggregated', () => {
  assert.equal(formatMap({ b: 'x"y', a: '1' }), 'a="1"\nb="x\\"y"');
  const resolve = {
    field: (ref: { fieldPath?: string }) => (ref.fieldPath === 'metadata.name' ? { value: 'web' } : { error: `unsupported fieldPath: ${ref.fieldPath}` }),
    resource: () => ({ value: '2' }),
  };
  const ok = downwardAPIPayload(
    [
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: './name', fieldRef: { fieldPath: 'metadata.name' }, mode: 0o400 },
      { path: 'cpu', resourceFieldRef: { resource: 'limits.cpu' } },
    ],
    0o644,
    { labels: { app: 'x' } },
    resolve,
  );
  assert.ok('payload' in ok);
  assert.equal(dec(ok.payload.get('labels')!.data), 'app="x"');
  assert.equal(ok.payload.get('name')!.mode, 0o400);
  assert.equal(dec(ok.payload.get('cpu')!.data), '2');
  const bad = downwardAPIPayload([{ path: 'a', fieldRef: { fieldPath: 'x' } }, { path: 'b', fieldRef: { fieldPath: 'y' } }], 0o644, {}, resolve);
  assert.deepEqual(bad, { error: '[unsupported fieldPath: x, unsupported fieldPath: y]' });
});

test('atomic writer plan: paths validated, nothing written when unchanged, removed and stale visible names', () => {
  assert.equal(validatePayloadPath('/abs'), 'invalid path: must be relative path: /abs');
  assert.equal(validatePayloadPath('a/../b'), "invalid path: must not contain '..': a/../b");
  assert.equal(validatePayloadPath('..data'), "invalid path: must not start with '..': ..data");
  assert.equal(validatePayloadPath('a/b'), undefined);
  assert.deepEqual(cleanPayload(new Map([['', { data: enc(''), mode: 0o644 }]])), { error: 'invalid path: must not be empty: ""' });
  assert.equal(timestampDirPrefix(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), '..2026_01_02_03_04_05.');
  const p = (o: Record<string, [string, number]>): Payload => new Map(Object.entries(o).map(([k, [d, m]]) => [k, { data: enc(d), mode: m }]));
  assert.deepEqual(planAtomicWrite(undefined, p({ 'a/x': ['1', 0o644], b: ['2', 0o644] })), { write: true, removed: [], visible: ['a', 'b'], staleVisible: [] });
  const cur = p({ 'a/x': ['1', 0o644], b: ['2', 0o644] });
  assert.equal(planAtomicWrite(cur, p({ 'a/x': ['1', 0o644], b: ['2', 0o644] })).write, false);
  assert.equal(planAtomicWrite(cur, p({ 'a/x': ['1', 0o600], b: ['2', 0o644] })).write, true);
  assert.equal(planAtomicWrite(cur, p({ 'a/x': ['1', 0o644], b: ['3', 0o644] })).write, true);
  assert.deepEqual(planAtomicWrite(cur, p({ 'a/x': ['1', 0o644] })), { write: true, removed: ['b'], visible: ['a'], staleVisible: ['b'] });
});

test('token rotation: at 80 % of the lifetime, after 24 h, when expired; jitter brings it forward', () => {
  const exp = new Date(Date.UTC(2026, 0, 1, 1, 0, 0)); // 3600 s token issued at 00:00
  const t = { token: 'x', expirationTimestamp: exp, expirationSeconds: 3600 };
  assert.equal(tokenNeedsRefresh(t, new Date(Date.UTC(2026, 0, 1, 0, 47, 0))), false);
  assert.equal(tokenNeedsRefresh(t, new Date(Date.UTC(2026, 0, 1, 0, 48, 1))), true);
  assert.equal(tokenNeedsRefresh(t, new Date(Date.UTC(2026, 0, 1, 0, 47, 55)), 10_000), true);
  assert.equal(tokenNeedsRefresh(t, new Date(Date.UTC(2026, 0, 1, 2))), true);
  const long = { token: 'x', expirationTimestamp: new Date(Date.UTC(2026, 1, 1)), expirationSeconds: 31 * 24 * 3600 };
  assert.equal(tokenNeedsRefresh(long, new Date(Date.UTC(2026, 0, 1, 23))), false);
  assert.equal(tokenNeedsRefresh(long, new Date(Date.UTC(2026, 0, 2, 0, 0, 1))), true);
});

test('containerMounts: subPath, subPathExpr, readOnly kinds, propagation, /etc/hosts and termination log', () => {
  const p = pod({
    volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'data', emptyDir: {} }, { name: 'host', hostPath: { path: '/srv' } }],
    containers: [
      {
        name: 'app',
        volumeMounts: [
          { name: 'cfg', mountPath: '/etc/cfg' },
          { name: 'data', mountPath: '/data', subPath: 'a/./b' },
          { name: 'data', mountPath: '/logs', subPathExpr: '$(POD)/logs' },
          { name: 'host', mountPath: '/host', readOnly: true, mountPropagation: 'HostToContainer' },
        ],
      },
    ],
  });
  const volumePaths = new Map([
    ['cfg', '/pods/u1/volumes/kubernetes.io~configmap/cfg'],
    ['data', '/pods/u1/volumes/kubernetes.io~empty-dir/data'],
    ['host', '/srv'],
  ]);
  const opts = { podsDir: '/pods', volumePaths, attempt: 2, podIPs: ['10.42.0.5'], env: [{ key: 'POD', value: 'web' }], clusterDomain: 'cluster.local' };
  const r = containerMounts(p, p.spec!.containers![0]!, opts);
  assert.ok(!('error' in r));
  assert.deepEqual(r.mounts, [
    { containerPath: '/etc/cfg', hostPath: '/pods/u1/volumes/kubernetes.io~configmap/cfg', readonly: true, propagation: 'PROPAGATION_PRIVATE' },
    { containerPath: '/data', hostPath: '/pods/u1/volumes/kubernetes.io~empty-dir/data/a/b', readonly: false, propagation: 'PROPAGATION_PRIVATE' },
    { containerPath: '/logs', hostPath: '/pods/u1/volumes/kubernetes.io~empty-dir/data/web/logs', readonly: false, propagation: 'PROPAGATION_PRIVATE' },
    { containerPath: '/host', hostPath: '/srv', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' },
    { containerPath: '/etc/hosts', hostPath: '/pods/u1/etc-hosts', readonly: false, propagation: 'PROPAGATION_PRIVATE' },
    { containerPath: '/dev/termination-log', hostPath: '/pods/u1/containers/app/termination-2', readonly: false, propagation: 'PROPAGATION_PRIVATE' },
  ]);
  assert.deepEqual(r.subPaths.map((s) => s.subPath), ['a/b', 'web/logs']);
  assert.equal(r.terminationMessageFile, '/pods/u1/containers/app/termination-2');
  // No pod IP (or an explicit /etc/hosts mount): no managed hosts file.
  const noIp = containerMounts(p, p.spec!.containers![0]!, { ...opts, podIPs: [] });
  assert.ok(!('error' in noIp) && !noIp.mounts.some((m) => m.containerPath === '/etc/hosts'));
  const errs = (vm: Record<string, unknown>, env = opts.env) =>
    containerMounts(pod({ volumes: [{ name: 'data', emptyDir: {} }] }), { name: 'app', volumeMounts: [vm] }, { ...opts, env });
  assert.deepEqual(errs({ name: 'nope', mountPath: '/x' }), { error: 'cannot find volume "nope" to mount into container "app"' });
  assert.deepEqual(errs({ name: 'data', mountPath: '/x', subPath: '/abs' }), { error: 'error SubPath `/abs` must not be an absolute path' });
  assert.deepEqual(errs({ name: 'data', mountPath: '/x', subPath: 'a/../b' }), { error: "unable to provision SubPath `a/../b`: must not contain '..'" });
  assert.deepEqual(errs({ name: 'data', mountPath: '/x', subPathExpr: '$(B)/$(A)' }), { error: 'missing value for A, B' });
  assert.deepEqual(expandSubPathExpr('$(POD)-$$', opts.env), { value: 'web-$' });
});

test('etc hosts: exactly as kubelet writes it (FQDN with subdomain, host aliases, host network)', () => {
  const p = pod({ hostname: 'h', subdomain: 'sub', hostAliases: [{ ip: '1.2.3.4', hostnames: ['foo', 'bar'] }] });
  assert.deepEqual(etcHostsContent(p, ['10.42.0.5'], 'cluster.local'), {
    content:
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n' +
      '10.42.0.5\th.sub.ns.svc.cluster.local\th\n\n# Entries added by HostAliases.\n1.2.3.4\tfoo\tbar\n',
  });
  const plain = etcHostsContent(pod(), ['10.42.0.5', 'fd00::5'], 'cluster.local');
  assert.ok('content' in plain && plain.content.endsWith('fe00::2\tip6-allrouters\n10.42.0.5\tweb\nfd00::5\tweb\n'));
  assert.deepEqual(etcHostsContent(pod({ hostNetwork: true }), ['192.168.1.2'], 'cluster.local', '127.0.0.1 localhost\n'), {
    content: '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n',
  });
});

test('mountinfo: mount points decoded, those under a dir deepest first', () => {
  const text = '22 1 0:20 / /a\\040b rw - tmpfs tmpfs rw\n23 22 0:21 / /p/u1/volumes/x rw - tmpfs tmpfs rw\n24 23 0:22 / /p/u1/volumes/x/y rw - tmpfs t rw\n25 1 0:23 / /p/u10 rw - tmpfs t rw\n';
  const pts = parseMountPoints(text);
  assert.equal(pts[0], '/a b');
  assert.deepEqual(mountsUnder(pts, '/p/u1'), ['/p/u1/volumes/x/y', '/p/u1/volumes/x']);
});
