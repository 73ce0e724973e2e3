/**
 * CustomResourceDefinitions with the real kubectl against a real `flotilla server` (SQLite):
 * create a CRD and wait for Established, apply custom objects (default --validate=strict, so the
 * OpenAPI documents must list the new kind at once), get with printer columns and short names,
 * field selectors from selectableFields, explain from the CRD's schema, the scale and status
 * subresources, schema violations refused with upstream's messages, namespace deletion and CRD
 * deletion removing the objects.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestServer, KUBECTL_1_27, createNamespace, fails, getJson, ok, poll, startServer } from './lib/kube.js';
import { existsSync } from 'node:fs';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          description: CronTab runs an image on a schedule.
          properties:
            spec:
              type: object
              description: The desired schedule and image of the CronTab.
              properties:
                cronSpec:
                  type: string
                  description: When to run, in cron syntax.
                image:
                  type: string
                  description: The image to run.
                color:
                  type: string
                  enum: [red, blue]
                replicas:
                  type: integer
                  minimum: 0
                  maximum: 10
                  default: 1
              required: [image]
            status:
              type: object
              properties:
                replicas: {type: integer}
                selector: {type: string}
      selectableFields:
        - jsonPath: .spec.color
      subresources:
        status: {}
        scale:
          specReplicasPath: .spec.replicas
          statusReplicasPath: .status.replicas
          labelSelectorPath: .status.selector
      additionalPrinterColumns:
        - name: Spec
          type: string
          jsonPath: .spec.cronSpec
        - name: Replicas
          type: integer
          jsonPath: .spec.replicas
        - name: Age
          type: date
          jsonPath: .metadata.creationTimestamp
`;

function cronTab(name: string, ns: string, spec: string): string {
  return `apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n${spec}`;
}

test('a CRD becomes Established and its custom resources work with kubectl', async () => {
  assert.match(await ok(server, ['apply', '-f', '-'], { input: CRD }), /customresourcedefinition.apiextensions.k8s.io\/crontabs.stable.example.com created/);
  await ok(server, ['wait', '--for', 'condition=established', '--timeout=30s', 'crd/crontabs.stable.example.com']);
  const crd = await getJson(server, ['crd', 'crontabs.stable.example.com']);
  assert.deepEqual(crd.status.acceptedNames.shortNames, ['ct']);
  // re-applying and diffing the same CRD changes nothing
  assert.match(await ok(server, ['apply', '-f', '-'], { input: CRD }), /unchanged/);
  await ok(server, ['diff', '-f', '-'], { input: CRD });
  assert.deepEqual(crd.status.storedVersions, ['v1']);

  await createNamespace(server, 'crd-a');
  const out = await ok(server, ['apply', '-f', '-'], { input: cronTab('every-minute', 'crd-a', '  cronSpec: "* * * * */1"\n  image: my-cron-image\n  color: blue\n') });
  assert.match(out, /^crontab.stable.example.com\/every-minute created$/m);
  await ok(server, ['apply', '-f', '-'], { input: cronTab('nightly', 'crd-a', '  cronSpec: "0 3 * * *"\n  image: other\n  color: red\n  replicas: 2\n') });

  const table = await ok(server, ['get', 'crontabs', '-n', 'crd-a']);
  const lines = table.trim().split('\n');
  assert.match(lines[0]!, /^NAME\s+SPEC\s+REPLICAS\s+AGE$/);
  assert.match(table, /^every-minute\s+\* \* \* \* \*\/1\s+1\s+\d+s$/m);
  assert.match(table, /^nightly\s+0 3 \* \* \*\s+2\s+\d+s$/m);
  assert.match(await ok(server, ['get', 'ct', '-n', 'crd-a', '-o', 'name']), /crontab.stable.example.com\/every-minute/);
  const blue = await ok(server, ['get', 'ct', '-n', 'crd-a', '--field-selector', 'spec.color=blue', '-o', 'name']);
  assert.equal(blue.trim(), 'crontab.stable.example.com/every-minute');

  // defaults applied, apply again is unchanged
  assert.equal((await getJson(server, ['crontab', 'every-minute', '-n', 'crd-a'])).spec.replicas, 1);
  assert.match(await ok(server, ['apply', '-f', '-'], { input: cronTab('every-minute', 'crd-a', '  cronSpec: "* * * * */1"\n  image: my-cron-image\n  color: blue\n') }), /unchanged/);

  const explain = await ok(server, ['explain', 'crontab.spec']);
  assert.match(explain, /KIND:\s+CronTab/);
  assert.match(explain, /The desired schedule and image of the CronTab\./);
  assert.match(explain, /cronSpec\s+<string>/);
  assert.match(explain, /When to run, in cron syntax\./);
  assert.match(explain, /image\s+<string> -required-/);

  // scale and status subresources
  assert.match(await ok(server, ['scale', 'crontab/every-minute', '-n', 'crd-a', '--replicas=3']), /crontab.stable.example.com\/every-minute scaled/);
  assert.equal((await getJson(server, ['crontab', 'every-minute', '-n', 'crd-a'])).spec.replicas, 3);
  await ok(server, ['patch', 'crontab', 'every-minute', '-n', 'crd-a', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":3,"selector":"app=cron"}}']);
  const st = await getJson(server, ['crontab', 'every-minute', '-n', 'crd-a']);
  assert.deepEqual(st.status, { replicas: 3, selector: 'app=cron' });
  // a main-resource write cannot change status
  await ok(server, ['patch', 'crontab', 'every-minute', '-n', 'crd-a', '--type=merge', '-p', '{"status":{"replicas":7}}']);
  assert.equal((await getJson(server, ['crontab', 'every-minute', '-n', 'crd-a'])).status.replicas, 3);
});

test('custom objects that violate the schema are refused, nothing written', async () => {
  await createNamespace(server, 'crd-b');
  const bad = await fails(server, ['apply', '-f', '-'], { input: cronTab('bad', 'crd-b', '  image: x\n  replicas: 20\n  color: green\n') });
  assert.match(
    bad.stderr,
    /The CronTab "bad" is invalid: \n\* spec\.color: Unsupported value: "green": supported values: "red", "blue"\n\* spec\.replicas: Invalid value: 20: spec\.replicas in body should be less than or equal to 10/,
  );
  const missing = await fails(server, ['apply', '-f', '-'], { input: cronTab('bad', 'crd-b', '  cronSpec: x\n') });
  assert.match(missing.stderr, /The CronTab "bad" is invalid: spec\.image: Required value/);
  // kubectl's default strict field validation: unknown fields are errors
  const unknown = await fails(server, ['apply', '-f', '-'], { input: cronTab('bad', 'crd-b', '  image: x\n  bogus: 1\n') });
  assert.match(unknown.stderr, /unknown field "spec\.bogus"/);
  assert.match(await ok(server, ['get', 'crontabs', '-n', 'crd-b']), /^$/);
});

test('invalid CRDs are refused with upstream messages', async () => {
  const nonStructural = CRD.replace('crontabs.stable.example.com', 'widgets.stable.example.com')
    .replace('plural: crontabs', 'plural: widgets')
    .replace('singular: crontab', 'singular: widget')
    .replace('kind: CronTab', 'kind: Widget')
    .replace('shortNames: [ct]', 'shortNames: [wd]')
    .replace('                cronSpec:\n                  type: string\n', '                cronSpec:\n                  description: no type\n');
  const r = await fails(server, ['apply', '-f', '-'], { input: nonStructural });
  assert.match(
    r.stderr,
    /The CustomResourceDefinition "widgets.stable.example.com" is invalid: spec.versions\[0\].schema.openAPIV3Schema.properties\[spec\].properties\[cronSpec\].type: Required value: must not be empty for specified object fields/,
  );
  await fails(server, ['get', 'crd', 'widgets.stable.example.com']);
});

test('deleting a namespace, then the CRD, removes the custom objects', async () => {
  await createNamespace(server, 'crd-c');
  await ok(server, ['apply', '-f', '-'], { input: cronTab('one', 'crd-c', '  image: x\n') });
  await ok(server, ['delete', 'namespace', 'crd-c', '--timeout=60s']);
  await fails(server, ['get', 'namespace', 'crd-c']);

  await ok(server, ['delete', 'crd', 'crontabs.stable.example.com', '--timeout=60s']);
  await poll('crontabs to stop being served', async () => (await server.kubectl(['get', 'crontabs', '-A'])).code !== 0);
  const gone = await fails(server, ['get', 'crontabs', '-A']);
  // kubectl names the type as unknown, or (with discovery still cached) the list as not found.
  assert.match(gone.stderr, /the server doesn't have a resource type "crontabs"|Unable to list "stable.example.com\/v1, Resource=crontabs": the server could not find the requested resource/);
  // Recreated, the CRD starts empty: the old objects were deleted with it.
  await ok(server, ['apply', '-f', '-'], { input: CRD });
  await ok(server, ['wait', '--for', 'condition=established', '--timeout=30s', 'crd/crontabs.stable.example.com']);
  const all = await ok(server, ['get', 'crontabs', '-A', '-o', 'name']);
  assert.equal(all.trim(), '');
});

test('kubectl 1.27 (OpenAPI v2) applies and explains custom resources', async () => {
  assert.ok(existsSync(KUBECTL_1_27), `${KUBECTL_1_27} is missing (google-cloud-sdk's kubectl versions; see test/e2e/kubectl-versions.test.ts)`);
  await createNamespace(server, 'crd-d');
  await ok(server, ['apply', '-f', '-'], { input: cronTab('old', 'crd-d', '  image: x\n'), binary: KUBECTL_1_27 });
  const explain = await ok(server, ['explain', 'crontab.spec'], { binary: KUBECTL_1_27 });
  assert.match(explain, /The desired schedule and image of the CronTab\./);
});
