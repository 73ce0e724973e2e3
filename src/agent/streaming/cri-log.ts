/**
 * The CRI container log format and kubelet's log options, as pure functions (no I/O).
 *
 * A CRI log file (written by containerd for each container attempt, path in
 * ContainerStatus.logPath) holds one entry per line:
 *
 *   <RFC3339Nano timestamp> <stdout|stderr> <F|P>[:more tags] <content>\n
 *
 * `P` marks a partial line (the runtime split a long line; the content carries no newline of
 * its own), `F` the end of a line. Output rules follow kubelet's kuberuntime logs:
 * - a full entry's content is written as read, trailing newline included; a partial entry's
 *   trailing newline (the file's line separator) is dropped, so the pieces join;
 * - with timestamps every entry, partial ones too, is prefixed with its time in
 *   RFC3339NanoFixed (`2006-01-02T15:04:05.000000000Z07:00`) and a space;
 * - `since` drops entries strictly older than it; `tailLines` counts newline characters in the
 *   file (one per entry, partial or not); `limitBytes` cuts the output mid-entry.
 */

export type LogStream = 'stdout' | 'stderr';

export interface CriLogEntry {
  /** The timestamp as written (RFC3339Nano). */
  timestamp: string;
  /** Nanoseconds since the Unix epoch. */
  nanos: bigint;
  /** The timestamp's UTC offset in minutes (0 for `Z`). */
  offsetMinutes: number;
  stream: LogStream;
  partial: boolean;
  /** The content: with its newline for a full entry read whole, without for a partial one. */
  content: Uint8Array;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const ascii = new TextDecoder('latin1');

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC3339 / RFC3339Nano time to nanoseconds since the epoch; undefined if malformed. */
export function parseRfc3339Nano(ts: string): { nanos: bigint; offsetMinutes: number } | undefined {
  const m = RFC3339.exec(ts);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  const offsetMinutes = z ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const fracNanos = frac ? BigInt(frac.padEnd(9, '0')) : 0n;
  const nanos = BigInt(ms) * 1_000_000n + fracNanos - BigInt(offsetMinutes) * 60_000_000_000n;
  return { nanos, offsetMinutes };
}

/**
 * Formats like Go's `t.Format("2006-01-02T15:04:05.000000000Z07:00")` for a time that keeps the
 * given UTC offset (kubelet prints the parsed time in the zone it was written in).
 */
export function formatRfc3339NanoFixed(nanos: bigint, offsetMinutes: number): string {
  const local = nanos + BigInt(offsetMinutes) * 60_000_000_000n;
  let secs = local / 1_000_000_000n;
  let frac = local % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    secs -= 1n;
  }
  const iso = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  let zone = 'Z';
  if (offsetMinutes !== 0) {
    const a = Math.abs(offsetMinutes);
    zone = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
  }
  return `${iso}.${frac.toString().padStart(9, '0')}${zone}`;
}

/**
 * Parses one CRI log line (with or without its trailing newline). Returns the reason as a string
 * when the line is malformed (kubelet logs it and skips the line).
 */
export function parseCriLogLine(line: Uint8Array): CriLogEntry | string {
  const i1 = line.indexOf(SPACE);
  if (i1 < 0) return 'timestamp is not found';
  const timestamp = ascii.decode(line.subarray(0, i1));
  const t = parseRfc3339Nano(timestamp);
  if (!t) return `unexpected timestamp format ${JSON.stringify(timestamp)}`;
  const i2 = line.indexOf(SPACE, i1 + 1);
  if (i2 < 0) return 'stream type is not found';
  const stream = ascii.decode(line.subarray(i1 + 1, i2));
  if (stream !== 'stdout' && stream !== 'stderr') return `unexpected stream type ${JSON.stringify(stream)}`;
  const i3 = line.indexOf(SPACE, i2 + 1);
  if (i3 < 0) return 'log tag is not found';
  const tag = ascii.decode(line.subarray(i2 + 1, i3)).split(':')[0];
  const partial = tag === 'P';
  let content = line.subarray(i3 + 1);
  if (partial && content.length > 0 && content[content.length - 1] === NEWLINE) content = content.subarray(0, content.length - 1);
  return { timestamp, nanos: t.nanos, offsetMinutes: t.offsetMinutes, stream, partial, content };
}

/** Which streams a log request wants (PodLogOptions.stream, 1.32+; default both). */
export type LogStreamSelection = 'All' | 'Stdout' | 'Stderr';

/** Options of one log read, resolved to absolute values (see `resolveLogOptions`). */
export interface LogReadOptions {
  /** Count of lines from the end of the file; undefined for the whole file. */
  tailLines?: number;
  /** Entries older than this (nanoseconds since the epoch) are skipped. */
  sinceNanos?: bigint;
  timestamps: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  follow: boolean;
  stream: LogStreamSelection;
}

/**
 * The bytes one entry contributes to the output (empty when filtered out), before the byte
 * limit applies.
 */
export function renderEntry(entry: CriLogEntry, opts: Pick<LogReadOptions, 'sinceNanos' | 'timestamps' | 'stream'>): Uint8Array {
  if (opts.stream === 'Stdout' && entry.stream !== 'stdout') return new Uint8Array(0);
  if (opts.stream === 'Stderr' && entry.stream !== 'stderr') return new Uint8Array(0);
  if (opts.sinceNanos !== undefined && entry.nanos < opts.sinceNanos) return new Uint8Array(0);
  if (!opts.timestamps) return entry.content;
  const prefix = new TextEncoder().encode(`${formatRfc3339NanoFixed(entry.nanos, entry.offsetMinutes)} `);
  const out = new Uint8Array(prefix.length + entry.content.length);
  out.set(prefix, 0);
  out.set(entry.content, prefix.length);
  return out;
}

/**
 * Where output must start so that the last `n` lines remain, given the file's tail: upstream's
 * tail.FindTailLineStartIndex over an in-memory view. `block(left, right)` returns the bytes
 * [left, right) of the file; blocks are read backwards until more than `n` newlines were seen.
 */
export async function findTailLineStart(size: number, n: number, block: (left: number, right: number) => Promise<Uint8Array>, blockSize = 4096): Promise<number> {
  if (n < 0) return 0;
  let left = 0;
  let count = 0;
  let buf: Uint8Array = new Uint8Array(0);
  for (let right = size; right > 0 && count <= n; right -= blockSize) {
    left = Math.max(0, right - blockSize);
    buf = await block(left, right);
    for (const b of buf) if (b === NEWLINE) count++;
  }
  let offset = 0;
  for (; count > n; count--) {
    const idx = buf.indexOf(NEWLINE, offset) + 1;
    left += idx - offset;
    offset = idx;
  }
  return left;
}
