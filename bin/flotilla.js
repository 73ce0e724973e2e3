#!/usr/bin/env node
// Entry point of the `flotilla` command. Runs the compiled CLI from dist/ (`npm run build`); when
// dist/ is missing it falls back to running the TypeScript sources through tsx (slower start).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = new URL('../dist/src/cmd/flotilla/main.js', import.meta.url);
let entry = compiled;
if (!existsSync(fileURLToPath(compiled))) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    process.stderr.write('flotilla: dist/ is missing; run `npm run build` first\n');
    process.exit(1);
  }
  process.stderr.write('flotilla: dist/ is missing, running from source via tsx (run `npm run build` for a fast start)\n');
  entry = pathToFileURL(fileURLToPath(new URL('../src/cmd/flotilla/main.ts', import.meta.url)));
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
// Exit explicitly: a stopped server must not linger on stray handles.
process.exit(code);
