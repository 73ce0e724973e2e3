/**
 * Node passwords (k3s' node-password check): the first join of a node name stores a salted scrypt
 * hash of the password the agent sent in the Secret `<node>.node-password.flotilla` (kube-system);
 * later joins under that name must present the same password, so one machine cannot take over
 * another's Node identity with the shared join secret alone. To move a name to a new machine, an
 * administrator deletes the Secret.
 *
 * Hashing runs scrypt asynchronously (libuv's thread pool), off the apiserver's thread.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { isApiError } from '../../lib/errors.js';
import type { Client } from '../../client/types.js';
import { R } from '../../client/types.js';
import { NODE_PASSWORD_NAMESPACE, NODE_PASSWORD_SECRET_TYPE, nodePasswordSecretName } from './protocol.js';

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LEN = 32;

function scrypt(password: string, salt: Buffer, params: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, KEY_LEN, { ...params, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `$scrypt$N=16384,r=8,p=1$<salt base64>$<hash base64>`. */
export async function hashNodePassword(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const key = await scrypt(password, salt, PARAMS);
  return `$scrypt$N=${PARAMS.N},r=${PARAMS.r},p=${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `password` matches a hash made by hashNodePassword (false for anything unparseable). */
export async function verifyNodePassword(password: string, stored: string): Promise<boolean> {
  const m = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N > 1 << 20 || r > 32 || p > 16) return false;
  const want = Buffer.from(m[5]!, 'base64');
  if (want.length !== KEY_LEN) return false;
  const got = await scrypt(password, Buffer.from(m[4]!, 'base64'), { N, r, p });
  return timingSafeEqual(got, want);
}

/** Where node password hashes live. */
export interface NodePasswordStore {
  /** The stored hash for `nodeName`, or undefined when the node never joined. */
  get(nodeName: string): Promise<string | undefined>;
  /** Stores the first hash; 'exists' when another join stored one first (the caller re-reads). */
  create(nodeName: string, hash: string): Promise<'created' | 'exists'>;
}

/** The store over Secrets in kube-system, through an API client (in process, with the server's identity). */
export function secretNodePasswordStore(client: Client): NodePasswordStore {
  return {
    async get(nodeName) {
      try {
        const s = await client.get(R.secrets, NODE_PASSWORD_NAMESPACE, nodePasswordSecretName(nodeName));
        const data = (s['data'] ?? {}) as Record<string, string>;
        return data['hash'] ? Buffer.from(data['hash'], 'base64').toString('utf8') : '';
      } catch (e) {
        if (isApiError(e) && e.reason === 'NotFound') return undefined;
        throw e;
      }
    },
    async create(nodeName, hash) {
      try {
        await client.create(R.secrets, NODE_PASSWORD_NAMESPACE, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: nodePasswordSecretName(nodeName), namespace: NODE_PASSWORD_NAMESPACE, labels: { 'flotilla.io/node': nodeName } },
          type: NODE_PASSWORD_SECRET_TYPE,
          immutable: true,
          data: { hash: Buffer.from(hash, 'utf8').toString('base64') },
        });
        return 'created';
      } catch (e) {
        if (isApiError(e) && e.reason === 'AlreadyExists') return 'exists';
        throw e;
      }
    },
  };
}

/**
 * The node-password rule: 'created' on a first join (hash stored), 'matched' when the password
 * equals the stored one, 'mismatch' otherwise. Two racing first joins: one stores, the other is
 * checked against what was stored. An empty stored hash (Secret without data) never matches.
 */
export async function checkNodePassword(store: NodePasswordStore, nodeName: string, password: string): Promise<'created' | 'matched' | 'mismatch'> {
  let stored = await store.get(nodeName);
  if (stored === undefined) {
    if ((await store.create(nodeName, await hashNodePassword(password))) === 'created') return 'created';
    stored = await store.get(nodeName);
    if (stored === undefined) return 'mismatch'; // created and deleted meanwhile: let the agent retry
  }
  return (await verifyNodePassword(password, stored)) ? 'matched' : 'mismatch';
}
