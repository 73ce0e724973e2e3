import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiRegistry } from '../../api/registry.js';
import type { ResourceDef } from '../../api/types.js';
import { s, type Schema } from '../../api/schema/index.js';
import { kindSchema } from '../../api/meta/v1.js';
import { NO_UPSTREAM_DOCS, OpenApiV3Service, operationPrefix } from './index.js';

type J = Record<string, any>;

const Container = s.object(
  {
    name: s.string({ description: 'Name of the container.' }),
    ports: s.array(s.object({ containerPort: s.int32(), protocol: s.string({ default: 'TCP' }) }, { id: 'io.k8s.api.core.v1.ContainerPort' }), {
      mergeKey: 'containerPort',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['containerPort', 'protocol'],
    }),
    resources: s.object({ limits: s.map(s.quantity({ id: 'io.k8s.apimachinery.pkg.api.resource.Quantity' })) }, { id: 'io.k8s.api.core.v1.ResourceRequirements' }),
  },
  { id: 'io.k8s.api.core.v1.Container', required: ['name'], 'x-flotilla-upstream-field': 'x' },
);
const PodSpec = s.object({ containers: s.array(Container, { mergeKey: 'name', strategy: 'merge' }) }, { id: 'io.k8s.api.core.v1.PodSpec' });
const DeploymentSpec = s.object(
  {
    replicas: s.int32({ description: 'Number of desired pods.' }),
    template: s.object({ spec: { ...PodSpec, description: 'Pod spec.' } }, { id: 'io.k8s.api.core.v1.PodTemplateSpec' }),
    strategy: s.object({ maxSurge: s.intOrString({ description: 'surge' }) }),
  },
  { id: 'io.k8s.api.apps.v1.DeploymentSpec' },
);

const deployments: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  schema: kindSchema('io.k8s.api.apps.v1.Deployment', { group: 'apps', version: 'v1', kind: 'Deployment' }, { spec: DeploymentSpec, status: s.object({ replicas: s.int32() }) }),
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
};
const pods: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  schema: kindSchema('io.k8s.api.core.v1.Pod', { group: '', version: 'v1', kind: 'Pod' }, { spec: PodSpec }),
  subresources: { status: true },
};
const nodes: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  schema: kindSchema('io.k8s.api.core.v1.Node', { group: '', version: 'v1', kind: 'Node' }, { spec: s.object({ unschedulable: s.bool() }) }),
};

// A recursive, id-less CRD-style schema.
const Recursive: Schema = s.object({ name: s.string() }, { id: 'com.example.v1.Node' });
(Recursive.properties as Record<string, Schema>).children = s.array(Recursive);
const widgets: ResourceDef = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  singular: 'widget',
  namespaced: true,
  schema: s.object({ apiVersion: s.string(), kind: s.string(), metadata: s.object({}, { 'x-kubernetes-preserve-unknown-fields': true }), spec: s.object({ tree: Recursive, size: s.int32() }) }),
};

function doc(svc: OpenApiV3Service, path: string): J {
  const d = svc.document(path);
  assert.ok(d, `document ${path}`);
  return JSON.parse(d.body) as J;
}

/** Every `$ref` in the document resolves; no internal keys leak. */
function checkRefsAndKeys(d: J): void {
  const walk = (v: unknown, where: string): void => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${where}[${i}]`));
    if (typeof v !== 'object' || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref') {
        assert.equal(typeof x, 'string');
        const m = /^#\/components\/schemas\/(.+)$/.exec(x as string);
        assert.ok(m && d.components.schemas[m[1]!], `unresolved ${x} at ${where}`);
      }
      if (!where.endsWith('.properties')) assert.notEqual(k, 'id', `id leaked at ${where}`);
      assert.ok(!k.startsWith('x-flotilla-'), `${k} leaked at ${where}`);
      walk(x, `${where}.${k}`);
    }
  };
  walk(d, '');
}

/** kubectl's query_param_verifier_v3: the first PATCH op for the GVK must have the parameter. */
function supportsFieldValidation(d: J, gvk: { group: string; version: string; kind: string }): boolean {
  let seen = 0;
  for (const item of Object.values(d.paths as J)) {
    const op = (item as J).patch;
    if (!op) continue;
    const g = op['x-kubernetes-group-version-kind'];
    if (!g || g.group !== gvk.group || g.version !== gvk.version || g.kind !== gvk.kind) continue;
    seen++;
    if (!(op.parameters as J[]).some((p) => p.name === 'fieldValidation' && p.in === 'query')) return false;
  }
  return seen > 0;
}

test('index lists every group/version with a stable uppercase content hash', () => {
  const reg = new ApiRegistry([pods, nodes, deployments]);
  const svc = new OpenApiV3Service(reg, { version: 'v1.32.0' });
  const idx = svc.index();
  assert.deepEqual(Object.keys(idx.paths), ['api/v1', 'apis/apps/v1']);
  const url = idx.paths['apis/apps/v1']!.serverRelativeURL;
  assert.match(url, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  assert.equal(url.split('hash=')[1], svc.document('apis/apps/v1')!.hash);
  const again = new OpenApiV3Service(new ApiRegistry([pods, nodes, deployments]), { version: 'v1.32.0' }).index();
  assert.deepEqual(again, idx, 'hashes are a pure function of the served resources');
  assert.equal(svc.document('apis/nope/v1'), undefined);
  assert.equal(svc.document('bogus'), undefined);

  const before = idx.paths['api/v1']!.serverRelativeURL;
  reg.add(widgets);
  const after = svc.index();
  assert.deepEqual(Object.keys(after.paths), ['api/v1', 'apis/apps/v1', 'apis/example.com/v1']);
  assert.equal(after.paths['api/v1']!.serverRelativeURL, before, 'untouched group/versions keep their hash');
  reg.remove('', 'v1', 'nodes');
  assert.notEqual(svc.index().paths['api/v1']!.serverRelativeURL, before);
  svc.close();
});

test('group/version document: paths, operation ids, actions, GVKs and parameters', () => {
  const svc = new OpenApiV3Service(new ApiRegistry([pods, nodes, deployments]));
  const core = doc(svc, 'api/v1');
  assert.equal(core.openapi, '3.0.0');
  const p = core.paths as J;
  assert.equal(p['/api/v1/namespaces/{namespace}/pods/{name}'].get.operationId, 'readCoreV1NamespacedPod');
  assert.equal(p['/api/v1/namespaces/{namespace}/pods'].get.operationId, 'listCoreV1NamespacedPod');
  assert.equal(p['/api/v1/namespaces/{namespace}/pods'].delete.operationId, 'deleteCoreV1CollectionNamespacedPod');
  assert.equal(p['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces');
  assert.equal(p['/api/v1/namespaces/{namespace}/pods/{name}/status'].patch.operationId, 'patchCoreV1NamespacedPodStatus');
  assert.equal(p['/api/v1/nodes/{name}'].get.operationId, 'readCoreV1Node');
  assert.equal(p['/api/v1/nodes'].post.operationId, 'createCoreV1Node');
  assert.equal(p['/api/v1/watch/namespaces/{namespace}/pods'].get.operationId, 'watchCoreV1NamespacedPodList');
  assert.equal(p['/api/v1/watch/pods'].get.operationId, 'watchCoreV1PodListForAllNamespaces');
  assert.deepEqual(p['/api/v1/nodes/{name}'].get['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Node' });
  assert.equal(p['/api/v1/nodes/{name}'].put['x-kubernetes-action'], 'put');
  assert.equal(p['/api/v1/nodes'].post['x-kubernetes-action'], 'post');
  assert.ok(p['/api/v1/'].get);

  const apps = doc(svc, 'apis/apps/v1');
  const item = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
  assert.equal(item.patch.operationId, 'patchAppsV1NamespacedDeployment');
  assert.deepEqual(item.patch.parameters.map((x: J) => x.name), ['dryRun', 'fieldManager', 'fieldValidation', 'force']);
  assert.deepEqual(item.parameters.map((x: J) => x.name), ['name', 'namespace', 'pretty']);
  assert.deepEqual(Object.keys(item.patch.requestBody.content).sort(), [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
  ]);
  assert.deepEqual(item.get.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/io.k8s.api.apps.v1.Deployment' });
  const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
  assert.equal(scale.patch.operationId, 'patchAppsV1NamespacedDeploymentScale');
  assert.deepEqual(scale.get['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
  assert.equal(operationPrefix('rbac.authorization.k8s.io', 'v1'), 'RbacAuthorizationV1');
  assert.equal(operationPrefix('cert-manager.io', 'v1alpha2'), 'CertManagerIoV1alpha2');
  assert.equal(operationPrefix('flowcontrol.apiserver.k8s.io', 'v1beta3'), 'FlowcontrolApiserverV1beta3');

  for (const [d, gvks] of [
    [core, [{ group: '', version: 'v1', kind: 'Pod' }, { group: '', version: 'v1', kind: 'Node' }]],
    [apps, [{ group: 'apps', version: 'v1', kind: 'Deployment' }, { group: 'autoscaling', version: 'v1', kind: 'Scale' }]],
  ] as const)
    for (const gvk of gvks) assert.ok(supportsFieldValidation(d, gvk), `fieldValidation for ${gvk.kind}`);
});

test('components: named schemas once, refs resolve, lists, meta kinds, no internal keys', () => {
  // Our own description mechanics, without upstream's text (tested in upstream-docs.test.ts).
  const svc = new OpenApiV3Service(new ApiRegistry([pods, nodes, deployments, widgets]), { docs: NO_UPSTREAM_DOCS });
  for (const path of ['api/v1', 'apis/apps/v1', 'apis/example.com/v1']) checkRefsAndKeys(doc(svc, path));
  const apps = doc(svc, 'apis/apps/v1');
  const sc = apps.components.schemas as J;
  for (const id of [
    'io.k8s.api.apps.v1.Deployment',
    'io.k8s.api.apps.v1.DeploymentList',
    'io.k8s.api.apps.v1.DeploymentSpec',
    'io.k8s.api.core.v1.Container',
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
    'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
    'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    'io.k8s.apimachinery.pkg.api.resource.Quantity',
  ])
    assert.ok(sc[id], id);
  assert.deepEqual(sc['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  assert.deepEqual(sc['io.k8s.api.apps.v1.DeploymentList']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'DeploymentList', version: 'v1' }]);
  assert.deepEqual(sc['io.k8s.api.apps.v1.Deployment'].properties.metadata, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
  // one description, said once: on the component when every use agrees...
  assert.deepEqual(sc['io.k8s.api.core.v1.PodTemplateSpec'].properties.spec, { $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' });
  assert.equal(sc['io.k8s.api.core.v1.PodSpec'].description, 'Pod spec.');
  assert.deepEqual(sc['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy.properties.maxSurge, {
    allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }],
    description: 'surge',
  });
  const containers = sc['io.k8s.api.core.v1.PodSpec'].properties.containers;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.deepEqual(containers.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
  assert.deepEqual(sc['io.k8s.api.core.v1.ResourceRequirements'].properties.limits.additionalProperties, {
    $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity',
  });
  assert.ok(sc['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']['x-kubernetes-group-version-kind'].some((g: J) => g.group === 'apps'));

  const ex = doc(svc, 'apis/example.com/v1');
  const widget = ex.components.schemas['com.example.v1.Widget'];
  assert.deepEqual(widget['x-kubernetes-group-version-kind'], [{ group: 'example.com', version: 'v1', kind: 'Widget' }]);
  assert.deepEqual(Object.keys(widget.properties), ['apiVersion', 'kind', 'metadata', 'spec']);
  assert.deepEqual(widget.properties.metadata, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
  assert.deepEqual(ex.components.schemas['com.example.v1.Node'].properties.children.items, { $ref: '#/components/schemas/com.example.v1.Node' });
});

test('descriptions: field-specific copies of one component keep theirs, the component none', () => {
  const Target = s.object({ a: s.string() }, { id: 'io.example.v1.Target', description: 'first use' });
  const Holder = s.object(
    { one: Target, two: { ...Target, description: 'second use' }, three: Target, four: { ...Target, description: undefined } },
    { id: 'io.example.v1.Holder' },
  );
  const def: ResourceDef = { ...nodes, group: 'example.io', kind: 'Holder', plural: 'holders', singular: 'holder', schema: kindSchema('io.example.v1.HolderKind', { group: 'example.io', version: 'v1', kind: 'Holder' }, { spec: Holder }) };
  const d = doc(new OpenApiV3Service(new ApiRegistry([def])), 'apis/example.io/v1');
  const sc = d.components.schemas as J;
  const ref = { $ref: '#/components/schemas/io.example.v1.Target' };
  assert.equal(sc['io.example.v1.Target'].description, undefined);
  assert.deepEqual(sc['io.example.v1.Holder'].properties, {
    one: { allOf: [ref], description: 'first use' },
    two: { allOf: [ref], description: 'second use' },
    three: { allOf: [ref], description: 'first use' },
    four: ref,
  });
});

test('kubectl explain lookup: GVK from the resource path, then the component carrying it', () => {
  const svc = new OpenApiV3Service(new ApiRegistry([pods, nodes, deployments]));
  for (const [path, prefix, resource] of [
    ['apis/apps/v1', '/apis/apps/v1', 'deployments'],
    ['api/v1', '/api/v1', 'nodes'],
    ['api/v1', '/api/v1', 'pods'],
  ] as const) {
    const d = doc(svc, path);
    let gvk: J | undefined;
    for (const sp of [`${prefix}/${resource}`, `${prefix}/${resource}/{name}`, `${prefix}/namespaces/{namespace}/${resource}`, `${prefix}/namespaces/{namespace}/${resource}/{name}`]) {
      const el = d.paths[sp];
      if (!el) continue;
      for (const m of ['get', 'post', 'put', 'patch', 'delete']) if (!gvk && el[m]?.['x-kubernetes-group-version-kind']) gvk = el[m]['x-kubernetes-group-version-kind'];
    }
    assert.ok(gvk, `gvk for ${resource}`);
    const found = Object.values(d.components.schemas as J).filter((c: J) =>
      (c['x-kubernetes-group-version-kind'] ?? []).some((g: J) => g.group === gvk!.group && g.version === gvk!.version && g.kind === gvk!.kind),
    );
    assert.equal(found.length, 1, `one component for ${gvk.kind}`);
  }
});

test('documents are cached until the registry changes', () => {
  const reg = new ApiRegistry([pods]);
  const svc = new OpenApiV3Service(reg);
  const a = svc.document('api/v1');
  assert.equal(svc.document('api/v1'), a);
  reg.add(deployments);
  assert.equal(svc.document('api/v1'), a, 'other group/versions are not rebuilt');
  reg.add(nodes);
  const b = svc.document('/api/v1/');
  assert.notEqual(b, a);
  assert.ok(JSON.parse(b!.body).paths['/api/v1/nodes']);
});

test('strategic-merge metadata of a field that references a named type sits beside the ref', async () => {
  const { builtinResources } = await import('../../api/builtin.js');
  const svc = new OpenApiV3Service(new ApiRegistry(builtinResources()));
  const apps = JSON.parse(svc.document('apis/apps/v1')!.body) as { components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> } & Record<string, unknown>> } };
  const strategy = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec']!.properties['strategy']!;
  assert.equal(strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.deepEqual(strategy['allOf'], [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }]);
  assert.equal(apps.components.schemas['io.k8s.api.apps.v1.DeploymentStrategy']!['x-kubernetes-patch-strategy'], undefined, 'the type itself carries none');
  const core = JSON.parse(svc.document('api/v1')!.body) as typeof apps;
  const containers = core.components.schemas['io.k8s.api.core.v1.PodSpec']!.properties['containers']!;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
});
