import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseOutput, chooseDiscovery, patchType, bodyFormat } from './negotiation.js';

test('kubectl get asks for Table', () => {
  assert.deepEqual(chooseOutput('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'), {
    kind: 'table',
    version: 'v1',
  });
  assert.deepEqual(chooseOutput('application/vnd.kubernetes.protobuf,application/json'), { kind: 'json' });
  assert.deepEqual(chooseOutput(undefined), { kind: 'json' });
  assert.equal(chooseOutput('text/html'), undefined);
  assert.deepEqual(chooseOutput('application/json;as=Foo;v=v1;g=meta.k8s.io,application/json'), { kind: 'json' });
});

test('discovery flavours', () => {
  assert.equal(
    chooseDiscovery('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'),
    'v2',
  );
  assert.equal(chooseDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1');
  assert.equal(chooseDiscovery('application/json, */*'), 'legacy');
});

test('patch and body content types', () => {
  assert.equal(patchType('application/strategic-merge-patch+json'), 'strategic');
  assert.equal(patchType('application/apply-patch+yaml'), 'apply');
  assert.equal(patchType('application/json'), undefined);
  assert.equal(bodyFormat('application/json; charset=utf-8'), 'json');
  assert.equal(bodyFormat('text/plain'), undefined);
});

test('protobuf request bodies are recognised; answers to protobuf Accept stay JSON', () => {
  assert.equal(bodyFormat('application/vnd.kubernetes.protobuf'), 'protobuf');
  assert.equal(bodyFormat('Application/Vnd.Kubernetes.Protobuf; charset=binary'), 'protobuf');
  assert.equal(bodyFormat('application/vnd.kubernetes.protobuf;stream=watch'), 'protobuf');
  assert.deepEqual(chooseOutput('application/vnd.kubernetes.protobuf, application/json'), { kind: 'json' });
  assert.deepEqual(chooseOutput('application/vnd.kubernetes.protobuf;stream=watch'), { kind: 'json' });
  assert.deepEqual(chooseOutput('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, application/json'), { kind: 'table', version: 'v1' });
});
