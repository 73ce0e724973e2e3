/**
 * Malformed-request fuzzing over HTTPS with the admin client certificate, against a real
 * `flotilla server`: a few thousand requests from a seeded generator (FUZZ_SEED to replay,
 * FUZZ_COUNT to change the count; bounded in count and time), each built so that upstream
 * kube-apiserver would refuse it with a 4xx Status. Afterwards:
 *   - every answer was a well-formed Status (kind Status, apiVersion v1, status Failure, code equal to
 *     the HTTP status, a reason and a message, Content-Type application/json) with a 4xx code:
 *     never a 5xx, never a hang (10 s per request), never a dropped connection;
 *   - the server is still up (/readyz, kubectl);
 *   - the stored state is byte-for-byte unchanged (every list of every listable resource, as JSON).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestServer, configMapYaml, createNamespace, deploymentYaml, ok, startServer } from './lib/kube.js';

// ---- seeded generator --------------------------------------------------------------------------

type Rng = () => number;
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const bytes = (r: Rng, n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
};
const ident = (r: Rng, n = int(r, 1, 12)) => {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = pick(r, [...'abcdefghijklmnopqrstuvwxyz']);
  for (let i = 1; i < n; i++) s += pick(r, [...chars]);
  return s;
};

interface Req {
  family: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const NS = 'fuzz-a';
const OTHER_NS = 'fuzz-b';
const CM_COLL = `/api/v1/namespaces/${NS}/configmaps`;
const SEC_COLL = `/api/v1/namespaces/${NS}/secrets`;
const DEP_COLL = `/apis/apps/v1/namespaces/${NS}/deployments`;
const EXISTING_CM = `${CM_COLL}/keep-0`;
const EXISTING_DEP = `${DEP_COLL}/keep-web`;
const JSON_H = { 'Content-Type': 'application/json', Accept: 'application/json' };

function validCm(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { k: 'v' }, ...extra };
}

/** Names that no DNS-subdomain / DNS-label rule accepts. */
function invalidName(r: Rng): string {
  const base = ident(r);
  return pick(r, [
    base.toUpperCase() + 'X',
    `${base}_${ident(r)}`,
    `-${base}`,
    `${base}-`,
    `${base}.`,
    `.${base}`,
    `${base}..${ident(r)}`,
    `${base} ${ident(r)}`,
    `${base}@`,
    'a'.repeat(int(r, 254, 400)),
    `${base}%`,
    `${base}*`,
  ]);
}

/** Label selectors upstream's labels.Parse rejects. */
function badLabelSelector(r: Rng): string {
  const k = ident(r);
  const v = ident(r);
  return pick(r, [
    `${k} in (${v}`,
    `${k} in ${v}`,
    `${k} notin (`,
    `${k} in ()${v}`,
    `=${v}`,
    `!=${v}`,
    `${k}=${v}=${v}`,
    `${k}==`.replace('==', '===') + v,
    `${k}=${v},`,
    `,${k}`,
    `${k} ${v}`,
    `${k}=(${v})`,
    `!${k}=${v}`,
    `${k}_-/${v}=x`,
    `${k}=${'v'.repeat(64)}`,
    `${k}>${v}`,
    `${k}!`,
  ]);
}

/** Field selectors the server must refuse for ConfigMaps. */
function badFieldSelector(r: Rng): string {
  const v = ident(r);
  return pick(r, [`spec.${v}=x`, `data.${v}=${v}`, `metadata.${v}=x`, 'metadata.name', `metadata.name>${v}`, `metadata.name=${v},status.phase=Running`, `=${v}`, `status.phase=${v}`]);
}

function truncate(r: Rng, s: string): string {
  return s.slice(0, int(r, 0, s.length - 2));
}

type Gen = (r: Rng, i: number) => Req;

const families: Record<string, Gen> = {
  'truncated JSON create': (r, i) => ({ family: '', method: 'POST', path: CM_COLL, headers: JSON_H, body: truncate(r, JSON.stringify(validCm(`trunc-${i}`))) }),
  'truncated JSON update': (r) => ({ family: '', method: 'PUT', path: EXISTING_CM, headers: JSON_H, body: truncate(r, JSON.stringify(validCm('keep-0', { data: { changed: 'yes' } }))) }),
  'bad JSON syntax': (r, i) => {
    // Junk right after a structural character outside strings: never valid JSON. (Inside a string
    // it could make a different but valid object.)
    const good = JSON.stringify(validCm(`syn-${i}`));
    const pos = pick(r, structuralPositions(good)) + 1;
    const junk = pick(r, ['}', '{', ']', ',,', ':', '\u0000', 'NaN', "'", '/*x*/', 'undefined']);
    return { family: '', method: pick(r, ['POST', 'POST', 'PUT']), path: pick(r, [CM_COLL, EXISTING_CM]), headers: JSON_H, body: good.slice(0, pos) + junk + good.slice(pos) };
  },
  'JSON not an object': (r) => ({
    family: '',
    method: 'POST',
    path: pick(r, [CM_COLL, SEC_COLL, DEP_COLL]),
    headers: JSON_H,
    body: pick(r, ['[]', '"configmap"', '42', 'null', 'true', '[{"kind":"ConfigMap"}]', '{"metadata":5}', '{"metadata":"x","kind":"ConfigMap","apiVersion":"v1"}', '']),
  }),
  'bad YAML': (r, i) => ({
    family: '',
    method: 'POST',
    path: CM_COLL,
    headers: { 'Content-Type': 'application/yaml', Accept: 'application/json' },
    body: pick(r, [
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tab-${i}\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "unclosed-${i}\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: brace-${i}\n`,
      `[unclosed, list`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alias-${i}\ndata: *nowhere\n`,
      `- just\n- a\n- list\n`,
      `just a scalar ${i}`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ind-${i}\n data:\n  k: v\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${invalidName(r)}\n`,
      `%YAML 9.9\n---\nfoo: bar\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: val-${i}\ndata:\n  k: [1, 2]\n`,
    ]),
  }),
  'wrong content type': (r, i) => ({
    family: '',
    method: pick(r, ['POST', 'PUT']),
    path: pick(r, [CM_COLL, EXISTING_CM]),
    headers: { 'Content-Type': pick(r, ['text/plain', 'application/xml', 'application/octet-stream', 'image/png', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-patch+json', 'application/merge-patch+json', 'text/html; charset=utf-8']), Accept: 'application/json' },
    body: JSON.stringify(validCm(pick(r, [`ct-${i}`, 'keep-0']))),
  }),
  'random bytes': (r) => {
    const ct = pick(r, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml']);
    const isPatch = ct.includes('patch');
    return {
      family: '',
      method: isPatch ? 'PATCH' : pick(r, ['POST', 'PUT']),
      path: isPatch ? pick(r, [EXISTING_CM, EXISTING_DEP]) : pick(r, [CM_COLL, `${SEC_COLL}`, DEP_COLL, EXISTING_CM]),
      headers: { 'Content-Type': ct, Accept: 'application/json' },
      body: Buffer.concat([Buffer.from(pick(r, ['', '{', '[', 'k8s\u0000', '---\n'])), bytes(r, int(r, 1, 2048))]),
    };
  },
  'invalid names': (r) => {
    const name = invalidName(r);
    return pick(r, [
      { family: '', method: 'POST', path: CM_COLL, headers: JSON_H, body: JSON.stringify(validCm(name)) },
      { family: '', method: 'POST', path: CM_COLL, headers: JSON_H, body: JSON.stringify(validCm('', { metadata: { generateName: name.toUpperCase() + '_', namespace: NS } })) },
      { family: '', method: 'POST', path: CM_COLL, headers: JSON_H, body: JSON.stringify(validCm('', { metadata: { namespace: NS } })) },
      { family: '', method: 'GET', path: `${CM_COLL}/${encodeURIComponent(name)}x`, headers: { Accept: 'application/json' } },
      { family: '', method: 'PUT', path: `${CM_COLL}/${encodeURIComponent(name)}`, headers: JSON_H, body: JSON.stringify(validCm(name)) },
      { family: '', method: 'POST', path: `/api/v1/namespaces`, headers: JSON_H, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: name.length > 63 ? name : name + '.x' } }) },
      { family: '', method: 'POST', path: DEP_COLL, headers: JSON_H, body: JSON.stringify({ ...JSON.parse(deploymentJson('x')), metadata: { name, namespace: NS } }) },
      { family: '', method: 'POST', path: CM_COLL, headers: JSON_H, body: JSON.stringify(validCm(`okname-${ident(r)}`, { data: { [pick(r, ['bad key', '', 'a/b', '..', '-'.repeat(300), 'k\u0000'])]: 'v' } })) },
      { family: '', method: 'POST', path: CM_COLL, headers: JSON_H, body: JSON.stringify(validCm(`lbl-${ident(r)}`, { metadata: { name: `lbl-${ident(r)}`, namespace: NS, labels: { [pick(r, ['a b', '-x', 'x/'])]: 'v' } } })) },
      { family: '', method: 'POST', path: CM_COLL, headers: JSON_H, body: JSON.stringify(validCm(`lblv-${ident(r)}`, { metadata: { name: `lblv-${ident(r)}`, namespace: NS, labels: { ok: pick(r, ['-bad', 'bad-', 'a b', 'x'.repeat(64)]) } } })) },
    ]);
  },
  'wrong types in fields': (r, i) => ({
    family: '',
    method: 'POST',
    path: pick(r, [CM_COLL, DEP_COLL]),
    headers: JSON_H,
    body: pick(r, [
      JSON.stringify(validCm(`ty-${i}`, { data: { k: pick(r, [1, true, {}, [], 1.5]) } })),
      JSON.stringify(validCm(`ty-${i}`, { data: 'string' })),
      JSON.stringify(validCm(`ty-${i}`, { binaryData: { b: 'not base64!' } })),
      JSON.stringify(validCm(`ty-${i}`, { metadata: { name: `ty-${i}`, namespace: NS, labels: 'x' } })),
      JSON.stringify(validCm(`ty-${i}`, { metadata: { name: 5, namespace: NS } })),
      JSON.stringify(validCm(`ty-${i}`, { immutable: 'yes' })),
      deploymentJson(`dep-${i}`).replace('"replicas":1', `"replicas":${pick(r, ['"one"', '-5', '1.5', '{}', '99999999999999999999'])}`),
      deploymentJson(`dep-${i}`).replace('"image":"nginx:1.25"', '"image":""'),
      deploymentJson(`dep-${i}`).replace('"containers":[', '"containers":[],"x":['),
      deploymentJson(`dep-${i}`).replace(/"matchLabels":\{"app":"[^"]*"\}/, '"matchLabels":{"app":"other"}'),
    ]),
  }),
  'unknown kinds and versions': (r, i) => {
    const body = JSON.stringify(validCm(`kv-${i}`));
    return pick(r, [
      { family: '', method: 'POST', path: `/apis/apps/v2/namespaces/${NS}/deployments`, headers: JSON_H, body: deploymentJson(`kv-${i}`) },
      { family: '', method: 'POST', path: `/apis/${ident(r)}.example.com/v1/namespaces/${NS}/${ident(r)}s`, headers: JSON_H, body },
      { family: '', method: 'POST', path: `/api/v2/namespaces/${NS}/configmaps`, headers: JSON_H, body },
      { family: '', method: 'POST', path: `/api/v1/namespaces/${NS}/${ident(r)}widgets`, headers: JSON_H, body },
      { family: '', method: 'GET', path: `/apis/${ident(r)}/v1/${ident(r)}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'POST', path: `/apis/apps/v1/namespaces/${NS}/configmaps`, headers: JSON_H, body },
      { family: '', method: 'POST', path: CM_COLL, headers: JSON_H, body: JSON.stringify(validCm(`kv-${i}`, { kind: pick(r, ['Widget', 'Secret', 'configmap', 'Deployment']) })) },
      { family: '', method: 'POST', path: CM_COLL, headers: JSON_H, body: JSON.stringify(validCm(`kv-${i}`, { apiVersion: pick(r, ['v2', 'apps/v1', 'v1beta9', 'example.com/v1']) })) },
      { family: '', method: 'POST', path: `/api/v1/namespaces/${NS}/namespaces`, headers: JSON_H, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `kv-${i}` } }) },
      { family: '', method: 'PUT', path: CM_COLL, headers: JSON_H, body },
      { family: '', method: 'POST', path: EXISTING_CM, headers: JSON_H, body },
      { family: '', method: 'POST', path: DEP_COLL, headers: JSON_H, body: deploymentJson(`kv-${i}`).replace('"apps/v1"', '"extensions/v1beta1"') },
    ]);
  },
  'unknown fields (Strict)': (r, i) => ({
    family: '',
    method: 'POST',
    path: `${pick(r, [CM_COLL, DEP_COLL])}?fieldValidation=Strict`,
    headers: JSON_H,
    body: pick(r, [
      JSON.stringify(validCm(`uf-${i}`, { [ident(r) + 'Zz']: 1 })),
      JSON.stringify(validCm(`uf-${i}`, { metadata: { name: `uf-${i}`, namespace: NS, [ident(r) + 'x']: 'y' } })),
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"uf-${i}","namespace":"${NS}"},"data":{"a":"1"},"data":{"b":"2"}}`,
      deploymentJson(`uf-${i}`).replace('"replicas":1', `"replicas":1,"${ident(r)}Zz":true`),
    ]),
  }),
  'bad query parameters': (r, i) =>
    pick(r, [
      { family: '', method: 'POST', path: `${CM_COLL}?fieldValidation=${pick(r, ['Sometimes', 'strict!', '1'])}`, headers: JSON_H, body: JSON.stringify(validCm(`q-${i}`)) },
      { family: '', method: 'POST', path: `${CM_COLL}?dryRun=${pick(r, ['Some', 'true', 'None'])}`, headers: JSON_H, body: JSON.stringify(validCm(`q-${i}`)) },
      { family: '', method: 'GET', path: `${CM_COLL}?limit=${pick(r, ['abc', '1e3', '--1'])}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'GET', path: `${CM_COLL}?limit=1&continue=${encodeURIComponent(bytes(r, 12).toString('base64'))}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'GET', path: `${CM_COLL}?timeoutSeconds=${pick(r, ['x', '1.5s'])}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'GET', path: `${CM_COLL}?resourceVersionMatch=${pick(r, ['Exact', 'NotOlderThan', 'Bogus'])}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'DELETE', path: `${EXISTING_CM}?propagationPolicy=${pick(r, ['Sometimes', 'background', 'x'])}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'DELETE', path: `${EXISTING_CM}?dryRun=${pick(r, ['Some', 'yes'])}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'DELETE', path: `${EXISTING_CM}?gracePeriodSeconds=${pick(r, ['abc', '1.5'])}`, headers: { Accept: 'application/json' } },
    ]),
  'bad resourceVersions': (r, i) => {
    const rv = pick(r, ['abc', '-1', '1.5', ' ', '0x10', '99999999999999999999999', '1e9', `${ident(r)}`]);
    return pick(r, [
      { family: '', method: 'GET', path: `${CM_COLL}?resourceVersion=${encodeURIComponent(rv)}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'GET', path: `${EXISTING_CM}?resourceVersion=${encodeURIComponent(rv)}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'GET', path: `${CM_COLL}?watch=true&timeoutSeconds=1&resourceVersion=${encodeURIComponent(rv)}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'PUT', path: EXISTING_CM, headers: JSON_H, body: JSON.stringify(validCm('keep-0', { metadata: { name: 'keep-0', namespace: NS, resourceVersion: rv }, data: { changed: `${i}` } })) },
      { family: '', method: 'PUT', path: EXISTING_CM, headers: JSON_H, body: JSON.stringify(validCm('keep-0', { metadata: { name: 'keep-0', namespace: NS, resourceVersion: '1' }, data: { stale: `${i}` } })) },
      { family: '', method: 'PATCH', path: EXISTING_CM, headers: { 'Content-Type': 'application/merge-patch+json', Accept: 'application/json' }, body: JSON.stringify({ metadata: { resourceVersion: pick(r, ['1', '2', rv]) }, data: { rv: `${i}` } }) },
      { family: '', method: 'DELETE', path: EXISTING_CM, headers: JSON_H, body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: pick(r, ['1', '2']) } }) },
      { family: '', method: 'DELETE', path: EXISTING_CM, headers: JSON_H, body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }) },
    ]);
  },
  'bad label selectors': (r) => ({
    family: '',
    method: 'GET',
    path: `${pick(r, [CM_COLL, '/api/v1/configmaps', DEP_COLL, '/api/v1/namespaces'])}?labelSelector=${encodeURIComponent(badLabelSelector(r))}`,
    headers: { Accept: pick(r, ['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json']) },
  }),
  'bad field selectors': (r) => ({
    family: '',
    method: 'GET',
    path: `${pick(r, [CM_COLL, '/api/v1/configmaps', DEP_COLL])}?fieldSelector=${encodeURIComponent(badFieldSelector(r))}`,
    headers: { Accept: 'application/json' },
  }),
  'bad JSON patches': (r) => ({
    family: '',
    method: 'PATCH',
    path: pick(r, [EXISTING_CM, EXISTING_DEP]),
    headers: { 'Content-Type': 'application/json-patch+json', Accept: 'application/json' },
    body: pick(r, [
      '{}',
      '[{"op":"frobnicate","path":"/data/k"}]',
      '[{"op":"remove","path":"/data/nope"}]',
      '[{"op":"replace","path":"/nope/deeper","value":1}]',
      '[{"op":"test","path":"/metadata/name","value":"wrong"},{"op":"add","path":"/data/x","value":"y"}]',
      '[{"op":"add","path":"/data/x","value":5}]',
      '[{"op":"add","path":"/metadata/name","value":"renamed"}]',
      '[{"op":"add","path":"/kind","value":"Secret"}]',
      '[{"op":"add","path":"data/x","value":"no-leading-slash"}]',
      '[{"op":"move","from":"/nope","path":"/data/y"}]',
      '[{"op":"add"}]',
      '[{"path":"/data/x","value":"no op"}]',
      '[1,2,3]',
      '[{"op":"add","path":"/metadata/labels/bad key","value":"x"}]',
      '[{"op":"replace","path":"/spec/replicas","value":-4}]',
      '[{"op":"add","path":"/metadata/namespace","value":"' + OTHER_NS + '"}]',
    ]),
  }),
  'bad merge patches': (r, i) => {
    // Bodies per target: a field unknown to the kind would only be dropped (fieldValidation Warn).
    const cm = r() < 0.5;
    return {
      family: '',
      method: 'PATCH',
      path: cm ? EXISTING_CM : EXISTING_DEP,
      headers: { 'Content-Type': 'application/merge-patch+json', Accept: 'application/json' },
      body: cm
        ? pick(r, [
            '{"data":{"k":5}}',
            '{"metadata":{"labels":{"bad key":"x"}}}',
            '{"kind":"Secret"}',
            '{"apiVersion":"v2"}',
            '{"metadata":{"name":"renamed"}}',
            '{"metadata":{"namespace":"' + OTHER_NS + '"}}',
            '{"metadata":{"uid":"00000000-0000-0000-0000-000000000001"}}',
            '{"data":{"bad key":"x"}}',
            `{"metadata":{"labels":{"x${i}":"ok"}},"data":{"k":{"nested":1}}}`,
            '{"metadata":"x"}',
            '{"data":{"k":"v"}',
            '{"data":"flat"}',
          ])
        : pick(r, [
            '{"spec":{"replicas":-3}}',
            '{"spec":{"replicas":"x"}}',
            '{"spec":{"selector":{"matchLabels":{"app":"changed"}}}}',
            '{"spec":{"template":{"spec":{"containers":[{"name":"only"}]}}}}',
            '{"spec":{"template":{"spec":{"containers":null}}}}',
            '{"kind":"Secret"}',
            '{"metadata":{"name":"renamed"}}',
            '{"metadata":{"labels":{"bad key":"x"}}}',
            '{"spec":{"strategy":{"type":"Sometimes"}}}',
          ]),
    };
  },
  'bad strategic merge patches': (r) => {
    const cm = r() < 0.4;
    return {
      family: '',
      method: 'PATCH',
      path: cm ? EXISTING_CM : EXISTING_DEP,
      headers: { 'Content-Type': 'application/strategic-merge-patch+json', Accept: 'application/json' },
      body: cm
        ? pick(r, ['{"data":{"k":5}}', '{"metadata":{"labels":{"x":7}}}', '[]', '{"kind":"Secret"}', '{"metadata":{"name":"renamed"}}', '{"data":{"bad key":"v"}}', '{"data"'])
        : pick(r, [
            '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":""}]}}}}',
            '{"spec":{"template":{"spec":{"containers":"x"}}}}',
            '{"spec":{"replicas":"three"}}',
            '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"ghost"}],"containers":[{"name":"ghost"}]}}}}',
            '{"spec":{"template":{"spec":{"containers":[{"name":"main","ports":[{"containerPort":"http"}]}]}}}}',
            '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar"}]}}}}',
            '{"spec":{"selector":{"matchLabels":{"app":"changed"}}}}',
            '{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"A","value":5}]}]}}}}',
            '{"spec"',
          ]),
    };
  },
  'strategic merge patch directives': (r) => ({
    // Malformed directives: upstream answers some of these with a raw error (a 500); Flotilla must
    // not: any 4xx Status is accepted here.
    family: '',
    method: 'PATCH',
    path: EXISTING_DEP,
    headers: { 'Content-Type': 'application/strategic-merge-patch+json', Accept: 'application/json' },
    body: pick(r, [
      '{"$patch":"bogus"}',
      '{"spec":{"template":{"spec":{"containers":[{"name":"main","$patch":"bogus"}]}}}}',
      '{"spec":{"template":{"spec":{"containers":[{"image":"no-merge-key"}]}}}}',
      '{"spec":{"template":{"spec":{"$setElementOrder/containers":"x"}}}}',
      '{"spec":{"template":{"spec":{"$retainKeys":5}}}}',
    ]),
  }),
  'bad apply patches': (r) => ({
    family: '',
    method: 'PATCH',
    path: pick(r, [EXISTING_CM, EXISTING_DEP, `${CM_COLL}/apply-created-${ident(r)}`]) + pick(r, ['', '?fieldManager=' + encodeURIComponent('x'.repeat(200)), '?force=maybe&fieldManager=fz']),
    headers: { 'Content-Type': 'application/apply-patch+yaml', Accept: 'application/json' },
    body: pick(r, ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep-0\ndata:\n  k: v\n', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keep-0"},"data":{"k":"v"}}', '- a\n- b\n', 'kind: [\n']),
  }),
  'unsupported patch types': (r) => ({
    family: '',
    method: 'PATCH',
    path: pick(r, [EXISTING_CM, EXISTING_DEP]),
    headers: { 'Content-Type': pick(r, ['application/json', 'application/yaml', 'text/plain', 'application/x-patch']), Accept: 'application/json' },
    body: '{"data":{"k":"patched"}}',
  }),
  'patches of missing objects': (r, i) => ({
    family: '',
    method: 'PATCH',
    path: `${CM_COLL}/missing-${i}`,
    headers: { 'Content-Type': pick(r, ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json']), Accept: 'application/json' },
    body: pick(r, ['{"data":{"k":"v"}}', '[{"op":"add","path":"/data","value":{}}]']),
  }),
  'wrong namespace': (r, i) =>
    pick(r, [
      { family: '', method: 'POST', path: CM_COLL, headers: JSON_H, body: JSON.stringify({ ...validCm(`wn-${i}`), metadata: { name: `wn-${i}`, namespace: OTHER_NS } }) },
      { family: '', method: 'PUT', path: EXISTING_CM, headers: JSON_H, body: JSON.stringify({ ...validCm('keep-0'), metadata: { name: 'keep-0', namespace: OTHER_NS } }) },
      { family: '', method: 'PUT', path: EXISTING_CM, headers: JSON_H, body: JSON.stringify({ ...validCm('keep-0'), metadata: { name: 'keep-1', namespace: NS } }) },
      { family: '', method: 'POST', path: `/api/v1/namespaces/no-such-ns-${i}/configmaps`, headers: JSON_H, body: JSON.stringify({ ...validCm(`wn-${i}`), metadata: { name: `wn-${i}` } }) },
      { family: '', method: 'POST', path: '/api/v1/configmaps', headers: JSON_H, body: JSON.stringify(validCm(`wn-${i}`)) },
      { family: '', method: 'POST', path: DEP_COLL, headers: JSON_H, body: deploymentJson(`wn-${i}`).replace(`"namespace":"${NS}"`, `"namespace":"${OTHER_NS}"`) },
      { family: '', method: 'DELETE', path: `/api/v1/namespaces/${OTHER_NS}/configmaps/keep-1`, headers: { Accept: 'application/json' } },
    ]),
  'delete with bad bodies': (r) => ({
    family: '',
    method: 'DELETE',
    path: pick(r, [EXISTING_CM, EXISTING_DEP]),
    headers: JSON_H,
    body: pick(r, [
      '{"kind":"DeleteOptions"',
      '{"propagationPolicy":"Sometimes"}',
      '{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":"soon"}',
      '{"kind":"DeleteOptions","apiVersion":"v1","orphanDependents":true,"propagationPolicy":"Background"}',
      '{"kind":"DeleteOptions","apiVersion":"v1","dryRun":["Maybe"]}',
      '[]',
      '"delete"',
    ]),
  }),
  'missing objects': (r, i) =>
    pick(r, [
      { family: '', method: 'GET', path: `${CM_COLL}/missing-${i}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'DELETE', path: `${CM_COLL}/missing-${i}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'PUT', path: `${CM_COLL}/missing-${i}`, headers: JSON_H, body: JSON.stringify(validCm(`missing-${i}`)) },
      { family: '', method: 'GET', path: `/api/v1/namespaces/missing-${i}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'PUT', path: `${DEP_COLL}/missing-${i}/scale`, headers: JSON_H, body: JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: `missing-${i}`, namespace: NS }, spec: { replicas: 2 } }) },
      { family: '', method: 'GET', path: `${EXISTING_DEP}/${pick(r, ['bogus', 'log', 'exec'])}`, headers: { Accept: 'application/json' } },
      { family: '', method: 'GET', path: `${EXISTING_CM}/status`, headers: { Accept: 'application/json' } },
    ]),
  'bad scale': (r) => ({
    family: '',
    method: pick(r, ['PUT', 'PATCH']),
    path: `${EXISTING_DEP}/scale`,
    headers: { 'Content-Type': 'application/merge-patch+json', Accept: 'application/json' },
    body: pick(r, ['{"spec":{"replicas":-1}}', '{"spec":{"replicas":"x"}}', '{"spec":', '{"kind":"Deployment"}', '{"metadata":{"name":"other"}}']),
  }),
};

/** Bodies above the 3 MiB request limit (upstream: 413 RequestEntityTooLarge). */
function huge(r: Rng, i: number): Req {
  const size = 3 * 1024 * 1024 + int(r, 1, 512 * 1024);
  const kind = i % 3;
  if (kind === 0) {
    const padding = 'x'.repeat(size);
    return { family: 'huge bodies', method: 'POST', path: CM_COLL, headers: JSON_H, body: JSON.stringify(validCm(`huge-${i}`, { data: { big: padding } })) };
  }
  if (kind === 1) return { family: 'huge bodies', method: 'PATCH', path: EXISTING_CM, headers: { 'Content-Type': 'application/merge-patch+json', Accept: 'application/json' }, body: JSON.stringify({ data: { big: 'y'.repeat(size) } }) };
  return { family: 'huge bodies', method: 'PUT', path: EXISTING_CM, headers: JSON_H, body: bytes(r, size) };
}

/** Offsets of `{ } [ ] : ,` outside JSON strings. */
function structuralPositions(json: string): number[] {
  const out: number[] = [];
  let inStr = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if ('{}[]:,'.includes(c!)) out.push(i);
  }
  return out.filter((p) => p < json.length - 1);
}

function deploymentJson(name: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'nginx:1.25' }] } },
    },
  });
}

// ---- known server bugs ---------------------------------------------------------------------------
//
// Requests that hit a bug already reported (each has a todo test in api-edge.test.ts or
// kubectl-errors.test.ts) are held back, so that this test keeps guarding everything else and the
// state comparison stays meaningful. Remove an entry when its todo test passes.

const bodyText = (q: Req) => (q.body === undefined ? '' : Buffer.isBuffer(q.body) ? '' : q.body);
const KNOWN_BUGS: Array<{ bug: string; matches(q: Req): boolean }> = [
];

// ---- state snapshot ------------------------------------------------------------------------------

interface ApiResourceList {
  groupVersion: string;
  resources: Array<{ name: string; namespaced: boolean; verbs: string[] }>;
}

/** GET of every list endpoint (all namespaces) from discovery, as raw bytes. */
async function snapshot(server: TestServer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const get = async (path: string) => {
    const r = await server.request(path, { headers: { Accept: 'application/json' } });
    assert.equal(r.status, 200, `${path}: ${r.body.slice(0, 300)}`);
    return r.body;
  };
  const gvs: string[] = ['v1'];
  const groups = JSON.parse(await get('/apis')) as { groups: Array<{ versions: Array<{ groupVersion: string }> }> };
  for (const g of groups.groups) for (const v of g.versions) gvs.push(v.groupVersion);
  for (const gv of gvs) {
    const base = gv === 'v1' ? '/api/v1' : `/apis/${gv}`;
    const list = JSON.parse(await get(base)) as ApiResourceList;
    for (const res of list.resources) {
      if (res.name.includes('/') || !res.verbs.includes('list')) continue;
      // The items as stored; the list's own resourceVersion moves with the server's background
      // writes (its endpoint lease renewals, which are left out too).
      const body = JSON.parse(await get(`${base}/${res.name}`)) as { items: Array<{ metadata: { name?: string; namespace?: string } }> };
      const items = body.items.filter((o) => !(res.name === 'leases' && o.metadata.namespace === 'kube-system' && o.metadata.name?.startsWith('flotilla-apiserver-')));
      out.set(`${base}/${res.name}`, JSON.stringify(items));
    }
  }
  return out;
}

// ---- the test --------------------------------------------------------------------------------------

interface Failure {
  req: string;
  problem: string;
}

function describeReq(q: Req): string {
  const body = q.body === undefined ? '' : Buffer.isBuffer(q.body) ? `<${q.body.length} random bytes>` : q.body.length > 300 ? `<${q.body.length} bytes> ${q.body.slice(0, 120)}...` : q.body;
  return `[${q.family}] ${q.method} ${q.path.length > 200 ? q.path.slice(0, 200) + '...' : q.path} (${q.headers['Content-Type'] ?? 'no content type'}) ${body}`;
}

function checkStatus(q: Req, status: number, headers: Record<string, string | string[] | undefined>, body: string): string | undefined {
  if (status >= 500) return `HTTP ${status} (5xx): ${body.slice(0, 300)}`;
  if (status < 400) return `HTTP ${status} (accepted a malformed request): ${body.slice(0, 300)}`;
  const ct = String(headers['content-type'] ?? '');
  if (!ct.startsWith('application/json')) return `HTTP ${status} with Content-Type "${ct}": ${body.slice(0, 200)}`;
  let st: Record<string, unknown>;
  try {
    st = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return `HTTP ${status} body is not JSON: ${body.slice(0, 200)}`;
  }
  if (st['kind'] !== 'Status' || st['apiVersion'] !== 'v1') return `HTTP ${status} body is not a v1 Status: ${body.slice(0, 200)}`;
  if (st['status'] !== 'Failure') return `Status.status is ${JSON.stringify(st['status'])}, want "Failure"`;
  if (st['code'] !== status) return `Status.code ${JSON.stringify(st['code'])} != HTTP ${status}`;
  if (typeof st['reason'] !== 'string' || st['reason'] === '') return `Status without reason: ${body.slice(0, 200)}`;
  if (typeof st['message'] !== 'string' || st['message'] === '') return `Status without message: ${body.slice(0, 200)}`;
  if (typeof st['metadata'] !== 'object' || st['metadata'] === null) return `Status without metadata: ${body.slice(0, 200)}`;
  return undefined;
}

test('fuzz: thousands of malformed requests get 4xx Status answers and change nothing', async (t) => {
  const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1_000_000);
  const count = Number(process.env['FUZZ_COUNT'] ?? 3000);
  const budgetMs = Number(process.env['FUZZ_BUDGET_MS'] ?? 120_000);
  t.diagnostic(`FUZZ_SEED=${seed} FUZZ_COUNT=${count} (set them to replay this run)`);
  const r = mulberry32(seed);

  const server = await startServer();
  t.after(() => server.stop());

  // Some state to protect.
  await createNamespace(server, NS);
  await createNamespace(server, OTHER_NS);
  const manifests = [
    configMapYaml('keep-0', NS, { k: 'v' }, { fuzz: 'target' }),
    configMapYaml('keep-1', NS, { a: '1' }),
    configMapYaml('keep-0', OTHER_NS, { other: 'ns' }),
    deploymentYaml('keep-web', NS, { replicas: 1, env: { A: '1' } }),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: keep-secret\n  namespace: ${NS}\ndata:\n  k: dmFsdWU=\n`,
  ];
  await ok(server, ['apply', '-f', '-'], { input: manifests.join('---\n') });
  const before = await snapshot(server);
  assert.ok(before.size >= 5, `listable resources: ${[...before.keys()].join(', ')}`);

  const names = Object.keys(families);
  const requests: Req[] = [];
  const heldBack = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const fam = names[i % names.length]!;
    const q = families[fam]!(r, i);
    q.family = fam;
    const known = KNOWN_BUGS.find((k) => k.matches(q));
    if (known) heldBack.set(known.bug, (heldBack.get(known.bug) ?? 0) + 1);
    else requests.push(q);
  }
  for (let i = 0; i < 6; i++) requests.splice(int(r, 0, requests.length), 0, huge(r, i));
  if (heldBack.size) t.diagnostic(`held back (known server bugs): ${[...heldBack].map(([b, n]) => `${n} x ${b}`).join('; ')}`);

  const failures: Failure[] = [];
  const codes = new Map<number, number>();
  const perFamily = new Map<string, number>();
  const t0 = Date.now();
  let next = 0;
  let sent = 0;
  const worker = async () => {
    for (;;) {
      const idx = next++;
      if (idx >= requests.length || Date.now() - t0 > budgetMs) return;
      const q = requests[idx]!;
      sent++;
      perFamily.set(q.family, (perFamily.get(q.family) ?? 0) + 1);
      try {
        // Content-Length always: node's client sends a DELETE body without it (no chunking for
        // DELETE), and the server would then read the body as the next request.
        const headers = q.body === undefined ? q.headers : { ...q.headers, 'Content-Length': String(Buffer.byteLength(q.body)) };
        const res = await server.request(q.path, { method: q.method, headers, body: q.body, timeoutMs: 10_000 });
        codes.set(res.status, (codes.get(res.status) ?? 0) + 1);
        const problem = checkStatus(q, res.status, res.headers, res.body);
        if (problem) failures.push({ req: describeReq(q), problem });
      } catch (e) {
        failures.push({ req: describeReq(q), problem: `no answer: ${(e as Error).message}` });
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const elapsed = Date.now() - t0;
  t.diagnostic(`${sent} requests in ${elapsed} ms; status codes: ${[...codes].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c}x${n}`).join(' ')}`);
  t.diagnostic(`per family: ${[...perFamily].map(([f, n]) => `${f}=${n}`).join(', ')}`);
  assert.ok(sent >= Math.min(requests.length, 1000), `only ${sent} requests were sent within the ${budgetMs} ms budget`);

  // Still up.
  const ready = await server.request('/readyz');
  assert.equal(ready.status, 200, ready.body);
  await ok(server, ['get', 'ns', NS]);

  // Unchanged, byte for byte.
  const afterSnap = await snapshot(server);
  const changed: string[] = [];
  for (const [path, body] of before) if (afterSnap.get(path) !== body) changed.push(path);
  for (const path of afterSnap.keys()) if (!before.has(path)) changed.push(`${path} (new)`);

  if (failures.length) {
    const byProblem = new Map<string, Failure[]>();
    for (const f of failures) {
      const key = `${f.req.split(']')[0]}] ${f.problem.replace(/\d+/g, 'N').slice(0, 80)}`;
      byProblem.set(key, [...(byProblem.get(key) ?? []), f]);
    }
    const report = [...byProblem.values()].map((fs) => `${fs.length} x ${fs[0]!.problem}\n    e.g. ${fs[0]!.req}`).join('\n');
    assert.fail(`${failures.length} of ${sent} malformed requests were not answered with a 4xx Status (seed ${seed}):\n${report}`);
  }
  assert.deepEqual(changed, [], `stored state changed (seed ${seed}): ${changed.map((p) => `${p}\n  before: ${before.get(p)?.slice(0, 400)}\n  after:  ${afterSnap.get(p.replace(' (new)', ''))?.slice(0, 400)}`).join('\n')}`);
});
