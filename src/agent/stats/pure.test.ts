import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const PURE = ['types.ts', 'rates.ts', 'host-parse.ts', 'summary.ts', 'resource-metrics.ts'];

test('the decision modules of agent/stats import no I/O (only themselves and the CRI contract)', () => {
  const bad: string[] = [];
  for (const f of PURE) {
    const text = readFileSync(join(here, f), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      const ok = /^\.\/[a-z-]+\.js$/.test(spec) || spec === '../runtime/cri-types.js';
      if (!ok) bad.push(`${f}: ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});
