/**
 * The API as data: objects, and the definition of each served resource (ResourceDef). A ResourceDef
 * is everything the generic apiserver machinery needs to serve one group/version/resource: its
 * schema, strategy hooks, table columns and field selectors. Nothing here does I/O.
 */
import type { FieldError } from '../lib/field-error.js';
import type { Schema } from './schema/schema.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  selfLink?: string;
}

/** Any Kubernetes object as JSON. Kind-specific fields stay `unknown` until a typed view reads them. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  selfLink?: string;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a strategy hook may know about the request. Time is an input, never ambient. */
export interface StrategyContext {
  now: Date;
  user: UserInfo;
  /** The subresource being written (`status`, `scale`), or '' for the main resource. */
  subresource: string;
}

/**
 * Per-resource hooks, called by the generic store in this order:
 * create: schema defaults → defaults → prepareForCreate → validate → warnings;
 * update: schema defaults → defaults → prepareForUpdate → validate + validateUpdate → warnings.
 * Generic metadata rules (name syntax, labels, annotations, immutable uid...) are checked by the
 * apiserver itself; strategies validate only their kind's own fields.
 * Hooks must be pure functions of their arguments (they may mutate `obj` only).
 */
export interface Strategy {
  /**
   * Upstream's SetDefaults_* for this kind (beyond simple schema defaults, which the engine applies
   * first). Runs on every write (create, update, patch, apply, dry run), before prepareFor*.
   * Must be idempotent.
   */
  defaults?(obj: KubeObject): void;
  /** Clears fields the client may not set (e.g. status) and applies code defaults. */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  /** Same for updates; the generic store already copied status/spec per subresource. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  /** Complete validation of an object; return every error with its field path. */
  validate?(obj: KubeObject, ctx: StrategyContext): FieldError[];
  /** Extra rules for updates (immutable fields...). */
  validateUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): FieldError[];
  /** Non-fatal remarks returned as `Warning: 299 - "..."` headers. */
  warnings?(obj: KubeObject, old: KubeObject | undefined): string[];
}

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface TableColumn {
  name: string;
  type: ColumnType;
  format?: string;
  description?: string;
  /** 0: always shown; 1: only with `-o wide`. */
  priority?: number;
}

export interface TableDef {
  columns: TableColumn[];
  /** One cell per column. Dates as RFC 3339 strings; `now` renders ages deterministically. */
  cells(obj: KubeObject, now: Date): unknown[];
}

export interface ScaleDef {
  /** JSON paths in CRD style: `.spec.replicas`. */
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/**
 * Conversion for a version that shares storage with another (autoscaling/v1 HPA is stored as v2).
 * Both functions are total and pure.
 */
export interface ConversionDef {
  /** `group/version` of the stored representation. */
  storageVersion: string;
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name in URLs: `deployments`. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: readonly Verb[];
  /** Whole-object schema (apiVersion, kind, metadata, spec, status...). */
  schema: Schema;
  subresources?: { status?: boolean; scale?: ScaleDef };
  /**
   * Subresources served by dedicated handlers (pods/binding, pods/log...), listed in discovery.
   * status and scale come from `subresources`.
   */
  extraSubresources?: { name: string; kind: { group: string; version: string; kind: string }; verbs: string[] }[];
  /**
   * With a status subresource, status is cleared on create unless this is true (Nodes register
   * with their status, as upstream's node strategy allows).
   */
  keepStatusOnCreate?: boolean;
  strategy?: Strategy;
  table?: TableDef;
  /** Extra field selectors beyond metadata.name / metadata.namespace. */
  fieldSelectors?: Record<string, (obj: KubeObject) => string | undefined>;
  /** Set when this version is stored as another one. */
  conversion?: ConversionDef;
  /**
   * Name syntax check for metadata.name (and generateName with `prefix` true: a trailing '-' is
   * allowed). Returns upstream's messages. Default: DNS-1123 subdomain.
   */
  validateName?: (name: string, prefix: boolean) => string[];
  /** Whether metadata.generation tracks spec changes. Default: true when the schema has `spec`. */
  generation?: boolean;
  /**
   * Served as apiextensions-apiserver serves a custom resource (CRDs, and the seed's CRD-served
   * groups built in): bodies are decoded without Go types, so a type mismatch is the strategy's
   * 422 validation error rather than a 400 decode error, and protobuf bodies are refused (415).
   */
  custom?: boolean;
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
