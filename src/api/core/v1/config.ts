/** The core/v1 ConfigMap and Secret resources. */
import { s } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from './table-util.js';
import { type Errs, FieldPath, forbidden, invalid, required, tooLong, validateConfigMapKey } from './validation-util.js';

const CORE = 'io.k8s.api.core.v1';

/** Upstream's MaxSecretSize, also the ConfigMap limit: 1 MiB. */
export const MAX_SECRET_SIZE = 1024 * 1024;

export const ConfigMapSchema = kindSchema(
  `${CORE}.ConfigMap`,
  { group: '', version: 'v1', kind: 'ConfigMap' },
  {
    immutable: s.bool({ description: 'If true, the data stored in the ConfigMap cannot be updated.' }),
    data: s.map(s.string(), { description: 'Configuration data (UTF-8 strings). Keys: alphanumeric characters, -, _ or .' }),
    binaryData: s.map(s.bytes(), { description: 'Binary configuration data (base64). Keys may not overlap with data.' }),
  },
  {},
);

export const SecretSchema = kindSchema(
  `${CORE}.Secret`,
  { group: '', version: 'v1', kind: 'Secret' },
  {
    immutable: s.bool({ description: 'If true, the data stored in the Secret cannot be updated.' }),
    data: s.map(s.bytes(), { description: 'Secret data: base64-encoded values. Keys: alphanumeric characters, -, _ or .' }),
    stringData: s.map(s.string(), { description: 'Write-only convenience field: plain-text values merged into data on write.' }),
    type: s.string({ description: 'Used to facilitate programmatic handling of secret data. Defaults to Opaque.' }),
  },
  {},
);

export interface V1ConfigMap extends KubeObject {
  immutable?: boolean;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}
export interface V1Secret extends KubeObject {
  immutable?: boolean;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}
const asCM = (o: KubeObject) => o as V1ConfigMap;
const asSecret = (o: KubeObject) => o as V1Secret;

/** Decoded length of a base64 value (what upstream counts as the []byte length). */
function base64Len(v: string): number {
  const clean = v.replace(/\s+/g, '');
  const pad = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - pad);
}

function utf8Len(v: string): number {
  return new TextEncoder().encode(v).length;
}

function decodeBase64(v: string): string {
  const bin = atob(v.replace(/\s+/g, ''));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function encodeBase64(v: string): string {
  const bytes = new TextEncoder().encode(v);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** ValidateConfigMap (minus generic metadata): keys, no key in both maps, total size ≤ 1 MiB. */
export function validateConfigMap(cm: V1ConfigMap): Errs {
  const errs: Errs = [];
  let total = 0;
  const dp = FieldPath.root('data');
  const bp = FieldPath.root('binaryData');
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    errs.push(...validateConfigMapKey(k, dp.key(k)));
    if (cm.binaryData && k in cm.binaryData) errs.push(invalid(dp.key(k), k, 'duplicate of key present in binaryData'));
    total += utf8Len(String(v));
  }
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    errs.push(...validateConfigMapKey(k, bp.key(k)));
    total += base64Len(String(v));
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong(FieldPath.root(''), '', MAX_SECRET_SIZE));
  return errs;
}

function validateImmutableData(obj: { immutable?: boolean; data?: unknown; binaryData?: unknown }, old: typeof obj, fields: string[]): Errs {
  const errs: Errs = [];
  if (old.immutable !== true) return errs;
  if (obj.immutable !== true) errs.push(forbidden(FieldPath.root('immutable'), 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    const a = (obj as Record<string, unknown>)[f] ?? {};
    const b = (old as Record<string, unknown>)[f] ?? {};
    if (JSON.stringify(sortKeys(a)) !== JSON.stringify(sortKeys(b))) errs.push(forbidden(FieldPath.root(f), 'field is immutable when `immutable` is set'));
  }
  return errs;
}

function sortKeys(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Go's json.Unmarshal error text for the common cases. */
function jsonError(text: string): string | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return `json: cannot unmarshal ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v} into Go value of type map[string]interface {}`;
    return undefined;
  } catch {
    const t = text.trim();
    if (t === '') return 'unexpected end of JSON input';
    return `invalid character '${t[0]}' looking for beginning of value`;
  }
}

/**
 * ValidateSecret (minus generic metadata): keys, total size, and the keys each well-known type
 * requires (`data[tls.key]: Required value`...). Values are base64 already checked by the decoder.
 */
export function validateSecret(secret: V1Secret): Errs {
  const errs: Errs = [];
  const dp = FieldPath.root('data');
  const data = secret.data ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...validateConfigMapKey(k, dp.key(k)));
    total += base64Len(String(v));
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong(dp, '', MAX_SECRET_SIZE));
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  switch (secret.type ?? '') {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata.annotations?.['kubernetes.io/service-account.name'])
        errs.push(required(FieldPath.root('metadata').child('annotations').key('kubernetes.io/service-account.name'), ''));
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(key)) {
        errs.push(required(dp.key(key), ''));
        break;
      }
      let text = '';
      try {
        text = decodeBase64(String(data[key]));
      } catch {
        break; // not base64: the decoder reports it
      }
      const e = jsonError(text);
      if (e) errs.push(invalid(dp.key(key), '<secret contents redacted>', e));
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(required(dp.key('username'), ''));
        errs.push(required(dp.key('password'), ''));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) errs.push(required(dp.key('ssh-privatekey'), ''));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required(dp.key('tls.crt'), ''));
      if (!has('tls.key')) errs.push(required(dp.key('tls.key'), ''));
      break;
    default:
      break;
  }
  return errs;
}

export function validateSecretUpdate(secret: V1Secret, old: V1Secret): Errs {
  const errs: Errs = [];
  if ((secret.type ?? '') !== (old.type ?? '')) errs.push(invalid(FieldPath.root('type'), secret.type ?? '', 'field is immutable'));
  errs.push(...validateImmutableData(secret, old, ['data']));
  return errs;
}

/** v1 conversion: stringData values overwrite data (base64-encoded), then stringData is dropped. */
export function mergeStringData(secret: V1Secret): void {
  if (!secret.stringData) return;
  const data = { ...(secret.data ?? {}) };
  for (const [k, v] of Object.entries(secret.stringData)) data[k] = encodeBase64(String(v));
  secret.data = data;
  delete secret.stringData;
}

export const configMapResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  schema: ConfigMapSchema,
  generation: false,
  strategy: {
    validate: (o) => validateConfigMap(asCM(o)),
    validateUpdate: (o, old) => validateImmutableData(asCM(o), asCM(old), ['data', 'binaryData']),
  },
  table: {
    columns: [NAME_COLUMN, col('Data', 'string', 'How many keys the config map holds.'), AGE_COLUMN],
    cells: (o, now) => [o.metadata.name ?? '', Object.keys(asCM(o).data ?? {}).length + Object.keys(asCM(o).binaryData ?? {}).length, age(o, now)],
  },
};

export const secretResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  schema: SecretSchema,
  generation: false,
  strategy: {
    defaults: (o) => {
      const sec = asSecret(o);
      mergeStringData(sec);
      if (!sec.type) sec.type = 'Opaque';
    },
    validate: (o) => validateSecret(asSecret(o)),
    validateUpdate: (o, old) => validateSecretUpdate(asSecret(o), asSecret(old)),
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Type', 'string', 'The secret type.'),
      col('Data', 'string', 'How many keys the secret holds.'),
      AGE_COLUMN,
    ],
    cells: (o, now) => [o.metadata.name ?? '', asSecret(o).type ?? '', Object.keys(asSecret(o).data ?? {}).length, age(o, now)],
  },
  fieldSelectors: { type: (o) => asSecret(o).type ?? '' },
};
