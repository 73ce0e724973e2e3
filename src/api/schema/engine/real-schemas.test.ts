// The engine against the real built-in schemas (core/v1 Pod and everything registered in builtin.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podResource } from '../../core/v1/pod.js';
import { builtinResources } from '../../builtin.js';
import { applyDefaults, checkTypes, findStrictFieldIssues, findUnknownFields, formatDecodeError, validateValues } from './index.js';

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { a: 'b' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }] },
  spec: {
    containers: [
      {
        name: 'c',
        image: 'nginx',
        args: ['-g', 'daemon off;'],
        ports: [{ containerPort: 80, name: 'http' }],
        env: [{ name: 'A', value: '1' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.1 } },
        readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        securityContext: { runAsUser: 1000, capabilities: { drop: ['ALL'] } },
      },
    ],
    volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'k', path: 'p' }] } }],
    tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] }] } } },
  },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
});

test('a realistic Pod has no unknown fields, type mismatches or constraint violations', () => {
  const p = pod();
  assert.deepEqual(findUnknownFields(p, podResource.schema), []);
  assert.deepEqual(findStrictFieldIssues(JSON.stringify(p), podResource.schema), []);
  assert.deepEqual(checkTypes(p, podResource.schema), []);
  applyDefaults(p, podResource.schema);
  assert.deepEqual(validateValues(p, podResource.schema).map(String), []);
  assert.equal((p.spec.containers[0]!.ports[0] as Record<string, unknown>).protocol, 'TCP');
});

test('Pod mistakes are reported with upstream paths and Go wording', () => {
  const p = pod() as Record<string, any>;
  p.spec.containers[0].imagePullPolicyy = 'Always';
  p.spec.containers[0].ports[0].containerPort = '80';
  assert.deepEqual(findUnknownFields(p, podResource.schema), ['spec.containers[0].imagePullPolicyy']);
  const [m] = checkTypes(p, podResource.schema);
  assert.equal(
    formatDecodeError('Pod', 'v1', m!),
    'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
  );
});

test('every built-in schema survives every engine function on an empty and a bogus object', () => {
  for (const def of builtinResources()) {
    const obj: Record<string, unknown> = { apiVersion: def.version, kind: def.kind, metadata: { name: 'x' } };
    if (def.schema.properties?.spec) obj.spec = {};
    obj.bogus = 1;
    assert.deepEqual(findUnknownFields(obj, def.schema), ['bogus'], def.kind);
    assert.deepEqual(checkTypes(obj, def.schema).filter((m) => m.path !== 'spec'), [], def.kind);
    applyDefaults(obj, def.schema);
    validateValues(obj, def.schema);
  }
});
