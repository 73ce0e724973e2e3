/**
 * What every write goes through between decoding and storage, in upstream's order:
 * schema defaults → strategy defaults → prepareForCreate/Update → ObjectMeta validation + the
 * kind's validation (all errors at once: 422 Invalid) → warnings. Custom kinds (ResourceDef.custom)
 * get upstream's custom-resource metadata rules: finalizer names need no domain, with a warning. The same path serves HTTP and
 * in-process clients, dry runs included.
 */
import type { KubeObject, ResourceDef, StrategyContext } from '../../api/types.js';
import { applyDefaults } from '../../api/schema/engine/index.js';
import { finalizerWarnings, maskTrailingDash, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation/object-meta.js';
import { isDNS1123Subdomain } from '../../api/validation/names.js';
import { invalid } from '../../lib/errors.js';
import type { FieldError } from '../../lib/field-error.js';

export interface WritePipeline {
  /** Defaults, prepares and validates a new object in place; returns warnings; throws 422. */
  admitCreate(def: ResourceDef, obj: KubeObject, ctx: StrategyContext): string[];
  /** Same for an update of `old` to `obj`. */
  admitUpdate(def: ResourceDef, obj: KubeObject, old: KubeObject, ctx: StrategyContext): string[];
}

export function createWritePipeline(): WritePipeline {
  const metaOpts = (def: ResourceDef) => ({
    namespaced: def.namespaced,
    builtIn: !def.custom,
    validateName: def.validateName ?? ((name: string, prefix: boolean) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name)),
  });
  // Custom resources: finalizer names without a '/' are allowed, with apiextensions-apiserver's
  // warning instead of the built-in kinds' error.
  const metaWarnings = (def: ResourceDef, obj: KubeObject): string[] =>
    def.custom ? finalizerWarnings(obj.metadata?.finalizers).filter((w) => w.includes('prefer a domain-qualified')) : [];
  const fail = (def: ResourceDef, obj: KubeObject, errs: FieldError[]) => {
    if (errs.length) throw invalid(def.group, def.kind, obj.metadata?.name ?? obj.metadata?.generateName ?? '', errs);
  };
  return {
    admitCreate(def, obj, ctx) {
      applyDefaults(obj, def.schema);
      def.strategy?.defaults?.(obj);
      def.strategy?.prepareForCreate?.(obj, ctx);
      const errs = [...validateObjectMeta(obj.metadata, metaOpts(def)), ...(def.strategy?.validate?.(obj, ctx) ?? [])];
      fail(def, obj, errs);
      return [...(def.strategy?.warnings?.(obj, undefined) ?? []), ...metaWarnings(def, obj)];
    },
    admitUpdate(def, obj, old, ctx) {
      applyDefaults(obj, def.schema);
      def.strategy?.defaults?.(obj);
      def.strategy?.prepareForUpdate?.(obj, old, ctx);
      const errs = [
        ...validateObjectMetaUpdate(obj.metadata, old.metadata, { builtIn: !def.custom }),
        ...(def.strategy?.validate?.(obj, ctx) ?? []),
        ...(def.strategy?.validateUpdate?.(obj, old, ctx) ?? []),
      ];
      fail(def, obj, errs);
      return [...(def.strategy?.warnings?.(obj, old) ?? []), ...metaWarnings(def, obj)];
    },
  };
}
