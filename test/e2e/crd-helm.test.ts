/**
 * helm 3.17 with a chart that carries a CRD in crds/ and a custom object in templates/: helm
 * creates the CRD, waits until it is Established, refreshes its REST mapping and creates the object
 * (strict OpenAPI validation included); upgrade changes the object; uninstall removes the object and
 * keeps the CRD, as helm does. The chart is written to a per-run temp dir.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fails, getJson, ok, startServer, type TestServer } from './lib/kube.js';
import { helmBinary, runHelm } from '../support/helm.js';

const NS = 'crd-helm';
let server: TestServer;
let helm = '';
let home = '';

const helmRun = (args: string[]) => runHelm({ binary: helm, kubeconfig: server.kubeconfig, home, args });

async function helmOk(args: string[]): Promise<string> {
  const r = await helmRun(args);
  assert.equal(r.code, 0, `helm ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function writeChart(dir: string): string {
  const chart = join(dir, 'gadgets');
  mkdirSync(join(chart, 'crds'), { recursive: true });
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: gadgets\nversion: 0.1.0\n');
  writeFileSync(join(chart, 'values.yaml'), 'size: 3\n');
  writeFileSync(
    join(chart, 'crds', 'gadgets.yaml'),
    `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.helm.example.com
spec:
  group: helm.example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer, minimum: 1}
                mode: {type: string, default: fast}
`,
  );
  writeFileSync(
    join(chart, 'templates', 'gadget.yaml'),
    'apiVersion: helm.example.com/v1\nkind: Gadget\nmetadata:\n  name: {{ .Release.Name }}-gadget\nspec:\n  size: {{ .Values.size }}\n',
  );
  return chart;
}

before(async () => {
  helm = helmBinary();
  home = mkdtempSync(join(tmpdir(), 'flotilla-crd-helm-'));
  server = await startServer();
});

after(async () => {
  await server?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('helm installs a chart with a CRD and a custom object, upgrades and uninstalls it', async () => {
  const chart = writeChart(home);
  const out = await helmOk(['install', 'g', chart, '-n', NS, '--create-namespace', '--wait', '--timeout', '60s']);
  assert.match(out, /^STATUS: deployed$/m);
  const crd = await getJson(server, ['crd', 'gadgets.helm.example.com']);
  assert.ok((crd.status.conditions as { type: string; status: string }[]).some((c) => c.type === 'Established' && c.status === 'True'));
  const g = await getJson(server, ['gadget', 'g-gadget', '-n', NS]);
  assert.deepEqual(g.spec, { size: 3, mode: 'fast' });

  await helmOk(['upgrade', 'g', chart, '-n', NS, '--set', 'size=5', '--wait', '--timeout', '60s']);
  assert.equal((await getJson(server, ['gadget', 'g-gadget', '-n', NS])).spec.size, 5);
  const bad = await helmRun(['upgrade', 'g', chart, '-n', NS, '--set', 'size=0']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/);
  assert.equal((await getJson(server, ['gadget', 'g-gadget', '-n', NS])).spec.size, 5);

  await helmOk(['uninstall', 'g', '-n', NS, '--wait', '--timeout', '60s']);
  await fails(server, ['get', 'gadget', 'g-gadget', '-n', NS]);
  // helm never deletes CRDs
  await ok(server, ['get', 'crd', 'gadgets.helm.example.com']);
});
