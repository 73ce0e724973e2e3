/**
 * What strategic merge patch needs to know about a schema position, without depending on any schema
 * language (lib/ imports no api/). The apiserver adapts its schemas to this (api/schema/patch-meta.ts);
 * tests build it from plain literals with `patchMetaFromLiteral`.
 *
 * A PatchMeta describes one value position: an object (fields via `child`), a map (every key via
 * `child`), or a list (elements via `items`), together with the strategy of the field that holds it.
 * `undefined` anywhere means "no information": that subtree is merged like a JSON merge patch
 * (maps merge, lists replace), as upstream does for fields it cannot look up.
 */
export interface PatchMeta {
  /** Meta of a field (object) or of any key (map); undefined when unknown. */
  child(field: string): PatchMeta | undefined;
  /** Meta of list elements; undefined when unknown or not a list. */
  items(): PatchMeta | undefined;
  /** x-kubernetes-patch-merge-key of this list field. */
  readonly mergeKey?: string;
  /** x-kubernetes-patch-strategy split on `,`: e.g. ['merge'], ['retainKeys'], ['merge', 'retainKeys']. */
  readonly strategies: readonly string[];
  /** A name for error messages (upstream prints the schema's name). */
  readonly name?: string;
}

/** A literal description of a schema position, for tests and hand-built metas. */
export interface PatchMetaLiteral {
  fields?: Record<string, PatchMetaLiteral>;
  /** Value meta of every key of a map. */
  values?: PatchMetaLiteral;
  items?: PatchMetaLiteral;
  mergeKey?: string;
  /** Comma-separated, as x-kubernetes-patch-strategy. */
  strategy?: string;
  name?: string;
}

/** Builds a PatchMeta from a literal description. */
export function patchMetaFromLiteral(lit: PatchMetaLiteral): PatchMeta {
  const strategies = lit.strategy ? lit.strategy.split(',') : [];
  return {
    child(field: string): PatchMeta | undefined {
      const f = lit.fields && Object.hasOwn(lit.fields, field) ? lit.fields[field] : lit.values;
      return f ? patchMetaFromLiteral(f) : undefined;
    },
    items(): PatchMeta | undefined {
      return lit.items ? patchMetaFromLiteral(lit.items) : undefined;
    },
    mergeKey: lit.mergeKey,
    strategies,
    name: lit.name,
  };
}
