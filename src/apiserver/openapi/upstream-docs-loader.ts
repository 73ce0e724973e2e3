/**
 * Reads upstream's API documentation from the installed npm packages `kubernetes-models` (API
 * groups) and `@kubernetes-models/apimachinery` (meta/v1, IntOrString, Quantity, RawExtension): every
 * definition's `.d.ts` file, parsed by upstream-docs.ts. Which Kubernetes release the text is from is
 * the package's (kubernetes-models 4.5.x: v1.33.0).
 *
 * The table is read once per process (about 900 files, 1.8 MB; see BENCHMARKS.md "OpenAPI completed")
 * and shared: it is immutable. A missing package yields an empty table and a reason, never a throw,
 * so a broken install costs descriptions, not the API.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { NO_UPSTREAM_DOCS, upstreamDocsBuilder, upstreamDocsFrom, type UpstreamDocs } from './upstream-docs.js';

/** The packages read, in lookup order. */
export const UPSTREAM_DOC_PACKAGES = ['kubernetes-models', '@kubernetes-models/apimachinery'] as const;

let loaded: { docs: UpstreamDocs; error?: string } | undefined;
let loading: Promise<{ docs: UpstreamDocs; error?: string }> | undefined;

/**
 * The documentation table of the installed packages (read on first call, then shared). `error`
 * says why it is empty or partial.
 */
export function loadUpstreamDocs(): { docs: UpstreamDocs; error?: string } {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const texts: string[] = [];
  const sources: string[] = [];
  const errors: string[] = [];
  for (const pkg of UPSTREAM_DOC_PACKAGES) {
    try {
      const manifest = require.resolve(`${pkg}/package.json`);
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string };
      sources.push(`${pkg}@${version ?? '?'}`);
      for (const file of declarationFiles(dirname(manifest))) texts.push(readFileSync(file, 'utf8'));
    } catch (err) {
      errors.push(`${pkg}: ${(err as Error).message}`);
    }
  }
  const docs = texts.length ? upstreamDocsFrom(texts, sources.join(', ')) : NO_UPSTREAM_DOCS;
  loaded = errors.length ? { docs, error: errors.join('; ') } : { docs };
  return loaded;
}

/**
 * The same table, read without blocking: files are read asynchronously and parsed in slices with
 * a yield between them, so a server can load it in the background after start (about 2 ms of
 * parsing at a time). Shares the result with loadUpstreamDocs.
 */
export function loadUpstreamDocsAsync(): Promise<{ docs: UpstreamDocs; error?: string }> {
  if (loaded) return Promise.resolve(loaded);
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const texts: string[] = [];
    const sources: string[] = [];
    const errors: string[] = [];
    for (const pkg of UPSTREAM_DOC_PACKAGES) {
      try {
        const manifest = require.resolve(`${pkg}/package.json`);
        const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version?: string };
        sources.push(`${pkg}@${version ?? '?'}`);
        const files = declarationFiles(dirname(manifest));
        for (let i = 0; i < files.length; i += 64) texts.push(...(await Promise.all(files.slice(i, i + 64).map((f) => readFile(f, 'utf8')))));
      } catch (err) {
        errors.push(`${pkg}: ${(err as Error).message}`);
      }
    }
    const docs = texts.length ? await upstreamDocsSliced(texts, sources.join(', ')) : NO_UPSTREAM_DOCS;
    loaded ??= errors.length ? { docs, error: errors.join('; ') } : { docs };
    return loaded;
  })();
  return loading;
}

/** upstreamDocsFrom over `texts`, yielding to the event loop every 32 files. */
async function upstreamDocsSliced(texts: readonly string[], source: string): Promise<UpstreamDocs> {
  const b = upstreamDocsBuilder(source);
  for (let i = 0; i < texts.length; i++) {
    b.add(texts[i]!);
    if (i % 32 === 31) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return b.done();
}

/** Definition files under a package root: every `.d.ts` except index files and compiled validators. */
function declarationFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name !== '_schemas' && entry.name !== 'node_modules') walk(join(dir, entry.name));
      } else if (entry.name.endsWith('.d.ts') && entry.name !== 'index.d.ts') out.push(join(dir, entry.name));
    }
  };
  walk(root);
  return out.sort();
}
