import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { KubeObject, ResourceDef } from '../../api/types.js';
import { boundTokenClaims, type BoundTokenClaims } from '../../api/authentication/v1/index.js';
import { isApiError } from '../../lib/errors.js';
import { createJwtSigner } from '../../controllers/serviceaccount/jwt.js';
import { LEGACY_ISSUER, legacyClaims } from '../../controllers/serviceaccount/reconcile.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER as TOKEN_REQUEST_ISSUER } from '../handlers/token-request.js';
import { createBoundTokenSigner } from '../handlers/token-signer.js';
import type { ResourceStore } from '../registry/store.js';
import { ApiRegistry } from '../../api/registry.js';
import {
  CREDENTIAL_ID_EXTRA,
  DEFAULT_SERVICE_ACCOUNT_ISSUER,
  LEGACY_SERVICE_ACCOUNT_ISSUER,
  NODE_NAME_EXTRA,
  NODE_UID_EXTRA,
  POD_NAME_EXTRA,
  POD_UID_EXTRA,
  type ServiceAccountTokenGetter,
} from './service-account-claims.js';
import { WEBSOCKET_BEARER_PREFIX, bearerToken, createServiceAccountTokenAuthenticator, type ServiceAccountTokenAuthenticatorOptions } from './service-account-token.js';
import { storeTokenGetter } from './store-token-getter.js';

const pem = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) => k.export({ type: 'pkcs8', format: 'pem' }) as string;
const KEY = pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const OTHER_KEY = pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const sign = createBoundTokenSigner(KEY);
const T0 = new Date('2026-03-01T10:00:00Z');

/** An in-memory cluster: serviceaccounts, pods, secrets, nodes by namespace/name. */
class FakeObjects implements ServiceAccountTokenGetter {
  readonly objs = new Map<string, KubeObject>();
  reads = 0;
  put(kind: string, o: KubeObject): KubeObject {
    this.objs.set(`${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    return o;
  }
  remove(kind: string, ns: string, name: string): void {
    this.objs.delete(`${kind}/${ns}/${name}`);
  }
  private get(kind: string, ns: string, name: string): Promise<KubeObject | undefined> {
    this.reads++;
    const o = this.objs.get(`${kind}/${ns}/${name}`);
    return Promise.resolve(o ? structuredClone(o) : undefined);
  }
  getServiceAccount = (ns: string, name: string) => this.get('sa', ns, name);
  getPod = (ns: string, name: string) => this.get('pod', ns, name);
  getSecret = (ns: string, name: string) => this.get('secret', ns, name);
  getNode = (name: string) => this.get('node', '', name);
}

function world() {
  const objs = new FakeObjects();
  const sa = objs.put('sa', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'team', name: 'robot', uid: 'sa-uid-1' } });
  const pod = objs.put('pod', { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'team', name: 'web-0', uid: 'pod-uid-1' } });
  const node = objs.put('node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', uid: 'node-uid-1' } });
  return { objs, sa, pod, node };
}

function claims(over: Partial<Parameters<typeof boundTokenClaims>[0]> = {}): BoundTokenClaims {
  return boundTokenClaims({
    issuer: DEFAULT_SERVICE_ACCOUNT_ISSUER,
    serviceAccount: { namespace: 'team', name: 'robot', uid: 'sa-uid-1' },
    audiences: [DEFAULT_SERVICE_ACCOUNT_ISSUER],
    now: T0,
    expirationSeconds: 3600,
    pod: { name: 'web-0', uid: 'pod-uid-1' },
    node: { name: 'node-a', uid: 'node-uid-1' },
    jti: 'jti-1',
    ...over,
  });
}

function authn(objs: ServiceAccountTokenGetter, clock: { now: Date }, over: Partial<ServiceAccountTokenAuthenticatorOptions> = {}) {
  return createServiceAccountTokenAuthenticator({ keys: [KEY], getter: objs, clock: () => clock.now, cacheTtlMs: 0, ...over });
}

const req = (authorization?: string): IncomingMessage => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

async function rejects401(p: unknown | Promise<unknown>, cause: RegExp): Promise<void> {
  await assert.rejects(
    async () => p,
    (e: unknown) => {
      assert.ok(isApiError(e), String(e));
      assert.equal(e.code, 401);
      assert.equal(e.reason, 'Unauthorized');
      assert.equal(e.message, 'Unauthorized');
      assert.match(String((e.cause as Error | undefined)?.message), cause);
      return true;
    },
  );
}

test('issuer constants agree with TokenRequest and the token controller', () => {
  assert.equal(DEFAULT_SERVICE_ACCOUNT_ISSUER, TOKEN_REQUEST_ISSUER);
  assert.equal(LEGACY_SERVICE_ACCOUNT_ISSUER, LEGACY_ISSUER);
});

test('a valid pod-bound token is the service account with pod, node and credential extras', async () => {
  const { objs } = world();
  const clock = { now: new Date(T0.getTime() + 5_000) };
  const user = await authn(objs, clock).authenticate(req(`Bearer ${sign(claims())}`));
  assert.deepEqual(user, {
    username: 'system:serviceaccount:team:robot',
    uid: 'sa-uid-1',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
    extra: {
      [POD_NAME_EXTRA]: ['web-0'],
      [POD_UID_EXTRA]: ['pod-uid-1'],
      [CREDENTIAL_ID_EXTRA]: ['JTI=jti-1'],
      [NODE_NAME_EXTRA]: ['node-a'],
      [NODE_UID_EXTRA]: ['node-uid-1'],
    },
  });
  // The scheme is case-insensitive, as upstream's bearer authenticator.
  assert.equal((await authn(objs, clock).authenticate(req(`bearer ${sign(claims())}`)))?.username, 'system:serviceaccount:team:robot');
});

test('an unbound token (kubectl create token) has no extras but the credential id', async () => {
  const { objs } = world();
  const user = await authn(objs, { now: T0 }).authenticate(req(`Bearer ${sign(claims({ pod: undefined, node: undefined }))}`));
  assert.deepEqual(user?.extra, { [CREDENTIAL_ID_EXTRA]: ['JTI=jti-1'] });
});

test('expiry and not-before honour the 60 s leeway', async () => {
  const { objs } = world();
  const token = sign(claims({ expirationSeconds: 600 }));
  const exp = T0.getTime() + 600_000;
  assert.ok(await authn(objs, { now: new Date(exp + 59_000) }).authenticate(req(`Bearer ${token}`)));
  await rejects401(authn(objs, { now: new Date(exp + 61_000) }).authenticate(req(`Bearer ${token}`)), /has expired/);
  assert.ok(await authn(objs, { now: new Date(T0.getTime() - 59_000) }).authenticate(req(`Bearer ${token}`)));
  await rejects401(authn(objs, { now: new Date(T0.getTime() - 61_000) }).authenticate(req(`Bearer ${token}`)), /not valid yet/);
});

test('a wrong signature is refused: another key, a tampered payload, alg none', async () => {
  const { objs } = world();
  const a = authn(objs, { now: T0 });
  await rejects401(a.authenticate(req(`Bearer ${createBoundTokenSigner(OTHER_KEY)(claims())}`)), /no keys found/);
  const [h, , s] = sign(claims()).split('.');
  const forged = Buffer.from(JSON.stringify({ ...claims(), sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
  await rejects401(a.authenticate(req(`Bearer ${h}.${forged}.${s}`)), /invalid signature/);
  const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
  await rejects401(a.authenticate(req(`Bearer ${none}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`)), /unsupported signature algorithm/);
  // With the other key also trusted (key rotation), its tokens verify.
  const both = authn(objs, { now: T0 }, { keys: [KEY, OTHER_KEY] });
  assert.ok(await both.authenticate(req(`Bearer ${createBoundTokenSigner(OTHER_KEY)(claims())}`)));
});

test('a deleted pod invalidates its tokens; a pod in its grace period still authenticates', async () => {
  const { objs, pod } = world();
  const token = sign(claims());
  const clock = { now: T0 };
  pod.metadata.deletionTimestamp = new Date(T0.getTime() + 30_000).toISOString();
  assert.ok(await authn(objs, clock).authenticate(req(`Bearer ${token}`)));
  pod.metadata.deletionTimestamp = new Date(T0.getTime() - 61_000).toISOString();
  await rejects401(authn(objs, clock).authenticate(req(`Bearer ${token}`)), /has been invalidated/);
  objs.remove('pod', 'team', 'web-0');
  await rejects401(authn(objs, clock).authenticate(req(`Bearer ${token}`)), /has been invalidated/);
  objs.put('pod', { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'team', name: 'web-0', uid: 'pod-uid-2' } });
  await rejects401(authn(objs, clock).authenticate(req(`Bearer ${token}`)), /pod UID \(pod-uid-2\) does not match/);
});

test('a service account deleted, or recreated with a new uid, invalidates its tokens', async () => {
  const { objs } = world();
  const token = sign(claims());
  objs.put('sa', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'team', name: 'robot', uid: 'sa-uid-2' } });
  await rejects401(authn(objs, { now: T0 }).authenticate(req(`Bearer ${token}`)), /service account UID \(sa-uid-2\) does not match claim \(sa-uid-1\)/);
  objs.remove('sa', 'team', 'robot');
  await rejects401(authn(objs, { now: T0 }).authenticate(req(`Bearer ${token}`)), /serviceaccounts "robot" not found/);
});

test('audiences: a token for someone else is refused; one that also names the API server is accepted', async () => {
  const { objs } = world();
  const a = authn(objs, { now: T0 });
  await rejects401(a.authenticate(req(`Bearer ${sign(claims({ audiences: ['vault'] }))}`)), /token audiences \["vault"\] is invalid/);
  assert.ok(await a.authenticate(req(`Bearer ${sign(claims({ audiences: ['vault', DEFAULT_SERVICE_ACCOUNT_ISSUER] }))}`)));
  const custom = authn(objs, { now: T0 }, { apiAudiences: ['api'] });
  assert.ok(await custom.authenticate(req(`Bearer ${sign(claims({ audiences: ['api'] }))}`)));
});

test('a node-bound token needs its node; a secret-bound token its secret', async () => {
  const { objs } = world();
  const a = authn(objs, { now: T0 });
  const nodeToken = sign(claims({ pod: undefined }));
  assert.deepEqual((await a.authenticate(req(`Bearer ${nodeToken}`)))?.extra?.[NODE_NAME_EXTRA], ['node-a']);
  objs.put('node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', uid: 'node-uid-2' } });
  await rejects401(a.authenticate(req(`Bearer ${nodeToken}`)), /node UID/);
  objs.put('secret', { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'team', name: 's', uid: 'sec-1' } });
  const secretToken = sign(claims({ pod: undefined, node: undefined, secret: { name: 's', uid: 'sec-1' } }));
  assert.ok(await a.authenticate(req(`Bearer ${secretToken}`)));
  objs.remove('secret', 'team', 's');
  await rejects401(a.authenticate(req(`Bearer ${secretToken}`)), /has been invalidated/);
});

test('legacy Secret tokens: valid while the Secret holds them and the account is the same', async () => {
  const { objs, sa } = world();
  const token = createJwtSigner(KEY)(legacyClaims(sa, 'robot-token'));
  const secret = objs.put('secret', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace: 'team', name: 'robot-token', uid: 's-1', annotations: { 'kubernetes.io/service-account.name': 'robot' } },
    type: 'kubernetes.io/service-account-token',
    data: { token: Buffer.from(token).toString('base64') },
  } as KubeObject);
  const a = authn(objs, { now: T0 });
  assert.deepEqual(await a.authenticate(req(`Bearer ${token}`)), {
    username: 'system:serviceaccount:team:robot',
    uid: 'sa-uid-1',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
  });
  (secret as KubeObject & { data: Record<string, string> }).data['token'] = Buffer.from('other').toString('base64');
  await rejects401(a.authenticate(req(`Bearer ${token}`)), /does not match server's copy/);
  objs.remove('secret', 'team', 'robot-token');
  await rejects401(a.authenticate(req(`Bearer ${token}`)), /token has been invalidated/);
  // Switched off, legacy tokens are not ours at all.
  assert.equal(await authn(objs, { now: T0 }, { legacy: false }).authenticate(req(`Bearer ${token}`)), undefined);
});

test('tokens that are not ours fall through to other authenticators', async () => {
  const { objs } = world();
  const a = authn(objs, { now: T0 });
  const foreignIssuer = createBoundTokenSigner(OTHER_KEY)({ ...claims(), iss: 'https://accounts.example.com' });
  for (const h of [undefined, 'Basic dXNlcjpwdw==', 'Bearer', 'Bearer  x', 'Bearer opaque-token', 'Bearer a.b', `Bearer ${foreignIssuer}`, 'Bearer {"iss":"x"}.a.b'])
    assert.equal(await a.authenticate(req(h)), undefined, String(h));
  assert.equal(bearerToken(req('Bearer abc def')), 'abc');
});

test('successes are cached up to the TTL (upstream token cache): a deleted account is refused after it', async () => {
  const { objs } = world();
  const clock = { now: T0 };
  const a = authn(objs, clock, { cacheTtlMs: 10_000 });
  const token = `Bearer ${sign(claims())}`;
  const first = await a.authenticate(req(token));
  const reads = objs.reads;
  first!.groups.push('mutated');
  const again = await a.authenticate(req(token));
  assert.equal(objs.reads, reads, 'second use served from the cache');
  assert.ok(!again!.groups.includes('mutated'), 'callers get copies');
  objs.remove('sa', 'team', 'robot');
  clock.now = new Date(T0.getTime() + 9_000);
  assert.ok(await a.authenticate(req(token)));
  clock.now = new Date(T0.getTime() + 10_001);
  await rejects401(a.authenticate(req(token)), /not found/);
});

test('storeTokenGetter reads core/v1 objects through the stores, absent until bound', async () => {
  const defs = ['serviceaccounts', 'pods', 'secrets', 'nodes'].map(
    (plural) => ({ group: '', version: 'v1', kind: plural, plural, namespaced: plural !== 'nodes' }) as unknown as ResourceDef,
  );
  const registry = new ApiRegistry(defs);
  const seen: string[] = [];
  let bound = false;
  const getter = storeTokenGetter(registry, (def) =>
    bound
      ? ({
          tryGet: async (ns: string, name: string) => {
            seen.push(`${def.plural}:${ns}/${name}`);
            return { metadata: { namespace: ns, name } };
          },
        } as unknown as ResourceStore)
      : undefined,
  );
  assert.equal(await getter.getServiceAccount('team', 'robot'), undefined);
  bound = true;
  await getter.getServiceAccount('team', 'robot');
  await getter.getPod('team', 'web-0');
  await getter.getSecret('team', 's');
  await getter.getNode('node-a');
  assert.equal(await getter.getPod('team', ''), undefined);
  assert.deepEqual(seen, ['serviceaccounts:team/robot', 'pods:team/web-0', 'secrets:team/s', 'nodes:/node-a']);
});

test('WebSocket upgrades may carry the token as a subprotocol, which is removed once it authenticated', async () => {
  const { objs } = world();
  const a = authn(objs, { now: T0 });
  const proto = `${WEBSOCKET_BEARER_PREFIX}${Buffer.from(sign(claims())).toString('base64url')}`;
  const ws = (protocols: string): IncomingMessage => {
    const headers = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-protocol': protocols };
    return { headers, rawHeaders: ['Upgrade', 'websocket', 'Sec-WebSocket-Protocol', protocols, 'Host', 'x'] } as unknown as IncomingMessage;
  };
  const r = ws(`${proto}, v5.channel.k8s.io`);
  assert.equal((await a.authenticate(r))?.username, 'system:serviceaccount:team:robot');
  assert.equal(r.headers['sec-websocket-protocol'], 'v5.channel.k8s.io');
  assert.deepEqual(r.rawHeaders, ['Upgrade', 'websocket', 'Sec-WebSocket-Protocol', 'v5.channel.k8s.io', 'Host', 'x']);
  await rejects401(a.authenticate(ws(proto)), /missing additional subprotocol/);
  await rejects401(a.authenticate(ws(`${proto},${proto},v5.channel.k8s.io`)), /multiple/);
  await rejects401(a.authenticate(ws(`${WEBSOCKET_BEARER_PREFIX}a+b,v5.channel.k8s.io`)), /encoding/);
  // Not an upgrade: the subprotocol header means nothing.
  assert.equal(await a.authenticate({ headers: { 'sec-websocket-protocol': `${proto},x` } } as unknown as IncomingMessage), undefined);
});
