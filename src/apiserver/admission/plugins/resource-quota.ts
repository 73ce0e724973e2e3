/**
 * The `ResourceQuota` validating admission plugin (upstream plugin/pkg/admission/resourcequota):
 * a create in a namespace is charged against every quota there whose scopes match it, and refused
 * (403) when that would take a quota's status.used above status.hard.
 *
 * Concurrency: the charge is an optimistic write of each quota's status.used with its
 * resourceVersion as precondition, so two creates (in this process or in another apiserver) cannot
 * both take the last slot: the loser gets a Conflict, re-reads the quota and is evaluated again.
 * Creates in a namespace that has quotas are also serialised within this process, so they rarely
 * conflict; namespaces without quotas cost one list of ResourceQuotas per create.
 *
 * A charge is not undone when the write later fails (e.g. AlreadyExists): status.used is then too
 * high until the ResourceQuota controller recomputes it, exactly as upstream. Dry runs are checked
 * but never charged. Only CREATE of the main resource is charged (object counts and pod compute);
 * updates are not (upstream charges pod resizes and PVC expansions; not yet here).
 */
import type { KubeObject } from '../../../api/types.js';
import { ApiError, forbidden, isApiError } from '../../../lib/errors.js';
import { R } from '../../../client/types.js';
import {
  addLists,
  exceeded,
  maskList,
  matchesScopes,
  matchingResources,
  objectUsage,
  parseList,
  podConstraintViolation,
  prettyPrint,
  removeZeros,
  type GroupResourceRef,
  type QuotaView,
  listToJSON,
} from '../../../controllers/resourcequota/index.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import type { AdmissionAccess } from './access.js';

export interface QuotaEvaluation {
  /** Upstream's refusal text (without the `pods "x" is forbidden: ` prefix), if refused. */
  refusal?: string;
  /** The quotas whose status.used grows, with the new status.used already set (copies). */
  charged: QuotaView[];
}

/**
 * The pure half of quota admission (upstream quotaEvaluator.checkRequest) for creating `obj` of
 * `gr` given the namespace's quotas as stored. `skip` names quotas already charged (after a partial
 * conflict) that must not be charged twice.
 */
export function evaluateQuotas(quotas: readonly QuotaView[], gr: GroupResourceRef, obj: KubeObject, now: Date, skip: ReadonlySet<string> = new Set()): QuotaEvaluation {
  const interesting: QuotaView[] = [];
  for (const q of quotas) {
    const name = q.metadata.name ?? '';
    if (skip.has(name)) continue;
    const hard = parseList(q.status?.hard);
    const restricted = matchingResources(gr, hard.keys());
    if (!restricted.length || !matchesScopes(q.spec ?? {}, gr, obj)) continue;
    if (gr.group === '' && gr.resource === 'pods') {
      const violation = podConstraintViolation(restricted, obj);
      if (violation) return { refusal: `failed quota: ${name}: ${violation}`, charged: [] };
    }
    const used = parseList(q.status?.used);
    const unknown = restricted.filter((r) => !used.has(r));
    if (unknown.length) return { refusal: `status unknown for quota: ${name}, resources: ${unknown.sort().join(',')}`, charged: [] };
    interesting.push(q);
  }
  if (!interesting.length) return { charged: [] };
  const usage = objectUsage(gr, obj, now);
  const negative = [...usage].filter(([, v]) => v.sign() < 0).map(([k]) => k).sort();
  if (negative.length) return { refusal: `quota usage is negative for resource(s): ${negative.join(',')}`, charged: [] };
  const delta = removeZeros(usage);
  if (!delta.size) return { charged: [] };
  const charged: QuotaView[] = [];
  for (const q of interesting) {
    const hard = parseList(q.status?.hard);
    const used = parseList(q.status?.used);
    const requested = maskList(delta, hard.keys());
    if (!requested.size) continue;
    const newUsed = addLists(used, requested);
    const over = exceeded(maskList(newUsed, requested.keys()), hard);
    if (over.length)
      return {
        refusal: `exceeded quota: ${q.metadata.name ?? ''}, requested: ${prettyPrint(maskList(requested, over))}, used: ${prettyPrint(maskList(used, over))}, limited: ${prettyPrint(maskList(hard, over))}`,
        charged: [],
      };
    charged.push({ ...q, metadata: { ...q.metadata }, status: { ...q.status, used: listToJSON(newUsed) } });
  }
  return { charged };
}

export interface ResourceQuotaAdmissionOptions {
  access: AdmissionAccess;
  now?: () => Date;
  /** Re-evaluations after a conflicting quota write before giving up (default 10). */
  maxConflictRetries?: number;
}

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';
  private readonly access: AdmissionAccess;
  private readonly now: () => Date;
  private readonly maxRetries: number;
  /** Tail of the per-namespace chain of in-flight evaluations. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(opts: ResourceQuotaAdmissionOptions) {
    this.access = opts.access;
    this.now = opts.now ?? (() => new Date());
    this.maxRetries = opts.maxConflictRetries ?? 10;
  }

  async validate(req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'CREATE' || req.subresource !== '' || !req.def.namespaced || !req.namespace || !req.object) return;
    const ns = req.namespace;
    // Namespaces without quotas (the common case) are not serialised.
    if (!(await this.access.list(R.resourcequotas, ns)).length) return;
    const prev = this.tails.get(ns) ?? Promise.resolve();
    const run = prev.then(() => this.check(req));
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(ns, tail);
    try {
      await run;
    } finally {
      if (this.tails.get(ns) === tail) this.tails.delete(ns);
    }
  }

  private async check(req: AdmissionRequest): Promise<void> {
    const gr = { group: req.def.group, resource: req.def.plural };
    const done = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      const quotas = (await this.access.list(R.resourcequotas, req.namespace)) as QuotaView[];
      if (!quotas.length) return;
      const { refusal, charged } = evaluateQuotas(quotas, gr, req.object!, this.now(), done);
      if (refusal !== undefined) throw forbidden(gr, req.name, refusal);
      if (req.dryRun || !charged.length) return;
      let conflicted = false;
      for (const q of charged) {
        try {
          await this.access.updateStatus(R.resourcequotas, q);
          done.add(q.metadata.name ?? '');
        } catch (e) {
          if (isApiError(e) && (e.reason === 'Conflict' || e.reason === 'NotFound')) conflicted = true;
          else throw e;
        }
      }
      if (!conflicted) return;
      if (attempt >= this.maxRetries)
        throw new ApiError('InternalError', 500, `Internal error occurred: resource quota evaluation timed out`);
    }
  }
}

export function createResourceQuotaAdmission(opts: ResourceQuotaAdmissionOptions): ResourceQuotaAdmission {
  return new ResourceQuotaAdmission(opts);
}
