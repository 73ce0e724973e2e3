/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`): kubectl get's
 * columns come from here. Kinds without a TableDef get upstream's default NAME / CREATED AT.
 */
import type { KubeObject, ResourceDef, TableColumn, TableDef } from '../api/types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const DEFAULT_TABLE: TableDef = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.' },
    { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' },
  ],
  cells: (o) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? ''],
};

export interface TableOptions {
  version: 'v1' | 'v1beta1';
  includeObject: IncludeObject;
  noHeaders?: boolean;
  now: Date;
  resourceVersion?: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export function toTable(def: ResourceDef, objects: readonly KubeObject[], opts: TableOptions): Record<string, unknown> {
  const table = def.table ?? DEFAULT_TABLE;
  const out: Record<string, unknown> = {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: tableMeta(opts),
    columnDefinitions: opts.noHeaders ? null : table.columns.map(columnDefinition),
    rows: objects.map((o) => row(table, o, opts)),
  };
  return out;
}

function tableMeta(opts: TableOptions): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (opts.resourceVersion) m['resourceVersion'] = opts.resourceVersion;
  if (opts.continueToken) m['continue'] = opts.continueToken;
  if (opts.remainingItemCount) m['remainingItemCount'] = opts.remainingItemCount;
  return m;
}

function columnDefinition(c: TableColumn): Record<string, unknown> {
  return { name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 };
}

function row(table: TableDef, obj: KubeObject, opts: TableOptions): Record<string, unknown> {
  let cells: unknown[];
  try {
    cells = table.cells(obj, opts.now);
  } catch {
    cells = table.columns.map((c, i) => (i === 0 ? (obj.metadata.name ?? '') : c.type === 'integer' || c.type === 'number' ? 0 : '<error>'));
  }
  const r: Record<string, unknown> = { cells };
  if (opts.includeObject === 'Object') r['object'] = obj;
  else if (opts.includeObject === 'Metadata') r['object'] = partialObjectMetadata(obj, opts.version);
  return r;
}

export function partialObjectMetadata(obj: KubeObject, version: 'v1' | 'v1beta1'): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}
