/**
 * Server-side apply and managedFields over HTTP against a test server with the built-in kinds:
 * create-if-missing, FieldsV1 per manager, conflicts (409 FieldManagerConflict), force, removal
 * of fields no longer applied, Update entries for create/update/patch, before-first-apply and the
 * last-applied-configuration upgrade for "kubectl".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { builtinResources } from '../../api/builtin.js';
import type { ManagedFieldsEntry } from '../../api/types.js';

const APPLY = { 'content-type': 'application/apply-patch+yaml' };
const CM = '/api/v1/namespaces/default/configmaps';
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';

interface Obj {
  metadata: { name: string; managedFields?: ManagedFieldsEntry[]; annotations?: Record<string, string>; resourceVersion?: string };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

async function withServer(fn: (srv: TestServer) => Promise<void>): Promise<void> {
  const srv = await startTestServer({ resources: builtinResources() });
  try {
    await fn(srv);
  } finally {
    await srv.close();
  }
}

function cm(name: string, data: Record<string, string>, extra: Record<string, unknown> = {}): unknown {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data };
}

function entry(o: Obj, manager: string, operation = 'Apply'): ManagedFieldsEntry | undefined {
  return o.metadata.managedFields?.find((m) => m.manager === manager && m.operation === operation);
}

test('apply creates a missing object (201) and records the applier', async () => {
  await withServer(async (srv) => {
    const res = await srv.request('PATCH', `${CM}/a?fieldManager=alice`, cm('a', { x: '1', y: '2' }), APPLY);
    assert.equal(res.status, 201, res.text);
    const o = res.json<Obj>();
    assert.deepEqual(o.data, { x: '1', y: '2' });
    const e = entry(o, 'alice');
    assert.ok(e, JSON.stringify(o.metadata.managedFields));
    assert.equal(e.apiVersion, 'v1');
    assert.equal(e.fieldsType, 'FieldsV1');
    assert.match(e.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(e.fieldsV1, { 'f:data': { 'f:x': {}, 'f:y': {} } });
    assert.equal(o.metadata.managedFields!.length, 1);
  });
});

test('fieldManager is required for apply; YAML and JSON bodies both apply', async () => {
  await withServer(async (srv) => {
    const missing = await srv.request('PATCH', `${CM}/a`, cm('a', {}), APPLY);
    assert.equal(missing.status, 422);
    assert.match(missing.text, /fieldManager: Required value: is required for apply patch/);
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n';
    const r = await srv.request('PATCH', `${CM}/a?fieldManager=m`, yaml, APPLY);
    assert.equal(r.status, 201, r.text);
    const j = await srv.request('PATCH', `${CM}/a?fieldManager=m`, JSON.stringify(cm('a', { k: 'w' })), APPLY);
    assert.equal(j.status, 200, j.text);
    assert.deepEqual(j.json<Obj>().data, { k: 'w' });
  });
});

test('a different manager changing an owned field conflicts (409); force takes it over', async () => {
  await withServer(async (srv) => {
    await srv.request('PATCH', `${CM}/c?fieldManager=kubectl`, cm('c', { a: '1', b: '2' }), APPLY);
    const res = await srv.request('PATCH', `${CM}/c?fieldManager=other`, cm('c', { a: 'theirs' }), APPLY);
    assert.equal(res.status, 409, res.text);
    const st = res.json<{ reason: string; message: string; details: { causes: { reason: string; message: string; field: string }[] } }>();
    assert.equal(st.reason, 'Conflict');
    assert.equal(st.message, 'Apply failed with 1 conflict: conflict with "kubectl": .data.a');
    assert.deepEqual(st.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.data.a' }]);
    // Same value: shared ownership, no conflict.
    const same = await srv.request('PATCH', `${CM}/c?fieldManager=other`, cm('c', { b: '2' }), APPLY);
    assert.equal(same.status, 200, same.text);
    const forced = await srv.request('PATCH', `${CM}/c?fieldManager=other&force=true`, cm('c', { a: 'theirs' }), APPLY);
    assert.equal(forced.status, 200, forced.text);
    const o = forced.json<Obj>();
    assert.deepEqual(o.data, { a: 'theirs', b: '2' });
    assert.deepEqual(entry(o, 'kubectl')!.fieldsV1, { 'f:data': { 'f:b': {} } });
    assert.deepEqual(entry(o, 'other')!.fieldsV1, { 'f:data': { 'f:a': {} } });
    // kubectl stops applying b and a: b is still other's (it applied b=2 before), a is other's.
    const again = await srv.request('PATCH', `${CM}/c?fieldManager=other`, cm('c', { a: 'theirs' }), APPLY);
    assert.equal(again.status, 200);
    const k = await srv.request('PATCH', `${CM}/c?fieldManager=kubectl`, cm('c', {}), APPLY);
    assert.equal(k.status, 200, k.text);
    assert.deepEqual(k.json<Obj>().data, { a: 'theirs' });
  });
});

test('several conflicts are listed per manager, with "using" for updaters', async () => {
  await withServer(async (srv) => {
    await srv.request('POST', `${CM}?fieldManager=creator`, cm('m', { a: '1', b: '2' }));
    await srv.request('PATCH', `${CM}/m?fieldManager=app`, cm('m', { c: '3' }), APPLY);
    const res = await srv.request('PATCH', `${CM}/m?fieldManager=x`, cm('m', { a: 'x', b: 'x', c: 'x' }), APPLY);
    assert.equal(res.status, 409, res.text);
    assert.equal(
      res.json<{ message: string }>().message,
      'Apply failed with 3 conflicts: conflicts with "app":\n- .data.c\nconflicts with "creator" using v1:\n- .data.a\n- .data.b',
    );
  });
});

test('create, update and patch record Update entries (manager from fieldManager or the user agent)', async () => {
  await withServer(async (srv) => {
    const c = await srv.request('POST', CM, cm('u', { a: '1' }), { 'user-agent': 'kubectl/v1.33.0 (linux/amd64) kubernetes/abc' });
    const created = c.json<Obj>();
    assert.deepEqual(entry(created, 'kubectl', 'Update')!.fieldsV1, { 'f:data': { '.': {}, 'f:a': {} } });
    const p = await srv.request('PATCH', `${CM}/u?fieldManager=kubectl-edit`, { data: { b: '2' } }, { 'content-type': 'application/merge-patch+json' });
    const patched = p.json<Obj>();
    assert.deepEqual(entry(patched, 'kubectl-edit', 'Update')!.fieldsV1, { 'f:data': { 'f:b': {} } });
    assert.deepEqual(entry(patched, 'kubectl', 'Update')!.fieldsV1, { 'f:data': { '.': {}, 'f:a': {} } });
    const u = await srv.request('PUT', `${CM}/u?fieldManager=kubectl-replace`, { ...patched, data: { a: 'z', b: '2' } });
    assert.equal(u.status, 200, u.text);
    const updated = u.json<Obj>();
    assert.deepEqual(entry(updated, 'kubectl-replace', 'Update')!.fieldsV1, { 'f:data': { 'f:a': {} } });
    assert.deepEqual(entry(updated, 'kubectl', 'Update')!.fieldsV1, { 'f:data': {} });
    // Apply of a field an updater owns: "using v1".
    const res = await srv.request('PATCH', `${CM}/u?fieldManager=ssa`, cm('u', { b: 'mine' }), APPLY);
    assert.equal(res.status, 409);
    assert.equal(res.json<{ message: string }>().message, 'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.b');
  });
});

test('associative lists: containers by name, ports by containerPort+protocol, conflicts name the item', async () => {
  await withServer(async (srv) => {
    const deploy = (image: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }], ...extra }] } },
      },
    });
    const r = await srv.request('PATCH', `${DEPLOY}/web?fieldManager=kubectl`, deploy('nginx:1'), APPLY);
    assert.equal(r.status, 201, r.text);
    const e = entry(r.json<Obj>(), 'kubectl')!;
    const c = (e.fieldsV1 as any)['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}'];
    assert.ok(c, JSON.stringify(e.fieldsV1));
    assert.deepEqual(c['.'], {});
    assert.deepEqual(c['f:image'], {});
    assert.ok(c['f:ports']['k:{"containerPort":80,"protocol":"TCP"}'], JSON.stringify(c));
    const res = await srv.request('PATCH', `${DEPLOY}/web?fieldManager=ci`, deploy('nginx:2'), APPLY);
    assert.equal(res.status, 409);
    assert.equal(res.json<{ message: string }>().message, 'Apply failed with 1 conflict: conflict with "kubectl": .spec.template.spec.containers[name="web"].image');
    // A second manager adding env to the same container merges into it.
    const env = await srv.request(
      'PATCH',
      `${DEPLOY}/web?fieldManager=ci`,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'A', value: '1' }] }] } } } },
      APPLY,
    );
    assert.equal(env.status, 200, env.text);
    const ctr = (env.json<Obj>().spec as any).template.spec.containers;
    assert.equal(ctr.length, 1);
    assert.equal(ctr[0].image, 'nginx:1');
    assert.deepEqual(ctr[0].env, [{ name: 'A', value: '1' }]);
    // scale via the replicas field by another applier, then kubectl re-applies without replicas: replicas stay.
    const again = await srv.request('PATCH', `${DEPLOY}/web?fieldManager=kubectl`, deploy('nginx:3'), APPLY);
    assert.equal(again.status, 200, again.text);
    const spec = again.json<Obj>().spec as any;
    assert.equal(spec.template.spec.containers[0].image, 'nginx:3');
    assert.deepEqual(spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
  });
});

test('objects written before any apply: their fields go to "before-first-apply"', async () => {
  await withServer(async (srv) => {
    // Clearing managedFields ([{}]) leaves an untracked object, like one written before tracking.
    await srv.request('POST', CM, cm('old', { a: '1' }));
    const cleared = await srv.request('PATCH', `${CM}/old`, { metadata: { managedFields: [{}] } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(cleared.json<Obj>().metadata.managedFields, undefined, cleared.text);
    const up = await srv.request('PATCH', `${CM}/old?fieldManager=x`, { data: { b: '2' } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(up.json<Obj>().metadata.managedFields, undefined, 'updates of untracked objects stay untracked');
    const res = await srv.request('PATCH', `${CM}/old?fieldManager=ssa`, cm('old', { a: '9' }), APPLY);
    assert.equal(res.status, 409);
    assert.equal(res.json<{ message: string }>().message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a');
  });
});

test('kubectl upgrading from client-side apply: conflicts on last-applied fields are forced, the annotation follows', async () => {
  await withServer(async (srv) => {
    const last = JSON.stringify(cm('csa', { a: '1' }));
    const created = await srv.request(
      'PATCH',
      `${CM}/csa?fieldManager=kubectl-client-side-apply`,
      cm('csa', { a: '1' }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': last } }),
      { 'content-type': 'application/strategic-merge-patch+json' },
    );
    assert.equal(created.status, 404);
    await srv.request('POST', `${CM}?fieldManager=kubectl-client-side-apply`, cm('csa', { a: '1' }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': last } }));
    // Another manager would conflict...
    const other = await srv.request('PATCH', `${CM}/csa?fieldManager=someone`, cm('csa', { a: '2' }), APPLY);
    assert.equal(other.status, 409);
    // ...kubectl does not, and its annotation now records this apply.
    const res = await srv.request('PATCH', `${CM}/csa?fieldManager=kubectl`, cm('csa', { a: '2' }), APPLY);
    assert.equal(res.status, 200, res.text);
    const o = res.json<Obj>();
    assert.deepEqual(o.data, { a: '2' });
    assert.deepEqual(JSON.parse(o.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']!).data, { a: '2' });
    assert.deepEqual(entry(o, 'kubectl')!.fieldsV1, { 'f:data': { 'f:a': {} } });
  });
});

test('apply: version mismatch and managedFields in the config are 400; dry run stores nothing', async () => {
  await withServer(async (srv) => {
    const bad = await srv.request('PATCH', `${CM}/v?fieldManager=m`, { apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'v' } }, APPLY);
    assert.equal(bad.status, 400, bad.text);
    const dry = await srv.request('PATCH', `${CM}/v?fieldManager=m&dryRun=All`, cm('v', { a: '1' }), APPLY);
    assert.equal(dry.status, 201, dry.text);
    assert.equal((await srv.request('GET', `${CM}/v`)).status, 404);
    const mf = await srv.request('PATCH', `${CM}/v?fieldManager=m`, { ...(cm('v', {}) as object), metadata: { name: 'v', managedFields: [] } }, APPLY);
    assert.equal(mf.status, 400, mf.text);
    assert.match(mf.text, /metadata.managedFields must be nil/);
  });
});

test('apply: duplicate keys in an associative list are refused with upstream\'s text (400), nothing written', async () => {
  await withServer(async (srv) => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'dup', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i', env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }] } },
      },
    };
    const r = await srv.request('PATCH', `${DEPLOY}/dup?fieldManager=m`, dep, APPLY);
    assert.equal(r.status, 400, r.text);
    assert.equal(
      r.json<{ message: string }>().message,
      'failed to create typed patch object (default/dup; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="c"].env: duplicate entries for key [name="A"]',
    );
    assert.equal((await srv.request('GET', `${DEPLOY}/dup`)).status, 404);
  });
});

test('apply: fields the schema does not declare fail whatever fieldValidation says (upstream types the configuration)', async () => {
  await withServer(async (srv) => {
    for (const v of ['Ignore', 'Warn', 'Strict']) {
      const r = await srv.request('PATCH', `${CM}/u?fieldManager=m&fieldValidation=${v}`, { ...(cm('u', { a: '1' }) as object), metadata: { name: 'u', namespace: 'default', bogus: 1 }, extra: true }, APPLY);
      assert.equal(r.status, 400, r.text);
      assert.equal(
        r.json<{ message: string }>().message,
        'failed to create typed patch object (default/u; /v1, Kind=ConfigMap): errors:\n  .metadata.bogus: field not declared in schema\n  .extra: field not declared in schema',
      );
    }
    assert.equal((await srv.request('GET', `${CM}/u`)).status, 404);
  });
});

test('scale subresource writes are Update entries with subresource "scale"; an apply of replicas then conflicts with them', async () => {
  await withServer(async (srv) => {
    const dep = (replicas: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 's', namespace: 'default' },
      spec: { replicas, selector: { matchLabels: { app: 's' } }, template: { metadata: { labels: { app: 's' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
    assert.equal((await srv.request('PATCH', `${DEPLOY}/s?fieldManager=kubectl`, dep(1), APPLY)).status, 201);
    const sc = await srv.request('PATCH', `${DEPLOY}/s/scale?fieldManager=kubectl-scale`, { spec: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(sc.status, 200, sc.text);
    const o = (await srv.request('GET', `${DEPLOY}/s`)).json<Obj>();
    const e = o.metadata.managedFields!.find((m) => m.manager === 'kubectl-scale')!;
    assert.deepEqual([e.operation, e.subresource, e.fieldsV1], ['Update', 'scale', { 'f:spec': { 'f:replicas': {} } }]);
    assert.equal((entry(o, 'kubectl')!.fieldsV1 as any)['f:spec']['f:replicas'], undefined, 'replicas taken from the applier');
    const res = await srv.request('PATCH', `${DEPLOY}/s?fieldManager=kubectl`, dep(5), APPLY);
    assert.equal(res.status, 409, res.text);
    assert.equal(res.json<{ message: string }>().message, 'Apply failed with 1 conflict: conflict with "kubectl-scale" with subresource "scale" using apps/v1: .spec.replicas');
    const put = await srv.request('PUT', `${DEPLOY}/s/scale?fieldManager=hpa`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 's', namespace: 'default' }, spec: { replicas: 4 } });
    assert.equal(put.status, 200, put.text);
    const o2 = (await srv.request('GET', `${DEPLOY}/s`)).json<Obj>();
    assert.ok(o2.metadata.managedFields!.some((m) => m.manager === 'hpa' && m.subresource === 'scale'));
    assert.ok(!o2.metadata.managedFields!.some((m) => m.manager === 'kubectl-scale'), 'kubectl-scale lost its only field');
  });
});

test('at most ten Update managers: the oldest merge into "ancient-changes"', async () => {
  await withServer(async (srv) => {
    await srv.request('POST', `${CM}?fieldManager=m0`, cm('many', { k0: '0' }));
    for (let i = 1; i <= 11; i++) {
      const r = await srv.request('PATCH', `${CM}/many?fieldManager=m${i}`, { data: { [`k${i}`]: String(i) } }, { 'content-type': 'application/merge-patch+json' });
      assert.equal(r.status, 200, r.text);
    }
    const o = (await srv.request('GET', `${CM}/many`)).json<Obj>();
    const updaters = o.metadata.managedFields!.filter((e) => e.operation === 'Update');
    assert.equal(updaters.length, 10, JSON.stringify(updaters.map((e) => e.manager)));
    const ancient = updaters.find((e) => e.manager === 'ancient-changes');
    assert.ok(ancient);
    assert.ok(Object.keys((ancient.fieldsV1 as Record<string, Record<string, unknown>>)['f:data']!).includes('f:k0'));
    assert.ok(updaters.some((e) => e.manager === 'm11'));
  });
});

test('apply: a resourceVersion in the configuration is a precondition; a no-op apply writes nothing and keeps the entry time', async () => {
  await withServer(async (srv) => {
    const first = await srv.request('PATCH', `${CM}/rv?fieldManager=m`, cm('rv', { a: '1' }), APPLY);
    const o = first.json<Obj>();
    const stale = await srv.request('PATCH', `${CM}/rv?fieldManager=m`, { ...(cm('rv', { a: '2' }) as object), metadata: { name: 'rv', resourceVersion: '1' } }, APPLY);
    assert.equal(stale.status, 409, stale.text);
    await new Promise((r) => setTimeout(r, 1100));
    const same = await srv.request('PATCH', `${CM}/rv?fieldManager=m`, cm('rv', { a: '1' }), APPLY);
    assert.equal(same.status, 200);
    const s = same.json<Obj>();
    assert.equal(s.metadata.resourceVersion, o.metadata.resourceVersion, 'nothing written');
    assert.equal(entry(s, 'm')!.time, entry(o, 'm')!.time);
  });
});
