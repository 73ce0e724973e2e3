/**
 * The apiserver's authorization chain (`--authorization-mode`, default `Node,RBAC`): system:masters
 * first (upstream's privileged-group authorizer), then the configured modes in order. The RBAC
 * index is fed from the watch cache (list, then subscribe; a closed subscription relists), so a
 * decision is a few in-memory lookups.
 *
 * Consistency: a request that would be refused while the backend holds writes the index has not
 * seen yet (a RoleBinding created a moment ago) waits, bounded, for the watch cache to catch up and
 * is decided again, so a client that just granted itself access is not refused (read-your-writes
 * on the deny path only; allowed requests never wait).
 *
 * At start, with RBAC on, the default roles and bindings are created or reconciled (upstream's
 * `rbac/bootstrap-roles` post-start hook: missing objects created; objects annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` get missing permissions and subjects
 * added, never removed), and aggregated ClusterRoles are kept current (upstream's
 * clusterrole-aggregation controller, here in the apiserver).
 */
import type { ApiRegistry } from '../../api/registry.js';
import type { KubeObject, ResourceDef, StrategyContext, UserInfo } from '../../api/types.js';
import type { PolicyRule, V1ClusterRole, V1ClusterRoleBinding } from '../../api/rbac/v1/index.js';
import type { Backend } from '../../storage/backend.js';
import type { Logger } from '../../lib/log.js';
import { isApiError } from '../../lib/errors.js';
import type { ResourceStore } from '../registry/store.js';
import type { Subscription, WatchCache } from '../watch-cache.js';
import { RbacIndex, type RbacKind } from './rbac-index.js';
import { createNodeAuthorizer } from './node-authorizer.js';
import { NodeGraph } from './node-graph.js';
import { AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy.js';
import { aggregatedRules } from './aggregation.js';
import { covers } from './rules.js';
import type { Attributes, AuthorizationResult, Authorizer, RulesResult } from './types.js';

export type AuthorizationMode = 'AlwaysAllow' | 'AlwaysDeny' | 'Node' | 'RBAC';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['AlwaysAllow', 'AlwaysDeny', 'Node', 'RBAC'];
export const DEFAULT_AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['Node', 'RBAC'];
export const SYSTEM_MASTERS = 'system:masters';

/** Parses `--authorization-mode` (comma-separated); throws Error with upstream-like text. */
export function parseAuthorizationModes(value: string): AuthorizationMode[] {
  const modes = value.split(',').map((m) => m.trim()).filter(Boolean);
  if (modes.length === 0) throw new Error('at least one authorization-mode must be passed');
  const seen = new Set<string>();
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) throw new Error(`authorization-mode ${JSON.stringify(m)} is not a valid mode`);
    if (seen.has(m)) throw new Error(`authorization-mode ${JSON.stringify(m)} has mode specified more than once`);
    seen.add(m);
  }
  return modes as AuthorizationMode[];
}

export interface AuthorizationOptions {
  modes: readonly AuthorizationMode[];
  /**
   * The Node authorizer subdivides secrets, configmaps, PVCs, PVs, service-account tokens, leases
   * and CSINodes with upstream's graph of pods bound to nodes (node-graph.ts), fed from the watch
   * cache (default on, as upstream). `false`: those fall back to the static node rules (every
   * secret and configmap readable by every node).
   */
  nodeGraph?: boolean;
}

export interface AuthorizationDeps {
  registry: ApiRegistry;
  storeFor: (def: ResourceDef) => ResourceStore;
  cache: WatchCache;
  backend: Backend;
  logger: Logger;
  now: () => Date;
}

export interface Authorization {
  /** Decides one request (see the consistency note above). Never throws. */
  authorize(attrs: Attributes): Promise<AuthorizationResult>;
  /** Synchronous decision on the current index (benchmarks, reviews of other users). */
  authorizeNow(attrs: Attributes): AuthorizationResult;
  /** Why RBAC allows a request (SubjectAccessReview status.reason), '' otherwise. */
  allowReason(attrs: Attributes): string;
  /** Rules of a user in a namespace (SelfSubjectRulesReview). */
  rulesFor(user: UserInfo, namespace: string): RulesResult;
  /** Rules of a Role/ClusterRole as the authorizer sees them (undefined: no such role). */
  roleRules(kind: 'Role' | 'ClusterRole', namespace: string, name: string): readonly PolicyRule[] | undefined;
  /** Waits (bounded) until the index reflects every write the store acknowledged. */
  sync(): Promise<void>;
  /** Loads the index and reconciles the default policy; resolves when decisions are current. */
  start(): Promise<void>;
  stop(): void;
}

const RBAC_KINDS: { kind: RbacKind; plural: string }[] = [
  { kind: 'ClusterRole', plural: 'clusterroles' },
  { kind: 'Role', plural: 'roles' },
  { kind: 'ClusterRoleBinding', plural: 'clusterrolebindings' },
  { kind: 'RoleBinding', plural: 'rolebindings' },
];
const CATCH_UP_MS = 1000;
const RELIST_DELAY_MS = 500;

export function createAuthorization(opts: AuthorizationOptions, deps: AuthorizationDeps): Authorization {
  const log = deps.logger.child('authorization');
  const modes = opts.modes;
  const rbacOn = modes.includes('RBAC');
  const nodeGraphOn = modes.includes('Node') && opts.nodeGraph !== false;
  const index = new RbacIndex();
  const graph = nodeGraphOn ? new NodeGraph() : undefined;
  const node = createNodeAuthorizer(graph);
  const chain: Authorizer[] = [];
  for (const m of modes) {
    if (m === 'AlwaysAllow') chain.push({ name: m, authorize: () => ({ decision: 'allow', reason: '' }) });
    else if (m === 'AlwaysDeny') chain.push({ name: m, authorize: () => ({ decision: 'deny', reason: 'Everything is forbidden.' }) });
    else if (m === 'Node') chain.push(node);
    else chain.push(index);
  }
  const subs = new Map<RbacKind, Subscription>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let indexedRevision = 0;
  let stopped = false;
  let aggregationScheduled = false;

  const defFor = (plural: string): ResourceDef | undefined => deps.registry.get('rbac.authorization.k8s.io', 'v1', plural);
  const systemCtx = (): StrategyContext => ({ now: deps.now(), user: { username: 'system:apiserver', groups: [SYSTEM_MASTERS, 'system:authenticated'] }, subresource: '' });

  const decide = (attrs: Attributes): AuthorizationResult => {
    if (attrs.user.groups.includes(SYSTEM_MASTERS)) return { decision: 'allow', reason: '' };
    const reasons: string[] = [];
    let evaluationError: string | undefined;
    for (const a of chain) {
      const r = a.authorize(attrs);
      if (r.decision !== 'no-opinion') return r;
      if (r.reason) reasons.push(r.reason);
      if (r.evaluationError) evaluationError = r.evaluationError;
    }
    return { decision: 'no-opinion', reason: reasons.join(', '), ...(evaluationError ? { evaluationError } : {}) };
  };

  /**
   * A refused Flotilla component (system:kube-*, system:node:*) is a policy bug: warned. Other
   * users' refusals are routine (v=2).
   */
  const logDenial = (attrs: Attributes, r: AuthorizationResult): void => {
    const u = attrs.user.username;
    const what = attrs.isResourceRequest
      ? { verb: attrs.verb, group: attrs.apiGroup, resource: attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource, namespace: attrs.namespace, name: attrs.name }
      : { verb: attrs.verb, path: attrs.path };
    if (/^system:(kube-|node:|apiserver|flotilla)/.test(u)) log.warn('component request forbidden', { user: u, ...what, reason: r.reason });
    else log.v(2).info('forbidden', { user: u, ...what, reason: r.reason });
  };

  const load = async (kind: RbacKind, plural: string): Promise<void> => {
    const def = defFor(plural);
    if (!def || stopped) return;
    const store = deps.storeFor(def);
    const list = await store.list({ namespace: '' });
    index.clear(kind);
    for (const o of list.items) index.put(kind, o);
    const rev = Number(list.metadata.resourceVersion);
    subs.get(kind)?.close();
    const onEvents = (evs: { type: 'put' | 'delete'; key: string; value: string; revision: number }[]) => {
      for (const e of evs) {
        const obj = store.decode({ value: e.value, modRevision: e.revision });
        if (e.type === 'delete') index.delete(kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
        else index.put(kind, obj);
        if (kind === 'ClusterRole') scheduleAggregation();
      }
    };
    try {
      subs.set(
        kind,
        deps.cache.subscribe(store.prefix, rev, onEvents, () => {
          subs.delete(kind);
          if (stopped) return;
          const t = setTimeout(() => {
            timers.delete(t);
            load(kind, plural).catch((e: unknown) => log.error('RBAC relist failed', { kind, err: errText(e) }));
          }, RELIST_DELAY_MS);
          timers.add(t);
        }),
      );
    } catch (e) {
      log.warn('RBAC watch could not start; relisting', { kind, err: errText(e) });
      const t = setTimeout(() => {
        timers.delete(t);
        load(kind, plural).catch((err: unknown) => log.error('RBAC relist failed', { kind, err: errText(err) }));
      }, RELIST_DELAY_MS);
      timers.add(t);
    }
    indexedRevision = Math.max(indexedRevision, rev);
  };

  /**
   * Keeps `sink` current with every object of one core/v1 kind (the Node graph's pods and PVs):
   * list, then follow the watch cache; a closed subscription relists after a short delay.
   */
  const follow = async (plural: string, sink: { clear(): void; put(o: KubeObject): void; del(o: KubeObject): void }): Promise<void> => {
    const def = deps.registry.get('', 'v1', plural);
    if (!def || stopped) return;
    const store = deps.storeFor(def);
    const relist = () => {
      if (stopped) return;
      const t = setTimeout(() => {
        timers.delete(t);
        follow(plural, sink).catch((e: unknown) => log.error('node graph relist failed', { resource: plural, err: errText(e) }));
      }, RELIST_DELAY_MS);
      timers.add(t);
    };
    const list = await store.list({ namespace: '' });
    sink.clear();
    for (const o of list.items) sink.put(o);
    const rev = Number(list.metadata.resourceVersion);
    graphSubs.get(plural)?.close();
    try {
      graphSubs.set(
        plural,
        deps.cache.subscribe(
          store.prefix,
          rev,
          (evs) => {
            for (const e of evs) {
              const obj = store.decode({ value: e.value, modRevision: e.revision });
              if (e.type === 'delete') sink.del(obj);
              else sink.put(obj);
            }
          },
          () => {
            graphSubs.delete(plural);
            relist();
          },
        ),
      );
    } catch (e) {
      log.warn('node graph watch could not start; relisting', { resource: plural, err: errText(e) });
      relist();
    }
  };
  const graphSubs = new Map<string, Subscription>();

  const scheduleAggregation = (): void => {
    if (aggregationScheduled || stopped) return;
    aggregationScheduled = true;
    const t = setTimeout(() => {
      timers.delete(t);
      aggregationScheduled = false;
      aggregate().catch((e: unknown) => log.warn('cluster role aggregation failed', { err: errText(e) }));
    }, 10);
    timers.add(t);
  };

  /** One pass of the clusterrole-aggregation controller over every aggregating ClusterRole. */
  const aggregate = async (): Promise<void> => {
    const def = defFor('clusterroles');
    if (!def) return;
    const store = deps.storeFor(def);
    const all = (await store.list({ namespace: '' })).items as V1ClusterRole[];
    for (const cr of all) {
      if (!cr.aggregationRule) continue;
      const want = aggregatedRules(cr, all);
      if (want === undefined) continue;
      await store
        .guaranteedUpdate('', cr.metadata.name ?? '', undefined, { dryRun: false, fieldManager: 'clusterrole-aggregation-controller' }, systemCtx(), (cur) => {
          const c = cur as V1ClusterRole;
          const next = aggregatedRules(c, all);
          return next === undefined ? cur : ({ ...c, rules: next } as KubeObject);
        })
        .catch((e: unknown) => {
          if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
        });
    }
  };

  /** The rbac/bootstrap-roles post-start hook. */
  const reconcileDefaults = async (): Promise<void> => {
    const crDef = defFor('clusterroles');
    const crbDef = defFor('clusterrolebindings');
    if (!crDef || !crbDef) return;
    const roles = deps.storeFor(crDef);
    const bindings = deps.storeFor(crbDef);
    let created = 0;
    let updated = 0;
    for (const want of bootstrapClusterRoles()) {
      const name = want.metadata.name!;
      const cur = (await roles.tryGet('', name)) as V1ClusterRole | undefined;
      if (!cur) {
        await roles.create(systemCtx(), '', want, { dryRun: false }).catch(ignoreExists);
        created++;
        continue;
      }
      if (cur.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') continue;
      const missing = (want.rules ?? []).filter((r) => !covers(cur.rules ?? [], r));
      const selectors = want.aggregationRule?.clusterRoleSelectors ?? [];
      const curSelectors = cur.aggregationRule?.clusterRoleSelectors ?? [];
      const missingSelectors = selectors.filter((s) => !curSelectors.some((c) => JSON.stringify(c) === JSON.stringify(s)));
      const missingLabels = Object.entries(want.metadata.labels ?? {}).some(([k, v]) => cur.metadata.labels?.[k] !== v);
      if (!missing.length && !missingSelectors.length && !missingLabels) continue;
      await roles.guaranteedUpdate('', name, undefined, { dryRun: false }, systemCtx(), (obj) => {
        const c = structuredClone(obj) as V1ClusterRole;
        c.metadata.labels = { ...(c.metadata.labels ?? {}), ...(want.metadata.labels ?? {}) };
        c.metadata.annotations = { ...(want.metadata.annotations ?? {}), ...(c.metadata.annotations ?? {}) };
        if (!c.aggregationRule || !c.aggregationRule.clusterRoleSelectors?.length) {
          c.rules = [...(c.rules ?? []), ...(want.rules ?? []).filter((r) => !covers(c.rules ?? [], r))];
        }
        if (selectors.length) {
          const have = c.aggregationRule?.clusterRoleSelectors ?? [];
          c.aggregationRule = { clusterRoleSelectors: [...have, ...selectors.filter((s) => !have.some((h) => JSON.stringify(h) === JSON.stringify(s)))] };
        }
        return c;
      });
      updated++;
    }
    for (const want of bootstrapClusterRoleBindings()) {
      const name = want.metadata.name!;
      const cur = (await bindings.tryGet('', name)) as V1ClusterRoleBinding | undefined;
      if (!cur) {
        await bindings.create(systemCtx(), '', want, { dryRun: false }).catch(ignoreExists);
        created++;
        continue;
      }
      if (cur.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') continue;
      const key = (s: { kind: string; name: string; namespace?: string }) => `${s.kind}/${s.namespace ?? ''}/${s.name}`;
      const have = new Set((cur.subjects ?? []).map(key));
      const missing = (want.subjects ?? []).filter((s) => !have.has(key(s)));
      if (!missing.length) continue;
      await bindings.guaranteedUpdate('', name, undefined, { dryRun: false }, systemCtx(), (obj) => {
        const c = structuredClone(obj) as V1ClusterRoleBinding;
        const h = new Set((c.subjects ?? []).map(key));
        c.subjects = [...(c.subjects ?? []), ...(want.subjects ?? []).filter((s) => !h.has(key(s)))];
        return c;
      });
      updated++;
    }
    log.info('RBAC default policy reconciled', { created, updated });
  };

  return {
    authorizeNow: decide,
    async authorize(attrs) {
      const first = decide(attrs);
      if (first.decision === 'allow' || (!rbacOn && !nodeGraphOn)) return first;
      // Deny path: make sure the index reflects every acknowledged write before refusing.
      const rev = await deps.backend.currentRevision();
      let result = first;
      if (deps.cache.latestRevision() < rev && (await deps.cache.waitFor(rev, CATCH_UP_MS))) {
        await new Promise<void>((r) => setImmediate(r));
        result = decide(attrs);
      }
      if (result.decision !== 'allow') logDenial(attrs, result);
      return result;
    },
    roleRules: (kind, namespace, name) => index.roleRules(kind, namespace, name),
    allowReason: (attrs) => (rbacOn && !attrs.user.groups.includes(SYSTEM_MASTERS) ? index.allowReason(attrs) : ''),
    async sync() {
      if (!rbacOn && !nodeGraphOn) return;
      const rev = await deps.backend.currentRevision();
      if (deps.cache.latestRevision() < rev && (await deps.cache.waitFor(rev, CATCH_UP_MS))) await new Promise<void>((r) => setImmediate(r));
    },
    rulesFor(user, namespace) {
      if (user.groups.includes(SYSTEM_MASTERS))
        return { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false };
      const out: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: false };
      for (const m of modes) {
        if (m === 'RBAC') {
          const r = index.rulesFor(user, namespace);
          out.resourceRules.push(...r.resourceRules);
          out.nonResourceRules.push(...r.nonResourceRules);
          if (r.incomplete) out.incomplete = true;
          if (r.evaluationError) out.evaluationError = r.evaluationError;
        } else if (m === 'Node' && node.authorize({ user, verb: 'get', isResourceRequest: true, path: '', namespace: '', apiGroup: '', apiVersion: 'v1', resource: 'nodes', subresource: '', name: '' }).decision === 'allow') {
          if (graph) {
            // As upstream's NodeAuthorizer.RulesFor: a node's permissions depend on the graph.
            out.incomplete = true;
            out.evaluationError = 'node authorizer does not support user rule resolution';
          } else for (const r of node.rules()) out.resourceRules.push({ verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])], resourceNames: [...(r.resourceNames ?? [])] });
        } else if (m === 'AlwaysAllow') {
          out.resourceRules.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] });
          out.nonResourceRules.push({ verbs: ['*'], nonResourceURLs: ['*'] });
        }
      }
      return out;
    },
    async start() {
      if (graph) {
        await follow('pods', { clear: () => graph.clearPods(), put: (o) => graph.putPod(o), del: (o) => graph.deletePod(o.metadata.namespace ?? '', o.metadata.name ?? '') });
        await follow('persistentvolumes', { clear: () => graph.clearPVs(), put: (o) => graph.putPV(o), del: (o) => graph.deletePV(o.metadata.name ?? '') });
        log.info('node authorizer graph ready', { ...graph.size() });
      }
      if (!rbacOn) return;
      for (const k of RBAC_KINDS) await load(k.kind, k.plural);
      await reconcileDefaults();
      await aggregate();
      const s = index.size();
      log.info('RBAC index ready', { ...s });
    },
    stop() {
      stopped = true;
      for (const s of subs.values()) s.close();
      subs.clear();
      for (const s of graphSubs.values()) s.close();
      graphSubs.clear();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

function ignoreExists(e: unknown): void {
  if (isApiError(e) && e.reason === 'AlreadyExists') return;
  throw e;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export type { PolicyRule };
