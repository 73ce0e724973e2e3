import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createTokenFileAuthenticator, parseTokenFile, TokenFileError } from './token-file.js';
import { impersonate, parseImpersonation } from './impersonation.js';
import type { Attributes } from '../authz/types.js';

const req = (headers: Record<string, string>) => ({ headers, socket: {} }) as unknown as IncomingMessage;

test('token file: token,user,uid[,"groups"] lines; system:authenticated added; unknown tokens pass', () => {
  const { tokens, warnings } = parseTokenFile('t1,alice,u1,"dev,ops"\nt2,bob,u2\nt1,carol,u3\n', '/f.csv');
  assert.deepEqual(warnings, ["duplicate token has been found in token file '/f.csv', record number '3'"]);
  const a = createTokenFileAuthenticator(tokens);
  assert.deepEqual(a.authenticate(req({ authorization: 'Bearer t2' })), { username: 'bob', uid: 'u2', groups: ['system:authenticated'] });
  assert.deepEqual(a.authenticate(req({ authorization: 'Bearer t1' })), { username: 'carol', uid: 'u3', groups: ['system:authenticated'] });
  assert.equal(a.authenticate(req({ authorization: 'Bearer nope' })), undefined);
  assert.equal(a.authenticate(req({})), undefined);
  const g = parseTokenFile('t,alice,u,"dev,ops"\n').tokens.get('t');
  assert.deepEqual(g?.groups, ['dev', 'ops']);
  assert.throws(() => parseTokenFile('t,alice\n', '/f.csv'), (e: unknown) => e instanceof TokenFileError && e.message === "token file '/f.csv' must have at least 3 columns (token, user name, user uid), found 2");
});

test('impersonation: each part checked with the impersonate verb; service accounts get their groups; refusal is the forbidden message', async () => {
  const asked: string[] = [];
  const allowAll = async (a: Attributes) => {
    asked.push(`${a.verb} ${a.apiGroup}/${a.resource}${a.subresource ? '/' + a.subresource : ''} ${a.namespace}/${a.name}`);
    return { decision: 'allow' as const, reason: '' };
  };
  const actor = { username: 'admin', groups: ['system:authenticated'] };
  const wanted = parseImpersonation({ 'impersonate-user': 'bob', 'impersonate-group': ['dev', 'ops'], 'impersonate-extra-scopes': 'a' })!;
  assert.deepEqual(await impersonate(actor, wanted, allowAll), { username: 'bob', groups: ['dev', 'ops', 'system:authenticated'], extra: { scopes: ['a'] } });
  assert.deepEqual(asked, ['impersonate /users /bob', 'impersonate /groups /dev', 'impersonate /groups /ops', 'impersonate authentication.k8s.io/userextras/scopes /a']);
  const sa = await impersonate(actor, parseImpersonation({ 'impersonate-user': 'system:serviceaccount:ns1:robot' })!, allowAll);
  assert.deepEqual(sa.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated']);
  assert.equal(parseImpersonation({}), undefined);
  assert.throws(() => parseImpersonation({ 'impersonate-group': 'dev' }), /without impersonating a user/);
  const deny = async () => ({ decision: 'no-opinion' as const, reason: '' });
  await assert.rejects(impersonate(actor, parseImpersonation({ 'impersonate-user': 'bob' })!, deny), (e: unknown) => {
    const err = e as { code: number; message: string };
    return err.code === 403 && err.message === 'users "bob" is forbidden: User "admin" cannot impersonate resource "users" in API group "" at the cluster scope';
  });
});
