import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrors, aggregateFieldErrors, path } from './field-error.js';
import { invalid } from './errors.js';

test('field errors render as upstream does', () => {
  const req = fieldErrors.required(String(path('spec', 'template').child('spec').child('containers').index(0).child('image')));
  assert.equal(String(req), 'spec.template.spec.containers[0].image: Required value');
  const inv = fieldErrors.invalid('spec.replicas', -1, 'must be greater than or equal to 0');
  assert.equal(String(inv), 'spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  const ns = fieldErrors.notSupported('spec.type', 'Foo', ['ClusterIP', 'NodePort']);
  assert.equal(String(ns), 'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "NodePort"');
  assert.equal(aggregateFieldErrors([req, inv]), `[${req}, ${inv}]`);
});

test('invalid() builds the 422 Status pieces', () => {
  const e = invalid('apps', 'Deployment', 'web', [fieldErrors.required('spec.selector')]);
  assert.equal(e.code, 422);
  assert.equal(e.message, 'Deployment.apps "web" is invalid: spec.selector: Required value');
  assert.deepEqual(e.details?.causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' }]);
});
