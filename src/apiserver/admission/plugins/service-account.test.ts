import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../../api/builtin.js';
import type { KubeObject, ResourceDef } from '../../../api/types.js';
import { createServiceAccountAdmission, tokenVolumeSource } from './service-account.js';
import type { AdmissionRequest } from '../types.js';

const podsDef = builtinResources().find((d: ResourceDef) => d.group === '' && d.plural === 'pods')!;

function create(spec: Record<string, unknown>): AdmissionRequest {
  return {
    operation: 'CREATE',
    def: podsDef,
    namespace: 'app',
    name: 'web',
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'app' }, spec } as KubeObject,
    subresource: '',
    user: { username: 'admin', groups: [] },
    dryRun: false,
  };
}

const seq = () => {
  let i = 0;
  return () => (i++ % 27) / 27;
};

test('kube-api-access projected volume and read-only mounts in every init and regular container, as upstream', async () => {
  const plugin = createServiceAccountAdmission({ mountServiceAccountToken: true, random: seq() });
  const req = create({
    initContainers: [{ name: 'init' }],
    containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
  });
  await plugin.admit(req);
  const spec = req.object!['spec'] as Record<string, any>;
  assert.equal(spec['serviceAccountName'], 'default');
  assert.deepEqual(spec['volumes'], [{ name: 'kube-api-access-bcdfg', projected: tokenVolumeSource() }]);
  const mount = { name: 'kube-api-access-bcdfg', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
  assert.deepEqual(spec['initContainers'][0].volumeMounts, [mount]);
  assert.deepEqual(spec['containers'][0].volumeMounts, [mount]);
  assert.equal(spec['containers'][1].volumeMounts.length, 1);
  assert.deepEqual(tokenVolumeSource(), {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  });
});

test('automountServiceAccountToken: false on the pod, or on the account, opts out; the pod setting wins', async () => {
  const noMount = createServiceAccountAdmission({ mountServiceAccountToken: true });
  const r1 = create({ automountServiceAccountToken: false, containers: [{ name: 'a' }] });
  await noMount.admit(r1);
  assert.equal((r1.object!['spec'] as Record<string, any>)['volumes'], undefined);

  const reader = { get: async () => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' }, automountServiceAccountToken: false }) as KubeObject };
  const withSa = createServiceAccountAdmission({ mountServiceAccountToken: true, reader });
  const r2 = create({ containers: [{ name: 'a' }] });
  await withSa.admit(r2);
  assert.equal((r2.object!['spec'] as Record<string, any>)['volumes'], undefined);
  const r3 = create({ automountServiceAccountToken: true, containers: [{ name: 'a' }] });
  await withSa.admit(r3);
  assert.equal((r3.object!['spec'] as Record<string, any>)['volumes'].length, 1);
});

test('an existing kube-api-access volume is reused; without the option nothing is mounted; a missing account is tolerated when not required', async () => {
  const plugin = createServiceAccountAdmission({ mountServiceAccountToken: true, reader: { get: async () => undefined }, requireServiceAccount: false });
  const r = create({ volumes: [{ name: 'kube-api-access-zzzzz', projected: {} }], containers: [{ name: 'a' }] });
  await plugin.admit(r);
  const spec = r.object!['spec'] as Record<string, any>;
  assert.equal(spec['volumes'].length, 1);
  assert.equal(spec['containers'][0].volumeMounts[0].name, 'kube-api-access-zzzzz');
  const off = create({ containers: [{ name: 'a' }] });
  await createServiceAccountAdmission({}).admit(off);
  assert.equal((off.object!['spec'] as Record<string, any>)['containers'][0].volumeMounts, undefined);
});

test('malformed pod specs are left for validation to refuse (admission runs before schema checks): no exception', async () => {
  const plugin = createServiceAccountAdmission({ mountServiceAccountToken: true });
  const bad: unknown[] = [
    { containers: 'x' },
    { containers: [null, 'x', 5, { name: 'a', volumeMounts: 'y' }] },
    { containers: [{ name: 'a', volumeMounts: [null, 'm'] }] },
    { volumes: 'v', containers: [{ name: 'a' }] },
    { volumes: [null, 3, { name: 7 }], containers: [{ name: 'a' }] },
    { initContainers: {}, containers: [{ name: 'a' }] },
  ];
  for (const spec of bad) {
    const req = create(structuredClone(spec) as Record<string, unknown>);
    await plugin.admit(req);
  }
  const notObject = create({});
  notObject.object!['spec'] = 'nope';
  await plugin.admit(notObject);
  assert.equal(notObject.object!['spec'], 'nope');
  // A container list with a non-object entry still mounts the well-formed containers.
  const mixed = create({ containers: [null, { name: 'a', volumeMounts: [null] }] });
  await plugin.admit(mixed);
  const spec = mixed.object!['spec'] as Record<string, any>;
  assert.equal(spec['containers'][1].volumeMounts.length, 2);
  assert.equal(spec['volumes'].length, 1);
});
