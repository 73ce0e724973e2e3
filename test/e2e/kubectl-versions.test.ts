/**
 * Older and newer kubectl against the same server: 1.27 (aggregated discovery v2beta1, no protobuf
 * bodies for apply) and 1.33 (discovery v2). Apply, diff, get, patch, watch, delete.
 */
import { after, before, test } from 'node:test';
import { existsSync } from 'node:fs';
import { coreFlow } from './lib/core-flow.js';
import { KUBECTL_1_27, KUBECTL_1_33, type TestServer, startServer } from './lib/kube.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

for (const [label, binary] of [
  ['1.27', KUBECTL_1_27],
  ['1.33', KUBECTL_1_33],
] as const) {
  test(`kubectl ${label}: apply, diff, get, patch, watch, delete`, async (t) => {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: the machine image ships kubectl ${label} under /usr/lib/google-cloud-sdk/bin`);
    await coreFlow(t, server, `v${label.replace('.', '-')}`, { binary });
  });
}
