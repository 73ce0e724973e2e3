/**
 * The core kubectl flow (create, apply twice, diff, get, patch of each type, watch, delete, namespace
 * deletion) as one function, run against other datastores (etcd) and other kubectl versions.
 */
import assert from 'node:assert/strict';
import {
  type KObj,
  type TestServer,
  configMapYaml,
  deploymentYaml,
  header,
  show,
  spawnKubectl,
  table,
} from './kube.js';

export interface FlowOptions {
  /** kubectl binary (default /usr/bin/kubectl). */
  binary?: string;
  /** Run the watch step (spawned `kubectl get -w`). Default true. */
  watch?: boolean;
}

export async function coreFlow(t: { after(fn: () => unknown): void; diagnostic?(msg: string): void }, server: TestServer, ns: string, opts: FlowOptions = {}): Promise<void> {
  const binary = opts.binary;
  const k = async (args: string[], input?: string) => {
    const r = await server.kubectl(args, { binary, input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${show(r)}`);
    return r.stdout;
  };
  const kFail = async (args: string[]) => {
    const r = await server.kubectl(args, { binary });
    assert.equal(r.code, 1, `kubectl ${args.join(' ')} should fail: ${show(r)}`);
    return r.stderr;
  };
  const json = async (args: string[]) => JSON.parse(await k(['get', ...args, '-o', 'json'])) as KObj;

  assert.match(await k(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`), new RegExp(`^namespace/${ns} created$`, 'm'));

  // create -f (JSON on stdin)
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, labels: { app: 'demo' } }, data: { level: 'info' } };
  assert.equal((await k(['create', '-f', '-'], JSON.stringify(cm))).trim(), 'configmap/settings created');

  // apply, then apply a change
  assert.equal((await k(['apply', '-f', '-'], deploymentYaml('web', ns, { replicas: 2, env: { MODE: 'a' }, ports: [80, 81] }))).trim(), 'deployment.apps/web created');
  assert.equal((await k(['apply', '-f', '-'], deploymentYaml('web', ns, { replicas: 2, env: { MODE: 'a' }, ports: [80, 81] }))).trim(), 'deployment.apps/web unchanged');
  assert.equal((await k(['apply', '-f', '-'], deploymentYaml('web', ns, { replicas: 3, env: { MODE: 'b' }, ports: [80], labels: { tier: 'front' } }))).trim(), 'deployment.apps/web configured');
  let dep = await json(['deploy', 'web', '-n', ns]);
  assert.equal(dep.spec.replicas, 3);
  assert.deepEqual(dep.spec.template.spec.containers[0].env, [{ name: 'MODE', value: 'b' }]);
  assert.deepEqual(dep.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(dep.metadata.labels, { app: 'web', tier: 'front' });
  assert.ok(dep.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);

  // diff: nothing for the applied file (exit 0); a change shows as a unified diff (exit 1) made by
  // a server-side dry run that writes nothing.
  const same = await server.kubectl(['diff', '-f', '-'], { binary, input: deploymentYaml('web', ns, { replicas: 3, env: { MODE: 'b' }, ports: [80], labels: { tier: 'front' } }) });
  assert.equal(same.code, 0, `kubectl diff of the applied file: ${show(same)}`);
  assert.equal(same.stdout, '');
  const changed = await server.kubectl(['diff', '-f', '-'], { binary, input: deploymentYaml('web', ns, { replicas: 5, env: { MODE: 'b' }, ports: [80], labels: { tier: 'front' } }) });
  assert.equal(changed.code, 1, `kubectl diff of a change: ${show(changed)}`);
  assert.match(changed.stdout, /^-  replicas: 3$/m);
  assert.match(changed.stdout, /^\+  replicas: 5$/m);
  assert.equal((await json(['deploy', 'web', '-n', ns])).spec.replicas, 3, 'diff wrote nothing');

  // get: table, -o name, selectors
  const tbl = await k(['get', 'deploy', '-n', ns]);
  assert.deepEqual(header(tbl), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
  assert.deepEqual(table(tbl)[1]!.slice(0, 2), ['web', '0/3']);
  assert.equal((await k(['get', 'cm', '-n', ns, '-l', 'app=demo', '-o', 'name'])).trim(), 'configmap/settings');
  assert.equal((await k(['get', 'cm', '-n', ns, '-l', 'app in (demo)', '--field-selector', 'metadata.name=settings', '-o', 'jsonpath={.items[0].data.level}'])), 'info');

  // patch: strategic (default), merge, json
  assert.equal((await k(['patch', 'deploy', 'web', '-n', ns, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"EXTRA","value":"1"}]}]}}}}'])).trim(), 'deployment.apps/web patched');
  assert.equal((await k(['patch', 'deploy', 'web', '-n', ns, '--type=merge', '-p', '{"metadata":{"annotations":{"note":"merged"}}}'])).trim(), 'deployment.apps/web patched');
  assert.equal((await k(['patch', 'deploy', 'web', '-n', ns, '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":1}]'])).trim(), 'deployment.apps/web patched');
  dep = await json(['deploy', 'web', '-n', ns]);
  assert.deepEqual(dep.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name).sort(), ['EXTRA', 'MODE']);
  assert.equal(dep.metadata.annotations?.note, 'merged');
  assert.equal(dep.spec.replicas, 1);

  // watch: a change shows up in a running `kubectl get -w`
  if (opts.watch !== false) {
    const w = spawnKubectl(t, server, ['get', 'cm', '-n', ns, '-w', '--output-watch-events'], { binary });
    await w.waitFor(/^ADDED\s+settings\s/m);
    await k(['patch', 'cm', 'settings', '-n', ns, '--type=merge', '-p', '{"data":{"level":"debug","extra":"x"}}']);
    await w.waitFor(/^MODIFIED\s+settings\s+2\s/m);
    await k(['delete', 'cm', 'settings', '-n', ns]);
    await w.waitFor(/^DELETED\s+settings\s/m);
    await w.kill();
  } else {
    await k(['delete', 'cm', 'settings', '-n', ns]);
  }

  // delete
  assert.equal((await k(['delete', 'deploy', 'web', '-n', ns])).trim(), 'deployment.apps "web" deleted');
  assert.equal((await kFail(['get', 'deploy', 'web', '-n', ns])).trim(), 'Error from server (NotFound): deployments.apps "web" not found');
  await k(['apply', '-f', '-'], configMapYaml('leftover', ns, { a: 'b' }));
  assert.equal((await k(['delete', 'ns', ns, '--timeout=60s'])).trim(), `namespace "${ns}" deleted`);
  assert.equal((await kFail(['get', 'ns', ns])).trim(), `Error from server (NotFound): namespaces "${ns}" not found`);
}
