import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  type JsonObject,
  type JsonValue,
  type PatchMetaLiteral,
  PatchError,
  applyMergePatch,
  applyStrategicMergePatch,
  patchMetaFromLiteral,
} from './index.js';

// Hand-made PatchMeta for a Deployment, with the strategies upstream's Go types declare.
const str: PatchMetaLiteral = {};
const stringMap: PatchMetaLiteral = { values: str };
const objectMeta: PatchMetaLiteral = {
  fields: {
    labels: stringMap,
    annotations: stringMap,
    finalizers: { strategy: 'merge' },
    ownerReferences: { strategy: 'merge', mergeKey: 'uid', items: {} },
  },
};
const container: PatchMetaLiteral = {
  name: 'io.k8s.api.core.v1.Container',
  fields: {
    args: {},
    command: {},
    env: { strategy: 'merge', mergeKey: 'name', items: { fields: { valueFrom: {} } } },
    ports: { strategy: 'merge', mergeKey: 'containerPort', items: {} },
    volumeMounts: { strategy: 'merge', mergeKey: 'mountPath', items: {} },
    resources: { fields: { limits: stringMap, requests: stringMap } },
  },
};
const podSpec: PatchMetaLiteral = {
  fields: {
    containers: { strategy: 'merge', mergeKey: 'name', items: container },
    initContainers: { strategy: 'merge', mergeKey: 'name', items: container },
    volumes: { strategy: 'merge,retainKeys', mergeKey: 'name', items: { fields: { configMap: {}, secret: {} } } },
    tolerations: { items: {} },
    imagePullSecrets: { strategy: 'merge', mergeKey: 'name', items: {} },
    nodeSelector: stringMap,
    affinity: { strategy: 'replace' },
  },
};
const deploymentMeta = patchMetaFromLiteral({
  name: 'io.k8s.api.apps.v1.Deployment',
  fields: {
    metadata: objectMeta,
    spec: {
      fields: {
        selector: {},
        strategy: { strategy: 'retainKeys', fields: { rollingUpdate: {} } },
        template: { fields: { metadata: objectMeta, spec: podSpec } },
      },
    },
  },
});

function deployment(podSpecValue: JsonObject, metadata: JsonObject = { name: 'web', labels: { app: 'web' } }): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: 'web' } }, spec: podSpecValue },
    },
  };
}

const podPatch = (spec: JsonObject): JsonObject => ({ spec: { template: { spec } } });
const podSpecOf = (d: JsonObject) => ((d['spec'] as JsonObject)['template'] as JsonObject)['spec'] as JsonObject;
const smp = (o: JsonValue, p: JsonValue) => applyStrategicMergePatch(o, p, deploymentMeta);

const base = () =>
  deployment({
    containers: [
      {
        name: 'app',
        image: 'app:1',
        args: ['--a', '--b'],
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        ports: [
          { containerPort: 8080, protocol: 'TCP' },
          { containerPort: 9090, protocol: 'TCP', name: 'metrics' },
        ],
        volumeMounts: [
          { name: 'config', mountPath: '/etc/app' },
          { name: 'data', mountPath: '/data' },
        ],
      },
      { name: 'sidecar', image: 'proxy:1' },
    ],
    volumes: [
      { name: 'config', configMap: { name: 'app-config' } },
      { name: 'data', emptyDir: {} },
    ],
    tolerations: [
      { key: 'a', operator: 'Exists' },
      { key: 'b', operator: 'Equal', value: 'x', effect: 'NoSchedule' },
    ],
  });

describe('strategic merge patch: what kubectl apply sends for a Deployment', () => {
  it('updates one container image, keeping the others and the order ($setElementOrder)', () => {
    const out = smp(base(), podPatch({ '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }], containers: [{ name: 'sidecar', image: 'proxy:2' }] }));
    const cs = podSpecOf(out)['containers'] as JsonObject[];
    assert.deepEqual(cs.map((c) => [c['name'], c['image']]), [
      ['app', 'app:1'],
      ['sidecar', 'proxy:2'],
    ]);
    assert.deepEqual(cs[0]!['env'], (podSpecOf(base())['containers'] as JsonObject[])[0]!['env']);
  });

  it('adds a container: patch items come before live-only ones unless $setElementOrder says otherwise', () => {
    const plain = podSpecOf(smp(base(), podPatch({ containers: [{ name: 'new', image: 'n:1' }] })))['containers'] as JsonObject[];
    assert.deepEqual(plain.map((c) => c['name']), ['new', 'app', 'sidecar']);
    const ordered = podSpecOf(
      smp(
        base(),
        podPatch({
          '$setElementOrder/containers': [{ name: 'app' }, { name: 'new' }, { name: 'sidecar' }],
          containers: [{ name: 'new', image: 'n:1' }],
        }),
      ),
    )['containers'] as JsonObject[];
    assert.deepEqual(ordered.map((c) => c['name']), ['app', 'new', 'sidecar']);
  });

  it('removes a container with $patch: delete', () => {
    const out = smp(
      base(),
      podPatch({ '$setElementOrder/containers': [{ name: 'app' }], containers: [{ name: 'sidecar', $patch: 'delete' }] }),
    );
    assert.deepEqual((podSpecOf(out)['containers'] as JsonObject[]).map((c) => c['name']), ['app']);
  });

  it('merges env by name: change, add in order, delete one, null drops a field', () => {
    const out = smp(
      base(),
      podPatch({
        '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
        containers: [
          {
            name: 'app',
            '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
            env: [
              { name: 'A', value: null, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'C', value: '3' },
              { name: 'B', $patch: 'delete' },
            ],
          },
        ],
      }),
    );
    const env = ((podSpecOf(out)['containers'] as JsonObject[])[0]!['env']) as JsonObject[];
    assert.deepEqual(env, [
      { name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'C', value: '3' },
    ]);
  });

  it('merges ports by containerPort (numeric merge key) and volumeMounts by mountPath', () => {
    const out = smp(
      base(),
      podPatch({
        containers: [
          {
            name: 'app',
            '$setElementOrder/ports': [{ containerPort: 8080 }, { containerPort: 9090 }, { containerPort: 7070 }],
            ports: [{ containerPort: 9090, name: 'prom' }, { containerPort: 7070, protocol: 'UDP' }],
            '$setElementOrder/volumeMounts': [{ mountPath: '/data' }, { mountPath: '/etc/app' }],
            volumeMounts: [{ mountPath: '/data', readOnly: true }],
          },
        ],
      }),
    );
    const app = (podSpecOf(out)['containers'] as JsonObject[]).find((c) => c['name'] === 'app')!;
    assert.deepEqual(app['ports'], [
      { containerPort: 8080, protocol: 'TCP' },
      { containerPort: 9090, protocol: 'TCP', name: 'prom' },
      { containerPort: 7070, protocol: 'UDP' },
    ]);
    assert.deepEqual(app['volumeMounts'], [
      { name: 'data', mountPath: '/data', readOnly: true },
      { name: 'config', mountPath: '/etc/app' },
    ]);
  });

  it('replaces atomic lists (tolerations, args) and strategy-replace maps (affinity)', () => {
    const original = base();
    podSpecOf(original)['affinity'] = { nodeAffinity: { a: 1 }, podAffinity: { b: 2 } };
    const out = smp(
      original,
      podPatch({
        tolerations: [{ key: 'c', operator: 'Exists' }],
        affinity: { podAntiAffinity: { c: 3 } },
        containers: [{ name: 'app', args: ['--c'] }],
      }),
    );
    assert.deepEqual(podSpecOf(out)['tolerations'], [{ key: 'c', operator: 'Exists' }]);
    assert.deepEqual(podSpecOf(out)['affinity'], { podAntiAffinity: { c: 3 } });
    assert.deepEqual((podSpecOf(out)['containers'] as JsonObject[]).find((c) => c['name'] === 'app')!['args'], ['--c']);
  });

  it('switches a volume source with $retainKeys (merge,retainKeys list items)', () => {
    const out = smp(
      base(),
      podPatch({
        '$setElementOrder/volumes': [{ name: 'config' }, { name: 'data' }],
        volumes: [{ $retainKeys: ['name', 'secret'], name: 'config', configMap: null, secret: { secretName: 's' } }],
      }),
    );
    assert.deepEqual(podSpecOf(out)['volumes'], [
      { name: 'config', secret: { secretName: 's' } },
      { name: 'data', emptyDir: {} },
    ]);
  });

  it('switches the rollout strategy with $retainKeys', () => {
    const out = smp(base(), { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } });
    assert.deepEqual((out['spec'] as JsonObject)['strategy'], { type: 'Recreate' });
  });

  it('labels: null deletes, new keys are added; metadata untouched elsewhere', () => {
    const out = smp(base(), { metadata: { labels: { app: null, tier: 'web' }, annotations: { a: 'b' } } });
    assert.deepEqual(out['metadata'], { name: 'web', labels: { tier: 'web' }, annotations: { a: 'b' } });
  });

  it('finalizers: union, $deleteFromPrimitiveList and $setElementOrder on a scalar list', () => {
    const original = deployment({ containers: [] }, { name: 'web', finalizers: ['a', 'b', 'c'] });
    let out = smp(original, { metadata: { finalizers: ['d', 'a'] } });
    assert.deepEqual((out['metadata'] as JsonObject)['finalizers'], ['d', 'a', 'b', 'c']);
    out = smp(original, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'x'] } });
    assert.deepEqual((out['metadata'] as JsonObject)['finalizers'], ['a', 'c']);
    out = smp(original, {
      metadata: { '$setElementOrder/finalizers': ['c', 'a', 'b'], '$deleteFromPrimitiveList/finalizers': ['b'] },
    });
    assert.deepEqual((out['metadata'] as JsonObject)['finalizers'], ['c', 'a']);
  });

  it('$patch: replace on a map and on a list', () => {
    const original = base();
    podSpecOf(original)['nodeSelector'] = { disk: 'ssd', zone: 'a' };
    const out = smp(
      original,
      podPatch({ nodeSelector: { $patch: 'replace', zone: 'b' }, containers: [{ $patch: 'replace' }, { name: 'only', image: 'o:1' }] }),
    );
    assert.deepEqual(podSpecOf(out)['nodeSelector'], { zone: 'b' });
    assert.deepEqual(podSpecOf(out)['containers'], [{ name: 'only', image: 'o:1' }]);
  });

  it('$patch: delete on a map empties it', () => {
    const out = smp(base(), { spec: { template: { metadata: { $patch: 'delete' } } } });
    assert.deepEqual(((out['spec'] as JsonObject)['template'] as JsonObject)['metadata'], {});
  });

  it('a field the original lacks is taken from the patch without nulls or directives', () => {
    const out = smp(base(), podPatch({ securityContext: { runAsUser: 1000, fsGroup: null }, initContainers: [{ name: 'init', image: 'i', $patch: 'delete' }] }));
    assert.deepEqual(podSpecOf(out)['securityContext'], { runAsUser: 1000 });
    assert.deepEqual(podSpecOf(out)['initContainers'], [{ name: 'init', image: 'i' }]);
  });

  it('is pure and a null patch is a no-op', () => {
    const original = base();
    const frozen = JSON.stringify(original);
    const patch = podPatch({ containers: [{ name: 'app', image: 'x' }] });
    const frozenPatch = JSON.stringify(patch);
    const out = smp(original, patch);
    assert.equal(JSON.stringify(original), frozen);
    assert.equal(JSON.stringify(patch), frozenPatch);
    (podSpecOf(out)['containers'] as JsonObject[])[1]!['image'] = 'mutated';
    assert.equal(JSON.stringify(original), frozen);
    assert.deepEqual(smp(original, null), original);
  });

  it('keepDirectives leaves raw directive keys in added values', () => {
    const out = applyStrategicMergePatch({}, { a: { $patch: 'delete', b: 1 }, c: { d: { $retainKeys: ['x'] } } }, undefined, { keepDirectives: true });
    assert.deepEqual(out, { a: { $patch: 'delete', b: 1 }, c: { d: { $retainKeys: ['x'] } } });
  });
});

describe('strategic merge patch without schema information', () => {
  it('replaces lists and merges maps like a JSON merge patch', () => {
    const out = applyStrategicMergePatch({ a: [1, 2], m: { x: 1, y: 2 } }, { a: [3], m: { y: null, z: 3 } }, undefined);
    assert.deepEqual(out, { a: [3], m: { x: 1, z: 3 } });
  });
  it('unknown fields under a known schema behave the same', () => {
    const out = smp(base(), { spec: { unknownList: [1], template: { spec: { containers: [{ name: 'app', unknown: [{ a: 1 }] }] } } } });
    assert.deepEqual((out['spec'] as JsonObject)['unknownList'], [1]);
  });
  it('equals applyMergePatch for directive-free patches with scalar lists (property)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd');
    const scalar = fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.boolean());
    const value: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        scalar,
        fc.array(scalar, { maxLength: 3 }),
        fc.dictionary(key, fc.oneof(tie('v'), fc.constant(null)), { maxKeys: 3, noNullPrototype: true }),
      ),
    })).v;
    const obj = fc.dictionary(key, value, { maxKeys: 4, noNullPrototype: true });
    const patchObj = fc.dictionary(key, fc.oneof(value, fc.constant(null)), { maxKeys: 4, noNullPrototype: true });
    fc.assert(
      fc.property(obj, patchObj, (o, p) => {
        const cleanO = applyMergePatch({}, o) as JsonObject; // originals never hold nulls
        assert.deepEqual(applyStrategicMergePatch(cleanO, p, undefined), applyMergePatch(cleanO, p));
      }),
    );
  });
});

describe('strategic merge patch errors (upstream texts and statuses)', () => {
  const fails = (o: JsonValue, p: JsonValue, reason: string, message: string | RegExp) =>
    assert.throws(
      () => smp(o, p),
      (e: unknown) =>
        e instanceof PatchError && e.reason === reason && (typeof message === 'string' ? e.message === message : message.test(e.message)),
    );

  it('missing merge key', () => {
    fails(base(), podPatch({ containers: [{ image: 'x' }] }), 'InternalError', 'map: map[image:x] does not contain declared merge key: name');
    fails(base(), podPatch({ containers: [{ $patch: 'delete' }] }), 'InternalError', 'map: map[$patch:delete] does not contain declared merge key: name');
  });
  it('bad directives', () => {
    fails(base(), { spec: { strategy: { $retainKeys: 'type' } } }, 'BadRequest', 'invalid patch format of retainKeys');
    fails(base(), { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } }, 'BadRequest', 'invalid patch format of retainKeys');
    fails(base(), { metadata: { $setElementOrderfinalizers: ['a'] } }, 'BadRequest', 'invalid patch format of setElementOrder list');
    fails(base(), { metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } }, 'BadRequest', 'invalid patch format of primitive list');
    fails(base(), { metadata: { $patch: 'merge' } }, 'InternalError', 'unknown patch type: merge in map: map[$patch:merge]');
    fails(base(), podPatch({ containers: [{ name: 'app', $patch: 'merge' }] }), 'InternalError', 'merging lists cannot yet be specified in the patch');
    fails(base(), podPatch({ containers: [{ name: 'app', $patch: 'bogus' }] }), 'InternalError', 'unknown patch type: bogus in map: map[$patch:bogus name:app]');
  });
  it('list shape errors', () => {
    fails({ metadata: { finalizers: [['a']] } }, { metadata: { finalizers: [['b']] } }, 'Invalid', 'lists of lists are not supported');
    fails({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [1] } }, 'InternalError', 'list element types are not identical: [[a] [1]]');
    fails(base(), podPatch({ '$setElementOrder/containers': [{ name: 'sidecar' }], containers: [{ name: 'app', image: 'x' }] }), 'InternalError', /^The order in patch list:\n/);
    fails(base(), podPatch({ '$setElementOrder/containers': 'x' }), 'InternalError', 'expected a []interface {}, but received a string');
  });
  it('merge lists of maps need a merge key in the schema', () => {
    const meta = patchMetaFromLiteral({ fields: { items: { strategy: 'merge', name: 'Thing' } } });
    assert.throws(() => applyStrategicMergePatch({ items: [{ a: 1 }] }, { items: [{ a: 2 }] }, meta), {
      message: 'cannot merge lists without merge key for Thing',
    });
  });
  it('non-object patches are bad requests; PatchError maps to upstream statuses', () => {
    assert.throws(() => applyStrategicMergePatch({}, [1], undefined), {
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    });
    assert.equal(new PatchError('BadRequest', 'x').toApiError().code, 400);
    const invalid = new PatchError('Invalid', 'lists of lists are not supported').toApiError();
    assert.equal(invalid.code, 422);
    assert.equal(invalid.message, 'the server rejected our request due to an error in our request');
    assert.deepEqual(invalid.details?.causes, [{ reason: 'UnexpectedServerResponse', message: 'lists of lists are not supported' }]);
    assert.equal(new PatchError('InternalError', 'boom').toApiError().message, 'Internal error occurred: boom');
  });
});

describe('list order on long lists', () => {
  it('goStableSort is a stable sort for proper comparators (property)', async () => {
    const { goStableSort } = await import('./strategic-merge.js');
    fc.assert(
      fc.property(fc.array(fc.record({ k: fc.integer({ min: 0, max: 9 }), i: fc.nat() }), { maxLength: 200 }), (xs) => {
        const want = [...xs].sort((a, b) => a.k - b.k);
        assert.deepEqual(goStableSort([...xs], (a, b) => a.k < b.k), want);
      }),
    );
  });
  it('merges a 60-element list by key, keeping live order and appending per $setElementOrder', () => {
    const names = Array.from({ length: 60 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const original = deployment({ containers: names.map((name) => ({ name, image: 'old' })) });
    const order = [...names.filter((_, i) => i % 7 !== 0), 'zz'].map((name) => ({ name }));
    const patch = podPatch({
      '$setElementOrder/containers': order,
      containers: [
        ...names.filter((_, i) => i % 7 === 0).map((name) => ({ name, $patch: 'delete' })),
        ...names.filter((_, i) => i % 3 === 1 && i % 7 !== 0).map((name) => ({ name, image: 'new' })),
        { name: 'zz', image: 'added' },
      ],
    });
    const out = podSpecOf(smp(original, patch))['containers'] as JsonObject[];
    assert.deepEqual(out.map((c) => c['name']), order.map((o) => o.name));
    for (const c of out) {
      const i = names.indexOf(c['name'] as string);
      assert.equal(c['image'], c['name'] === 'zz' ? 'added' : i % 3 === 1 ? 'new' : 'old');
    }
  });
});

describe('strategic merge patch edge cases', () => {
  it('$deleteFromPrimitiveList for a list the original lacks does nothing; $setElementOrder alone reorders', () => {
    const original = deployment({ containers: [] }, { name: 'web', finalizers: ['a', 'b'] });
    assert.deepEqual(smp(original, { metadata: { '$deleteFromPrimitiveList/other': ['x'] } })['metadata'], { name: 'web', finalizers: ['a', 'b'] });
    assert.deepEqual(smp(original, { metadata: { '$setElementOrder/missing': ['x'] } })['metadata'], { name: 'web', finalizers: ['a', 'b'] });
    const reordered = smp(base(), podPatch({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }] }));
    assert.deepEqual((podSpecOf(reordered)['containers'] as JsonObject[]).map((c) => c['name']), ['sidecar', 'app']);
  });
  it('a list replaced by a map (kind change) takes the patch value', () => {
    const out = smp(base(), podPatch({ tolerations: { weird: true, gone: null } }));
    assert.deepEqual(podSpecOf(out)['tolerations'], { weird: true });
  });
  it('two patch items with the same new key merge into one', () => {
    const out = smp(base(), podPatch({ containers: [{ name: 'n', image: 'x' }, { name: 'n', args: ['y'] }] }));
    assert.deepEqual((podSpecOf(out)['containers'] as JsonObject[])[0], { name: 'n', image: 'x', args: ['y'] });
  });
});
