/**
 * Reads a CRI log file into a sink, as kubelet's kuberuntime ReadLogs: tail, since, timestamps,
 * stream selection and byte limit (rules in cri-log.ts), and follow.
 *
 * Follow contract: after the end of the file the reader waits for more (polling the open file
 * and the path every `pollMs`). When the path names a new file (log rotation: the agent renamed
 * the old one and the runtime reopened a fresh file), the rest of the old file is read first,
 * then the new one from its start. A file that shrank below the read position (truncated in
 * place) is read again from its start. Every `stateCheckMs` `isRunning()` is asked; once it says
 * false the file is read to its end and the read finishes. `signal` (client gone) ends the read
 * at once. A last line without a newline is output only when the read finishes (as kubelet does).
 *
 * Backpressure: `sink.write` is awaited for every chunk, so a slow client slows the reader, not
 * memory.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { findTailLineStart, parseCriLogLine, renderEntry, type LogReadOptions } from './cri-log.js';

export interface LogSink {
  /** Resolves when the chunk may be followed by the next one (drained). */
  write(chunk: Uint8Array): Promise<void>;
}

export interface ReadLogsEnv {
  /** Follow stops after this says false (the container exited). Default: always running. */
  isRunning?: () => Promise<boolean>;
  signal?: AbortSignal;
  /** Default 100 ms. */
  pollMs?: number;
  /** Default 1000 ms. */
  stateCheckMs?: number;
  /** Malformed lines are skipped; this hears about them. */
  onParseError?: (reason: string, line: Uint8Array) => void;
}

const CHUNK = 64 * 1024;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Rejects with the fs error when the file cannot be opened (ENOENT: no log yet / removed). */
export async function readCriLogs(path: string, opts: LogReadOptions, sink: LogSink, env: ReadLogsEnv = {}): Promise<void> {
  const pollMs = env.pollMs ?? 100;
  const stateCheckMs = env.stateCheckMs ?? 1000;
  let fh: FileHandle = await open(path, 'r');
  try {
    const ino = async (h: FileHandle) => (await h.stat()).ino;
    let currentIno = await ino(fh);
    let pos = 0;
    if (opts.tailLines !== undefined) {
      const size = (await fh.stat()).size;
      const h = fh;
      pos = await findTailLineStart(size, opts.tailLines, async (left, right) => {
        const buf = Buffer.alloc(right - left);
        const { bytesRead } = await h.read(buf, 0, buf.length, left);
        return buf.subarray(0, bytesRead);
      });
    }
    let remaining = opts.limitBytes ?? Infinity;
    let pending: Buffer = Buffer.alloc(0);

    /** Outputs one line; false once the byte limit is reached. */
    const emit = async (line: Buffer): Promise<boolean> => {
      const entry = parseCriLogLine(line);
      if (typeof entry === 'string') {
        env.onParseError?.(entry, line);
        return true;
      }
      const out = renderEntry(entry, opts);
      if (out.length === 0) return true;
      if (out.length >= remaining) {
        await sink.write(out.subarray(0, remaining));
        remaining = 0;
        return false;
      }
      remaining -= out.length;
      await sink.write(out);
      return true;
    };

    /** Reads to the current end of `fh`; false once the byte limit is reached or aborted. */
    const drain = async (): Promise<boolean> => {
      const buf = Buffer.alloc(CHUNK);
      for (;;) {
        if (env.signal?.aborted) return false;
        const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
        if (bytesRead === 0) return true;
        pos += bytesRead;
        pending = pending.length ? Buffer.concat([pending, buf.subarray(0, bytesRead)]) : Buffer.from(buf.subarray(0, bytesRead));
        let start = 0;
        for (let nl = pending.indexOf(0x0a); nl >= 0; nl = pending.indexOf(0x0a, start)) {
          const ok = await emit(pending.subarray(start, nl + 1));
          start = nl + 1;
          if (!ok) return false;
        }
        pending = pending.subarray(start);
      }
    };

    const finish = async () => {
      if (pending.length && remaining > 0 && !env.signal?.aborted) await emit(pending);
    };

    if (!(await drain())) return;
    if (!opts.follow) return finish();
    let lastStateCheck = Date.now();
    for (;;) {
      await sleep(pollMs, env.signal);
      if (env.signal?.aborted) return;
      // Rotation: the path now names another file. Finish the old one, continue with the new.
      const onPath = await stat(path).catch(() => undefined);
      if (onPath && onPath.ino !== currentIno) {
        if (!(await drain())) return;
        const next = await open(path, 'r').catch(() => undefined);
        if (next) {
          await fh.close();
          fh = next;
          currentIno = await ino(fh);
          pos = 0;
        }
      } else {
        const size = (await fh.stat()).size;
        if (size < pos) pos = 0;
      }
      if (!(await drain())) return;
      if (env.isRunning && Date.now() - lastStateCheck >= stateCheckMs) {
        lastStateCheck = Date.now();
        if (!(await env.isRunning())) {
          if (!(await drain())) return;
          return finish();
        }
      }
    }
  } finally {
    await fh.close();
  }
}
