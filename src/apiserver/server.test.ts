import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { testResources } from './testing/fixtures.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ resources: testResources, bookmarkIntervalMs: 200 });
});
after(async () => {
  await srv.close();
});

const NOTES = '/api/v1/namespaces/default/notes';
const WIDGETS = '/apis/example.flotilla.dev/v1/namespaces/default/widgets';

function note(name: string, data: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Note', metadata: { name, ...extra }, data };
}

test('default namespaces exist from the start', async () => {
  const res = await srv.request('GET', '/api/v1/namespaces');
  assert.equal(res.status, 200);
  const names = res.json<{ items: { metadata: { name: string }; status: { phase: string } }[] }>().items.map((n) => n.metadata.name);
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(n), n);
});

test('create, get, conflict on stale resourceVersion, unconditional update', async () => {
  const c = await srv.request('POST', NOTES, note('a', { k: 'v' }));
  assert.equal(c.status, 201, c.text);
  const created = c.json<{ metadata: { uid: string; resourceVersion: string; creationTimestamp: string; namespace: string } }>();
  assert.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.match(created.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(created.metadata.namespace, 'default');

  const dup = await srv.request('POST', NOTES, note('a'));
  assert.equal(dup.status, 409);
  assert.equal(dup.json().reason, 'AlreadyExists');
  assert.equal(dup.json().message, 'notes "a" already exists');

  const upd = await srv.request('PUT', `${NOTES}/a`, { ...note('a', { k: 'v2' }), metadata: { name: 'a', resourceVersion: created.metadata.resourceVersion } });
  assert.equal(upd.status, 200, upd.text);
  const stale = await srv.request('PUT', `${NOTES}/a`, { ...note('a', { k: 'v3' }), metadata: { name: 'a', resourceVersion: created.metadata.resourceVersion } });
  assert.equal(stale.status, 409);
  assert.equal(
    stale.json().message,
    'Operation cannot be fulfilled on notes "a": the object has been modified; please apply your changes to the latest version and try again',
  );
  const uncond = await srv.request('PUT', `${NOTES}/a`, note('a', { k: 'v4' }));
  assert.equal(uncond.status, 200);
  const got = await srv.request('GET', `${NOTES}/a`);
  assert.deepEqual(got.json().data, { k: 'v4' });
  assert.equal(got.json<{ metadata: { uid: string } }>().metadata.uid, created.metadata.uid);
});

test('errors are upstream Status objects', async () => {
  const nf = await srv.request('GET', `${NOTES}/missing`);
  assert.equal(nf.status, 404);
  assert.deepEqual(nf.json(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'notes "missing" not found',
    reason: 'NotFound',
    details: { name: 'missing', kind: 'notes' },
    code: 404,
  });
  const inv = await srv.request('POST', NOTES, note('bad', { 'no/slash': 'x' }));
  assert.equal(inv.status, 422);
  assert.equal(inv.json().reason, 'Invalid');
  assert.match(String(inv.json().message), /^Note "bad" is invalid: data\[no\/slash\]: Invalid value: "no\/slash"/);
  const badName = await srv.request('POST', NOTES, note('Bad_Name'));
  assert.equal(badName.status, 422);
  assert.match(String(badName.json().message), /metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  const malformed = await srv.request('POST', NOTES, '{"kind": ');
  assert.equal(malformed.status, 400);
  const wrongNs = await srv.request('POST', NOTES, note('x', {}, { namespace: 'other' }));
  assert.equal(wrongNs.status, 400);
  assert.equal(wrongNs.json().message, 'the namespace of the provided object does not match the namespace sent on the request');
  const noNs = await srv.request('POST', '/api/v1/namespaces/nope/notes', note('x'));
  assert.equal(noNs.status, 404);
  assert.equal(noNs.json().message, 'namespaces "nope" not found');
  const unknownKind = await srv.request('GET', '/api/v1/namespaces/default/bogus');
  assert.equal(unknownKind.status, 404);
  const media = await srv.request('POST', NOTES, 'x', { 'content-type': 'text/plain' });
  assert.equal(media.status, 415);
  const big = await srv.request('POST', NOTES, JSON.stringify(note('big', { k: 'x'.repeat(3 * 1024 * 1024) })));
  assert.equal(big.status, 413);
  const badRv = await srv.request('GET', `${NOTES}?resourceVersion=abc`);
  assert.equal(badRv.status, 400);
});

test('fieldValidation Strict rejects unknown fields, Warn warns, Ignore drops', async () => {
  const body = { ...note('fv'), spec: { bogus: 1 } };
  const strict = await srv.request('POST', `${NOTES}?fieldValidation=Strict`, body);
  assert.equal(strict.status, 400);
  assert.equal(strict.json().message, 'Note in version "v1" cannot be handled as a Note: strict decoding error: unknown field "spec"');
  const warn = await srv.request('POST', `${NOTES}?fieldValidation=Warn&dryRun=All`, body);
  assert.equal(warn.status, 201);
  assert.match(warn.headers.get('warning') ?? '', /unknown field \\"spec\\"/);
  const ignore = await srv.request('POST', `${NOTES}?fieldValidation=Ignore`, body);
  assert.equal(ignore.status, 201);
  assert.equal(ignore.json().spec, undefined);
});

test('dryRun=All validates and persists nothing', async () => {
  const res = await srv.request('POST', `${NOTES}?dryRun=All`, note('dry'));
  assert.equal(res.status, 201);
  assert.equal((await srv.request('GET', `${NOTES}/dry`)).status, 404);
});

test('generateName', async () => {
  const res = await srv.request('POST', NOTES, { apiVersion: 'v1', kind: 'Note', metadata: { generateName: 'gen-' } });
  assert.equal(res.status, 201);
  assert.match(String(res.json<{ metadata: { name: string } }>().metadata.name), /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('label and field selectors, paging with continue', async () => {
  for (let i = 0; i < 7; i++) {
    const r = await srv.request('POST', '/api/v1/namespaces/kube-public/notes', note(`p${i}`, {}, { labels: { tier: i % 2 ? 'odd' : 'even', idx: String(i) } }));
    assert.equal(r.status, 201);
  }
  const base = '/api/v1/namespaces/kube-public/notes';
  const odd = await srv.request('GET', `${base}?labelSelector=${encodeURIComponent('tier in (odd),idx!=5')}`);
  assert.deepEqual(odd.json<{ items: { metadata: { name: string } }[] }>().items.map((i) => i.metadata.name), ['p1', 'p3']);
  const byName = await srv.request('GET', `${base}?fieldSelector=metadata.name%3Dp4`);
  assert.equal(byName.json<{ items: unknown[] }>().items.length, 1);
  const badField = await srv.request('GET', `${base}?fieldSelector=spec.nope%3Dx`);
  assert.equal(badField.status, 400);
  assert.equal(badField.json().message, 'field label not supported: spec.nope');
  const badLabel = await srv.request('GET', `${base}?labelSelector=${encodeURIComponent('a in (')}`);
  assert.equal(badLabel.status, 400);

  const names: string[] = [];
  let cont = '';
  let pages = 0;
  do {
    const page = await srv.request('GET', `${base}?limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    assert.equal(page.status, 200);
    const body = page.json<{ items: { metadata: { name: string } }[]; metadata: { continue?: string; remainingItemCount?: number } }>();
    names.push(...body.items.map((i) => i.metadata.name));
    if (pages === 0) assert.equal(body.metadata.remainingItemCount, 4);
    cont = body.metadata.continue ?? '';
    pages++;
  } while (cont && pages < 10);
  assert.deepEqual(names, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
  assert.equal(pages, 3);
  const filteredPage = await srv.request('GET', `${base}?limit=2&labelSelector=tier%3Deven`);
  const fb = filteredPage.json<{ items: { metadata: { name: string } }[]; metadata: { continue?: string } }>();
  assert.deepEqual(fb.items.map((i) => i.metadata.name), ['p0', 'p2']);
  assert.ok(fb.metadata.continue);
});

test('Table output for kubectl get', async () => {
  const res = await srv.request('GET', '/api/v1/namespaces/kube-public/notes?limit=2', undefined, {
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
  });
  assert.equal(res.status, 200);
  const t = res.json<{ kind: string; apiVersion: string; columnDefinitions: { name: string; format: string }[]; rows: { cells: unknown[]; object: { kind: string } }[] }>();
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Data']);
  assert.equal(t.columnDefinitions[0]!.format, 'name');
  assert.deepEqual(t.rows[0]!.cells, ['p0', 0]);
  assert.equal(t.rows[0]!.object.kind, 'PartialObjectMetadata');
  const def = await srv.request('GET', `${WIDGETS}`, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual(def.json<{ columnDefinitions: { name: string }[] }>().columnDefinitions.map((c) => c.name), ['Name', 'Created At']);
});

test('generation tracks spec only; status subresource splits writes', async () => {
  const c = await srv.request('POST', WIDGETS, { apiVersion: 'example.flotilla.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: 2, selector: { matchLabels: { app: 'w' } } }, status: { replicas: 9 } });
  assert.equal(c.status, 201, c.text);
  const w = c.json<{ metadata: { generation: number }; status?: unknown }>();
  assert.equal(w.metadata.generation, 1);
  assert.equal(w.status, undefined, 'status is cleared on create');
  const labels = await srv.request('PATCH', `${WIDGETS}/w`, { metadata: { labels: { a: 'b' } } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(labels.json<{ metadata: { generation: number } }>().metadata.generation, 1);
  const spec = await srv.request('PATCH', `${WIDGETS}/w`, { spec: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(spec.json<{ metadata: { generation: number } }>().metadata.generation, 2);
  const st = await srv.request('PUT', `${WIDGETS}/w/status`, { apiVersion: 'example.flotilla.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: 100 }, status: { replicas: 3, ready: true } });
  assert.equal(st.status, 200, st.text);
  const after = st.json<{ spec: { replicas: number }; status: { replicas: number }; metadata: { generation: number } }>();
  assert.equal(after.spec.replicas, 3, 'status writes do not change spec');
  assert.equal(after.status.replicas, 3);
  const mainWrite = await srv.request('PATCH', `${WIDGETS}/w`, { status: { replicas: 0 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(mainWrite.json<{ status: { replicas: number } }>().status.replicas, 3, 'main writes do not change status');
});

test('scale subresource', async () => {
  const get = await srv.request('GET', `${WIDGETS}/w/scale`);
  assert.equal(get.status, 200, get.text);
  assert.deepEqual(
    (({ kind, apiVersion, spec, status }) => ({ kind, apiVersion, spec, status }))(get.json<Record<string, unknown>>()),
    { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 3, selector: 'app=w' } },
  );
  const patch = await srv.request('PATCH', `${WIDGETS}/w/scale`, { spec: { replicas: 5 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(patch.status, 200, patch.text);
  assert.equal(patch.json<{ spec: { replicas: number } }>().spec.replicas, 5);
  const w = await srv.request('GET', `${WIDGETS}/w`);
  assert.equal(w.json<{ spec: { replicas: number } }>().spec.replicas, 5);
  const neg = await srv.request('PATCH', `${WIDGETS}/w/scale`, { spec: { replicas: -1 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(neg.status, 422);
});

test('patch types: json, merge, strategic', async () => {
  await srv.request('POST', WIDGETS, { apiVersion: 'example.flotilla.dev/v1', kind: 'Widget', metadata: { name: 'p' }, spec: { items: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }], tags: ['x'] } });
  const smp = await srv.request('PATCH', `${WIDGETS}/p`, { spec: { items: [{ name: 'b', value: '3' }] } }, { 'content-type': 'application/strategic-merge-patch+json' });
  assert.equal(smp.status, 200, smp.text);
  assert.deepEqual(smp.json<{ spec: { items: unknown[] } }>().spec.items, [{ name: 'a', value: '1' }, { name: 'b', value: '3' }]);
  const jp = await srv.request('PATCH', `${WIDGETS}/p`, [{ op: 'add', path: '/spec/tags/-', value: 'y' }], { 'content-type': 'application/json-patch+json' });
  assert.equal(jp.status, 200, jp.text);
  assert.deepEqual(jp.json<{ spec: { tags: string[] } }>().spec.tags, ['x', 'y']);
  const failing = await srv.request('PATCH', `${WIDGETS}/p`, [{ op: 'test', path: '/spec/tags/0', value: 'nope' }], { 'content-type': 'application/json-patch+json' });
  assert.equal(failing.status, 422);
  const bad = await srv.request('PATCH', `${WIDGETS}/p`, '{not json', { 'content-type': 'application/merge-patch+json' });
  assert.equal(bad.status, 400);
  const wrongType = await srv.request('PATCH', `${WIDGETS}/p`, '{}', { 'content-type': 'application/json' });
  assert.equal(wrongType.status, 415);
});

test('delete: immediate, finalizers, propagation policies, preconditions', async () => {
  await srv.request('POST', NOTES, note('d1'));
  const d1 = await srv.request('DELETE', `${NOTES}/d1`);
  assert.equal(d1.status, 200);
  assert.equal(d1.json().status, 'Success');
  assert.equal((d1.json().details as { name: string }).name, 'd1');

  await srv.request('POST', NOTES, note('d2', {}, { finalizers: ['example.com/hold'] }));
  const d2 = await srv.request('DELETE', `${NOTES}/d2`);
  assert.equal(d2.status, 200);
  const marked = d2.json<{ metadata: { deletionTimestamp?: string; finalizers: string[] } }>();
  assert.ok(marked.metadata.deletionTimestamp);
  const release = await srv.request('PATCH', `${NOTES}/d2`, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(release.status, 200, release.text);
  assert.equal((await srv.request('GET', `${NOTES}/d2`)).status, 404, 'removing the last finalizer deletes');

  await srv.request('POST', NOTES, note('d3'));
  const fg = await srv.request('DELETE', `${NOTES}/d3`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
  assert.deepEqual(fg.json<{ metadata: { finalizers: string[] } }>().metadata.finalizers, ['foregroundDeletion']);
  await srv.request('POST', NOTES, note('d4'));
  const orphan = await srv.request('DELETE', `${NOTES}/d4?propagationPolicy=Orphan`);
  assert.deepEqual(orphan.json<{ metadata: { finalizers: string[] } }>().metadata.finalizers, ['orphan']);
  const badPolicy = await srv.request('DELETE', `${NOTES}/d4?propagationPolicy=Sometimes`);
  assert.equal(badPolicy.status, 422);

  const c5 = await srv.request('POST', NOTES, note('d5'));
  const pre = await srv.request('DELETE', `${NOTES}/d5`, { preconditions: { uid: 'nope' } });
  assert.equal(pre.status, 409);
  assert.match(String(pre.json().message), /Precondition failed: UID in precondition: nope/);
  const ok = await srv.request('DELETE', `${NOTES}/d5`, { preconditions: { uid: c5.json<{ metadata: { uid: string } }>().metadata.uid } });
  assert.equal(ok.status, 200);
});

test('deletecollection with a selector', async () => {
  const res = await srv.request('DELETE', '/api/v1/namespaces/kube-public/notes?labelSelector=tier%3Dodd');
  assert.equal(res.status, 200);
  const left = await srv.request('GET', '/api/v1/namespaces/kube-public/notes');
  assert.deepEqual(left.json<{ items: { metadata: { name: string } }[] }>().items.map((i) => i.metadata.name), ['p0', 'p2', 'p4', 'p6']);
});

test('namespace deletion removes contents, then the namespace; terminating refuses new objects', async () => {
  assert.equal((await srv.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } })).status, 201);
  await srv.request('POST', '/api/v1/namespaces/doomed/notes', note('n1'));
  await srv.request('POST', '/api/v1/namespaces/doomed/notes', note('n2', {}, { finalizers: ['example.com/slow'] }));
  const del = await srv.request('DELETE', '/api/v1/namespaces/doomed');
  assert.equal(del.status, 200);
  assert.equal(del.json<{ status: { phase: string } }>().status.phase, 'Terminating');
  const refused = await srv.request('POST', '/api/v1/namespaces/doomed/notes', note('n3'));
  assert.equal(refused.status, 403);
  assert.equal(refused.json().message, 'notes "n3" is forbidden: unable to create new content in namespace doomed because it is being terminated');
  // n2 is held by its finalizer: the namespace waits.
  await waitFor(async () => (await srv.request('GET', '/api/v1/namespaces/doomed/notes/n1')).status === 404);
  assert.equal((await srv.request('GET', '/api/v1/namespaces/doomed')).status, 200);
  await srv.request('PATCH', '/api/v1/namespaces/doomed/notes/n2', { metadata: { finalizers: [] } }, { 'content-type': 'application/merge-patch+json' });
  await waitFor(async () => (await srv.request('GET', '/api/v1/namespaces/doomed')).status === 404);
});

test('discovery: legacy and aggregated', async () => {
  const api = await srv.request('GET', '/api');
  assert.deepEqual(api.json().versions, ['v1']);
  const agg = await srv.request('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
  assert.equal(agg.headers.get('content-type'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  const items = agg.json<{ items: { metadata: { name: string }; versions: { resources: { resource: string; subresources?: { subresource: string }[] }[] }[] }[] }>().items;
  const ex = items.find((i) => i.metadata.name === 'example.flotilla.dev')!;
  const widgets = ex.versions[0]!.resources.find((r) => r.resource === 'widgets')!;
  assert.deepEqual(widgets.subresources!.map((s) => s.subresource).sort(), ['scale', 'status']);
  const v1 = await srv.request('GET', '/api/v1');
  const names = v1.json<{ resources: { name: string }[] }>().resources.map((r) => r.name);
  assert.ok(names.includes('notes') && names.includes('namespaces/status'));
  const groups = await srv.request('GET', '/apis');
  assert.equal(groups.json<{ groups: { name: string }[] }>().groups[0]!.name, 'example.flotilla.dev');
});

test('watch: initial ADDED, live events, resume, selectors, 410', async () => {
  const base = '/api/v1/namespaces/kube-node-lease/notes';
  await srv.request('POST', base, note('w0', {}, { labels: { app: 'x' } }));
  const watch = openWatch(`${srv.url}${base}?watch=true&labelSelector=app%3Dx`);
  const first = await watch.next();
  assert.equal(first.type, 'ADDED');
  assert.equal(first.object.metadata.name, 'w0');
  const c = await srv.request('POST', base, note('w1', {}, { labels: { app: 'x' } }));
  await srv.request('POST', base, note('other', {}, { labels: { app: 'y' } }));
  const second = await watch.next();
  assert.equal(second.type, 'ADDED');
  assert.equal(second.object.metadata.name, 'w1');
  // Label change out of the selector: DELETED for this watcher.
  await srv.request('PATCH', `${base}/w1`, { metadata: { labels: { app: 'z' } } }, { 'content-type': 'application/merge-patch+json' });
  const third = await watch.next();
  assert.equal(third.type, 'DELETED');
  watch.close();

  // Resume from a resourceVersion: only later events.
  const rv = c.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
  const resumed = openWatch(`${srv.url}${base}?watch=true&resourceVersion=${rv}`);
  const e1 = await resumed.next();
  assert.equal(e1.object.metadata.name, 'other');
  assert.equal(e1.type, 'ADDED');
  const e2 = await resumed.next();
  assert.equal(e2.type, 'MODIFIED');
  resumed.close();

  const bm = openWatch(`${srv.url}${base}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
  let sawBookmark = false;
  for (let i = 0; i < 5 && !sawBookmark; i++) sawBookmark = (await bm.next()).type === 'BOOKMARK';
  assert.ok(sawBookmark);
  bm.close();

});

test('watch from a resourceVersion older than the window: ERROR 410 Expired', async () => {
  const small = await startTestServer({ resources: testResources, watchWindowMs: 30 });
  try {
    const c = await small.request('POST', NOTES, note('older'));
    const rv = c.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    await small.request('POST', NOTES, note('old')); // after the trim, the window starts here
    await new Promise((r) => setTimeout(r, 80));
    await small.request('POST', NOTES, note('new')); // trims the window
    await new Promise((r) => setTimeout(r, 20));
    const tooOld = openWatch(`${small.url}${NOTES}?watch=true&resourceVersion=${rv}`);
    const err = await tooOld.next();
    assert.equal(err.type, 'ERROR');
    const st = err.object as unknown as { code: number; reason: string; message: string };
    assert.equal(st.code, 410);
    assert.equal(st.reason, 'Expired');
    assert.match(st.message, /^too old resource version: \d+ \(\d+\)$/);
    tooOld.close();
  } finally {
    await small.close();
  }
});

interface WatchEvt {
  type: string;
  object: { metadata: { name: string; resourceVersion: string } };
}

function openWatch(url: string): { next(): Promise<WatchEvt>; close(): void } {
  const ctrl = new AbortController();
  const queue: WatchEvt[] = [];
  const waiters: ((e: WatchEvt) => void)[] = [];
  void (async () => {
    try {
      const res = await fetch(url, { signal: ctrl.signal });
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const evt = JSON.parse(line) as WatchEvt;
          const w = waiters.shift();
          if (w) w(evt);
          else queue.push(evt);
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    next: () =>
      new Promise<WatchEvt>((resolve, reject) => {
        const q = queue.shift();
        if (q) return resolve(q);
        const t = setTimeout(() => reject(new Error('watch event timeout')), 5000);
        waiters.push((e) => {
          clearTimeout(t);
          resolve(e);
        });
      }),
    close: () => ctrl.abort(),
  };
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('condition not met in time');
}

test('built-in kinds: a Node keeps the status it registers with; a Pod starts Pending', async () => {
  const { builtinResources } = await import('../api/builtin.js');
  const b = await startTestServer({ resources: builtinResources() });
  try {
    const node = await b.request('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'worker-node-1', labels: { 'workload-type': 'compute-optimized' } },
      spec: { taints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }] },
      status: { capacity: { cpu: '8', memory: '32Gi', pods: '110' } },
    });
    assert.equal(node.status, 201, node.text);
    assert.deepEqual(node.json<{ status: { capacity: Record<string, string> } }>().status.capacity, { cpu: '8', memory: '32Gi', pods: '110' });
    const pod = await b.request('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
      status: { phase: 'Running' },
    });
    assert.equal(pod.status, 201, pod.text);
    assert.equal(pod.json<{ status: { phase: string } }>().status.phase, 'Pending');
  } finally {
    await b.close();
  }
});

test('pods/binding and bindings: bind once, then 409; nothing stored for the Binding', async () => {
  const { builtinResources } = await import('../api/builtin.js');
  const b = await startTestServer({ resources: builtinResources() });
  try {
    const POD = '/api/v1/namespaces/default/pods';
    for (const name of ['a', 'b'])
      assert.equal((await b.request('POST', POD, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })).status, 201);
    const bind = await b.request('POST', `${POD}/a/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } });
    assert.equal(bind.status, 201, bind.text);
    assert.equal(bind.json().status, 'Success');
    const pod = (await b.request('GET', `${POD}/a`)).json<{ spec: { nodeName: string }; status: { conditions: { type: string; status: string }[] } }>();
    assert.equal(pod.spec.nodeName, 'n1');
    assert.deepEqual(pod.status.conditions.find((c) => c.type === 'PodScheduled')?.status, 'True');
    const again = await b.request('POST', `${POD}/a/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { name: 'n2' } });
    assert.equal(again.status, 409);
    assert.equal(again.json().message, 'Operation cannot be fulfilled on pods/binding "a": pod a is already assigned to node "n1"');
    const viaCollection = await b.request('POST', '/api/v1/namespaces/default/bindings', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' }, target: { name: 'n1' } });
    assert.equal(viaCollection.status, 201, viaCollection.text);
    const noTarget = await b.request('POST', `${POD}/b/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' } });
    assert.equal(noTarget.status, 422);
    assert.equal((await b.request('GET', '/api/v1/namespaces/default/bindings')).status, 405);
    const disco = (await b.request('GET', '/api/v1')).json<{ resources: { name: string; verbs: string[] }[] }>().resources;
    assert.deepEqual(disco.find((x) => x.name === 'pods/binding')?.verbs, ['create']);
  } finally {
    await b.close();
  }
});

test('many concurrent patches of one object without resourceVersions all succeed (no 409)', async () => {
  await srv.request('POST', NOTES, note('busy', { n: '0' }));
  const results = await Promise.all(
    Array.from({ length: 48 }, (_, i) => srv.request('PATCH', `${NOTES}/busy`, { data: { [`k${i}`]: String(i) } }, { 'content-type': 'application/merge-patch+json' })),
  );
  assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
  const final = (await srv.request('GET', `${NOTES}/busy`)).json<{ data: Record<string, string> }>();
  assert.equal(Object.keys(final.data).length, 49, 'every patch landed');
});
