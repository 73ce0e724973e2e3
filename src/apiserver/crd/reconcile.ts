/**
 * The CRD controllers' decisions, pure (upstream's NamingConditionController, establishing
 * controller and finalizer conditions): which names a CRD gets, its NamesAccepted / Established /
 * Terminating conditions, and whether its status must be written. Time is an input.
 */
import type {
  CustomResourceDefinitionCondition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionStatus,
  V1CustomResourceDefinition,
} from '../../api/apiextensions/v1/index.js';
import type { ResourceDef } from '../../api/types.js';

/** Names served in one group by others (other CRDs' accepted names and built-in resources). */
export interface UsedNames {
  resources: Set<string>;
  kinds: Set<string>;
}

/**
 * The built-in resource a CRD describes again (same group, plural and kind: e.g. the upstream
 * Argo Rollouts CRD, whose kind Flotilla serves itself). Such a CRD is accepted and Established so
 * installers that wait for it proceed, but the built-in keeps serving (and storing) the objects.
 */
export function shadowedBuiltin(crd: V1CustomResourceDefinition, builtins: readonly ResourceDef[]): ResourceDef | undefined {
  const n = crd.spec?.names ?? {};
  return builtins.find((d) => d.group === crd.spec?.group && d.plural === n.plural && d.kind === n.kind);
}

/**
 * The names in use in `group` by everything but `self`: other CRDs' accepted names and the
 * built-in resources of that group (a CRD never takes a built-in kind's names, unless it describes
 * that very resource: see shadowedBuiltin).
 */
export function usedNames(group: string, selfName: string, crds: Iterable<V1CustomResourceDefinition>, builtins: readonly ResourceDef[], self?: V1CustomResourceDefinition): UsedNames {
  const same = self ? shadowedBuiltin(self, builtins) : undefined;
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const c of crds) {
    if (c.metadata.name === selfName || c.spec?.group !== group) continue;
    const n = c.status?.acceptedNames;
    if (!n) continue;
    for (const r of [n.plural, n.singular, ...(n.shortNames ?? [])]) if (r) resources.add(r);
    for (const k of [n.kind, n.listKind]) if (k) kinds.add(k);
  }
  for (const d of builtins) {
    if (d.group !== group || (same && d.plural === same.plural && d.kind === same.kind)) continue;
    for (const r of [d.plural, d.singular, ...(d.shortNames ?? [])]) if (r) resources.add(r);
    kinds.add(d.kind);
    kinds.add(`${d.kind}List`);
  }
  return { resources, kinds };
}

function freshOrAccepted(requested: string | undefined, accepted: string | undefined, used: Set<string>): string | undefined {
  if (!requested || requested === accepted || !used.has(requested)) return undefined;
  return `"${requested}" is already in use`;
}

/** calculateNamesAndConditions: accepted names and the NamesAccepted / Established conditions. */
export function computeNames(crd: V1CustomResourceDefinition, used: UsedNames): {
  names: CustomResourceDefinitionNames;
  namesAccepted: Omit<CustomResourceDefinitionCondition, 'lastTransitionTime'>;
  established: Omit<CustomResourceDefinitionCondition, 'lastTransitionTime'>;
} {
  const requested = crd.spec.names ?? {};
  const accepted = crd.status?.acceptedNames ?? {};
  const names: CustomResourceDefinitionNames = { ...accepted };
  let cond: Omit<CustomResourceDefinitionCondition, 'lastTransitionTime'> | undefined;
  const fail = (reason: string, message: string) => {
    cond = { type: 'NamesAccepted', status: 'False', reason, message };
  };
  let e = freshOrAccepted(requested.plural, accepted.plural, used.resources);
  if (e) fail('PluralConflict', e);
  else names.plural = requested.plural;
  e = freshOrAccepted(requested.singular, accepted.singular, used.resources);
  if (e) fail('SingularConflict', e);
  else names.singular = requested.singular;
  const shortErrs = (requested.shortNames ?? []).map((s) => ((accepted.shortNames ?? []).includes(s) ? undefined : freshOrAccepted(s, undefined, used.resources))).filter(Boolean);
  if (shortErrs.length) fail('ShortNamesConflict', shortErrs.join(', '));
  else if (requested.shortNames) names.shortNames = [...requested.shortNames];
  else delete names.shortNames;
  e = freshOrAccepted(requested.kind, accepted.kind, used.kinds);
  if (e) fail('KindConflict', e);
  else names.kind = requested.kind;
  e = freshOrAccepted(requested.listKind, accepted.listKind, used.kinds);
  if (e) fail('ListKindConflict', e);
  else names.listKind = requested.listKind;
  if (requested.categories) names.categories = [...requested.categories];
  else delete names.categories;
  const namesAccepted = cond ?? { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
  const old = crd.status?.conditions?.find((c) => c.type === 'Established');
  let established: Omit<CustomResourceDefinitionCondition, 'lastTransitionTime'> = old
    ? { type: 'Established', status: old.status, reason: old.reason, message: old.message }
    : { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
  // The establishing step follows at once here: serving starts before the status says so.
  if (established.status !== 'True' && namesAccepted.status === 'True')
    established = { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
  return { names, namesAccepted, established };
}

/** SetCRDCondition: replaces a condition, keeping lastTransitionTime unless the status changed. */
export function setCondition(status: CustomResourceDefinitionStatus, c: Omit<CustomResourceDefinitionCondition, 'lastTransitionTime'>, now: string): void {
  const list = (status.conditions ??= []);
  const i = list.findIndex((x) => x.type === c.type);
  const lastTransitionTime = i >= 0 && list[i]!.status === c.status ? (list[i]!.lastTransitionTime ?? now) : now;
  const next = { type: c.type, status: c.status, lastTransitionTime, reason: c.reason, message: c.message };
  if (i >= 0) list[i] = next;
  else list.push(next);
}

/** The status a live (not deleting) CRD should have. */
export function desiredStatus(crd: V1CustomResourceDefinition, used: UsedNames, now: string): CustomResourceDefinitionStatus {
  const status: CustomResourceDefinitionStatus = structuredClone(crd.status ?? {});
  const { names, namesAccepted, established } = computeNames(crd, used);
  status.acceptedNames = names;
  setCondition(status, namesAccepted, now);
  setCondition(status, established, now);
  return status;
}

export const TERMINATING_IN_PROGRESS = { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' } as const;
export const TERMINATING_COMPLETED = { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' } as const;

/** Whether the CRD may be served: names accepted and Established. */
export function isServable(status: CustomResourceDefinitionStatus | undefined): boolean {
  return Boolean(status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
}
