/**
 * Runs a host command (ip, sysctl-like helpers) with a bound on time and output, returning the exit
 * code and output as a value: callers decide what a non-zero exit means. Never goes through a shell.
 */
import { execFile } from 'node:child_process';

export interface CommandResult {
  /** Exit code; -1 when the process could not be started or was killed (timeout). */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file` with `args` and optional stdin/env; resolves (never rejects) with the outcome. */
export type RunCommand = (file: string, args: readonly string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }) => Promise<CommandResult>;

export const runCommand: RunCommand = (file, args, opts = {}) =>
  new Promise((resolve) => {
    const child = execFile(
      file,
      args as string[],
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024, env: opts.env ?? process.env, encoding: 'utf8' },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const c = (err as NodeJS.ErrnoException & { code?: unknown }).code;
          code = typeof c === 'number' ? c : -1;
          if (c === 'ENOENT') stderr = `${file} not found (the node needs iproute2; scripts/setup.sh installs it)`;
          else if (code === -1 && !stderr) stderr = err.message;
        }
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
