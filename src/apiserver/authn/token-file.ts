/**
 * Static bearer tokens (`--token-auth-file`, upstream
 * k8s.io/apiserver/pkg/authentication/token/tokenfile): a CSV file with at least three columns,
 * `token,user,uid`, and an optional fourth, `"group1,group2"`. Lines with fewer columns make the
 * file invalid (the server refuses to start); a repeated token keeps its last line (upstream warns).
 * The user gets `system:authenticated` added. Unknown tokens give `undefined`, so other token
 * authenticators may still recognize them; with none, the request is 401.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../../api/types.js';
import type { Authenticator } from './authenticator.js';
import { SYSTEM_AUTHENTICATED } from './authenticator.js';
import { bearerToken, websocketBearerToken } from './service-account-token.js';

export class TokenFileError extends Error {
  override readonly name = 'TokenFileError';
}

/** Parses the file's text (RFC 4180 CSV: quoted fields, doubled quotes). Throws TokenFileError. */
export function parseTokenFile(text: string, path = 'token file'): { tokens: Map<string, UserInfo>; warnings: string[] } {
  const tokens = new Map<string, UserInfo>();
  const warnings: string[] = [];
  let record = 0;
  for (const row of parseCsv(text)) {
    record++;
    if (row.length === 1 && row[0] === '') continue;
    if (row.length < 3) throw new TokenFileError(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${row.length}`);
    const [token, name, uid, groups] = row as [string, string, string, string | undefined];
    if (!token) continue;
    if (tokens.has(token)) warnings.push(`duplicate token has been found in token file '${path}', record number '${record}'`);
    const gs = groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [];
    tokens.set(token, { username: name, uid, groups: gs });
  }
  return { tokens, warnings };
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
    i++;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function createTokenFileAuthenticator(tokens: ReadonlyMap<string, UserInfo>): Authenticator & { authenticateToken(token: string): UserInfo | undefined } {
  const lookup = (token: string): UserInfo | undefined => {
    const u = tokens.get(token);
    if (!u) return undefined;
    return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups.includes(SYSTEM_AUTHENTICATED) ? [...u.groups] : [...u.groups, SYSTEM_AUTHENTICATED] };
  };
  return {
    name: 'token-file',
    authenticateToken: lookup,
    authenticate(req: IncomingMessage): UserInfo | undefined {
      const t = bearerToken(req);
      if (t !== undefined) return lookup(t);
      const ws = websocketBearerToken(req);
      if (!ws) return undefined;
      const u = lookup(ws.token);
      if (u) ws.consume();
      return u;
    },
  };
}

/** Reads `--token-auth-file` (throws TokenFileError with upstream's text; warnings go to `warn`). */
export function loadTokenFileAuthenticator(path: string, warn: (msg: string) => void): ReturnType<typeof createTokenFileAuthenticator> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TokenFileError(`failed to read token file '${path}': ${e instanceof Error ? e.message : String(e)}`);
  }
  const { tokens, warnings } = parseTokenFile(text, path);
  for (const w of warnings) warn(w);
  return createTokenFileAuthenticator(tokens);
}
