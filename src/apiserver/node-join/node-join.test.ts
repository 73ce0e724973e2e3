import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { discardLogger } from '../../lib/log.js';
import {
  FailureLimiter,
  InvalidTokenError,
  basicSecretMatches,
  caBundleHash,
  checkNodePassword,
  createNodeJoinHandler,
  ensureServerToken,
  formatJoinToken,
  hashNodePassword,
  nodeNameProblems,
  parseJoinToken,
  verifyNodePassword,
  type NodePasswordStore,
} from './index.js';

const HASH = 'ab'.repeat(32);

test('token: parse and format the secure form', () => {
  const t = `K10${HASH}::server:s3cret`;
  assert.deepEqual(parseJoinToken(`  ${t}\n`), { caHash: HASH, username: 'server', password: 's3cret' });
  assert.equal(formatJoinToken({ caHash: HASH, password: 's3cret' }), t);
  assert.equal(formatJoinToken({ caHash: HASH.toUpperCase(), username: 'node', password: 'x' }), `K10${HASH}::node:x`);
  // Upper-case hashes are accepted; a password may contain ':'.
  assert.deepEqual(parseJoinToken(`K10${HASH.toUpperCase()}::node:a:b`), { caHash: HASH, username: 'node', password: 'a:b' });
  // Credentials without a username.
  assert.deepEqual(parseJoinToken(`K10${HASH}::justsecret`), { caHash: HASH, username: 'server', password: 'justsecret' });
  // The short form: the secret alone.
  assert.deepEqual(parseJoinToken('abc123'), { username: 'server', password: 'abc123' });
});

test('token: malformed tokens give clear errors that do not echo the secret', () => {
  const bad: [string, RegExp][] = [
    ['', /it is empty/],
    ['   ', /it is empty/],
    [`K10abc::server:x`, /the CA hash after "K10" must be 64 hex digits \(SHA-256\), got 3 characters/],
    [`K10${'zz'.repeat(32)}::server:x`, /64 hex digits/],
    [`K11${HASH}::server:x`, /must start with "K10"/],
    [`K10${HASH}::server:`, /the secret is empty/],
    [`K10${HASH}:::x`, /the username before ":" is empty/],
    ['two words', /printable ASCII characters without spaces/],
  ];
  for (const [text, msg] of bad) {
    assert.throws(() => parseJoinToken(text), (e: unknown) => e instanceof InvalidTokenError && e.reason === 'InvalidToken' && msg.test(e.message) && !/x$/.test(e.message), text);
  }
  assert.throws(() => formatJoinToken({ caHash: 'abc', password: 'x' }), /invalid CA hash/);
  assert.throws(() => formatJoinToken({ caHash: HASH, password: '' }), /the secret is empty/);
});

test('server token: created 0600 on first start, kept across restarts, --token replaces the secret, a new CA re-hashes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flt-token-'));
  try {
    const first = await ensureServerToken({ dataDir: dir, caPem: 'CA-1' });
    assert.equal(first.action, 'created');
    assert.equal(first.path, join(dir, 'token'));
    assert.equal((await stat(first.path)).mode & 0o777, 0o600);
    assert.match(first.token, new RegExp(`^K10${caBundleHash('CA-1')}::server:[0-9a-f]{32}$`));
    assert.equal(await readFile(first.path, 'utf8'), first.token + '\n');
    const again = await ensureServerToken({ dataDir: dir, caPem: 'CA-1' });
    assert.deepEqual(again, { ...first, action: 'reused' });
    const rehashed = await ensureServerToken({ dataDir: dir, caPem: 'CA-2' });
    assert.equal(rehashed.action, 'updated');
    assert.equal(rehashed.secret, first.secret);
    assert.equal(parseJoinToken(rehashed.token).caHash, caBundleHash('CA-2'));
    const given = await ensureServerToken({ dataDir: dir, caPem: 'CA-2', secret: 'chosen' });
    assert.equal(given.action, 'updated');
    assert.equal(given.token, `K10${caBundleHash('CA-2')}::server:chosen`);
    await assert.rejects(ensureServerToken({ dataDir: dir, caPem: 'CA-2', secret: 'has space' }), /invalid --token: the secret may contain only printable ASCII/);
    await writeFile(join(dir, 'token'), 'K10xyz::server:a');
    await assert.rejects(ensureServerToken({ dataDir: dir, caPem: 'CA-2' }), new RegExp(`^InvalidTokenError: ${join(dir, 'token')}: invalid token: the CA hash`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('node names: DNS-1123 subdomains short enough for their password Secret', () => {
  assert.deepEqual(nodeNameProblems('worker-node-1'), []);
  assert.deepEqual(nodeNameProblems(''), ['Required value']);
  assert.match(nodeNameProblems('Worker_1')[0]!, /^a lowercase RFC 1123 subdomain must consist of/);
  assert.deepEqual(nodeNameProblems('a'.repeat(231)), ['must be no more than 230 characters']);
  assert.deepEqual(nodeNameProblems('a'.repeat(230)), []);
});

test('failure limiter: max failures per window and address, then 429 until the oldest ages out', () => {
  const l = new FailureLimiter({ max: 3, windowMs: 10_000, maxKeys: 2 });
  for (const t of [0, 1000, 2000]) {
    assert.equal(l.retryAfterSeconds('a', t), 0);
    l.fail('a', t);
  }
  assert.equal(l.retryAfterSeconds('a', 2500), 8);
  assert.equal(l.retryAfterSeconds('b', 2500), 0);
  assert.equal(l.retryAfterSeconds('a', 10_001), 0);
  // Bounded memory: the least recently failing address is forgotten.
  l.fail('b', 3000);
  l.fail('c', 3000);
  for (const t of [3000, 3001, 3002]) l.fail('b', t);
  assert.equal(l.retryAfterSeconds('b', 3003) > 0, true);
  assert.equal(l.retryAfterSeconds('a', 3003), 0);
});

test('node passwords: salted scrypt hashes, first join stores, later joins must match, racing first joins agree', async () => {
  const h1 = await hashNodePassword('pw');
  const h2 = await hashNodePassword('pw');
  assert.notEqual(h1, h2);
  assert.equal(await verifyNodePassword('pw', h1), true);
  assert.equal(await verifyNodePassword('other', h1), false);
  assert.equal(await verifyNodePassword('pw', 'garbage'), false);
  assert.equal(await verifyNodePassword('pw', '$scrypt$N=99999999,r=8,p=1$AAAA$AAAA'), false);

  const secrets = new Map<string, string>();
  const store: NodePasswordStore = {
    get: async (n) => secrets.get(n),
    create: async (n, h) => (secrets.has(n) ? 'exists' : (secrets.set(n, h), 'created')),
  };
  assert.equal(await checkNodePassword(store, 'a', 'pw'), 'created');
  assert.equal(await checkNodePassword(store, 'a', 'pw'), 'matched');
  assert.equal(await checkNodePassword(store, 'a', 'nope'), 'mismatch');
  const race = await Promise.all([checkNodePassword(store, 'b', 'x'), checkNodePassword(store, 'b', 'y')]);
  assert.deepEqual(race.sort(), ['created', 'mismatch']);
});

test('basic auth: any username, constant-time secret check', () => {
  const b = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  assert.equal(basicSecretMatches(b('node:s'), 's'), true);
  assert.equal(basicSecretMatches(b('server:s'), 's'), true);
  assert.equal(basicSecretMatches(b('node:s2'), 's'), false);
  assert.equal(basicSecretMatches(b('nocolon'), 's'), false);
  assert.equal(basicSecretMatches('Bearer s', 's'), false);
  assert.equal(basicSecretMatches(undefined, 's'), false);
});

/** Drives the handler with in-memory request/response stand-ins. */
async function call(handle: ReturnType<typeof createNodeJoinHandler>, method: string, url: string, headers: Record<string, string> = {}, body = '', remote = '10.0.0.1') {
  const req = Object.assign(Readable.from(body ? [Buffer.from(body)] : []), { method, url, headers, socket: { remoteAddress: remote } }) as unknown as IncomingMessage;
  let status = 0;
  const out: Record<string, unknown> = {};
  let text = '';
  const done = new Promise<void>((resolve) => {
    const res = Object.assign(new EventEmitter(), {
      headersSent: false,
      destroyed: false,
      setHeader: (k: string, v: unknown) => void (out[k.toLowerCase()] = v),
      writeHead(code: number, h: Record<string, unknown>) {
        status = code;
        for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
        this.headersSent = true;
      },
      end(t: string) {
        text = t ?? '';
        resolve();
      },
    });
    const handled = handle(req, res as unknown as ServerResponse);
    if (!handled) {
      status = -1;
      resolve();
    }
  });
  await done;
  return { status, headers: out, text };
}

test('handler: /cacerts, methods, other paths untouched, rate limit after repeated failures', async () => {
  const handle = createNodeJoinHandler({
    caPem: 'CA PEM\n',
    secret: 's',
    issueClientCertificate: async (r) => ({ certPem: `cert ${r.commonName} ${r.organizations.join(',')}`, keyPem: 'key' }),
    passwords: { get: async () => undefined, create: async () => 'created' },
    network: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' },
    logger: discardLogger,
    limiter: new FailureLimiter({ max: 2, windowMs: 60_000 }),
    now: () => 1000,
  });
  assert.deepEqual(await call(handle, 'GET', '/cacerts'), { status: 200, headers: (await call(handle, 'GET', '/cacerts')).headers, text: 'CA PEM\n' });
  assert.equal((await call(handle, 'GET', '/api/v1/nodes')).status, -1);
  assert.equal((await call(handle, 'GET', '/v1-flotilla/node-certificate')).status, 405);
  const auth = { authorization: `Basic ${Buffer.from('node:s').toString('base64')}` };
  const ok = await call(handle, 'POST', '/v1-flotilla/node-certificate', auth, JSON.stringify({ nodeName: 'n1', nodePassword: 'p' }));
  assert.equal(ok.status, 200);
  assert.deepEqual(JSON.parse(ok.text), {
    certificate: 'cert system:node:n1 system:nodes',
    key: 'key',
    ca: 'CA PEM\n',
    clusterCIDRs: ['10.244.0.0/16'],
    serviceCIDRs: ['10.96.0.0/16'],
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
  });
  assert.equal((await call(handle, 'POST', '/v1-flotilla/node-certificate', {}, '{}')).status, 401);
  assert.equal((await call(handle, 'POST', '/v1-flotilla/node-certificate', {}, '{}')).status, 401);
  const limited = await call(handle, 'POST', '/v1-flotilla/node-certificate', auth, JSON.stringify({ nodeName: 'n1', nodePassword: 'p' }));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers['retry-after'], '60');
  assert.equal(JSON.parse(limited.text).message, 'too many failed join attempts, retry in 60 seconds');
  // Another address is not affected.
  assert.equal((await call(handle, 'POST', '/v1-flotilla/node-certificate', auth, JSON.stringify({ nodeName: 'n1', nodePassword: 'p' }), '10.0.0.2')).status, 200);
  const missing = await call(handle, 'POST', '/v1-flotilla/node-certificate', auth, JSON.stringify({ nodeName: 'n1' }), '10.0.0.2');
  assert.equal(missing.status, 400);
  assert.equal(JSON.parse(missing.text).message, 'nodePassword must be a non-empty string');
});

test('handler: labels a node may not set on itself are applied by the server after the join; bad labels are 422', async () => {
  const applied: [string, Record<string, string>][] = [];
  const opts = {
    caPem: 'CA PEM\n',
    secret: 's',
    issueClientCertificate: async (r: { commonName: string }) => ({ certPem: `cert ${r.commonName}`, keyPem: 'key' }),
    passwords: { get: async () => undefined, create: async () => 'created' as const },
    network: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' },
    logger: discardLogger,
  };
  const handle = createNodeJoinHandler({ ...opts, labelNode: (n, l) => void applied.push([n, l]) });
  const auth = { authorization: `Basic ${Buffer.from('node:s').toString('base64')}` };
  const body = (labels: unknown) => JSON.stringify({ nodeName: 'worker-node-1', nodePassword: 'p', labels });
  assert.equal((await call(handle, 'POST', '/v1-flotilla/node-certificate', auth, body({ 'node-role.kubernetes.io/worker': '' }))).status, 200);
  assert.deepEqual(applied, [['worker-node-1', { 'node-role.kubernetes.io/worker': '' }]]);
  const bad = await call(handle, 'POST', '/v1-flotilla/node-certificate', auth, body({ 'node-role.kubernetes.io/worker': 'has space' }));
  assert.equal(bad.status, 422);
  assert.match(JSON.parse(bad.text).message, /labels\[node-role.kubernetes.io\/worker\]: Invalid value: "has space"/);
  assert.equal((await call(handle, 'POST', '/v1-flotilla/node-certificate', auth, body(['x']))).status, 400);
  assert.equal(applied.length, 1);
  // A server that cannot apply labels says so instead of dropping them.
  const plain = createNodeJoinHandler(opts);
  const refused = await call(plain, 'POST', '/v1-flotilla/node-certificate', auth, body({ 'node-role.kubernetes.io/worker': '' }));
  assert.equal(refused.status, 400);
  assert.equal(JSON.parse(refused.text).message, 'this server does not apply node labels on join');
});
