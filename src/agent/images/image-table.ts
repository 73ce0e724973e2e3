/**
 * Pure text handling for image listings: parsing what `ctr images ls` and `ctr images import`
 * print, and rendering the `crictl images`-style table `flotilla images ls` shows. No I/O.
 */

/** One line of `ctr images ls`. */
export interface CtrImageLine {
  ref: string;
  mediaType: string;
  /** Manifest (or index) digest. */
  digest: string;
  /** As ctr prints it, e.g. `1.4 MiB`. */
  size: string;
  /** Approximate size in bytes, from `size`. */
  sizeBytes: number;
  platforms: string[];
  labels: Record<string, string>;
}

/** A listed image reference with its image ID (the config digest, as the CRI reports it). */
export interface ImageRecord extends CtrImageLine {
  id: string;
}

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

const LINE = /^(\S+)\s+(\S+)\s+(sha256:[0-9a-f]{64})\s+([\d.]+\s?(?:B|KiB|MiB|GiB|TiB))\s+(\S*)\s+(.*?)\s*$/;

/** Parses `ctr images ls` output (header and unparseable lines are skipped). */
export function parseCtrImageList(text: string): CtrImageLine[] {
  const out: CtrImageLine[] = [];
  for (const raw of text.split('\n')) {
    const m = LINE.exec(raw);
    if (!m || m[1] === 'REF') continue;
    const size = m[4]!;
    const sm = /^([\d.]+)\s?(\S+)$/.exec(size);
    const sizeBytes = sm ? Math.round(Number(sm[1]) * (UNITS[sm[2]!] ?? 1)) : 0;
    const labels: Record<string, string> = {};
    if (m[6] && m[6] !== '-') {
      for (const kv of m[6].split(',')) {
        const eq = kv.indexOf('=');
        if (eq > 0) labels[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
    }
    out.push({
      ref: m[1]!,
      mediaType: m[2]!,
      digest: m[3]!,
      size: size.replace(/\s/, ''),
      sizeBytes,
      platforms: m[5] && m[5] !== '-' ? m[5].split(',') : [],
      labels,
    });
  }
  return out;
}

/** Image names from `ctr images import` output (`unpacking NAME (sha256:...)...done`). */
export function parseImportedNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/^unpacking (\S+) \(sha256:[0-9a-f]{64}\)/gm)) names.push(m[1]!);
  return names;
}

/** `repo:tag` → [repo, tag]; `repo@sha256:…` → [repo, '<none>']; no tag → [ref, '<none>']. */
export function splitRef(ref: string): [string, string] {
  const at = ref.indexOf('@');
  if (at >= 0) return [ref.slice(0, at), '<none>'];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, '<none>'];
}

const ID_REF = /^sha256:[0-9a-f]{64}$/;

/**
 * The `crictl images` table: IMAGE, TAG, IMAGE ID (13 hex digits of the config digest), SIZE, one
 * row per name, sorted. The CRI's bare `sha256:<id>` references are shown only for images that have
 * no name left (as `<none>`).
 */
export function formatImageTable(images: readonly ImageRecord[]): string {
  const named = new Set(images.filter((i) => !ID_REF.test(i.ref)).map((i) => i.digest));
  const rows: string[][] = [];
  const seenUnnamed = new Set<string>();
  for (const i of [...images].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))) {
    const id = i.id.replace(/^sha256:/, '').slice(0, 13);
    if (ID_REF.test(i.ref)) {
      if (named.has(i.digest) || seenUnnamed.has(i.digest)) continue;
      seenUnnamed.add(i.digest);
      rows.push(['<none>', '<none>', id, i.size]);
      continue;
    }
    const [repo, tag] = splitRef(i.ref);
    rows.push([repo, tag, id, i.size]);
  }
  return renderColumns([['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], ...rows]);
}

/** Left-aligned columns, at least 20 wide with 3 spaces of padding (crictl's tabwriter settings). */
export function renderColumns(rows: readonly string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(Math.max(20, widths[i]! + 3))))
        .join('')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}
