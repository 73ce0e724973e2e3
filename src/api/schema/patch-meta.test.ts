import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type JsonValue, applyStrategicMergePatch } from '../../lib/patch/index.js';
import * as s from './builders.js';
import type { Schema } from './schema.js';
import { patchMetaFromSchema } from './patch-meta.js';

const container = s.object(
  {
    name: s.string(),
    image: s.string(),
    args: s.array(s.string(), { listType: 'atomic' }),
    env: s.array(s.object({ name: s.string(), value: s.string() }), { mergeKey: 'name', strategy: 'merge', listType: 'map', mapKeys: ['name'] }),
    ports: s.array(s.object({ containerPort: s.int32(), protocol: s.string() }), { mergeKey: 'containerPort', strategy: 'merge' }),
  },
  { id: 'io.k8s.api.core.v1.Container' },
);
const podSpec = s.object({
  containers: s.array(container, { mergeKey: 'name', strategy: 'merge' }),
  volumes: s.array(s.object({ name: s.string() }, { 'x-kubernetes-preserve-unknown-fields': true }), {
    mergeKey: 'name',
    strategy: 'merge,retainKeys',
  }),
  nodeSelector: s.map(s.string()),
  extra: s.anyValue(),
});

describe('patchMetaFromSchema', () => {
  it('reads merge keys and strategies from properties, items and additionalProperties', () => {
    const meta = patchMetaFromSchema(podSpec)!;
    const containers = meta.child('containers')!;
    assert.equal(containers.mergeKey, 'name');
    assert.deepEqual(containers.strategies, ['merge']);
    assert.equal(containers.items()!.name, 'io.k8s.api.core.v1.Container');
    assert.deepEqual(containers.items()!.child('env')!.strategies, ['merge']);
    assert.deepEqual(containers.items()!.child('args')!.strategies, []);
    assert.deepEqual(meta.child('volumes')!.strategies, ['merge', 'retainKeys']);
    assert.ok(meta.child('nodeSelector')!.child('any-key'));
    assert.equal(meta.child('extra')!.child('x'), undefined);
    assert.equal(meta.child('unknown'), undefined);
    assert.equal(patchMetaFromSchema(undefined), undefined);
  });

  it('is lazy on recursive schemas and caches per schema object', () => {
    const props: Schema = s.object({ type: s.string() }, { id: 'JSONSchemaProps' });
    props.properties!['properties'] = s.map(props);
    props.properties!['items'] = props;
    const meta = patchMetaFromSchema(props)!;
    assert.equal(meta.child('properties')!.child('foo')!.child('items'), meta);
    assert.equal(patchMetaFromSchema(props), meta);
  });

  it('drives strategic merge patch end to end', () => {
    const original: JsonValue = {
      containers: [
        { name: 'a', image: 'a:1', args: ['x'], env: [{ name: 'E', value: '1' }], ports: [{ containerPort: 80 }] },
        { name: 'b', image: 'b:1' },
      ],
      nodeSelector: { disk: 'ssd' },
    };
    const out = applyStrategicMergePatch(
      original,
      {
        '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
        containers: [{ name: 'a', args: ['y'], env: [{ name: 'F', value: '2' }], ports: [{ containerPort: 443 }] }],
        nodeSelector: { zone: 'z' },
      },
      patchMetaFromSchema(podSpec),
    );
    assert.deepEqual(out, {
      containers: [
        {
          name: 'a',
          image: 'a:1',
          args: ['y'],
          env: [
            { name: 'F', value: '2' },
            { name: 'E', value: '1' },
          ],
          ports: [{ containerPort: 443 }, { containerPort: 80 }],
        },
        { name: 'b', image: 'b:1' },
      ],
      nodeSelector: { disk: 'ssd', zone: 'z' },
    });
  });
});
