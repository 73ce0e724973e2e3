/**
 * Runs `nft -f -` with a script on stdin: one kernel transaction, all or nothing; and `conntrack -D`
 * for stale UDP entries. Never throws; the outcome is a value.
 */
import { execFile } from 'node:child_process';
import { conntrackDeleteArgs, deletedCount, type ConntrackFilter } from './nftables/conntrack.js';

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

/** Lists the names of the tables of one family (default `ip`; cheap: no chains or sets are fetched). */
export function nftListTables(family: 'ip' | 'ip6' = 'ip', opts: { binary?: string } = {}): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    execFile(opts.binary ?? 'nft', ['list', 'tables', family], { timeout: 10_000, encoding: 'utf8' }, (err, stdout) => {
      if (err) return resolve(undefined);
      resolve(stdout.split('\n').map((l) => l.trim().match(new RegExp(`^table ${family} (\\S+)`))?.[1]).filter((x): x is string => !!x));
    });
  });
}

/** Outcome of deleting conntrack entries: how many went, or why it failed (`missing`: no conntrack tool). */
export type ConntrackResult = { ok: true; deleted: number } | { ok: false; error: string; missing: boolean; deleted: number };

/** Deletes the conntrack entries matching each filter (UDP; see nftables/conntrack.ts). */
export type ConntrackDelete = (filters: readonly ConntrackFilter[]) => Promise<ConntrackResult>;

/** Why stale UDP entries cannot be deleted without the tool (logged by the proxy). */
export const CONNTRACK_MISSING =
  'conntrack not found: stale UDP conntrack entries of changed Services cannot be deleted (a UDP client may keep sending to a removed endpoint until its entry times out); install the Debian package conntrack (scripts/setup.sh does)';

/**
 * The real deleter: one `conntrack -D` per filter, in order, each bounded in time. conntrack exits
 * 1 with "0 flow entries have been deleted" when nothing matched: that is success here.
 */
export function conntrackDeleter(opts: { binary?: string; timeoutMs?: number } = {}): ConntrackDelete {
  const bin = opts.binary ?? 'conntrack';
  const one = (args: string[]) =>
    new Promise<{ ok: true; deleted: number } | { ok: false; error: string; missing: boolean }>((resolve) => {
      execFile(bin, args, { timeout: opts.timeoutMs ?? 5_000, maxBuffer: 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
        const out = `${stdout}\n${stderr}`;
        if (!err || /\b0 flow entries have been deleted/.test(out)) return resolve({ ok: true, deleted: deletedCount(out) });
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ ok: false, error: CONNTRACK_MISSING, missing: true });
        resolve({ ok: false, error: (stderr || err.message).trim().slice(0, 2000), missing: false });
      });
    });
  return async (filters) => {
    let deleted = 0;
    for (const f of filters) {
      const r = await one(conntrackDeleteArgs(f));
      if (!r.ok) return { ...r, deleted };
      deleted += r.deleted;
    }
    return { ok: true, deleted };
  };
}

/** Whether the conntrack tool runs (`conntrack --version`). */
export function conntrackAvailable(opts: { binary?: string } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(opts.binary ?? 'conntrack', ['--version'], { timeout: 5_000 }, (err) => resolve(!err));
  });
}

/** Lists the UDP conntrack entries of one family (`conntrack -L`), as text for parseConntrackUdp. */
export type ConntrackList = (family: 'ipv4' | 'ipv6') => Promise<{ ok: true; text: string } | { ok: false; error: string; missing: boolean }>;

/** The real lister: `conntrack -L -f <family> -p udp`, bounded in time and output. */
export function conntrackLister(opts: { binary?: string; timeoutMs?: number } = {}): ConntrackList {
  const bin = opts.binary ?? 'conntrack';
  return (family) =>
    new Promise((resolve) => {
      execFile(bin, ['-L', '-f', family, '-p', 'udp'], { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, text: stdout });
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ ok: false, error: CONNTRACK_MISSING, missing: true });
        resolve({ ok: false, error: (stderr || err.message).trim().slice(0, 2000), missing: false });
      });
    });
}
