/**
 * kubectl's default `--validate=strict` for every served kind (built-ins and the seed's groups): kubectl finds the kind's PATCH
 * operation with a `fieldValidation` parameter in our OpenAPI (v3 for 1.29+, the v2 protobuf for
 * 1.27/1.28), sends `fieldValidation=Strict`, and the server refuses an unknown field with
 * upstream's `strict decoding error`. Were the kind missing from the OpenAPI, kubectl would fall
 * back to client-side validation and say something else. Valid objects of a few kinds pass;
 * `--validate=warn` lets the unknown field through with the server's warning.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { servedResources } from '../../src/api/builtin.js';
import type { ResourceDef } from '../../src/api/types.js';
import { KUBECTL_1_27, KUBECTL_1_33, type TestServer, createNamespace, ok, show, startServer } from './lib/kube.js';

const NS = `flt-val-${Math.random().toString(36).slice(2, 8)}`;
const KUBECTL_1_28 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.28';

let server: TestServer;
before(async () => {
  server = await startServer();
  await createNamespace(server, NS);
});
after(async () => {
  await server?.stop();
});

/** Served kinds (built-ins and the seed's groups) a client may write with `kubectl create -f`. */
function writableKinds(): ResourceDef[] {
  const seen = new Set<string>();
  return servedResources().filter((d) => {
    const key = `${d.group}/${d.version}/${d.kind}`;
    if (seen.has(key) || !(d.verbs ?? ['create']).includes('create')) return false;
    seen.add(key);
    return true;
  });
}

/**
 * What kubectl says about the unknown field. kubectl looks for `fieldValidation` on the kind's PATCH
 * operation only (cli-runtime's query param verifier); a kind with no PATCH (TokenReview, the
 * access reviews, Binding) is validated client-side against its schema, as upstream's are.
 */
function refusal(def: ResourceDef): RegExp {
  if ((def.verbs ?? ['patch']).includes('patch')) return /strict decoding error: unknown field "fltBogusField"/;
  const id = (def.schema.id ?? '').replace(/\./g, '\\.');
  return new RegExp(`error validating data: \\[?ValidationError\\(${def.kind}\\): unknown field "fltBogusField" in ${id}`);
}

/** Runs `fn` over `items`, at most `n` at a time (kubectl mostly waits on the server). */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function manifest(def: ResourceDef, name: string): string {
  const apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
  const meta = def.namespaced ? `  name: ${name}\n  namespace: ${NS}\n` : `  name: ${name}\n`;
  return `apiVersion: ${apiVersion}\nkind: ${def.kind}\nmetadata:\n${meta}fltBogusField: 1\n`;
}

test('--validate=strict (the default): every served kind refuses an unknown field with the server strict decoding error', async () => {
  const failures: string[] = [];
  const kinds = writableKinds();
  assert.ok(kinds.length >= 30, `only ${kinds.length} writable kinds`);
  await pool(kinds, 4, async (def) => {
    const r = await server.kubectl(['create', '--dry-run=server', '-f', '-'], { input: manifest(def, 'flt-strict') });
    const text = r.stdout + r.stderr;
    if (r.code === 0 || !refusal(def).test(text)) failures.push(`${def.group}/${def.version} ${def.kind}: ${show(r)}`);
  });
  assert.deepEqual(failures, []);
});

for (const [label, binary] of [
  ['1.27 (OpenAPI v2 protobuf)', KUBECTL_1_27],
  ['1.28 (OpenAPI v2 protobuf)', KUBECTL_1_28],
  ['1.33', KUBECTL_1_33],
] as const) {
  test(`kubectl ${label}: --validate=strict reaches the server for every served kind`, async () => {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: the machine image ships it under /usr/lib/google-cloud-sdk/bin`);
    const failures: string[] = [];
    await pool(writableKinds(), 4, async (def) => {
      const r = await server.kubectl(['create', '--dry-run=server', '-f', '-'], { input: manifest(def, 'flt-strict'), binary });
      if (r.code === 0 || !refusal(def).test(r.stdout + r.stderr)) failures.push(`${def.kind}: ${show(r)}`);
    });
    assert.deepEqual(failures, []);
  });
}

test('valid objects pass strict validation; --validate=warn lets an unknown field through with a warning', async () => {
  const valid = [
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flt-cm\n  namespace: ${NS}\ndata:\n  a: "1"\n`,
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: flt-dep\n  namespace: ${NS}\nspec:\n  selector:\n    matchLabels: {app: x}\n  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      containers:\n      - name: c\n        image: busybox\n        resources: {limits: {cpu: 100m, memory: 64Mi}}\n`,
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: flt-svc\n  namespace: ${NS}\nspec:\n  selector: {app: x}\n  ports:\n  - port: 80\n    targetPort: 8080\n`,
    `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: flt-cj\n  namespace: ${NS}\nspec:\n  schedule: "*/5 * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: c\n            image: busybox\n`,
  ];
  for (const m of valid) {
    for (const binary of [undefined, KUBECTL_1_27]) {
      const out = await ok(server, ['apply', '--dry-run=server', '-f', '-'], { input: m, ...(binary ? { binary } : {}) });
      assert.match(out, /created \(server dry run\)/);
    }
  }
  // A nested unknown field is named with its path.
  const nested = valid[1]!.replace('        image: busybox\n', '        image: busybox\n        fltNested: true\n');
  const r = await server.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: nested });
  assert.notEqual(r.code, 0, show(r));
  assert.match(r.stderr, /strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.fltNested"/, show(r));
  // --validate=warn (fieldValidation=Warn): the server drops the field and says so in a warning.
  const loose = await server.kubectl(['create', '--validate=warn', '--dry-run=server', '-f', '-'], { input: manifest(writableKinds().find((d) => d.kind === 'ConfigMap')!, 'flt-loose') });
  assert.equal(loose.code, 0, show(loose));
  assert.match(loose.stderr, /Warning: unknown field "fltBogusField"/, show(loose));
});
