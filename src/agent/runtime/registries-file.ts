/**
 * The operator's registries file (`--private-registry`, default /etc/flotilla/registries.yaml), in
 * k3s' registries.yaml format (https://docs.k3s.io/installation/private-registry):
 *
 * ```yaml
 * mirrors:
 *   myregistry.com:
 *     endpoint: ["http://127.0.0.1:5000", "registry.internal:5000"]
 * configs:
 *   "registry.internal:5000":
 *     auth: { username: u, password: p }          # or auth: base64(user:pass), identity_token
 *     tls: { ca_file: /etc/ssl/ca.pem, cert_file: ..., key_file: ..., insecure_skip_verify: false }
 * ```
 *
 * Contract:
 * - Pure: text in, RegistriesConfig out; reading goes through the injected `readFile`.
 * - Stricter than k3s (which ignores what it does not know): an unknown key, a value of the wrong
 *   type, an endpoint that is not a URL, a relative TLS path or a key file without its certificate
 *   is a RegistriesFileError whose one-line message names the file and the key path
 *   (`mirrors."myregistry.com".endpoint[1]`), so a typo never silently pulls from elsewhere.
 * - `mirrors.<host>.rewrite` is accepted but ignored with a warning: containerd 1.6's hosts.toml
 *   cannot rewrite repository paths (k3s patches its containerd for that).
 * - An empty file (or only comments) is an empty configuration.
 */
import { parseDocument } from 'yaml';
import type { RegistriesConfig, RegistryHostConfig } from './containerd/config.js';

/** k3s reads /etc/rancher/k3s/registries.yaml; Flotilla's default. Used only when it exists. */
export const DEFAULT_PRIVATE_REGISTRY = '/etc/flotilla/registries.yaml';

export type RegistriesFileErrorReason = 'NotFound' | 'Unreadable' | 'Invalid';

export class RegistriesFileError extends Error {
  override readonly name = 'RegistriesFileError';
  constructor(
    readonly reason: RegistriesFileErrorReason,
    readonly path: string,
    /** The offending key path (`configs."h".auth.username`), for Invalid. */
    readonly key: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ParsedRegistries {
  config: RegistriesConfig;
  /** Accepted but not applied (rewrite...), one line each. */
  warnings: string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `mirrors."myregistry.com"`: hosts quoted, as they contain dots. */
function keyPath(...parts: (string | number)[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `${out ? '.' : ''}${JSON.stringify(p)}`;
  }
  return out;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Parses registries.yaml text. Throws RegistriesFileError (reason Invalid) naming `path`. */
export function parseRegistriesYaml(text: string, path: string): ParsedRegistries {
  const invalid = (key: string | undefined, why: string): RegistriesFileError =>
    new RegistriesFileError('Invalid', path, key, `registries file ${path}: ${key ? `${key}: ` : ''}${why}`);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0] ? ` (line ${e.linePos[0].line})` : '';
    throw invalid(undefined, `not valid YAML${line}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const data: unknown = doc.toJS();
  const warnings: string[] = [];
  const config: RegistriesConfig = {};
  if (data === null || data === undefined) return { config, warnings };
  if (!isObj(data)) throw invalid(undefined, 'expected a map with "mirrors" and/or "configs"');

  const onlyKeys = (o: Obj, allowed: readonly string[], at: (string | number)[]): void => {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) throw invalid(keyPath(...at, k), `unknown key (expected ${allowed.map((a) => `"${a}"`).join(' or ')})`);
    }
  };
  const map = (v: unknown, at: (string | number)[]): Obj => {
    if (v === null || v === undefined) return {};
    if (!isObj(v)) throw invalid(keyPath(...at), 'must be a map');
    return v;
  };
  const string = (v: unknown, at: (string | number)[]): string | undefined => {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'string') throw invalid(keyPath(...at), 'must be a string');
    return v;
  };
  const hostKey = (h: string, at: (string | number)[]): void => {
    if (h === '*') return;
    if (h.trim() === '' || /[\s/]/.test(h) || SCHEME.test(h)) throw invalid(keyPath(...at, h), 'must be a registry host[:port] (no scheme or path) or "*"');
  };

  onlyKeys(data, ['mirrors', 'configs'], []);

  if (data.mirrors !== undefined && data.mirrors !== null) {
    const mirrors: NonNullable<RegistriesConfig['mirrors']> = {};
    for (const [host, raw] of Object.entries(map(data.mirrors, ['mirrors']))) {
      hostKey(host, ['mirrors']);
      const m = map(raw, ['mirrors', host]);
      onlyKeys(m, ['endpoint', 'rewrite'], ['mirrors', host]);
      const out: { endpoint?: string[] } = {};
      if (m.endpoint !== undefined && m.endpoint !== null) {
        if (!Array.isArray(m.endpoint)) throw invalid(keyPath('mirrors', host, 'endpoint'), 'must be a list of URLs');
        out.endpoint = m.endpoint.map((e, i) => {
          const at = ['mirrors', host, 'endpoint', i];
          const s = string(e, at);
          if (!s || !s.trim()) throw invalid(keyPath(...at), 'must be a non-empty URL');
          const url = SCHEME.test(s.trim()) ? s.trim() : `https://${s.trim()}`;
          let u: URL;
          try {
            u = new URL(url);
          } catch {
            throw invalid(keyPath(...at), `"${s}" is not a URL`);
          }
          if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid(keyPath(...at), `"${s}": only http:// and https:// endpoints are supported`);
          if (u.username || u.password) throw invalid(keyPath(...at), `"${s}": put credentials under configs.<host>.auth, not in the URL`);
          if (u.search || u.hash) throw invalid(keyPath(...at), `"${s}": no query or fragment allowed`);
          return s.trim();
        });
      }
      if (m.rewrite !== undefined && m.rewrite !== null) {
        const rw = map(m.rewrite, ['mirrors', host, 'rewrite']);
        for (const [k, v] of Object.entries(rw)) string(v, ['mirrors', host, 'rewrite', k]);
        if (Object.keys(rw).length) warnings.push(`registries file ${path}: ${keyPath('mirrors', host, 'rewrite')} is ignored: containerd 1.6 cannot rewrite repository paths`);
      }
      mirrors[host] = out;
    }
    config.mirrors = mirrors;
  }

  if (data.configs !== undefined && data.configs !== null) {
    const configs: Record<string, RegistryHostConfig> = {};
    for (const [host, raw] of Object.entries(map(data.configs, ['configs']))) {
      hostKey(host, ['configs']);
      const c = map(raw, ['configs', host]);
      onlyKeys(c, ['auth', 'tls'], ['configs', host]);
      const out: RegistryHostConfig = {};
      if (c.auth !== undefined && c.auth !== null) {
        const at = ['configs', host, 'auth'];
        const a = map(c.auth, at);
        onlyKeys(a, ['username', 'password', 'auth', 'identity_token'], at);
        const auth: NonNullable<RegistryHostConfig['auth']> = {};
        const username = string(a.username, [...at, 'username']);
        const password = string(a.password, [...at, 'password']);
        const basic = string(a.auth, [...at, 'auth']);
        const token = string(a.identity_token, [...at, 'identity_token']);
        if (username) auth.username = username;
        if (password) auth.password = password;
        if (basic) {
          const decoded = /^[A-Za-z0-9+/]+=*$/.test(basic) ? Buffer.from(basic, 'base64').toString('utf8') : '';
          if (decoded.indexOf(':') <= 0) throw invalid(keyPath(...at, 'auth'), 'must be base64 of "username:password"');
          auth.auth = basic;
        }
        if (token) auth.identity_token = token;
        if (password && !username) throw invalid(keyPath(...at, 'username'), 'required with a password');
        out.auth = auth;
      }
      if (c.tls !== undefined && c.tls !== null) {
        const at = ['configs', host, 'tls'];
        const t = map(c.tls, at);
        onlyKeys(t, ['ca_file', 'cert_file', 'key_file', 'insecure_skip_verify'], at);
        const tls: NonNullable<RegistryHostConfig['tls']> = {};
        for (const k of ['ca_file', 'cert_file', 'key_file'] as const) {
          const p = string(t[k], [...at, k]);
          if (p === undefined || p === '') continue;
          if (!p.startsWith('/')) throw invalid(keyPath(...at, k), `"${p}" must be an absolute path`);
          tls[k] = p;
        }
        if (tls.key_file && !tls.cert_file) throw invalid(keyPath(...at, 'cert_file'), 'required with key_file');
        if (t.insecure_skip_verify !== undefined && t.insecure_skip_verify !== null) {
          if (typeof t.insecure_skip_verify !== 'boolean') throw invalid(keyPath(...at, 'insecure_skip_verify'), 'must be true or false');
          if (t.insecure_skip_verify) tls.insecure_skip_verify = true;
        }
        out.tls = tls;
      }
      configs[host] = out;
    }
    config.configs = configs;
  }
  return { config, warnings };
}

/**
 * Reads and parses the registries file. `explicit`: the operator named it (a missing file is a
 * NotFound error); otherwise it is the default path and a missing file means no configuration
 * (undefined). `readFile` throws Node's errors (ENOENT...).
 */
export function loadRegistriesFile(path: string, explicit: boolean, readFile: (path: string) => string): ParsedRegistries | undefined {
  let text: string;
  try {
    text = readFile(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' && !explicit) return undefined;
    if (code === 'ENOENT') throw new RegistriesFileError('NotFound', path, undefined, `registries file ${path} does not exist`, { cause: e });
    throw new RegistriesFileError('Unreadable', path, undefined, `cannot read registries file ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return parseRegistriesYaml(text, path);
}
