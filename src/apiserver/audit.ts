/**
 * Audit logging (audit.k8s.io/v1 Events, one JSON object per line) at the Metadata level: who did
 * what to which object, when, and with what result — never request or response bodies.
 * File rotation follows the kube-apiserver flags the seed sets: --audit-log-maxsize (MiB),
 * --audit-log-maxbackup (files kept), --audit-log-maxage (days); rotated files are named
 * `<base>-<timestamp><ext>` as upstream's lumberjack does.
 *
 * Writes are buffered and asynchronous; `close()` flushes. A failing disk never fails a request:
 * errors are logged once per minute at most.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Logger } from '../lib/log.js';
import type { UserInfo } from '../api/types.js';

export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: 'Metadata';
  auditID: string;
  stage: 'ResponseComplete';
  requestURI: string;
  verb: string;
  user: UserInfo | { username: string; groups: string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string; subresource?: string };
  responseStatus: { metadata: Record<string, never>; code: number; status?: string; reason?: string; message?: string };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

export interface AuditSink {
  write(event: AuditEvent): void;
  close(): Promise<void>;
}

export interface AuditLogOptions {
  path: string;
  /** MiB before rotation (0: never rotate). */
  maxSizeMiB: number;
  /** Rotated files to keep (0: keep all). */
  maxBackups: number;
  /** Days to keep rotated files (0: forever). */
  maxAgeDays: number;
  logger: Logger;
  now?: () => Date;
}

/** Microsecond-style RFC 3339 timestamps as upstream prints them. */
export function auditTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class FileAuditLog implements AuditSink {
  private stream: WriteStream | undefined;
  private size = 0;
  private rotating: Promise<void> | undefined;
  private pending: string[] = [];
  private lastErrorAt = 0;
  private lastStamp = '';
  private readonly now: () => Date;

  private constructor(private readonly opts: AuditLogOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  static async open(opts: AuditLogOptions): Promise<FileAuditLog> {
    const log = new FileAuditLog(opts);
    await mkdir(dirname(opts.path), { recursive: true });
    try {
      log.size = (await stat(opts.path)).size;
    } catch {
      log.size = 0;
    }
    log.stream = log.openStream();
    return log;
  }

  private openStream(): WriteStream {
    const s = createWriteStream(this.opts.path, { flags: 'a', mode: 0o600 });
    s.on('error', (e) => this.failed(e));
    return s;
  }

  write(event: AuditEvent): void {
    const line = JSON.stringify(event) + '\n';
    if (this.rotating) {
      this.pending.push(line);
      return;
    }
    this.stream?.write(line);
    this.size += Buffer.byteLength(line);
    const max = this.opts.maxSizeMiB * 1024 * 1024;
    if (max > 0 && this.size >= max) this.rotating = this.rotate().finally(() => (this.rotating = undefined));
  }

  /** Rotates until the current file is under the limit (lines queued during a rotation count too). */
  private async rotate(): Promise<void> {
    const max = this.opts.maxSizeMiB * 1024 * 1024;
    do await this.rotateOnce();
    while (max > 0 && this.size >= max);
  }

  private async rotateOnce(): Promise<void> {
    const old = this.stream;
    this.stream = undefined;
    await new Promise<void>((r) => (old ? old.end(r) : r()));
    const ext = extname(this.opts.path);
    const base = basename(this.opts.path, ext);
    let stamp = this.now().toISOString().replace(/:/g, '-').replace(/Z$/, '');
    if (stamp <= this.lastStamp) stamp = `${this.lastStamp}.1`; // two rotations in one millisecond
    this.lastStamp = stamp;
    try {
      await rename(this.opts.path, join(dirname(this.opts.path), `${base}-${stamp}${ext}`));
    } catch (e) {
      this.failed(e);
    }
    this.size = 0;
    this.stream = this.openStream();
    const lines = this.pending;
    this.pending = [];
    for (const l of lines) {
      this.stream.write(l);
      this.size += Buffer.byteLength(l);
    }
    await this.prune(base, ext);
  }

  /** Deletes rotated files beyond maxBackups or older than maxAgeDays. */
  private async prune(base: string, ext: string): Promise<void> {
    const dir = dirname(this.opts.path);
    let files: string[];
    try {
      files = (await readdir(dir)).filter((f) => f.startsWith(`${base}-`) && f.endsWith(ext)).sort().reverse();
    } catch {
      return;
    }
    const cutoff = this.opts.maxAgeDays > 0 ? this.now().getTime() - this.opts.maxAgeDays * 86_400_000 : -Infinity;
    for (let i = 0; i < files.length; i++) {
      const p = join(dir, files[i]!);
      let drop = this.opts.maxBackups > 0 && i >= this.opts.maxBackups;
      if (!drop && cutoff > -Infinity) {
        try {
          drop = (await stat(p)).mtimeMs < cutoff;
        } catch {
          drop = false;
        }
      }
      if (drop) await unlink(p).catch(() => {});
    }
  }

  private failed(e: unknown): void {
    const t = Date.now();
    if (t - this.lastErrorAt < 60_000) return;
    this.lastErrorAt = t;
    this.opts.logger.error('audit log write failed', { path: this.opts.path, err: e instanceof Error ? e.message : String(e) });
  }

  async close(): Promise<void> {
    await this.rotating;
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((r) => s.end(r));
  }
}
