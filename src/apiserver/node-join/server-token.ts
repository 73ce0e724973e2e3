/**
 * The server's join token file, `<data-dir>/token` (0600; k3s' `server/token`): created on the
 * first start as `K10<sha256 of the CA PEM>::server:<32 random hex>` and kept across restarts.
 * A given secret (`--token`) replaces the stored secret; a changed CA (new data dir, restored
 * backup) re-hashes the token while keeping its secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../tls/index.js';
import { InvalidTokenError, SERVER_TOKEN_USER, formatJoinToken, parseJoinToken, secretProblem } from './token.js';

export interface ServerToken {
  /** Where the token is written. */
  path: string;
  /** The full token, as agents pass it to `--token`. */
  token: string;
  /** The secret part (what the join endpoint checks). */
  secret: string;
  action: 'created' | 'reused' | 'updated';
}

/** Lowercase hex SHA-256 of a CA bundle exactly as served at /cacerts. */
export function caBundleHash(caPem: string): string {
  return createHash('sha256').update(caPem, 'utf8').digest('hex');
}

/** Creates or reuses `<dataDir>/token`. Throws InvalidTokenError for a malformed `secret` or token file. */
export async function ensureServerToken(opts: { dataDir: string; caPem: string; secret?: string }): Promise<ServerToken> {
  const path = join(opts.dataDir, 'token');
  const caHash = caBundleHash(opts.caPem);
  if (opts.secret !== undefined) {
    const problem = secretProblem(opts.secret);
    if (problem) throw new InvalidTokenError(`invalid --token: ${problem}`);
  }
  let existing: string | undefined;
  try {
    existing = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  let stored: { caHash?: string; password: string } | undefined;
  if (existing !== undefined) {
    try {
      stored = parseJoinToken(existing);
    } catch (e) {
      throw new InvalidTokenError(`${path}: ${(e as Error).message}`, { cause: e });
    }
  }
  const secret = opts.secret ?? stored?.password ?? randomBytes(16).toString('hex');
  const token = formatJoinToken({ caHash, username: SERVER_TOKEN_USER, password: secret });
  if (existing !== undefined && existing.trim() === token) return { path, token, secret, action: 'reused' };
  await writeFileAtomic(path, token + '\n', 0o600);
  return { path, token, secret, action: existing === undefined ? 'created' : 'updated' };
}
