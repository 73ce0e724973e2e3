import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtobufBody, formatDuration, formatMicroTime, formatTime, KIND_TABLE, messageFor, PROTOBUF_MAGIC } from './index.js';
import { body, encodeObject, envelope } from './testing/encode.js';

const ZERO_META = { name: '', generateName: '', namespace: '', selfLink: '', uid: '', resourceVersion: '', generation: 0, creationTimestamp: {} };

function ok(b: Uint8Array, defaults?: { apiVersion: string; kind: string }) {
  const r = decodeProtobufBody(b, defaults);
  assert.ok(r.ok, `decode failed: ${JSON.stringify(r)}`);
  return r;
}

test('a Deployment as kubectl create deployment sends it decodes to the JSON client-go would send', () => {
  const r = ok(
    body('apps/v1', 'Deployment', {
      metadata: { ...ZERO_META, name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { ...ZERO_META, labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'busybox', image: 'busybox', workingDir: '', resources: {}, terminationMessagePath: '', imagePullPolicy: '', stdin: false, stdinOnce: false, tty: false, terminationMessagePolicy: '' }],
            restartPolicy: '', dnsPolicy: '', serviceAccountName: '', serviceAccount: '', nodeName: '', hostNetwork: false, hostPID: false, hostIPC: false,
            hostname: '', subdomain: '', schedulerName: '', priorityClassName: '',
          },
        },
        strategy: { type: '' },
        minReadySeconds: 0,
        paused: false,
      },
      status: { observedGeneration: 0, replicas: 0, updatedReplicas: 0, availableReplicas: 0, unavailableReplicas: 0, readyReplicas: 0 },
    }),
  );
  assert.deepEqual(r.dropped, []);
  assert.equal(r.apiVersion, 'apps/v1');
  assert.equal(r.kind, 'Deployment');
  assert.deepEqual(r.object, {
    metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'busybox', image: 'busybox', resources: {} }] } },
      strategy: {},
    },
    status: {},
  });
});

test('pointer and required fields keep their zero value; omitempty value fields drop it', () => {
  const r = ok(
    body('apps/v1', 'Deployment', {
      metadata: { name: 'z' },
      spec: {
        replicas: 0,
        revisionHistoryLimit: 0,
        minReadySeconds: 0,
        template: {
          spec: {
            automountServiceAccountToken: false,
            hostNetwork: false,
            terminationGracePeriodSeconds: 0,
            securityContext: { runAsUser: 0, runAsNonRoot: false, supplementalGroups: [0, 1000] },
            containers: [{ name: '', ports: [{ containerPort: 0, hostPort: 0, name: '' }] }],
          },
        },
      },
    }),
  );
  const spec = r.object['spec'] as Record<string, unknown>;
  assert.equal(spec['replicas'], 0);
  assert.equal(spec['revisionHistoryLimit'], 0);
  assert.equal('minReadySeconds' in spec, false);
  const pod = (spec['template'] as { spec: Record<string, unknown> }).spec;
  assert.equal(pod['automountServiceAccountToken'], false);
  assert.equal(pod['terminationGracePeriodSeconds'], 0);
  assert.equal('hostNetwork' in pod, false);
  assert.deepEqual(pod['securityContext'], { runAsUser: 0, runAsNonRoot: false, supplementalGroups: [0, 1000] });
  assert.deepEqual(pod['containers'], [{ name: '', ports: [{ containerPort: 0 }] }]);
});

test('Secret data and ConfigMap binaryData bytes become base64; string maps stay', () => {
  const s = ok(body('v1', 'Secret', { metadata: { name: 's' }, data: { a: new TextEncoder().encode('b'), empty: new Uint8Array(0) }, type: 'Opaque', stringData: { x: 'y' } }));
  assert.deepEqual(s.object, { metadata: { name: 's' }, data: { a: 'Yg==', empty: '' }, type: 'Opaque', stringData: { x: 'y' } });
  const c = ok(body('v1', 'ConfigMap', { metadata: { name: 'c' }, data: { k: 'v', e: '' }, binaryData: { bin: Uint8Array.of(0, 255) }, immutable: false }));
  assert.deepEqual(c.object, { metadata: { name: 'c' }, data: { k: 'v', e: '' }, binaryData: { bin: 'AP8=' }, immutable: false });
});

test('IntOrString, Quantity, Time, MicroTime and inline structs convert to their JSON forms', () => {
  const pod = ok(
    body('v1', 'Pod', {
      metadata: { name: 'p', creationTimestamp: { seconds: 1700000000, nanos: 123 }, deletionGracePeriodSeconds: 0 },
      spec: {
        containers: [
          {
            name: 'c',
            resources: { limits: { cpu: { string: '500m' }, memory: { string: '64Mi' } } },
            livenessProbe: { handler: { httpGet: { path: '/', port: { type: 0, intVal: 8080 } } }, periodSeconds: 5 },
            readinessProbe: { handler: { tcpSocket: { port: { type: 1, strVal: 'http' } } } },
            env: [{ name: 'X', valueFrom: { configMapKeyRef: { localObjectReference: { name: 'cm' }, key: 'k' } } }],
          },
        ],
        volumes: [{ name: 'v', volumeSource: { configMap: { localObjectReference: { name: 'cm' }, defaultMode: 420 } } }, { name: 'e', volumeSource: { emptyDir: {} } }],
      },
    }),
  );
  assert.deepEqual(pod.object['metadata'], { name: 'p', creationTimestamp: '2023-11-14T22:13:20Z', deletionGracePeriodSeconds: 0 });
  const spec = pod.object['spec'] as { containers: Record<string, unknown>[]; volumes: unknown[] };
  assert.deepEqual(spec.containers[0], {
    name: 'c',
    resources: { limits: { cpu: '500m', memory: '64Mi' } },
    livenessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 5 },
    readinessProbe: { tcpSocket: { port: 'http' } },
    env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }],
  });
  assert.deepEqual(spec.volumes, [{ name: 'v', configMap: { name: 'cm', defaultMode: 420 } }, { name: 'e', emptyDir: {} }]);

  const lease = ok(body('coordination.k8s.io/v1', 'Lease', { metadata: { name: 'l' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: { seconds: 1700000000, nanos: 123456789 } } }));
  assert.deepEqual(lease.object['spec'], { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: '2023-11-14T22:13:20.123456Z' });
});

test('RBAC, authorization and authentication kinds decode before their resources are served', () => {
  const role = ok(body('rbac.authorization.k8s.io/v1', 'Role', { metadata: { name: 'r', namespace: 'ns' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] }));
  assert.deepEqual(role.object, { metadata: { name: 'r', namespace: 'ns' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] });
  const rb = ok(body('rbac.authorization.k8s.io/v1', 'RoleBinding', { metadata: { name: 'b' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane', namespace: '' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' } }));
  assert.deepEqual(rb.object['subjects'], [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }]);
  const ssar = ok(body('authorization.k8s.io/v1', 'SelfSubjectAccessReview', { metadata: {}, spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: '', resource: 'pods', subresource: '', name: '' } }, status: { allowed: false, reason: '', evaluationError: '', denied: false } }));
  assert.deepEqual(ssar.object, { metadata: {}, spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } }, status: { allowed: false } });
  const tr = ok(body('authentication.k8s.io/v1', 'TokenRequest', { metadata: {}, spec: { audiences: ['api'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' } }, status: { token: '', expirationTimestamp: {} } }));
  assert.deepEqual(tr.object, { metadata: {}, spec: { audiences: ['api'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' } }, status: { token: '', expirationTimestamp: null } });
});

test('DeleteOptions decode under any apiVersion, pointers kept', () => {
  const r = ok(body('apps/v1', 'DeleteOptions', { gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'x' } }));
  assert.deepEqual(r.object, { gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'x' } });
  assert.equal(r.kind, 'DeleteOptions');
});

test('every kind in the table has a message; every object kind has metadata as field 1', () => {
  for (const t of KIND_TABLE)
    for (const kind of t.kinds) {
      const m = messageFor(t.apiVersion, kind);
      assert.ok(m, `${t.apiVersion} ${kind}`);
      if (!kind.endsWith('Options')) assert.equal(m.fieldsById[1]?.name, 'metadata', `${t.apiVersion} ${kind}`);
    }
});

test('fields the schemas do not know are skipped and reported', () => {
  const raw = encodeObject('v1', 'ConfigMap', { metadata: { name: 'c' } });
  const extra = Buffer.concat([raw, Buffer.from([0xa8, 0x06, 0x01])]); // field 101, varint 1
  const r = ok(envelope(extra, { apiVersion: 'v1', kind: 'ConfigMap' }));
  assert.deepEqual(r.object, { metadata: { name: 'c' } });
  assert.deepEqual(r.dropped, ['k8s.io.api.core.v1.ConfigMap field 101']);
});

test('a missing kind or version comes from the defaults (the URL), as upstream copyKindDefaults', () => {
  const raw = encodeObject('v1', 'ConfigMap', { metadata: { name: 'c' } });
  const r = ok(envelope(raw, {}), { apiVersion: 'v1', kind: 'ConfigMap' });
  assert.equal(r.kind, 'ConfigMap');
  const bad = decodeProtobufBody(envelope(raw, {}));
  assert.deepEqual(bad, { ok: false, stage: 'envelope', message: `Object 'Kind' is missing in 'runtime.TypeMeta{APIVersion:"", Kind:""}'` });
});

test('bad bodies: upstream messages, envelope vs object stage', () => {
  assert.deepEqual(decodeProtobufBody(new Uint8Array(0)), { ok: false, stage: 'envelope', message: 'empty data' });
  assert.deepEqual(decodeProtobufBody(Buffer.from('{"kind":"ConfigMap"}')), {
    ok: false,
    stage: 'envelope',
    message: 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]',
  });
  assert.deepEqual(decodeProtobufBody(PROTOBUF_MAGIC), { ok: false, stage: 'envelope', message: 'empty body' });
  const good = body('v1', 'ConfigMap', { metadata: { name: 'c', namespace: 'default' }, data: { a: 'b' } });
  // Cut inside the envelope's raw field: the envelope itself is truncated.
  assert.deepEqual(decodeProtobufBody(good.subarray(0, good.length - 8)), { ok: false, stage: 'envelope', message: 'unexpected EOF' });
  // A well-formed envelope around a truncated object.
  const raw = encodeObject('v1', 'ConfigMap', { metadata: { name: 'c', namespace: 'default' }, data: { a: 'b' } });
  assert.deepEqual(decodeProtobufBody(envelope(raw.subarray(0, raw.length - 3), { apiVersion: 'v1', kind: 'ConfigMap' })), {
    ok: false,
    stage: 'object',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    message: 'unexpected EOF',
  });
  assert.deepEqual(decodeProtobufBody(envelope(raw, { apiVersion: 'v1', kind: 'Gadget' })), {
    ok: false,
    stage: 'object',
    apiVersion: 'v1',
    kind: 'Gadget',
    message: 'no kind "Gadget" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"',
  });
  // name (field 1 of ObjectMeta) sent as a varint: wrong wire type.
  const wrongWire = Buffer.from([0x0a, 0x02, 0x08, 0x01]);
  const w = decodeProtobufBody(envelope(wrongWire, { apiVersion: 'v1', kind: 'ConfigMap' }));
  assert.deepEqual(w, { ok: false, stage: 'object', apiVersion: 'v1', kind: 'ConfigMap', message: 'proto: wrong wireType = 0 for field Name' });
  // As upstream, contentEncoding is not interpreted: an encoded raw is decoded as is (and fails).
  const gz = decodeProtobufBody(envelope(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]), { apiVersion: 'v1', kind: 'ConfigMap' }, { contentEncoding: 'gzip' }));
  assert.equal(gz.ok, false);
});

test('time and duration formats match Go', () => {
  assert.equal(formatTime(0), '1970-01-01T00:00:00Z');
  assert.equal(formatMicroTime(1, 5_000), '1970-01-01T00:00:01.000005Z');
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(1_500_000_000), '1.5s');
  assert.equal(formatDuration(3_600_000_000_000 + 2 * 60e9 + 3e9), '1h2m3s');
  assert.equal(formatDuration(150_000_000), '150ms');
  assert.equal(formatDuration(-2_000), '-2µs');
});

test('embedded protobuf objects (RawExtension) decode, nesting is bounded', () => {
  const inner = body('v1', 'ConfigMap', { metadata: { name: 'c' }, data: { a: 'b' } });
  const rev = ok(body('apps/v1', 'ControllerRevision', { metadata: { name: 'r' }, data: { raw: inner }, revision: 1 }));
  assert.deepEqual(rev.object['data'], { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
  const json = ok(body('apps/v1', 'ControllerRevision', { metadata: { name: 'r' }, data: { raw: Buffer.from('{"spec":{"x":1}}') }, revision: 2 }));
  assert.deepEqual(json.object['data'], { spec: { x: 1 } });
  let nested: Buffer = inner;
  for (let i = 0; i < 8; i++) nested = body('apps/v1', 'ControllerRevision', { metadata: { name: `r${i}` }, data: { raw: nested }, revision: i });
  const deep = decodeProtobufBody(nested);
  assert.equal(deep.ok, false);
  assert.match(deep.ok ? '' : deep.message, /nested deeper than 4/);
});

test('authentication.k8s.io/v1beta1 SelfSubjectReview (kubectl 1.27 whoami) decodes with the v1 UserInfo', () => {
  assert.ok(messageFor('authentication.k8s.io/v1beta1', 'SelfSubjectReview'));
  assert.equal(messageFor('authentication.k8s.io/v1beta1', 'TokenReview'), undefined);
  const r = ok(body('authentication.k8s.io/v1beta1', 'SelfSubjectReview', { metadata: { ...ZERO_META }, status: { userInfo: { username: 'alice', groups: ['g'] } } }));
  assert.equal(r.apiVersion, 'authentication.k8s.io/v1beta1');
  assert.equal(r.kind, 'SelfSubjectReview');
  assert.deepEqual(r.object, { metadata: { creationTimestamp: null }, status: { userInfo: { username: 'alice', groups: ['g'] } } });
});
