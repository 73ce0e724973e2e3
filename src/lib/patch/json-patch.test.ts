import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type JsonValue, MAX_JSON_PATCH_OPERATIONS, PatchError, applyJsonPatch } from './index.js';

const doc = (): JsonValue => ({
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 1, containers: [{ name: 'a', image: 'a:1' }] },
});

function fails(ops: unknown, reason: string, message: string): void {
  assert.throws(
    () => applyJsonPatch(doc(), ops),
    (e: unknown) => e instanceof PatchError && e.reason === reason && e.message === message,
  );
}

describe('applyJsonPatch (RFC 6902)', () => {
  it('applies every operation in order', () => {
    const out = applyJsonPatch(doc(), [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/metadata/labels/tier', value: 'front' },
      { op: 'remove', path: '/metadata/labels/app' },
      { op: 'add', path: '/spec/containers/-', value: { name: 'b', image: 'b:1' } },
      { op: 'copy', from: '/spec/containers/0/image', path: '/metadata/labels/img' },
      { op: 'move', from: '/spec/containers/1', path: '/spec/containers/0' },
      { op: 'add', path: '/metadata/annotations', value: { 'a/b~c': 'x' } },
      { op: 'remove', path: '/metadata/annotations/a~1b~0c' },
    ]);
    assert.deepEqual(out, {
      metadata: { name: 'web', labels: { tier: 'front', img: 'a:1' }, annotations: {} },
      spec: {
        replicas: 3,
        containers: [
          { name: 'b', image: 'b:1' },
          { name: 'a', image: 'a:1' },
        ],
      },
    });
  });

  it('kubectl rollout undo: replace /spec/template', () => {
    const out = applyJsonPatch(doc(), [{ op: 'replace', path: '/spec', value: { replicas: 5 } }]) as { spec: unknown };
    assert.deepEqual(out.spec, { replicas: 5 });
  });

  it('is pure; null is an empty patch', () => {
    const d = doc();
    const value = { x: 1 };
    const out = applyJsonPatch(d, [{ op: 'add', path: '/extra', value }]) as { extra: { x: number } };
    out.extra.x = 2;
    assert.deepEqual(d, doc());
    assert.equal(value.x, 1);
    assert.deepEqual(applyJsonPatch(d, null), d);
  });

  it('reports failures like the apiserver (422 with evanphx texts)', () => {
    fails([{ op: 'test', path: '/spec/replicas', value: 2 }], 'Invalid', 'testing value /spec/replicas failed: test operation failed');
    fails([{ op: 'test', path: '/spec/nope', value: 2 }], 'Invalid', 'testing value /spec/nope failed: test operation failed');
    fails([{ op: 'replace', path: '/spec/nope', value: 2 }], 'Invalid', 'replace operation does not apply: doc is missing key: /spec/nope: missing value');
    fails([{ op: 'replace', path: '/nope/x', value: 2 }], 'Invalid', 'replace operation does not apply: doc is missing path: /nope/x: missing value');
    fails([{ op: 'remove', path: '/spec/nope' }], 'Invalid', "error in remove for path: '/spec/nope': Unable to remove nonexistent key: nope: missing value");
    fails([{ op: 'remove', path: '/nope/x' }], 'Invalid', 'remove operation does not apply: doc is missing path: "/nope/x": missing value');
    fails([{ op: 'add', path: '/nope/x', value: 1 }], 'Invalid', 'add operation does not apply: doc is missing path: "/nope/x": missing value');
    fails([{ op: 'add', path: '/spec/containers/5', value: 1 }], 'Invalid', "error in add for path: '/spec/containers/5': Unable to access invalid index: 5: invalid index referenced");
    fails([{ op: 'move', from: '/nope', path: '/x' }], 'Invalid', 'move operation does not apply: doc is missing from path: /nope: missing value');
    fails([{ op: 'copy', from: '/nope', path: '/x' }], 'Invalid', 'copy operation does not apply: doc is missing from path: /nope: missing value');
    fails([{ op: 'frobnicate', path: '/x' }], 'Invalid', 'Unexpected kind: frobnicate');
    fails([{ path: '/x' }], 'Invalid', 'Unexpected kind: unknown');
    fails([{ op: 'add', value: 1 }], 'Invalid', 'add operation failed to decode path');
  });

  it('rejects non-arrays (400) and huge patches (413)', () => {
    fails({ op: 'add' }, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    fails(['x'], 'BadRequest', 'json: cannot unmarshal string into Go value of type map[string]*json.RawMessage');
    const many = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '', value: {} }));
    fails(many, 'RequestEntityTooLarge', 'The allowed maximum operations in a JSON patch is 10000, got 10001');
    assert.equal(new PatchError('RequestEntityTooLarge', 'x').toApiError().code, 413);
  });
});
