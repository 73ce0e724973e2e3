import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCriLogs, type LogSink } from './log-reader.js';
import type { LogReadOptions } from './cri-log.js';

function collector(): LogSink & { text(): string } {
  const chunks: Uint8Array[] = [];
  return { write: async (c) => void chunks.push(Buffer.from(c)), text: () => Buffer.concat(chunks).toString('utf8') };
}

const base: LogReadOptions = { timestamps: false, follow: false, stream: 'All' };
const T = (s: number) => `2024-05-06T07:08:${String(s).padStart(2, '0')}.000000001Z`;
const LOG = [`${T(1)} stdout F one`, `${T(2)} stderr F two`, `${T(3)} stdout P thr`, `${T(3)} stdout F ee`, `${T(4)} stdout F four`].join('\n') + '\n';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flt-logs-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function read(path: string, opts: Partial<LogReadOptions>): Promise<string> {
  const sink = collector();
  await readCriLogs(path, { ...base, ...opts }, sink);
  return sink.text();
}

test('readCriLogs on a real file: whole, tail, since, timestamps, limitBytes, streams, malformed', async () => {
  await withDir(async (dir) => {
    const p = join(dir, '0.log');
    writeFileSync(p, LOG + 'not a cri line\n');
    assert.equal(await read(p, {}), 'one\ntwo\nthree\nfour\n');
    assert.equal(await read(p, { tailLines: 2 }), 'four\n'); // the malformed line counts as a line
    assert.equal(await read(p, { tailLines: 3 }), 'ee\nfour\n'); // a partial entry is a line of its own
    assert.equal(await read(p, { tailLines: 0 }), '');
    assert.equal(await read(p, { sinceNanos: BigInt(Date.UTC(2024, 4, 6, 7, 8, 3)) * 1_000_000n }), 'three\nfour\n');
    assert.equal(await read(p, { timestamps: true, tailLines: 5 }), `${T(2)} two\n${T(3)} thr${T(3)} ee\n${T(4)} four\n`);
    assert.equal(await read(p, { limitBytes: 6 }), 'one\ntw');
    assert.equal(await read(p, { limitBytes: 4 }), 'one\n');
    assert.equal(await read(p, { stream: 'Stderr' }), 'two\n');
    // An unfinished last line is output at the end of a non-follow read.
    writeFileSync(p, `${T(1)} stdout F done\n${T(2)} stdout F unfinished`);
    assert.equal(await read(p, {}), 'done\nunfinished');
    await assert.rejects(read(join(dir, 'missing.log'), {}), /ENOENT/);
  });
});

test('readCriLogs follow: new lines, rotation, truncation, stop when the container exits, abort', async () => {
  await withDir(async (dir) => {
    const p = join(dir, '0.log');
    writeFileSync(p, `${T(1)} stdout F first\n`);
    const sink = collector();
    let running = true;
    const done = readCriLogs(p, { ...base, follow: true }, sink, { pollMs: 10, stateCheckMs: 20, isRunning: async () => running });
    const waitFor = async (want: string) => {
      for (let i = 0; i < 300 && sink.text() !== want; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(sink.text(), want);
    };
    await waitFor('first\n');
    appendFileSync(p, `${T(2)} stdout F sec`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sink.text(), 'first\n', 'an unfinished line waits for its end');
    appendFileSync(p, `ond\n`);
    await waitFor('first\nsecond\n');
    // Rotation: rename, write a last line to the old file, create the new one.
    renameSync(p, `${p}.20240506-070809`);
    appendFileSync(`${p}.20240506-070809`, `${T(3)} stdout F late-in-old\n`);
    writeFileSync(p, `${T(4)} stdout F in-new\n`);
    await waitFor('first\nsecond\nlate-in-old\nin-new\n');
    // Container exits: the rest is read and the read ends.
    appendFileSync(p, `${T(5)} stdout F last\n`);
    running = false;
    await done;
    assert.equal(sink.text(), 'first\nsecond\nlate-in-old\nin-new\nlast\n');

    // Truncated in place, then abort.
    writeFileSync(p, `${T(1)} stdout F aaaaaaaaaaaaaaaa\n`);
    const s2 = collector();
    const ac = new AbortController();
    const d2 = readCriLogs(p, { ...base, follow: true, limitBytes: 1000 }, s2, { pollMs: 10, signal: ac.signal });
    for (let i = 0; i < 100 && s2.text() === ''; i++) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(p, `${T(2)} stdout F b\n`);
    for (let i = 0; i < 100 && !s2.text().endsWith('b\n'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s2.text(), 'aaaaaaaaaaaaaaaa\nb\n');
    ac.abort();
    await d2;

    // limitBytes ends a follow.
    const s3 = collector();
    await readCriLogs(p, { ...base, follow: true, limitBytes: 1 }, s3, { pollMs: 10 });
    assert.equal(s3.text(), 'b');
  });
});
