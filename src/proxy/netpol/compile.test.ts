import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileNetpol, isolationOf, netpolPod, policyChainName, withStartingPods, type NetpolNamespace, type NetpolPod, type NetpolPolicy, type Ruleset } from './compile.js';
import { diffScript, fullScript, ownedObjects } from './nft-script.js';
import { ipBlockRanges, formatIpv4Range, mergeRanges } from './ranges.js';

const TAG = 'flt0';
const pol = (namespace: string, name: string, spec: NetpolPolicy['spec']): NetpolPolicy => ({ metadata: { namespace, name }, spec });
const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string, extra: Partial<NetpolPod> = {}): NetpolPod => ({
  namespace, name, labels, ip, nodeName: 'n1', hostNetwork: false, terminal: false, namedPorts: [], ...extra,
});
const nsl = (name: string, labels: Record<string, string> = {}): NetpolNamespace => ({ name, labels: { 'kubernetes.io/metadata.name': name, ...labels } });

function compile(policies: NetpolPolicy[], pods: NetpolPod[], namespaces: NetpolNamespace[] = [nsl('production'), nsl('other')]): Ruleset {
  return compileNetpol({ policies, pods, namespaces, nodeName: 'n1', tag: TAG });
}
const rulesOf = (rs: Ruleset, chain: string) => rs.chains.get(chain)?.rules ?? [];
/** The chain a pod's address dispatches to (its policy group), from the verdict map. */
const podChain = (rs: Ruleset, ip: string, dir: 'in' | 'eg') => (rs.maps.get(`${TAG}-${dir === 'in' ? 'inpods' : 'egpods'}`)?.elements.get(ip) ?? '').replace(/^jump /, '');
const elems = (rs: Ruleset, set: string) => rs.sets.get(set)?.elements;
const pc = (ns: string, name: string, dir: 'in' | 'eg') => policyChainName(TAG, ns, name, dir);
const setName = (ns: string, name: string, kind: string) => `${pc(ns, name, 'in').slice(0, -3)}-${kind}`;

/** The seed's network-policies.yaml, as written (after the apiserver's defaulting: TCP). */
const SEED: NetpolPolicy[] = [
  pol('production', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
  pol('production', 'frontend-to-backend', {
    podSelector: { matchLabels: { app: 'backend-api' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }, { namespaceSelector: { matchLabels: { name: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
  }),
  pol('production', 'backend-to-database', {
    podSelector: { matchLabels: { app: 'postgresql' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'backend-api' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
  }),
  pol('production', 'api-egress-policy', {
    podSelector: { matchLabels: { app: 'backend-api' } },
    policyTypes: ['Egress'],
    egress: [
      { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { ports: [{ protocol: 'TCP', port: 443 }], to: [{ namespaceSelector: {} }] },
      { ports: [{ protocol: 'TCP', port: 5432 }], to: [{ podSelector: { matchLabels: { app: 'postgresql' } } }] },
    ],
  }),
];
const SEED_PODS = [
  pod('production', 'frontend', { app: 'frontend' }, '10.244.0.2'),
  pod('production', 'backend', { app: 'backend-api' }, '10.244.0.3'),
  pod('production', 'db', { app: 'postgresql' }, '10.244.0.4'),
  pod('other', 'client', { app: 'frontend' }, '10.244.0.9'),
  pod('frontend-ns', 'web', { app: 'x' }, '10.244.0.10'),
];

test('seed policies: every production pod isolated both ways; the union of each pod\'s policies is jumped to', () => {
  const rs = compile(SEED, SEED_PODS, [nsl('production'), nsl('other'), nsl('frontend-ns', { name: 'frontend' })]);
  const inMap = rs.maps.get(`${TAG}-inpods`)!.elements;
  const egMap = rs.maps.get(`${TAG}-egpods`)!.elements;
  assert.deepEqual([...inMap.keys()], ['10.244.0.2', '10.244.0.3', '10.244.0.4']);
  assert.deepEqual([...egMap.keys()], ['10.244.0.2', '10.244.0.3', '10.244.0.4']);
  const deny = pc('production', 'default-deny-all', 'in');
  assert.deepEqual(rulesOf(rs, deny), [], 'default-deny-all: an empty chain allows nothing');
  assert.deepEqual(rulesOf(rs, pc('production', 'default-deny-all', 'eg')), []);
  assert.deepEqual(rulesOf(rs, podChain(rs, '10.244.0.2', 'in')), [`jump ${deny}`, 'counter drop']);
  assert.equal(podChain(rs, '10.244.0.2', 'eg'), podChain(rs, '10.244.0.4', 'eg'), 'pods selected by the same policies share a chain');
  assert.deepEqual(rulesOf(rs, podChain(rs, '10.244.0.3', 'in')), [`jump ${deny}`, `jump ${pc('production', 'frontend-to-backend', 'in')}`, 'counter drop']);
  assert.deepEqual(elems(rs, `${TAG}-self`), ['10.244.0.2 . 10.244.0.2', '10.244.0.3 . 10.244.0.3', '10.244.0.4 . 10.244.0.4'], 'a pod always reaches itself');
  // frontend → backend 8080: pods labelled app=frontend of production, plus every pod of namespaces labelled name=frontend.
  const f2b = setName('production', 'frontend-to-backend', 'i0-peers');
  assert.deepEqual(elems(rs, f2b), ['10.244.0.2', '10.244.0.10']);
  assert.deepEqual(elems(rs, setName('production', 'frontend-to-backend', 'i0-ports')), ['tcp . 8080']);
  assert.deepEqual(rulesOf(rs, pc('production', 'frontend-to-backend', 'in')), [
    `ip saddr @${f2b} meta l4proto . th dport @${setName('production', 'frontend-to-backend', 'i0-ports')} accept`,
  ]);
  // backend egress: DNS anywhere (no `to`), 443 to every pod of every namespace, 5432 to postgresql.
  const eg = rulesOf(rs, pc('production', 'api-egress-policy', 'eg'));
  assert.equal(eg.length, 3);
  assert.match(eg[0]!, /^meta l4proto \. th dport @\S+-e0-ports accept$/);
  assert.deepEqual(elems(rs, setName('production', 'api-egress-policy', 'e0-ports')), ['tcp . 53', 'udp . 53']);
  assert.deepEqual(elems(rs, setName('production', 'api-egress-policy', 'e1-peers')), ['10.244.0.2-10.244.0.4', '10.244.0.9-10.244.0.10']);
  assert.deepEqual(elems(rs, setName('production', 'api-egress-policy', 'e2-peers')), ['10.244.0.4']);
  assert.deepEqual(rulesOf(rs, podChain(rs, '10.244.0.3', 'eg')), [
    `jump ${pc('production', 'api-egress-policy', 'eg')}`, `jump ${pc('production', 'default-deny-all', 'eg')}`, 'counter drop',
  ]);
  // Base chains: replies first, then the O(1) dispatch on the pod address.
  const head = ['ct state established,related accept', `ip saddr . ip daddr @${TAG}-self accept`];
  assert.deepEqual(rulesOf(rs, `${TAG}-ingress`), [...head, `ip daddr vmap @${TAG}-inpods`]);
  assert.deepEqual(rulesOf(rs, `${TAG}-egress`), [...head, `ip saddr vmap @${TAG}-egpods`]);
  // Pods of other namespaces are not isolated.
  assert.equal(inMap.has('10.244.0.9'), false);
});

test('policyTypes: Ingress only leaves egress open; defaulting of objects without policyTypes', () => {
  const p = pol('production', 'in-only', { podSelector: {}, ingress: [{}] });
  const rs = compile([p], SEED_PODS);
  assert.equal(rs.maps.get(`${TAG}-egpods`)!.elements.size, 0);
  assert.deepEqual(rulesOf(rs, pc('production', 'in-only', 'in')), ['accept'], 'an empty rule allows everything');
  const withEgress = compile([pol('production', 'e', { podSelector: {}, egress: [{}] })], SEED_PODS);
  assert.equal(withEgress.maps.get(`${TAG}-egpods`)!.elements.size, 3, 'egress rules present → Egress implied');
});

test('podSelector, namespaceSelector and both combined in one peer', () => {
  const pods = [
    pod('production', 'a', { role: 'x' }, '10.244.0.2'),
    pod('other', 'b', { role: 'x' }, '10.244.0.3'),
    pod('other', 'c', { role: 'y' }, '10.244.0.4'),
    pod('team', 'd', { role: 'x' }, '10.244.0.5'),
  ];
  const namespaces = [nsl('production'), nsl('other', { env: 'dev' }), nsl('team', { env: 'prod' })];
  const p = pol('production', 'p', {
    podSelector: {},
    ingress: [
      { from: [{ podSelector: { matchLabels: { role: 'x' } } }] },
      { from: [{ namespaceSelector: { matchLabels: { env: 'dev' } } }] },
      { from: [{ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, podSelector: { matchLabels: { role: 'x' } } }] },
    ],
  });
  const rs = compile([p], pods, namespaces);
  assert.deepEqual(elems(rs, setName('production', 'p', 'i0-peers')), ['10.244.0.2'], 'podSelector alone: the policy namespace only');
  assert.deepEqual(elems(rs, setName('production', 'p', 'i1-peers')), ['10.244.0.3-10.244.0.4']);
  assert.deepEqual(elems(rs, setName('production', 'p', 'i2-peers')), ['10.244.0.3', '10.244.0.5']);
});

test('ipBlock with except; ranges merged with pod addresses', () => {
  assert.deepEqual(ipBlockRanges('10.0.0.0/8', ['10.1.0.0/16', '10.200.0.0/24']).map(formatIpv4Range), [
    '10.0.0.0-10.0.255.255', '10.2.0.0-10.199.255.255', '10.200.1.0-10.255.255.255',
  ]);
  assert.deepEqual(ipBlockRanges('0.0.0.0/0').map(formatIpv4Range), ['0.0.0.0-255.255.255.255']);
  assert.deepEqual(ipBlockRanges('fd00::/8'), [], 'IPv6 blocks: the pod network is IPv4');
  assert.deepEqual(mergeRanges([{ lo: 5, hi: 9 }, { lo: 1, hi: 3 }, { lo: 4, hi: 4 }, { lo: 20, hi: 20 }]), [{ lo: 1, hi: 9 }, { lo: 20, hi: 20 }]);
  const p = pol('production', 'p', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/24', except: ['10.244.0.0/30'] } }, { podSelector: {} }] }] });
  const rs = compile([p], [pod('production', 'a', {}, '10.244.0.2'), pod('production', 'b', {}, '10.244.1.7')]);
  assert.deepEqual(elems(rs, setName('production', 'p', 'e0-peers')), ['10.244.0.2', '10.244.0.4-10.244.0.255', '10.244.1.7']);
  assert.deepEqual(rulesOf(rs, pc('production', 'p', 'eg')), [`ip daddr @${setName('production', 'p', 'e0-peers')} accept`]);
});

test('ports: protocols, endPort ranges merged, protocol without port, named ports per destination pod', () => {
  const pods = [
    pod('production', 'web', { app: 'web' }, '10.244.0.2', { namedPorts: [{ name: 'http', protocol: 'TCP', port: 8080 }, { name: 'dns', protocol: 'UDP', port: 5353 }] }),
    pod('production', 'web2', { app: 'web' }, '10.244.0.3', { namedPorts: [{ name: 'http', protocol: 'TCP', port: 9090 }] }),
    pod('production', 'nohttp', { app: 'web' }, '10.244.0.4'),
  ];
  const p = pol('production', 'p', {
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [
      { ports: [{ protocol: 'TCP', port: 1000, endPort: 2000 }, { protocol: 'TCP', port: 1500, endPort: 2500 }, { protocol: 'UDP', port: 53 }, { protocol: 'SCTP' }] },
      { ports: [{ protocol: 'TCP', port: 'http' }, { protocol: 'UDP', port: 'dns' }, { protocol: 'TCP', port: 'dns' }] },
    ],
  });
  const rs = compile([p], pods);
  assert.deepEqual(elems(rs, setName('production', 'p', 'i0-ports')), ['tcp . 1000-2500', 'udp . 53', 'sctp . 0-65535']);
  assert.deepEqual(elems(rs, setName('production', 'p', 'i1-named')), ['10.244.0.2 . tcp . 8080', '10.244.0.2 . udp . 5353', '10.244.0.3 . tcp . 9090'],
    'each destination pod resolves the name itself; a protocol mismatch or a missing name contributes nothing');
  assert.deepEqual(rulesOf(rs, pc('production', 'p', 'in')), [
    `meta l4proto . th dport @${setName('production', 'p', 'i0-ports')} accept`,
    `ip daddr . meta l4proto . th dport @${setName('production', 'p', 'i1-named')} accept`,
  ]);
  // Egress: the name resolves against the peers (every pod when `to` is absent).
  const e = pol('production', 'e', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] });
  const rs2 = compile([e], [...pods, pod('production', 'c', { app: 'client' }, '10.244.0.9')]);
  assert.deepEqual(elems(rs2, setName('production', 'e', 'e0-named')), ['10.244.0.2 . tcp . 8080', '10.244.0.3 . tcp . 9090']);
});

test('only local, running, pod-network pods are isolated; hostNetwork and terminal pods are never peers', () => {
  const pods = [
    pod('production', 'here', {}, '10.244.0.2'),
    pod('production', 'there', {}, '10.244.1.2', { nodeName: 'n2' }),
    pod('production', 'host', {}, '192.0.2.1', { hostNetwork: true }),
    pod('production', 'done', {}, '10.244.0.7', { terminal: true }),
  ];
  const p = pol('production', 'p', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
  const rs = compile([p], pods);
  assert.deepEqual([...rs.maps.get(`${TAG}-inpods`)!.elements.keys()], ['10.244.0.2']);
  assert.deepEqual(elems(rs, setName('production', 'p', 'i0-peers')), ['10.244.0.2', '10.244.1.2']);
  // A policy selecting no local pod installs nothing.
  const none = compile([pol('production', 'q', { podSelector: { matchLabels: { no: 'x' } } })], pods);
  assert.equal([...none.chains.keys()].filter((c) => c.includes('-p')).length, 0);
});

test('netpolPod reads podIPs (IPv4), named container ports with the TCP default, phase and hostNetwork', () => {
  const p = netpolPod({
    apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name: 'b', labels: { x: 'y' } },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 80 }, { containerPort: 81 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }] },
    status: { phase: 'Running', podIPs: [{ ip: 'fd00::1' }, { ip: '10.244.0.5' }] },
  });
  assert.equal(p.ip, '10.244.0.5');
  assert.deepEqual(p.namedPorts, [{ name: 'http', protocol: 'TCP', port: 80 }, { name: 'dns', protocol: 'UDP', port: 53 }]);
  assert.equal(p.terminal, false);
  assert.equal(p.nodeName, 'n1');
});

test('incremental: one pod label change touches only the sets and map elements that depend on it', () => {
  const pods = [...SEED_PODS];
  const before = compile(SEED, pods);
  const after = compile(SEED, pods.map((p) => (p.name === 'frontend' ? { ...p, labels: { app: 'other' } } : p)));
  const script = diffScript('t', before, after);
  const lines = script.trim().split('\n');
  assert.deepEqual(lines, [
    'add table inet t',
    `flush set inet t ${setName('production', 'frontend-to-backend', 'i0-peers')}`,
  ], 'frontend lost its label: it drops out of one peer set (empty now: no element line)');
  assert.equal(diffScript('t', after, after), '', 'no change, no transaction');
  // A new pod selected by default-deny only: its group chain exists already; map elements and sets change, no chain.
  const more = compile(SEED, [...pods, pod('production', 'new', { app: 'zzz' }, '10.244.0.20')]);
  const s2 = diffScript('t', before, more).trim().split('\n');
  assert.ok(s2.includes(`add element inet t ${TAG}-inpods { 10.244.0.20 : jump ${podChain(before, '10.244.0.2', 'in')} }`), s2.join('\n'));
  assert.ok(!s2.some((l) => /(add|flush) chain/.test(l)), 'no chain declared or rewritten');
  assert.ok(s2.some((l) => l.startsWith('flush set') && l.includes('-e1-peers')), 'namespaceSelector {} peers gain it');
  assert.ok(s2.includes(`flush set inet t ${TAG}-self`));
  // Deleting a policy: the backend's map elements move to the deny-only group, then its old group
  // chain and the policy's chain and sets go, in that order.
  const fewer = compile(SEED.filter((p) => p.metadata.name !== 'frontend-to-backend'), pods);
  const s3 = diffScript('t', before, fewer).trim().split('\n');
  const moved = s3.indexOf(`add element inet t ${TAG}-inpods { 10.244.0.3 : jump ${podChain(before, '10.244.0.2', 'in')} }`);
  const flushIdx = s3.indexOf(`flush chain inet t ${pc('production', 'frontend-to-backend', 'in')}`);
  const delGroup = s3.indexOf(`delete chain inet t ${podChain(before, '10.244.0.3', 'in')}`);
  const delChain = s3.indexOf(`delete chain inet t ${pc('production', 'frontend-to-backend', 'in')}`);
  const delSet = s3.indexOf(`delete set inet t ${setName('production', 'frontend-to-backend', 'i0-peers')}`);
  assert.ok(moved > 0 && moved < flushIdx && flushIdx < delGroup && flushIdx < delChain && delChain < delSet, s3.join('\n'));
});

test('full script removes leftovers of this agent only, then builds; ownedObjects ignores other agents', () => {
  const listing = [
    { table: { family: 'inet', name: 't' } },
    { chain: { name: 'flt0-ingress' } }, { chain: { name: 'flt0-gi-0123456789ab' } }, { chain: { name: 'flt0-x-ingress' } }, { chain: { name: 'flt1-egress' } },
    { set: { name: 'flt0-p0123456789ab-i0-peers' } }, { map: { name: 'flt0-inpods' } }, { map: { name: 'flt0-x-inpods' } },
  ];
  const owned = ownedObjects(listing, 'flt0');
  assert.deepEqual(owned, { chains: ['flt0-ingress', 'flt0-gi-0123456789ab'], sets: ['flt0-p0123456789ab-i0-peers'], maps: ['flt0-inpods'] });
  const s = fullScript('t', owned, compile(SEED, SEED_PODS)).split('\n');
  assert.equal(s[0], 'add table inet t');
  assert.equal(s[1], 'flush chain inet t flt0-ingress');
  assert.ok(s.indexOf('delete map inet t flt0-inpods') < s.indexOf('add map inet t flt0-inpods { type ipv4_addr : verdict; }'));
});

test('withStartingPods: an announced address stands in until the listed copy has one; unlisted announced pods are added', () => {
  const noIp = { ...pod('production', 'new', { app: 'backend-api', v: '2' }, ''), ip: undefined } as NetpolPod;
  delete (noIp as { ip?: string }).ip;
  const announced = pod('production', 'new', { app: 'backend-api' }, '10.244.0.20');
  const listed = [
    { uid: 'u1', pod: SEED_PODS[0]! },
    { uid: 'u2', pod: noIp },
    { uid: 'u3', pod: pod('production', 'done', {}, '', { terminal: true }) },
  ];
  const r = withStartingPods(listed, [
    { uid: 'u2', pod: announced },
    { uid: 'u3', pod: pod('production', 'done', {}, '10.244.0.21') },
    { uid: 'u4', pod: pod('production', 'unlisted', { app: 'frontend' }, '10.244.0.22') },
    { uid: 'u1', pod: pod('production', 'frontend', { app: 'frontend' }, '10.244.0.99') },
  ]);
  assert.deepEqual(r.settled.sort(), ['u1', 'u3'], 'listed with an address, or terminal');
  assert.deepEqual(r.pods.map((p) => `${p.name} ${p.ip ?? '-'} ${JSON.stringify(p.labels)}`), [
    'frontend 10.244.0.2 {"app":"frontend"}',
    'new 10.244.0.20 {"app":"backend-api","v":"2"}',
    'done  {}',
    'unlisted 10.244.0.22 {"app":"frontend"}',
  ]);
  // Compiled: the announced pods are isolated by the seed's policies with their addresses.
  const rs = compile(SEED, r.pods);
  assert.ok(podChain(rs, '10.244.0.20', 'in'), 'new backend isolated for ingress');
  assert.ok(podChain(rs, '10.244.0.22', 'eg'), 'unlisted frontend isolated for egress');
  assert.equal(podChain(rs, '10.244.0.21', 'in'), '', 'terminal pod never');
});

test('isolationOf: the directions the policies of the pod\'s namespace isolate it for', () => {
  const [frontend, backend, db, other] = SEED_PODS as [NetpolPod, NetpolPod, NetpolPod, NetpolPod];
  assert.deepEqual(isolationOf(SEED, backend), { ingress: true, egress: true });
  assert.deepEqual(isolationOf(SEED.slice(1), backend), { ingress: true, egress: true });
  assert.deepEqual(isolationOf(SEED.slice(1), db), { ingress: true, egress: false });
  assert.deepEqual(isolationOf(SEED.slice(1), frontend), { ingress: false, egress: false });
  assert.deepEqual(isolationOf(SEED, other), { ingress: false, egress: false }, 'another namespace');
});
