/**
 * The decisions of upstream's AtomicWriter (pkg/volume/util/atomic_writer.go), apart from its I/O.
 *
 * A projecting volume's directory holds:
 *   `..<timestamp>/`     the files of one version of the payload
 *   `..data` → `..<timestamp>`     switched by a rename(2) of a fresh `..data_tmp` symlink
 *   `<name>` → `..data/<name>`     one symlink per top-level entry of the payload
 * so a reader through `<name>` sees either the old or the new version, never a mixture. Pure.
 */
import { cleanPath, sameBytes, type FileProjection, type Payload } from './payload.js';

export const DATA_DIR_NAME = '..data';
export const NEW_DATA_DIR_NAME = '..data_tmp';
const MAX_PATH_LENGTH = 4096;
const MAX_FILE_NAME_LENGTH = 255;

/** upstream validatePath: undefined when `p` may be written, else the error text. */
export function validatePayloadPath(p: string): string | undefined {
  if (p === '') return `invalid path: must not be empty: ${JSON.stringify(p)}`;
  if (p.startsWith('/')) return `invalid path: must be relative path: ${p}`;
  if (p.length > MAX_PATH_LENGTH) return `invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`;
  const items = p.split('/');
  for (const item of items) {
    if (item === '..') return `invalid path: must not contain '..': ${p}`;
    if (item.length > MAX_FILE_NAME_LENGTH) return `invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`;
  }
  if (items[0]!.startsWith('..') && items[0]!.length > 2) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

/** The payload with cleaned paths, or the first invalid path's error. */
export function cleanPayload(payload: Payload): { payload: Payload } | { error: string } {
  const out: Payload = new Map();
  for (const [k, v] of payload) {
    const err = validatePayloadPath(k);
    if (err) return { error: err };
    out.set(cleanPath(k), v);
  }
  return { payload: out };
}

/** The prefix of a new version's directory: `..YYYY_MM_DD_HH_MM_SS.` (UTC); a random suffix follows. */
export function timestampDirPrefix(now: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `..${p(now.getUTCFullYear(), 4)}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

/** The first path element of each payload path: the user-visible symlinks. */
export function visibleNames(paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of paths) out.add(p.split('/')[0]!);
  return out;
}

export interface AtomicWritePlan {
  /** A new version must be written and `..data` switched. */
  write: boolean;
  /** Files of the current version the new one lacks. */
  removed: string[];
  /** User-visible symlinks to create (absent ones are created even when `write` is false). */
  visible: string[];
  /** User-visible symlinks of the current version that the new one no longer has. */
  staleVisible: string[];
}

/**
 * Compares the current version (undefined: none yet) with `payload` (cleaned). Nothing is written
 * when every file has the same bytes and mode and no file disappeared.
 */
export function planAtomicWrite(current: ReadonlyMap<string, FileProjection> | undefined, payload: Payload): AtomicWritePlan {
  const removed = current ? [...current.keys()].filter((k) => !payload.has(k)).sort() : [];
  let write = current === undefined || removed.length > 0;
  if (!write) {
    for (const [k, v] of payload) {
      const old = current!.get(k);
      if (!old || old.mode !== v.mode || !sameBytes(old.data, v.data)) {
        write = true;
        break;
      }
    }
  }
  const now = visibleNames(payload.keys());
  const before = current ? visibleNames(current.keys()) : new Set<string>();
  return { write, removed, visible: [...now].sort(), staleVisible: [...before].filter((n) => !now.has(n)).sort() };
}
