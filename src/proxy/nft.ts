/**
 * Runs `nft -f -` with a script on stdin: one kernel transaction, all or nothing. Never throws;
 * the outcome is a value.
 */
import { execFile } from 'node:child_process';

export type NftResult = { ok: true } | { ok: false; error: string };

/** Applies one nft script (one transaction). */
export type NftApply = (script: string) => Promise<NftResult>;

/** The real applier: `nft -f -` (nftables ≥ 1.0), bounded in time and output. */
export function nftApplier(opts: { binary?: string; timeoutMs?: number } = {}): NftApply {
  const bin = opts.binary ?? 'nft';
  return (script) =>
    new Promise((resolve) => {
      const child = execFile(bin, ['-f', '-'], { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, _stdout, stderr) => {
        if (!err) return resolve({ ok: true });
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ ok: false, error: `${bin} not found (the node needs nftables; scripts/setup.sh installs it)` });
        resolve({ ok: false, error: (stderr || err.message).trim().slice(0, 4000) });
      });
      child.stdin?.on('error', () => {
        /* the exit callback reports it */
      });
      child.stdin?.end(script);
    });
}

/** Lists the names of the `ip` family tables (cheap: no chains or sets are fetched). */
export function nftListIpTables(opts: { binary?: string } = {}): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    execFile(opts.binary ?? 'nft', ['list', 'tables', 'ip'], { timeout: 10_000, encoding: 'utf8' }, (err, stdout) => {
      if (err) return resolve(undefined);
      resolve(stdout.split('\n').map((l) => l.trim().match(/^table ip (\S+)/)?.[1]).filter((x): x is string => !!x));
    });
  });
}
