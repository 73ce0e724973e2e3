/** Helpers for the core/v1 Table columns (pkg/printers/internalversion/printers.go). */
import { humanAge } from '../../../lib/duration/index.js';
import type { KubeObject, TableColumn } from '../../types.js';

export const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'The name of the object, unique within its namespace (or cluster, for cluster-scoped kinds).',
};

export const AGE_COLUMN: TableColumn = {
  name: 'Age',
  type: 'string',
  description: 'Time since the object was created (metadata.creationTimestamp).',
};

/** translateTimestampSince(creationTimestamp). */
export function age(obj: KubeObject, now: Date): string {
  return humanAge(obj.metadata.creationTimestamp, now);
}

export function since(ts: string | undefined, now: Date): string {
  return humanAge(ts, now);
}

export function col(name: string, type: TableColumn['type'], description: string, priority = 0): TableColumn {
  return priority ? { name, type, description, priority } : { name, type, description };
}

/** `<none>` for empty values, as upstream prints. */
export function orNone(s: string | undefined | null): string {
  return s ? s : '<none>';
}

/** Go's `%v` of a string slice joined by commas, or `<none>`. */
export function joinOrNone(list: readonly string[] | undefined): string {
  return list && list.length ? list.join(',') : '<none>';
}

/** labels.FormatLabels / Set.String(): sorted `k=v,k2=v2`, `<none>` when empty. */
export function formatLabels(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}
