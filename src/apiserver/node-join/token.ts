/**
 * The join token (k3s' secure token format): `K10<cluster CA hash>::<username>:<password>`, where the
 * hash is the lowercase hex SHA-256 of the cluster CA bundle exactly as `GET /cacerts` serves it
 * (the PEM text), and `password` is the server's join secret. A joining agent checks the CA it
 * downloads against the hash before it sends the password anywhere.
 *
 * The short form (just the password, k3s' "short token") is accepted too; it carries no CA hash, so
 * an agent using it trusts whatever CA the server presents on first contact.
 *
 * Pure: parsing and formatting only (hashing is the caller's, with node:crypto).
 */

export const TOKEN_PREFIX = 'K10';
/** The username in tokens written by the server (k3s writes `server` too). */
export const SERVER_TOKEN_USER = 'server';

export interface JoinToken {
  /** Lowercase hex SHA-256 of the CA bundle PEM; absent for a short token. */
  caHash?: string;
  username: string;
  /** The join secret. */
  password: string;
}

/** A token that cannot be parsed; `message` says what is wrong without echoing the secret. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  readonly reason = 'InvalidToken' as const;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** Secrets are printable ASCII without spaces (they travel in HTTP Basic credentials and files). */
const SECRET = /^[\x21-\x7e]+$/;

/** Checks a join secret (the password part); returns the problem or undefined. */
export function secretProblem(secret: string): string | undefined {
  if (secret === '') return 'the secret is empty';
  if (!SECRET.test(secret)) return 'the secret may contain only printable ASCII characters without spaces';
  return undefined;
}

/** Parses a token (surrounding whitespace ignored). Throws InvalidTokenError. */
export function parseJoinToken(text: string): JoinToken {
  const t = text.trim();
  if (t === '') throw new InvalidTokenError('invalid token: it is empty');
  if (!t.startsWith(TOKEN_PREFIX) || !t.includes('::')) {
    if (t.includes('::')) throw new InvalidTokenError(`invalid token: a token with a CA hash must start with "${TOKEN_PREFIX}"`);
    const problem = secretProblem(t);
    if (problem) throw new InvalidTokenError(`invalid token: ${problem}`);
    return { username: SERVER_TOKEN_USER, password: t };
  }
  const sep = t.indexOf('::');
  const hash = t.slice(TOKEN_PREFIX.length, sep).toLowerCase();
  const creds = t.slice(sep + 2);
  if (!HEX64.test(hash)) throw new InvalidTokenError(`invalid token: the CA hash after "${TOKEN_PREFIX}" must be 64 hex digits (SHA-256), got ${hash.length} characters`);
  const colon = creds.indexOf(':');
  const username = colon < 0 ? SERVER_TOKEN_USER : creds.slice(0, colon);
  const password = colon < 0 ? creds : creds.slice(colon + 1);
  if (username === '') throw new InvalidTokenError('invalid token: the username before ":" is empty');
  const problem = secretProblem(password);
  if (problem) throw new InvalidTokenError(`invalid token: ${problem}`);
  return { caHash: hash, username, password };
}

/** Formats a secure token. Throws InvalidTokenError for a malformed hash or secret. */
export function formatJoinToken(t: { caHash: string; username?: string; password: string }): string {
  const hash = t.caHash.toLowerCase();
  if (!HEX64.test(hash)) throw new InvalidTokenError('invalid CA hash: must be 64 hex digits (SHA-256)');
  const problem = secretProblem(t.password);
  if (problem) throw new InvalidTokenError(`invalid token: ${problem}`);
  const user = t.username ?? SERVER_TOKEN_USER;
  if (user === '' || user.includes(':')) throw new InvalidTokenError('invalid token username: must be non-empty and contain no ":"');
  return `${TOKEN_PREFIX}${hash}::${user}:${t.password}`;
}
