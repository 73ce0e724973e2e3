/**
 * OpenAPI follows custom resources live: a CRD that becomes Established adds its group/version to
 * `/openapi/v3` and its definition to `/openapi/v2` at once; a schema change changes the document
 * hash and what `kubectl explain` prints; deleting the CRD removes them. kubectl 1.27 (v2 protobuf)
 * explains and strictly validates the custom kind too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { KUBECTL_1_27, type TestServer, createNamespace, fails, ok, poll, startServer } from './lib/kube.js';

const RUN = Math.random().toString(36).slice(2, 8);
const GROUP = `flt${RUN}.example.com`;
const NS = `flt-oacrd-${RUN}`;
const V3_KEY = `apis/${GROUP}/v1`;
const COMPONENT = `${GROUP.split('.').reverse().join('.')}.v1.Gadget`;

let server: TestServer;
before(async () => {
  server = await startServer();
  await createNamespace(server, NS);
});
after(async () => {
  await server?.stop();
});

function crd(extraField: string): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.${GROUP}
spec:
  group: ${GROUP}
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          description: A Gadget does gadget things.
          properties:
            spec:
              type: object
              description: What the Gadget should be.
              properties:
                size:
                  type: integer
                  description: How big the Gadget is.
${extraField}`;
}

const EXTRA = `                colour:
                  type: string
                  description: The Gadget's colour.
                  enum: [red, green]
`;

async function index(): Promise<Record<string, { serverRelativeURL: string }>> {
  const r = await server.request('/openapi/v3');
  assert.equal(r.status, 200, r.body);
  return (JSON.parse(r.body) as { paths: Record<string, { serverRelativeURL: string }> }).paths;
}

const established = async (): Promise<boolean> =>
  (await server.kubectl(['get', 'crd', `gadgets.${GROUP}`, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}'])).stdout === 'True';

test('a CRD adds, changes and removes its OpenAPI documents live; explain and strict validation follow', async () => {
  assert.equal((await index())[V3_KEY], undefined);
  await ok(server, ['apply', '-f', '-'], { input: crd('') });
  await poll('CRD Established', established, 20_000, 100);
  const first = await poll('the group/version in /openapi/v3', async () => (await index())[V3_KEY], 10_000, 100);

  const doc = JSON.parse((await server.request(first.serverRelativeURL)).body) as { components: { schemas: Record<string, any> } };
  const gadget = doc.components.schemas[COMPONENT];
  assert.ok(gadget, `${COMPONENT} in ${Object.keys(doc.components.schemas).join(', ')}`);
  assert.deepEqual(gadget['x-kubernetes-group-version-kind'], [{ group: GROUP, version: 'v1', kind: 'Gadget' }]);
  assert.equal(gadget.description, 'A Gadget does gadget things.');
  const v2 = JSON.parse((await server.request('/openapi/v2')).body) as { definitions: Record<string, any> };
  assert.equal(v2.definitions[COMPONENT]?.properties?.spec?.properties?.size?.description, 'How big the Gadget is.');

  const explain = await ok(server, ['explain', 'gadgets.spec']);
  assert.match(explain, /What the Gadget should be\./);
  assert.match(explain, /^\s+size\t<integer>$/m);
  assert.doesNotMatch(explain, /colour/);
  const gadgetYaml = (spec: string) => `apiVersion: ${GROUP}/v1\nkind: Gadget\nmetadata:\n  name: g1\n  namespace: ${NS}\nspec:\n${spec}`;
  const refused = await fails(server, ['apply', '-f', '-'], { input: gadgetYaml('  size: 1\n  colour: red\n') });
  assert.match(refused.stderr, /strict decoding error: unknown field "spec\.colour"/);

  // A schema change: new hash in the index, the new field explained and accepted.
  await ok(server, ['apply', '-f', '-'], { input: crd(EXTRA) });
  const second = await poll('a new document hash', async () => {
    const entry = (await index())[V3_KEY];
    return entry && entry.serverRelativeURL !== first.serverRelativeURL ? entry : undefined;
  }, 10_000, 100);
  assert.notEqual(second.serverRelativeURL, first.serverRelativeURL);
  const colour = await ok(server, ['explain', 'gadgets.spec.colour']);
  assert.match(colour, /The Gadget's colour\./);
  assert.match(colour, /^ENUM:\n\s+red\n\s+green$/m);
  await ok(server, ['apply', '-f', '-'], { input: gadgetYaml('  size: 1\n  colour: red\n') });

  if (!existsSync(KUBECTL_1_27)) throw new Error(`${KUBECTL_1_27} is missing: the machine image ships it under /usr/lib/google-cloud-sdk/bin`);
  const old = await ok(server, ['explain', 'gadgets.spec'], { binary: KUBECTL_1_27 });
  assert.match(old, /What the Gadget should be\./);
  assert.match(old, /colour\t<string>/);
  const oldRefused = await fails(server, ['apply', '-f', '-'], { input: gadgetYaml('  size: 2\n  shape: round\n'), binary: KUBECTL_1_27 });
  assert.match(oldRefused.stderr, /strict decoding error: unknown field "spec\.shape"/);

  // Deleting the CRD takes its documents away.
  await ok(server, ['delete', 'crd', `gadgets.${GROUP}`, '--wait=true', '--timeout=30s']);
  await poll('the group/version gone from /openapi/v3', async () => (await index())[V3_KEY] === undefined, 15_000, 100);
  const v2After = JSON.parse((await server.request('/openapi/v2')).body) as { definitions: Record<string, unknown> };
  assert.equal(v2After.definitions[COMPONENT], undefined);
  assert.equal((await server.request(`/openapi/v3/${V3_KEY}`)).status, 404);
});
