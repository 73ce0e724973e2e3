/**
 * CustomResourceDefinitions end to end through the generic apiserver (HTTP on loopback, memory
 * backend): names and conditions, live discovery and OpenAPI, schema validation, pruning,
 * defaults, subresources, Table columns, multiple versions, deletion of a CRD and of a namespace.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { testResources } from '../testing/fixtures.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ resources: testResources });
});
after(async () => {
  await srv.close();
});

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

function crd(plural: string, kind: string, extra: Record<string, unknown> = {}, versionExtra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.stable.example.com` },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural, kind, shortNames: [`${plural.slice(0, 2)}x`] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  description: 'The desired state.',
                  properties: {
                    cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
                    image: { type: 'string' },
                    replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
                    port: { 'x-kubernetes-int-or-string': true },
                    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                  required: ['image'],
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } },
              },
            },
          },
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
          additionalPrinterColumns: [
            { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          ...versionExtra,
        },
      ],
      ...extra,
    },
  };
}

async function established(name: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const r = await srv.request('GET', `${CRDS}/${name}`);
    const conds = (r.json<{ status?: { conditions?: { type: string; status: string }[] } }>().status?.conditions ?? []);
    if (conds.some((c) => c.type === 'Established' && c.status === 'True')) return r.json();
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`${name} never became Established`);
}

async function gone(path: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = await srv.request('GET', path);
    if (r.status === 404) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`${path} still exists`);
}

test('a CRD is accepted, Established, and served under /apis/G/V with discovery updated', async () => {
  const c = await srv.request('POST', CRDS, crd('crontabs', 'CronTab'));
  assert.equal(c.status, 201, c.text);
  const created = c.json<{ metadata: { finalizers: string[] }; spec: { names: { singular: string; listKind: string }; conversion: { strategy: string } }; status: { storedVersions: string[] } }>();
  assert.equal(created.spec.names.singular, 'crontab');
  assert.equal(created.spec.names.listKind, 'CronTabList');
  assert.deepEqual(created.spec.conversion, { strategy: 'None' });
  assert.deepEqual(created.status.storedVersions, ['v1']);
  const got = (await established('crontabs.stable.example.com')) as { status: { acceptedNames: Record<string, unknown>; conditions: { type: string; status: string; reason: string; message: string }[] } };
  assert.deepEqual(got.status.acceptedNames, { plural: 'crontabs', singular: 'crontab', shortNames: ['crx'], kind: 'CronTab', listKind: 'CronTabList' });
  const na = got.status.conditions.find((x) => x.type === 'NamesAccepted')!;
  assert.deepEqual([na.status, na.reason, na.message], ['True', 'NoConflicts', 'no conflicts found']);
  const est = got.status.conditions.find((x) => x.type === 'Established')!;
  assert.deepEqual([est.status, est.reason, est.message], ['True', 'InitialNamesAccepted', 'the initial names have been accepted']);

  const groups = (await srv.request('GET', '/apis')).json<{ groups: { name: string }[] }>().groups.map((g) => g.name);
  assert.ok(groups.includes('stable.example.com'));
  const rl = (await srv.request('GET', '/apis/stable.example.com/v1')).json<{ resources: { name: string; shortNames?: string[]; kind: string }[] }>();
  assert.deepEqual(rl.resources.map((r) => r.name).sort(), ['crontabs', 'crontabs/scale', 'crontabs/status']);
  assert.deepEqual(rl.resources.find((r) => r.name === 'crontabs')!.shortNames, ['crx']);
  const idx = (await srv.request('GET', '/openapi/v3')).json<{ paths: Record<string, unknown> }>();
  assert.ok(idx.paths['apis/stable.example.com/v1']);
  const doc = (await srv.request('GET', '/openapi/v3/apis/stable.example.com/v1')).text;
  assert.match(doc, /The desired state\./);
});

const CT = '/apis/stable.example.com/v1/namespaces/default/crontabs';

test('custom resources: pruning, defaults, int-or-string, preserved fields, schema violations refused with nothing written', async () => {
  const obj = {
    apiVersion: 'stable.example.com/v1',
    kind: 'CronTab',
    metadata: { name: 'a' },
    spec: { cronSpec: '* * * * */5', image: 'img', port: 'http', bogus: 1, free: { anything: { goes: true } } },
    extra: 'x',
  };
  const c = await srv.request('POST', CT, obj);
  assert.equal(c.status, 201, c.text);
  const o = c.json<{ spec: Record<string, unknown>; extra?: unknown; metadata: { generation: number } }>();
  assert.equal(o.spec['bogus'], undefined);
  assert.equal(o.extra, undefined);
  assert.equal(o.spec['replicas'], 1);
  assert.deepEqual(o.spec['free'], { anything: { goes: true } });
  assert.equal(o.metadata.generation, 1);

  const bad = await srv.request('POST', CT, { ...obj, metadata: { name: 'b' }, spec: { cronSpec: 'nope', replicas: 20 } });
  assert.equal(bad.status, 422, bad.text);
  const st = bad.json<{ message: string; reason: string; details: { kind: string; group: string; causes: { field: string }[] } }>();
  assert.equal(st.reason, 'Invalid');
  assert.equal(st.details.kind, 'CronTab');
  assert.equal(st.details.group, 'stable.example.com');
  assert.equal(
    st.message,
    'CronTab.stable.example.com "b" is invalid: [spec.image: Required value, spec.cronSpec: Invalid value: "nope": spec.cronSpec in body should match \'^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$\', spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10]',
  );
  assert.equal((await srv.request('GET', `${CT}/b`)).status, 404);
});

test('custom resources: Table with printer columns, status and scale subresources, field selectors', async () => {
  const t = await srv.request('GET', CT, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.equal(t.status, 200, t.text);
  const table = t.json<{ columnDefinitions: { name: string; type: string }[]; rows: { cells: unknown[] }[] }>();
  assert.deepEqual(table.columnDefinitions.map((c) => [c.name, c.type]), [['Name', 'string'], ['Spec', 'string'], ['Replicas', 'integer'], ['Age', 'date']]);
  assert.deepEqual(table.rows[0]!.cells.slice(0, 3), ['a', '* * * * */5', 1]);
  assert.match(String(table.rows[0]!.cells[3]), /^\d+s$/);

  // status is ignored on the main resource and written through /status
  const cur = (await srv.request('GET', `${CT}/a`)).json<Record<string, unknown>>();
  const upd = await srv.request('PUT', `${CT}/a`, { ...cur, status: { replicas: 9 } });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.json<{ status?: unknown }>().status, undefined);
  const s = await srv.request('PATCH', `${CT}/a/status`, { status: { replicas: 3, selector: 'app=x' } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(s.status, 200, s.text);
  const scale = await srv.request('GET', `${CT}/a/scale`);
  assert.deepEqual(scale.json<{ spec: unknown; status: unknown }>().spec, { replicas: 1 });
  assert.deepEqual(scale.json<{ spec: unknown; status: unknown }>().status, { replicas: 3, selector: 'app=x' });
  const p = await srv.request('PATCH', `${CT}/a/scale`, { spec: { replicas: 4 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(p.status, 200, p.text);
  const after = (await srv.request('GET', `${CT}/a`)).json<{ spec: { replicas: number }; metadata: { generation: number } }>();
  assert.equal(after.spec.replicas, 4);
  assert.equal(after.metadata.generation, 2);
  const f = await srv.request('GET', `${CT}?fieldSelector=spec.image%3Dimg`);
  assert.equal(f.status, 400, 'spec.image is not selectable');
});

test('invalid CRDs are refused with upstream messages and nothing is written', async () => {
  const cases: [unknown, string][] = [
    [
      crd('widgets', 'Widget', {}, { schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } } } }),
      'CustomResourceDefinition.apiextensions.k8s.io "widgets.stable.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
    ],
    [
      crd('widgets', 'Widget', {}, { schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } } } } }),
      'CustomResourceDefinition.apiextensions.k8s.io "widgets.stable.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
    ],
    [
      crd('widgets', 'Widget', {}, { schema: undefined, subresources: undefined }),
      'CustomResourceDefinition.apiextensions.k8s.io "widgets.stable.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required',
    ],
    [
      { ...crd('widgets', 'Widget'), metadata: { name: 'wrong.stable.example.com' } },
      'CustomResourceDefinition.apiextensions.k8s.io "wrong.stable.example.com" is invalid: metadata.name: Invalid value: "wrong.stable.example.com": must be spec.names.plural+"."+spec.group',
    ],
    [
      crd('widgets', 'Widget', {}, { storage: false }),
      'must have exactly one version marked as storage version',
    ],
  ];
  for (const [body, message] of cases) {
    const r = await srv.request('POST', CRDS, body);
    assert.equal(r.status, 422, r.text);
    const msg = r.json<{ message: string }>().message;
    if (message.startsWith('CustomResourceDefinition')) assert.equal(msg, message);
    else assert.ok(msg.includes(message), msg);
  }
  assert.equal((await srv.request('GET', `${CRDS}/widgets.stable.example.com`)).status, 404);
});

test('a second CRD claiming the same names is not accepted', async () => {
  const other = crd('crontabs', 'CronTab');
  const body = { ...other, metadata: { name: 'crontabs.stable2.example.com' }, spec: { ...other.spec, group: 'stable2.example.com' } };
  // other group: fine
  assert.equal((await srv.request('POST', CRDS, body)).status, 201);
  await established('crontabs.stable2.example.com');
  const clash = crd('crontabz', 'CronTab');
  clash.spec.names.shortNames = ['crx'];
  assert.equal((await srv.request('POST', CRDS, clash)).status, 201);
  let conds: { type: string; status: string; reason: string; message: string }[] = [];
  for (let i = 0; i < 100 && !conds.length; i++) {
    conds = (await srv.request('GET', `${CRDS}/crontabz.stable.example.com`)).json<{ status?: { conditions?: typeof conds } }>().status?.conditions ?? [];
    if (!conds.length) await new Promise((r) => setTimeout(r, 20));
  }
  const na = conds.find((c) => c.type === 'NamesAccepted')!;
  // As upstream, the last conflicting name decides the reason.
  assert.deepEqual([na.status, na.reason], ['False', 'ListKindConflict']);
  assert.equal(na.message, '"CronTabList" is already in use');
  const est = conds.find((c) => c.type === 'Established')!;
  assert.deepEqual([est.status, est.reason, est.message], ['False', 'NotAccepted', 'not all names are accepted']);
  assert.equal((await srv.request('DELETE', `${CRDS}/crontabz.stable.example.com`)).status, 200);
  await gone(`${CRDS}/crontabz.stable.example.com`);
  assert.equal((await srv.request('DELETE', `${CRDS}/crontabs.stable2.example.com`)).status, 200);
  await gone(`${CRDS}/crontabs.stable2.example.com`);
});

test('multiple versions share the storage version (conversion None rewrites apiVersion only)', async () => {
  const body = crd('gadgets', 'Gadget');
  const v1 = body.spec.versions[0]!;
  body.spec.versions = [
    { ...v1, name: 'v1beta1', storage: false, subresources: undefined as never, additionalPrinterColumns: undefined as never, deprecated: true } as typeof v1,
    v1,
  ];
  assert.equal((await srv.request('POST', CRDS, body)).status, 201);
  await established('gadgets.stable.example.com');
  const disc = (await srv.request('GET', '/apis/stable.example.com')).json<{ preferredVersion: { version: string }; versions: { version: string }[] }>();
  assert.equal(disc.preferredVersion.version, 'v1');
  const c = await srv.request('POST', '/apis/stable.example.com/v1beta1/namespaces/default/gadgets', {
    apiVersion: 'stable.example.com/v1beta1',
    kind: 'Gadget',
    metadata: { name: 'g' },
    spec: { image: 'i' },
  });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.headers.get('warning'), '299 - "stable.example.com/v1beta1 Gadget is deprecated; use stable.example.com/v1 Gadget"');
  const g = await srv.request('GET', '/apis/stable.example.com/v1/namespaces/default/gadgets/g');
  assert.equal(g.status, 200);
  assert.equal(g.json<{ apiVersion: string }>().apiVersion, 'stable.example.com/v1');
  const raw = await srv.backend.get('/registry/stable.example.com/gadgets/default/g');
  assert.equal((JSON.parse(raw!.value) as { apiVersion: string }).apiVersion, 'stable.example.com/v1');
});

test('deleting a namespace removes its custom resources', async () => {
  assert.equal((await srv.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'crd-ns' } })).status, 201);
  const path = '/apis/stable.example.com/v1/namespaces/crd-ns/gadgets';
  assert.equal((await srv.request('POST', path, { apiVersion: 'stable.example.com/v1', kind: 'Gadget', metadata: { name: 'x' }, spec: { image: 'i' } })).status, 201);
  assert.equal((await srv.request('DELETE', '/api/v1/namespaces/crd-ns')).status, 200);
  await gone('/api/v1/namespaces/crd-ns');
  assert.equal((await srv.backend.list('/registry/stable.example.com/gadgets/crd-ns/', {})).items.length, 0);
});

test('deleting a CRD deletes its custom resources first, then stops serving them', async () => {
  const d = await srv.request('DELETE', `${CRDS}/crontabs.stable.example.com`);
  assert.equal(d.status, 200, d.text);
  await gone(`${CRDS}/crontabs.stable.example.com`);
  assert.equal((await srv.backend.list('/registry/stable.example.com/crontabs/', {})).items.length, 0);
  assert.equal((await srv.request('GET', CT)).status, 404);
  const rl = (await srv.request('GET', '/apis/stable.example.com/v1')).json<{ resources: { name: string }[] }>();
  assert.deepEqual(rl.resources.map((r) => r.name), ['gadgets', 'gadgets/scale', 'gadgets/status']);
  assert.equal((await srv.request('DELETE', `${CRDS}/gadgets.stable.example.com`)).status, 200);
  await gone(`${CRDS}/gadgets.stable.example.com`);
  assert.equal((await srv.request('GET', '/apis/stable.example.com')).status, 404);
});

test('garbage collection follows ownerReferences to and from custom resources', async () => {
  assert.equal((await srv.request('POST', CRDS, crd('owners', 'Owner'))).status, 201);
  await established('owners.stable.example.com');
  const OW = '/apis/stable.example.com/v1/namespaces/default/owners';
  const mk = async (name: string) => {
    const r = await srv.request('POST', OW, { apiVersion: 'stable.example.com/v1', kind: 'Owner', metadata: { name }, spec: { image: 'i' } });
    assert.equal(r.status, 201, r.text);
    return r.json<{ metadata: { uid: string } }>().metadata.uid;
  };
  const ref = (name: string, uid: string) => [{ apiVersion: 'stable.example.com/v1', kind: 'Owner', name, uid, blockOwnerDeletion: true }];
  // background: a built-in dependent of a custom owner goes after the owner
  const u1 = await mk('o1');
  assert.equal((await srv.request('POST', '/api/v1/namespaces/default/notes', { apiVersion: 'v1', kind: 'Note', metadata: { name: 'dep1', ownerReferences: ref('o1', u1) } })).status, 201);
  assert.equal((await srv.request('DELETE', `${OW}/o1`)).status, 200);
  await gone('/api/v1/namespaces/default/notes/dep1');
  // foreground: the owner waits for its (custom) dependent
  const u2 = await mk('o2');
  const d = await srv.request('POST', OW, { apiVersion: 'stable.example.com/v1', kind: 'Owner', metadata: { name: 'dep2', ownerReferences: ref('o2', u2) }, spec: { image: 'i' } });
  assert.equal(d.status, 201, d.text);
  assert.equal((await srv.request('DELETE', `${OW}/o2`, { propagationPolicy: 'Foreground' })).status, 200);
  await gone(`${OW}/dep2`);
  await gone(`${OW}/o2`);
  // orphan: the dependent stays, without the reference
  const u3 = await mk('o3');
  assert.equal((await srv.request('POST', '/api/v1/namespaces/default/notes', { apiVersion: 'v1', kind: 'Note', metadata: { name: 'dep3', ownerReferences: ref('o3', u3) } })).status, 201);
  assert.equal((await srv.request('DELETE', `${OW}/o3`, { propagationPolicy: 'Orphan' })).status, 200);
  await gone(`${OW}/o3`);
  const dep3 = await srv.request('GET', '/api/v1/namespaces/default/notes/dep3');
  assert.equal(dep3.status, 200);
  assert.equal(dep3.json<{ metadata: { ownerReferences?: unknown[] } }>().metadata.ownerReferences, undefined);
  assert.equal((await srv.request('DELETE', `${CRDS}/owners.stable.example.com`)).status, 200);
  await gone(`${CRDS}/owners.stable.example.com`);
});

test('type mismatches in custom objects are refused, nothing written', async () => {
  assert.equal((await srv.request('POST', CRDS, crd('typed', 'Typed'))).status, 201);
  await established('typed.stable.example.com');
  const T = '/apis/stable.example.com/v1/namespaces/default/typed';
  const r = await srv.request('POST', T, { apiVersion: 'stable.example.com/v1', kind: 'Typed', metadata: { name: 't' }, spec: { image: 'i', replicas: 'three' } });
  // As upstream: decoded without Go types, the mismatch is a validation error.
  assert.equal(r.status, 422, r.text);
  assert.equal(
    r.json<{ message: string }>().message,
    'Typed.stable.example.com "t" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
  );
  // No protobuf serializer for custom resources: 415.
  const pb = await srv.request('POST', T, 'k8s\u0000\n\u0000', { 'content-type': 'application/vnd.kubernetes.protobuf' });
  assert.equal(pb.status, 415, pb.text);
  assert.equal(pb.json<{ reason: string }>().reason, 'UnsupportedMediaType');
  assert.equal((await srv.request('GET', `${T}/t`)).status, 404);
  assert.equal((await srv.request('DELETE', `${CRDS}/typed.stable.example.com`)).status, 200);
  await gone(`${CRDS}/typed.stable.example.com`);
});

test('a CRD update re-registers its versions: new schema rules apply, an unserved version goes away', async () => {
  const body = crd('updates', 'Update');
  const v1 = body.spec.versions[0]!;
  body.spec.versions = [{ ...v1, name: 'v1beta1', storage: false, subresources: undefined as never } as typeof v1, v1];
  const created = await srv.request('POST', CRDS, body);
  assert.equal(created.status, 201, created.text);
  await established('updates.stable.example.com');
  const U = '/apis/stable.example.com/v1/namespaces/default/updates';
  const obj = (name: string) => ({ apiVersion: 'stable.example.com/v1', kind: 'Update', metadata: { name }, spec: { image: 'i', replicas: 5 } });
  assert.equal((await srv.request('POST', U, obj('a'))).status, 201);
  const cur = (await srv.request('GET', `${CRDS}/updates.stable.example.com`)).json<typeof body & { metadata: Record<string, unknown> }>();
  const spec = structuredClone(cur.spec);
  const schemaSpec = (spec.versions[1]!.schema.openAPIV3Schema.properties.spec.properties as Record<string, { maximum?: number }>);
  schemaSpec['replicas']!.maximum = 3;
  spec.versions[0]!.served = false;
  const put = await srv.request('PUT', `${CRDS}/updates.stable.example.com`, { ...cur, spec });
  assert.equal(put.status, 200, put.text);
  for (let i = 0; i < 200; i++) {
    const r = await srv.request('POST', U, obj(`b${i}`));
    if (r.status === 422) {
      assert.match(r.json<{ message: string }>().message, /spec\.replicas in body should be less than or equal to 3/);
      break;
    }
    assert.equal(r.status, 201);
    assert.equal((await srv.request('DELETE', `${U}/b${i}`)).status, 200);
    assert.ok(i < 199, 'the new schema never applied');
    await new Promise((res) => setTimeout(res, 10));
  }
  assert.equal((await srv.request('GET', '/apis/stable.example.com/v1beta1/namespaces/default/updates')).status, 404);
  assert.equal((await srv.request('GET', `${U}/a`)).status, 200, 'stored objects stay readable');
  assert.equal((await srv.request('DELETE', `${CRDS}/updates.stable.example.com`)).status, 200);
  await gone(`${CRDS}/updates.stable.example.com`);
});

test('a CRD that re-describes a built-in resource is Established, the built-in keeps serving, deleting it deletes nothing', async () => {
  const W = '/apis/example.flotilla.dev/v1/namespaces/default/widgets';
  assert.equal((await srv.request('POST', W, { apiVersion: 'example.flotilla.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} })).status, 201);
  const body = crd('widgets', 'Widget');
  body.metadata.name = 'widgets.example.flotilla.dev';
  body.spec.group = 'example.flotilla.dev';
  assert.equal((await srv.request('POST', CRDS, body)).status, 201);
  await established('widgets.example.flotilla.dev');
  // still the built-in (its schema has no required spec.image)
  assert.equal((await srv.request('POST', W, { apiVersion: 'example.flotilla.dev/v1', kind: 'Widget', metadata: { name: 'w2' }, spec: {} })).status, 201);
  assert.equal((await srv.request('DELETE', `${CRDS}/widgets.example.flotilla.dev`)).status, 200);
  await gone(`${CRDS}/widgets.example.flotilla.dev`);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await srv.request('GET', `${W}/w`)).status, 200);
  assert.equal((await srv.request('GET', `${W}/w2`)).status, 200);
  // a CRD taking a built-in's plural for another kind is refused
  const clash = crd('widgets', 'Gizmo');
  clash.metadata.name = 'widgets.example.flotilla.dev';
  clash.spec.group = 'example.flotilla.dev';
  assert.equal((await srv.request('POST', CRDS, clash)).status, 201);
  let na: { status: string; reason: string } | undefined;
  for (let i = 0; i < 100 && !na; i++) {
    na = (await srv.request('GET', `${CRDS}/widgets.example.flotilla.dev`)).json<{ status?: { conditions?: { type: string; status: string; reason: string }[] } }>().status?.conditions?.find((c) => c.type === 'NamesAccepted');
    if (!na) await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual([na?.status, na?.reason], ['False', 'PluralConflict']);
  assert.equal((await srv.request('DELETE', `${CRDS}/widgets.example.flotilla.dev`)).status, 200);
  await gone(`${CRDS}/widgets.example.flotilla.dev`);
  assert.equal((await srv.request('GET', `${W}/w`)).status, 200);
});

test('changing the storage version migrates stored objects (apiVersion only) and records storedVersions', async () => {
  const body = crd('moves', 'Move');
  const v1 = body.spec.versions[0]!;
  body.spec.versions = [{ ...v1, name: 'v1beta1' }, { ...v1, storage: false }];
  assert.equal((await srv.request('POST', CRDS, body)).status, 201);
  await established('moves.stable.example.com');
  const B = '/apis/stable.example.com/v1beta1/namespaces/default/moves';
  assert.equal((await srv.request('POST', B, { apiVersion: 'stable.example.com/v1beta1', kind: 'Move', metadata: { name: 'm' }, spec: { image: 'i' } })).status, 201);
  const raw = async () => (JSON.parse((await srv.backend.get('/registry/stable.example.com/moves/default/m'))!.value) as { apiVersion: string }).apiVersion;
  assert.equal(await raw(), 'stable.example.com/v1beta1');
  const cur = (await srv.request('GET', `${CRDS}/moves.stable.example.com`)).json<typeof body & { metadata: Record<string, unknown> }>();
  const spec = structuredClone(cur.spec);
  spec.versions[0]!.storage = false;
  spec.versions[1]!.storage = true;
  const put = await srv.request('PUT', `${CRDS}/moves.stable.example.com`, { ...cur, spec });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.json<{ status: { storedVersions: string[] } }>().status.storedVersions, ['v1beta1', 'v1']);
  for (let i = 0; i < 200 && (await raw()) !== 'stable.example.com/v1'; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await raw(), 'stable.example.com/v1');
  const viaOld = await srv.request('GET', `${B}/m`);
  assert.equal(viaOld.json<{ apiVersion: string }>().apiVersion, 'stable.example.com/v1beta1');
  assert.equal((await srv.request('DELETE', `${CRDS}/moves.stable.example.com`)).status, 200);
  await gone(`${CRDS}/moves.stable.example.com`);
  assert.equal((await srv.backend.list('/registry/stable.example.com/moves/', {})).items.length, 0);
});

test('cluster-scoped custom resources are served without a namespace', async () => {
  const body = crd('clusterthings', 'ClusterThing', { scope: 'Cluster' });
  assert.equal((await srv.request('POST', CRDS, body)).status, 201);
  await established('clusterthings.stable.example.com');
  const C = '/apis/stable.example.com/v1/clusterthings';
  const c = await srv.request('POST', C, { apiVersion: 'stable.example.com/v1', kind: 'ClusterThing', metadata: { name: 'c', namespace: 'ignored' }, spec: { image: 'i' } });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.json<{ metadata: { namespace?: string } }>().metadata.namespace, undefined);
  assert.equal((await srv.request('GET', `${C}/c`)).status, 200);
  assert.equal((await srv.request('GET', '/apis/stable.example.com/v1/namespaces/default/clusterthings/c')).status, 404);
  const agg = (await srv.request('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json<{
    items: { metadata: { name: string }; versions: { version: string; resources: { resource: string; scope: string }[] }[] }[];
  }>();
  const r = agg.items.find((g) => g.metadata.name === 'stable.example.com')!.versions.find((v) => v.version === 'v1')!.resources.find((x) => x.resource === 'clusterthings')!;
  assert.equal(r.scope, 'Cluster');
  assert.equal((await srv.request('DELETE', `${CRDS}/clusterthings.stable.example.com`)).status, 200);
  await gone(`${CRDS}/clusterthings.stable.example.com`);
  assert.equal((await srv.backend.list('/registry/stable.example.com/clusterthings/', {})).items.length, 0);
});

test('a deleted CRD stays Terminating until its objects are gone (customresourcecleanup finalizer)', async () => {
  assert.equal((await srv.request('POST', CRDS, crd('holds', 'Hold'))).status, 201);
  const got = await established('holds.stable.example.com') as { metadata: { finalizers?: string[] } };
  assert.deepEqual(got.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
  const H = '/apis/stable.example.com/v1/namespaces/default/holds';
  const c = await srv.request('POST', H, { apiVersion: 'stable.example.com/v1', kind: 'Hold', metadata: { name: 'h', finalizers: ['example.com/hold'] }, spec: { image: 'i' } });
  assert.equal(c.status, 201, c.text);
  const d = await srv.request('DELETE', `${CRDS}/holds.stable.example.com`);
  assert.equal(d.status, 200, d.text);
  assert.ok(d.json<{ metadata: { deletionTimestamp?: string } }>().metadata.deletionTimestamp);
  let term: { status: string; reason: string; message: string } | undefined;
  for (let i = 0; i < 200 && term?.reason !== 'InstanceDeletionInProgress'; i++) {
    term = (await srv.request('GET', `${CRDS}/holds.stable.example.com`)).json<{ status: { conditions: { type: string; status: string; reason: string; message: string }[] } }>().status.conditions.find((x) => x.type === 'Terminating');
    if (term?.reason !== 'InstanceDeletionInProgress') await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual([term?.status, term?.reason, term?.message], ['True', 'InstanceDeletionInProgress', 'CustomResource deletion is in progress']);
  const h = await srv.request('GET', `${H}/h`);
  assert.equal(h.status, 200, 'still served while Terminating');
  const refused = await srv.request('POST', H, { apiVersion: 'stable.example.com/v1', kind: 'Hold', metadata: { name: 'late' }, spec: { image: 'i' } });
  assert.equal(refused.status, 405, refused.text);
  assert.equal(refused.json<{ message: string }>().message, 'create not allowed while custom resource definition is terminating');
  assert.ok(h.json<{ metadata: { deletionTimestamp?: string } }>().metadata.deletionTimestamp);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await srv.request('GET', `${CRDS}/holds.stable.example.com`)).status, 200, 'the CRD waits for its objects');
  const p = await srv.request('PATCH', `${H}/h`, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(p.status, 200, p.text);
  await gone(`${CRDS}/holds.stable.example.com`);
  assert.equal((await srv.request('GET', H)).status, 404);
});

test('custom objects may carry finalizer names without a "/" (a warning, as upstream)', async () => {
  assert.equal((await srv.request('POST', CRDS, crd('fins', 'Fin'))).status, 201);
  await established('fins.stable.example.com');
  const F = '/apis/stable.example.com/v1/namespaces/default/fins';
  const c = await srv.request('POST', F, { apiVersion: 'stable.example.com/v1', kind: 'Fin', metadata: { name: 'f', finalizers: ['finalizer.example.com', 'example.com/x'] }, spec: { image: 'i' } });
  assert.equal(c.status, 201, c.text);
  assert.deepEqual(c.json<{ metadata: { finalizers: string[] } }>().metadata.finalizers, ['finalizer.example.com', 'example.com/x']);
  assert.equal(c.headers.get('warning'), '299 - "metadata.finalizers[0]: \\"finalizer.example.com\\": prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers"');
  const u = await srv.request('PATCH', `${F}/f`, { spec: { image: 'j' } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(u.status, 200, u.text);
  assert.deepEqual(u.json<{ metadata: { finalizers: string[] } }>().metadata.finalizers, ['finalizer.example.com', 'example.com/x']);
  const bad = await srv.request('POST', F, { apiVersion: 'stable.example.com/v1', kind: 'Fin', metadata: { name: 'g', finalizers: ['-bad'] }, spec: { image: 'i' } });
  assert.equal(bad.status, 422, bad.text);
  assert.equal((await srv.request('DELETE', `${F}/f`)).status, 200);
  assert.equal((await srv.request('PATCH', `${F}/f`, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' })).status, 200);
  await gone(`${F}/f`);
  assert.equal((await srv.request('DELETE', `${CRDS}/fins.stable.example.com`)).status, 200);
  await gone(`${CRDS}/fins.stable.example.com`);
});

// Last: closing the second server closes the shared backend.
test('Established CRDs are served again after a restart on the same storage', async () => {
  assert.equal((await srv.request('POST', CRDS, crd('persisted', 'Persisted'))).status, 201);
  await established('persisted.stable.example.com');
  const P = '/apis/stable.example.com/v1/namespaces/default/persisted';
  assert.equal((await srv.request('POST', P, { apiVersion: 'stable.example.com/v1', kind: 'Persisted', metadata: { name: 'p' }, spec: { image: 'i' } })).status, 201);
  const second = await startTestServer({ resources: testResources, backend: srv.backend });
  try {
    const r = await second.request('GET', `${P}/p`);
    assert.equal(r.status, 200, r.text);
    const rl = await second.request('GET', '/apis/stable.example.com/v1');
    assert.ok(rl.json<{ resources: { name: string }[] }>().resources.some((x) => x.name === 'persisted'));
  } finally {
    await second.close();
  }
});
