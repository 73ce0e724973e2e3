/**
 * Pieces shared by the apps/v1 (and batch/v1) workload kinds: the selector-vs-template rules of
 * ValidatePodTemplateSpecForReplicaSet, Go renderings of selectors, immutable-selector checks,
 * container/image table cells and the Scale selector string.
 */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ObjectMeta } from '../../types.js';
import type { V1PodTemplateSpec } from '../../core/v1/index.js';
import { podTemplateWarnings, validatePodTemplateSpec } from '../../core/v1/index.js';
import { isDNS1123Label } from '../../validation/names.js';
import {
  goInvalid, goQuote, goStringMap, isConvertibleSelector, isEmptySelector, jsonEqual, selectorMatches, selectorString,
  validateLabelSelector, type LabelSelector,
} from '../shared/index.js';

/** Go's `%#v` of a metav1.LabelSelector value, as upstream prints it in field errors. */
export function goLabelSelector(sel: LabelSelector | undefined | null): string {
  if (!sel) return '<nil>';
  const ml = sel.matchLabels ? goStringMap(sel.matchLabels) : 'map[string]string(nil)';
  const me = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((r) => `v1.LabelSelectorRequirement{Key:${goQuote(r.key)}, Operator:${goQuote(r.operator)}, Values:${r.values ? `[]string{${r.values.map(goQuote).join(', ')}}` : '[]string(nil)'}}`)
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}

/** `map[string]string{...}` rendering of template labels (nil when absent). */
export function goLabels(labels: Record<string, string> | undefined): string {
  return labels ? goStringMap(labels) : 'map[string]string(nil)';
}

/**
 * The selector part of ValidateDeploymentSpec / ValidateReplicaSetSpec / StatefulSet: required,
 * strictly valid, not empty (`empty selector is invalid for <kind>`), convertible.
 * Returns whether template labels should be matched against it.
 */
export function validateWorkloadSelector(sel: LabelSelector | undefined, emptyKind: string, path = 'spec.selector'): { errs: FieldError[]; usable: boolean } {
  const errs: FieldError[] = [];
  if (!sel) errs.push(fieldErrors.required(path));
  else {
    errs.push(...validateLabelSelector(sel, path));
    if (isEmptySelector(sel)) errs.push(goInvalid(path, sel, goLabelSelector(sel), `empty selector is invalid for ${emptyKind}`));
  }
  return { errs, usable: isConvertibleSelector(sel) };
}

/**
 * Template-labels-vs-selector rule: a nil selector selects nothing, so it never matches (upstream
 * reports the mismatch too); an empty selector is exempt.
 */
export function validateTemplateMatchesSelector(sel: LabelSelector | undefined, tpl: V1PodTemplateSpec | undefined, path = 'spec.template'): FieldError[] {
  const labels = tpl?.metadata?.labels;
  if (sel && isEmptySelector(sel)) return [];
  if (!selectorMatches(sel, labels)) return [goInvalid(`${path}.metadata.labels`, labels ?? null, goLabels(labels), '`selector` does not match template `labels`')];
  return [];
}

/**
 * ValidatePodTemplateSpecForReplicaSet: selector match, the full pod template, restartPolicy
 * Always, no activeDeadlineSeconds.
 */
export function validateTemplateForReplicaSet(sel: LabelSelector | undefined, tpl: V1PodTemplateSpec | undefined, kindLabel: string, path = 'spec.template'): FieldError[] {
  if (!tpl) return [fieldErrors.required(path)];
  const errs = validateTemplateMatchesSelector(sel, tpl, path);
  errs.push(...validatePodTemplateSpec(tpl, path));
  const rp = tpl.spec?.restartPolicy ?? '';
  if (rp !== 'Always') errs.push(fieldErrors.notSupported(`${path}.spec.restartPolicy`, rp, ['Always']));
  if (tpl.spec?.activeDeadlineSeconds !== undefined && tpl.spec.activeDeadlineSeconds !== null)
    errs.push(fieldErrors.forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kindLabel} is not Supported`));
  return errs;
}

/** ValidateImmutableField for spec.selector, with upstream's Go rendering of the new value. */
export function validateSelectorImmutable(sel: LabelSelector | undefined, old: LabelSelector | undefined, path = 'spec.selector'): FieldError[] {
  if (jsonEqual(sel ?? null, old ?? null)) return [];
  return [goInvalid(path, sel ?? null, goLabelSelector(sel), 'field is immutable')];
}

/** layoutContainerCells: container names and images joined by ','. */
export function containerCells(tpl: V1PodTemplateSpec | undefined): [string, string] {
  const cs = tpl?.spec?.containers ?? [];
  return [cs.map((c) => c.name ?? '').join(','), cs.map((c) => c.image ?? '').join(',')];
}

/** The selector column of wide output: LabelSelectorAsSelector(...).String(), `<invalid>` on error. */
export function selectorCell(sel: LabelSelector | undefined): string {
  return selectorString(sel ?? null) ?? '<invalid>';
}

/**
 * What the apiserver puts in a Scale's `status.selector` for Deployments, ReplicaSets and
 * StatefulSets (upstream: LabelSelectorAsSelector(spec.selector).String()). '' when the selector is
 * missing or invalid.
 */
export function scaleSelector(obj: KubeObject): string {
  const spec = obj.spec as { selector?: LabelSelector } | undefined;
  if (!spec?.selector) return '';
  return selectorString(spec.selector) ?? '';
}

export type { ObjectMeta };

/**
 * The create-time name warning of every pod-owning workload strategy: the name ends up in pod names
 * and hostnames, so a DNS-1123 label is recommended.
 */
export function podNameWarnings(name: string | undefined): string[] {
  const msgs = isDNS1123Label(name ?? '');
  return msgs.length ? [`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`] : [];
}

/**
 * Upstream's GetWarningsForPodTemplate as workload strategies use it: on create every warning of the
 * template; on update only when the template changed, and only warnings the old template did not
 * already have.
 */
export function templateWarnings(tpl: V1PodTemplateSpec | undefined, oldTpl: V1PodTemplateSpec | undefined, path: string, isUpdate: boolean): string[] {
  if (!isUpdate) return podTemplateWarnings(tpl, path);
  if (jsonEqual(tpl ?? null, oldTpl ?? null)) return [];
  const before = new Set(podTemplateWarnings(oldTpl, path));
  return podTemplateWarnings(tpl, path).filter((w) => !before.has(w));
}

/** Warnings of a workload whose pod template sits at `spec.template`. */
export function workloadWarnings(obj: KubeObject, old: KubeObject | undefined): string[] {
  const tpl = (obj.spec as { template?: V1PodTemplateSpec } | undefined)?.template;
  const oldTpl = (old?.spec as { template?: V1PodTemplateSpec } | undefined)?.template;
  return [...(old ? [] : podNameWarnings(obj.metadata.name)), ...templateWarnings(tpl, oldTpl, 'spec.template', old !== undefined)];
}
