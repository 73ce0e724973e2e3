/**
 * Child process for the kill -9 tests: writes to the store as fast as it can and prints one line per
 * acknowledged write, `ack <key> <value>`, only after the write's promise resolved. stdout is a pipe,
 * which node writes synchronously on Linux, so a printed ack was durable before the line left.
 *
 *   node --import tsx src/storage/testing/crash-writer.ts <endpoint> [etcdPrefix]
 *
 * Each key is created with value `c` and then updated to `u`. Failed writes (e.g. etcd killed) print
 * nothing and the writer carries on. Runs until killed.
 */
import { openBackend } from '../index.js';

const [endpoint, etcdPrefix] = process.argv.slice(2);
if (!endpoint) {
  process.stderr.write('usage: crash-writer.ts <endpoint> [etcdPrefix]\n');
  process.exit(2);
}
const backend = await openBackend({ endpoint, etcdPrefix });
let next = 0;
const pad = 'x'.repeat(200);
async function worker(): Promise<void> {
  for (;;) {
    const key = `/crash/k${String(next++).padStart(8, '0')}`;
    try {
      const kv = await backend.create(key, `c${pad}`);
      process.stdout.write(`ack ${key} c\n`);
      await backend.update(key, `u${pad}`, kv.modRevision);
      process.stdout.write(`ack ${key} u\n`);
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
process.stdout.write('ready\n');
await Promise.all(Array.from({ length: 32 }, worker));
