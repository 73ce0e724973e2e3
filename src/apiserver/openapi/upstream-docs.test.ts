// Upstream's descriptions from the kubernetes-models packages: the parser, the loader, and the
// documents of every built-in kind compared with what the package says (never with hard-coded text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiRegistry } from '../../api/registry.js';
import { builtinResources, servedResources } from '../../api/builtin.js';
import type { ResourceDef } from '../../api/types.js';
import { s } from '../../api/schema/index.js';
import { kindSchema } from '../../api/meta/v1.js';
import { OpenApiV3Service, aliasOf, componentIdFor, loadUpstreamDocs, parseDeclarationFile, upstreamDocsFrom } from './index.js';

type J = Record<string, any>;

const SAMPLE = `import { IIoK8sApiAppsV1RollingUpdateDeployment } from "./RollingUpdateDeployment";
import { ModelData, Model } from "@kubernetes-models/base";
/**
 * Thing describes a thing.
 *
 * Second paragraph with '\\*\\/scale' and '\\*' and a regex \\d+.
 */
export interface IThing {
    /**
     * Rolling params.
     */
    "rollingUpdate"?: IIoK8sApiAppsV1RollingUpdateDeployment;
    /**
     * Labels of the thing.
     */
    "labels"?: {
        [key: string]: IIoK8sApimachineryPkgApiResourceQuantity;
    };
    "undocumented": Array<string>;
    /**
     * Possible enum values:
     *  - \`"A"\` first.
     */
    "type"?: "A" | "B";
    "modes"?: Array<"" | "X">;
}
/**
 * Thing describes a thing.
 */
export declare class Thing extends Model<IThing> implements IThing {
    "rollingUpdate"?: IIoK8sApiAppsV1RollingUpdateDeployment;
    constructor(data?: ModelData<IThing>);
}
export { IThing as IIoK8sApiAppsV1Thing, Thing as IoK8sApiAppsV1Thing };
`;

test('parseDeclarationFile: type and field descriptions verbatim, field types, the definition alias', () => {
  const parsed = parseDeclarationFile(SAMPLE)!;
  assert.equal(parsed.alias, 'IoK8sApiAppsV1Thing');
  assert.equal(parsed.type.description, "Thing describes a thing.\n\nSecond paragraph with '*/scale' and '*' and a regex \\d+.");
  assert.deepEqual([...parsed.type.properties.keys()], ['rollingUpdate', 'labels', 'undocumented', 'type', 'modes']);
  assert.deepEqual(parsed.type.properties.get('rollingUpdate'), { description: 'Rolling params.', type: 'IoK8sApiAppsV1RollingUpdateDeployment' });
  assert.deepEqual(parsed.type.properties.get('labels'), { description: 'Labels of the thing.', type: 'IoK8sApimachineryPkgApiResourceQuantity' });
  assert.deepEqual(parsed.type.properties.get('undocumented'), { required: true });
  assert.equal(parsed.type.properties.get('type')!.description, 'Possible enum values:\n - `"A"` first.');
  assert.deepEqual(parsed.type.properties.get('type')!.enum, ['A', 'B']);
  assert.deepEqual(parsed.type.properties.get('modes'), { itemEnum: ['', 'X'] });
  assert.equal(parseDeclarationFile('export * from "./Thing";\n'), undefined);
  const docs = upstreamDocsFrom([SAMPLE], 'sample');
  assert.equal(docs.type('io.k8s.api.apps.v1.Thing'), docs.type('IoK8sApiAppsV1Thing'));
  assert.equal(docs.size, 1);
});

test('aliasOf: dots and dashes start a capitalised segment', () => {
  assert.equal(aliasOf('io.k8s.api.core.v1.Pod'), 'IoK8sApiCoreV1Pod');
  assert.equal(aliasOf('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps'), 'IoK8sApiextensionsApiserverPkgApisApiextensionsV1JSONSchemaProps');
  assert.equal(aliasOf('io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService'), 'IoK8sKubeAggregatorPkgApisApiregistrationV1APIService');
  assert.equal(aliasOf('IoK8sApiCoreV1Pod'), 'IoK8sApiCoreV1Pod');
});

test('loadUpstreamDocs: every definition of both packages, once per process', () => {
  const first = loadUpstreamDocs();
  assert.equal(first.error, undefined);
  assert.ok(first.docs.size > 800, `only ${first.docs.size} definitions`);
  assert.match(first.docs.source, /kubernetes-models@4\.5\.\d+, @kubernetes-models\/apimachinery@2\.\d+\.\d+/);
  for (const name of ['io.k8s.api.core.v1.Pod', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'])
    assert.ok(first.docs.type(name)?.description, name);
  assert.equal(loadUpstreamDocs(), first);
});

/** Seed-group kinds whose schemas bring no description (none now). New gaps fail the test below. */
const KNOWN_UNDESCRIBED = new Set<string>([]);

test('every served kind: upstream descriptions on the kind, its fields and its spec fields (v3 and v2); the seed groups\' kinds describe themselves', () => {
  const { docs } = loadUpstreamDocs();
  const defs = servedResources();
  const svc = new OpenApiV3Service(new ApiRegistry(defs), { version: 'v1.32.0', docs });
  const v2 = JSON.parse(svc.v2().json) as J;
  const resolve = (d: J, node: J): J | undefined => {
    const r = node.$ref ?? node.allOf?.[0]?.$ref;
    return r ? d.components.schemas[String(r).split('/').pop()!] : node;
  };
  let checked = 0;
  const own: string[] = [];
  for (const def of defs) {
    const key = def.group === '' ? `api/${def.version}` : `apis/${def.group}/${def.version}`;
    const d = JSON.parse(svc.document(key)!.body) as J;
    const id = def.schema.id ?? componentIdFor(def.group, def.version, def.kind);
    const kind = d.components.schemas[id] as J;
    const up = docs.type(id);
    if (!up) {
      // Not an upstream Kubernetes kind (the seed's groups, ...): its own schema must describe it.
      const missing = [kind.description ? [] : [id], ...Object.entries(kind.properties ?? {}).map(([p, n]) => ((n as J).description ? [] : [`${id}.${p}`]))].flat();
      own.push(...missing);
      continue;
    }
    checked++;
    assert.equal(kind.description, up.description, `${id}: description`);
    assert.equal(v2.definitions[id].description, up.description, `${id}: v2 description`);
    const typeMeta = docs.type('io.k8s.apimachinery.pkg.apis.meta.v1.Status')!;
    for (const [name, node] of Object.entries(kind.properties as J)) {
      // The package drops a kind's TypeMeta text (typed as literals); upstream's is Status's, verbatim.
      const want: string | undefined = up.properties.get(name)?.description ?? (name === 'apiVersion' || name === 'kind' ? typeMeta.properties.get(name)?.description : undefined);
      assert.ok(want, `${id}.${name}: upstream documents it`);
      assert.equal((node as J).description, want, `${id}.${name}`);
    }
    const spec = kind.properties.spec && resolve(d, kind.properties.spec);
    const specUp = up.properties.get('spec')?.type;
    if (spec && specUp) {
      const upSpec = docs.type(specUp)!;
      assert.equal(spec.description, upSpec.description, `${id}.spec: type description`);
      for (const [name, node] of Object.entries((spec.properties ?? {}) as J)) {
        const want = upSpec.properties.get(name)?.description;
        if (want === undefined) continue; // upstream leaves some fields undocumented (IngressRule.http)
        assert.equal((node as J).description, want, `${id}.spec.${name}`);
      }
    }
  }
  assert.ok(checked >= 30, `only ${checked} upstream kinds`);
  const unknown = own.filter((x) => !KNOWN_UNDESCRIBED.has(x));
  assert.deepEqual(unknown, [], 'non-upstream kinds without descriptions on the kind or its fields');
});

test('fields a document serves that upstream lacks are reported (diagnostic), nested names are documented through unnamed objects', (t) => {
  const { docs } = loadUpstreamDocs();
  const svc = new OpenApiV3Service(new ApiRegistry(builtinResources()), { docs });
  const extra: string[] = [];
  for (const key of Object.keys(svc.index().paths)) {
    const d = JSON.parse(svc.document(key)!.body) as J;
    for (const [id, c] of Object.entries(d.components.schemas as J)) {
      const up = docs.type(id);
      if (!up) continue;
      for (const p of Object.keys((c as J).properties ?? {})) if (!up.properties.has(p)) extra.push(`${id}.${p}`);
    }
  }
  t.diagnostic(`served fields upstream (${docs.source}) does not have: ${[...new Set(extra)].join(', ') || 'none'}`);
  // deployment.spec.strategy: the field's text beside the reference, the type's on the component.
  const apps = JSON.parse(svc.document('apis/apps/v1')!.body) as J;
  const strategy = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy;
  assert.equal(strategy.description, docs.type('io.k8s.api.apps.v1.DeploymentSpec')!.properties.get('strategy')!.description);
  assert.equal(strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  // enum values as upstream publishes them (kubectl explain prints `enum: Recreate, RollingUpdate`)
  assert.deepEqual(apps.components.schemas['io.k8s.api.apps.v1.DeploymentStrategy'].properties.type.enum, docs.type('io.k8s.api.apps.v1.DeploymentStrategy')!.properties.get('type')!.enum);
  assert.deepEqual(docs.type('io.k8s.api.apps.v1.DeploymentStrategy')!.properties.get('type')!.enum, ['Recreate', 'RollingUpdate']);
  assert.equal(apps.components.schemas['io.k8s.api.apps.v1.DeploymentStrategy'].description, docs.type('io.k8s.api.apps.v1.DeploymentStrategy')!.description);
});

test('an unnamed object is documented from the definition upstream gives its field; custom kinds keep their own text', () => {
  const { docs } = loadUpstreamDocs();
  const strategy = s.object({ type: s.string(), rollingUpdate: s.object({ maxSurge: s.intOrString() }) });
  const spec = s.object({ replicas: s.int32(), strategy }, { id: 'io.k8s.api.apps.v1.DeploymentSpec' });
  const deployments: ResourceDef = {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    namespaced: true,
    schema: kindSchema('io.k8s.api.apps.v1.Deployment', { group: 'apps', version: 'v1', kind: 'Deployment' }, { spec }),
  };
  const widgets: ResourceDef = {
    group: 'example.com',
    version: 'v1',
    kind: 'Widget',
    plural: 'widgets',
    singular: 'widget',
    namespaced: true,
    schema: kindSchema(
      'com.example.v1.Widget',
      { group: 'example.com', version: 'v1', kind: 'Widget' },
      { spec: s.object({ size: s.int32({ description: 'How big.' }) }, { description: 'Widget spec.' }) },
      { description: 'A widget.' },
    ),
  };
  const svc = new OpenApiV3Service(new ApiRegistry([deployments, widgets]), { docs });
  const apps = JSON.parse(svc.document('apis/apps/v1')!.body) as J;
  const st = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy;
  const upStrategy = docs.type('io.k8s.api.apps.v1.DeploymentStrategy')!;
  assert.equal(st.description, docs.type('io.k8s.api.apps.v1.DeploymentSpec')!.properties.get('strategy')!.description);
  assert.equal(st.properties.type.description, upStrategy.properties.get('type')!.description);
  assert.equal(st.properties.rollingUpdate.description, upStrategy.properties.get('rollingUpdate')!.description);
  assert.equal(
    st.properties.rollingUpdate.properties.maxSurge.description,
    docs.type('io.k8s.api.apps.v1.RollingUpdateDeployment')!.properties.get('maxSurge')!.description,
  );
  assert.equal(apps.components.schemas['io.k8s.api.apps.v1.DeploymentList'].description, docs.type('io.k8s.api.apps.v1.DeploymentList')!.description);
  const ex = JSON.parse(svc.document('apis/example.com/v1')!.body) as J;
  const widget = ex.components.schemas['com.example.v1.Widget'];
  assert.equal(widget.description, 'A widget.');
  assert.equal(widget.properties.spec.description, 'Widget spec.');
  assert.equal(widget.properties.spec.properties.size.description, 'How big.');
});

test('warm(): documents built ahead, one group/version per turn, identical to lazily built ones', async () => {
  const defs = builtinResources();
  const warmed = new OpenApiV3Service(new ApiRegistry(defs), { version: 'v1.32.0' });
  let turns = 0;
  const counter = setInterval(() => turns++, 0);
  await warmed.warm();
  clearInterval(counter);
  const lazy = new OpenApiV3Service(new ApiRegistry(defs), { version: 'v1.32.0', docs: loadUpstreamDocs().docs });
  assert.deepEqual(warmed.index(), lazy.index());
  assert.equal(warmed.v2().hash, lazy.v2().hash);
  assert.ok(turns > 0, 'timers ran while warming');
});

test('required fields as upstream publishes them: the package marks them non-optional; documents list every one', () => {
  const { docs } = loadUpstreamDocs();
  assert.equal(docs.type('io.k8s.api.core.v1.Container')!.properties.get('name')!.required, true);
  assert.equal(docs.type('io.k8s.api.core.v1.Container')!.properties.get('image')!.required, undefined);
  assert.equal(docs.type('io.k8s.api.core.v1.ConfigMap')!.properties.get('apiVersion')!.required, undefined, 'a kind literal');
  assert.equal(docs.type('io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference')!.properties.get('kind')!.required, true);
  const svc = new OpenApiV3Service(new ApiRegistry(builtinResources()), { docs });
  for (const key of Object.keys(svc.index().paths)) {
    const d = JSON.parse(svc.document(key)!.body) as J;
    for (const [id, c] of Object.entries(d.components.schemas as J)) {
      const up = docs.type(id);
      if (!up || !(c as J).properties) continue;
      const want = [...up.properties].filter(([n, f]) => f.required && (c as J).properties[n]).map(([n]) => n);
      for (const n of want) assert.ok(((c as J).required ?? []).includes(n), `${id}: ${n} required`);
    }
  }
});
