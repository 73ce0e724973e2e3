/**
 * Turns our Schema objects into OpenAPI v3 component schemas for one document. Named schemas (`id`)
 * become `components/schemas/<id>` exactly once and are referenced with `$ref` (wrapped in `allOf`
 * when the field adds a description or default, as upstream does); int-or-string and quantity
 * schemas reference upstream's IntOrString / Quantity components. Our own keys (`id`,
 * `x-flotilla-*`) never reach the output. Shared and recursive schemas are safe: a component is
 * registered before its body is converted.
 *
 * Descriptions: with an UpstreamDocs table, the emitter walks upstream's definitions alongside our
 * schema (by definition name where ours is named, else by the type upstream gives the field) and
 * takes upstream's text wherever upstream has the definition or field: the type's description on the
 * component, the field's description beside the reference. Ours is the fallback (fields and kinds
 * upstream lacks, custom resources).
 */
import type { Schema } from '../../api/schema/schema.js';
import { ObjectMeta } from '../../api/meta/v1.js';
import { ID, WELL_KNOWN, ref, refWith, type JsonObject } from './well-known.js';
import { NO_UPSTREAM_DOCS, type UpstreamDocs, type UpstreamField, type UpstreamType } from './upstream-docs.js';

/** Keys copied verbatim from our Schema to OpenAPI (everything else is handled or dropped). */
const COPIED_KEYS = [
  'type',
  'format',
  'description',
  'required',
  'enum',
  'default',
  'nullable',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-group-version-kind',
] as const;

/** Keys that describe how a field is patched; on a named type they stay with each reference. */
const FIELD_LEVEL_KEYS = ['x-kubernetes-patch-merge-key', 'x-kubernetes-patch-strategy'] as const;

/** An upstream kind whose `metadata` carries the standard "Standard object's metadata" text. */
const STANDARD_METADATA_FROM = 'io.k8s.api.core.v1.ConfigMap';

/** Our schemas that well-known components depend on, by id. */
const SCHEMA_BY_ID: Record<string, Schema> = { [ID.objectMeta]: ObjectMeta };

export class SchemaEmitter {
  /** Emitted components, in registration order. */
  readonly components = new Map<string, JsonObject>();
  /** Description each id was first seen with, and whether later copies disagreed. */
  private readonly descriptions = new Map<string, { text: string | undefined; conflict: boolean; fixed: boolean }>();
  private readonly inProgress = new Set<Schema>();
  /** References that left out a description equal to the component's; restored if the component loses it. */
  private readonly elided: { node: JsonObject; id: string; description: string }[] = [];

  constructor(private readonly docs: UpstreamDocs = NO_UPSTREAM_DOCS) {}

  /**
   * Emits a named component (idempotent) and returns its id. `upstreamType` names the upstream
   * definition to document it from when `id` itself is not one.
   */
  component(id: string, schema: Schema, extra: JsonObject = {}, upstreamType?: string): string {
    if (this.components.has(id)) {
      this.noteDescription(id, schema.description);
      return id;
    }
    const body: JsonObject = {};
    this.components.set(id, body); // registered first: recursive references terminate
    const up = this.docs.type(id) ?? (upstreamType !== undefined ? this.docs.type(upstreamType) : undefined);
    // Upstream's type description is canonical: copies of ours with other texts cause no conflict.
    if (up?.description !== undefined) this.descriptions.set(id, { text: up.description, conflict: false, fixed: true });
    else this.noteDescription(id, schema.description);
    Object.assign(body, this.convert(schema, true, up), extra);
    return id;
  }

  /**
   * Puts upstream's descriptions on a component written directly in OpenAPI form (lists,
   * well-known meta types): the type's own and each direct property's. A property that is a
   * `$ref` gets the description beside it (`allOf`-wrapped). No-op without upstream text.
   */
  describeComponent(id: string, body: JsonObject, upstreamType: string = id): JsonObject {
    const up = this.docs.type(upstreamType);
    if (!up) return body;
    if (up.description !== undefined) body.description = up.description;
    const props = body.properties as Record<string, JsonObject> | undefined;
    if (props)
      for (const [name, node] of Object.entries(props)) {
        const d = this.fieldDescription(up, name);
        if (d === undefined) continue;
        if (typeof node.$ref === 'string') props[name] = refWith(String(node.$ref).replace('#/components/schemas/', ''), { description: d });
        else node.description = d;
      }
    return body;
  }

  /** Emits a well-known component (and its dependencies). */
  wellKnown(id: string): string {
    if (this.components.has(id)) return id;
    const wk = WELL_KNOWN[id];
    if (wk) {
      this.components.set(id, this.describeComponent(id, structuredClone(wk.body)));
      for (const d of wk.deps) this.wellKnown(d);
      return id;
    }
    const s = SCHEMA_BY_ID[id];
    if (s) return this.component(id, s);
    throw new Error(`openapi: no schema for component ${id}`);
  }

  /**
   * The OpenAPI form of a schema used in a field position (named schemas become references).
   * `up` is upstream's documentation of this field, if any: its description, and the definition
   * its value (or items, or map values) is.
   */
  field(schema: Schema, up?: UpstreamField): JsonObject {
    if (schema['x-kubernetes-int-or-string']) {
      const id = schema.format === 'quantity' ? ID.quantity : ID.intOrString;
      this.wellKnown(id);
      return this.referenceTo(id, schema, up?.description);
    }
    if (schema.id) {
      this.component(schema.id, schema, {}, up?.type);
      return this.referenceTo(schema.id, schema, up?.description);
    }
    if (this.inProgress.has(schema)) {
      // An unnamed cycle cannot be written out: describe it as free-form.
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
    const node = this.convert(schema, false, up?.type !== undefined ? this.docs.type(up.type) : undefined, up?.type);
    if (up?.description !== undefined) node.description = up.description;
    // Upstream publishes the values of its enum types (kubectl explain prints them): ours may not list them.
    if (up?.enum && node.type === 'string' && node.enum === undefined) node.enum = [...up.enum];
    const items = node.items as JsonObject | undefined;
    if (up?.itemEnum && items && items.type === 'string' && items.enum === undefined) items.enum = [...up.itemEnum];
    return node;
  }

  /**
   * Final component map. A component whose copies carried different descriptions loses its own (each
   * reference keeps the field's); references that had left out a description equal to the
   * component's get it back then.
   */
  finish(): Record<string, JsonObject> {
    for (const e of this.elided) {
      if (!this.descriptions.get(e.id)?.conflict) continue;
      if (typeof e.node.$ref === 'string') {
        const r = e.node.$ref;
        delete e.node.$ref;
        e.node.allOf = [{ $ref: r }];
      }
      e.node.description = e.description;
    }
    const out: Record<string, JsonObject> = {};
    for (const id of [...this.components.keys()].sort()) {
      const body = this.components.get(id)!;
      const d = this.descriptions.get(id);
      if (d?.conflict) delete body.description;
      out[id] = body;
    }
    return out;
  }

  private referenceTo(id: string, schema: Schema, upstreamDescription?: string): JsonObject {
    const siblings: JsonObject = {};
    const canonical = this.descriptions.get(id)?.text;
    const description = upstreamDescription ?? schema.description;
    // kubectl explain prints the field's and the component's descriptions: never say the same twice.
    const elide = description !== undefined && description === canonical;
    if (description !== undefined && !elide) siblings.description = description;
    if (schema.default !== undefined) siblings.default = schema.default;
    if (schema.nullable) siblings.nullable = true;
    // Strategic-merge metadata belongs to the field, not the type (upstream puts it beside the ref).
    for (const k of FIELD_LEVEL_KEYS) if (schema[k] !== undefined) siblings[k] = structuredCloneIfObject(schema[k]);
    const node = Object.keys(siblings).length ? refWith(id, siblings) : ref(id);
    if (elide) this.elided.push({ node, id, description: description! });
    return node;
  }

  /**
   * Upstream's field of a definition. The packages type a kind's `apiVersion` and `kind` as literals
   * and drop their (TypeMeta) text, which upstream repeats verbatim on every kind: it is taken from
   * meta/v1 Status, a kind whose TypeMeta fields the packages keep documented.
   */
  private upstreamField(up: UpstreamType | undefined, name: string): UpstreamField | undefined {
    const f = up?.properties.get(name);
    if (!f || f.description !== undefined || (name !== 'apiVersion' && name !== 'kind')) return f;
    const typeMeta = this.docs.type(ID.status)?.properties.get(name)?.description;
    return typeMeta === undefined ? f : { ...f, description: typeMeta };
  }

  /** Upstream's text for a kind's apiVersion, kind and metadata (identical on every upstream kind). */
  private standardKindField(name: string, f: UpstreamField | undefined): UpstreamField | undefined {
    const from = name === 'metadata' ? STANDARD_METADATA_FROM : name === 'apiVersion' || name === 'kind' ? ID.status : undefined;
    const description = from !== undefined ? this.docs.type(from)?.properties.get(name)?.description : undefined;
    return description === undefined ? f : { ...f, description };
  }

  private fieldDescription(up: UpstreamType, name: string): string | undefined {
    return this.upstreamField(up, name)?.description;
  }

  private noteDescription(id: string, text: string | undefined): void {
    const d = this.descriptions.get(id);
    if (!d) this.descriptions.set(id, { text, conflict: false, fixed: false });
    else if (!d.fixed && d.text !== text) d.conflict = true;
  }

  /**
   * `up`: upstream's definition of this value when it is an object; `upAlias`: the upstream
   * definition of its items or map values when it is an array or a map.
   */
  private convert(schema: Schema, isComponent: boolean, up?: UpstreamType, upAlias?: string): JsonObject {
    this.inProgress.add(schema);
    try {
      const out: JsonObject = {};
      for (const k of COPIED_KEYS) {
        const v = schema[k];
        if (isComponent && (FIELD_LEVEL_KEYS as readonly string[]).includes(k)) continue;
        if (v !== undefined) out[k] = structuredCloneIfObject(v);
      }
      // A component describes the type; its field-specific description stays on the references.
      if (isComponent && this.descriptions.get(schema.id ?? '')?.conflict) delete out.description;
      if (isComponent && up?.description !== undefined) out.description = up.description;
      // `required` as upstream publishes it (documentation and kubectl's client-side validation;
      // our engine keeps enforcing the schema's own list).
      if (isComponent && up) {
        const upRequired = [...up.properties].filter(([name, f]) => f.required && schema.properties?.[name] !== undefined).map(([name]) => name);
        const have = new Set((out.required as string[] | undefined) ?? []);
        const extra = upRequired.filter((n) => !have.has(n));
        if (extra.length) out.required = [...have, ...extra];
      }
      if (schema.properties) {
        const props: JsonObject = {};
        const kind = isComponent && schema['x-kubernetes-group-version-kind'] !== undefined;
        for (const name of Object.keys(schema.properties)) {
          const sub = schema.properties[name]!;
          let f = this.upstreamField(up, name);
          // Any kind (custom and seed kinds too) gets upstream's standard text for its type and
          // object metadata when it brings none, as kube-apiserver does for custom resources.
          if (kind && f?.description === undefined && sub.description === undefined) f = this.standardKindField(name, f);
          props[name] = this.field(sub, f);
        }
        out.properties = props;
        if (out.type === undefined) out.type = 'object';
      }
      if (schema.additionalProperties !== undefined) {
        out.additionalProperties =
          typeof schema.additionalProperties === 'boolean'
            ? schema.additionalProperties
            : this.field(schema.additionalProperties, upAlias !== undefined ? { type: upAlias } : undefined);
        if (out.type === undefined) out.type = 'object';
      }
      if (schema.items) {
        out.items = this.field(schema.items, upAlias !== undefined ? { type: upAlias } : undefined);
        if (out.type === undefined) out.type = 'array';
      }
      return out;
    } finally {
      this.inProgress.delete(schema);
    }
  }
}

function structuredCloneIfObject<T>(v: T): T {
  return typeof v === 'object' && v !== null ? structuredClone(v) : v;
}

/** Upstream's component name for a kind without an `id`: `io.k8s.api.<group>.<version>.<Kind>` or the reversed group domain. */
export function componentIdFor(group: string, version: string, kind: string): string {
  if (group === '') return `io.k8s.api.core.${version}.${kind}`;
  if (!group.includes('.')) return `io.k8s.api.${group}.${version}.${kind}`;
  if (group.endsWith('.k8s.io')) return `io.k8s.api.${group.slice(0, -'.k8s.io'.length)}.${version}.${kind}`;
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}
