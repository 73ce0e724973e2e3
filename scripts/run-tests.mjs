#!/usr/bin/env node
// Runs the test suite with node's own test runner (TypeScript through the tsx loader).
// Usage: node scripts/run-tests.mjs [--unit|--e2e] [paths or substrings...]
//   --unit  only src/**/*.test.ts      --e2e  only test/e2e/**/*.test.ts
// Files are run in parallel processes (--test-concurrency); each file owns its temp dirs and ports.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const e2eOnly = args.includes('--e2e');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let files = [];
if (!e2eOnly) files.push(...walk(join(root, 'src'), []));
if (!unitOnly) files.push(...walk(join(root, 'test'), []));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
files.sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const concurrency = process.env.FLOTILLA_TEST_CONCURRENCY ?? String(Math.max(2, cpus().length));
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
