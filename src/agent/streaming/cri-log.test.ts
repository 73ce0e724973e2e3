import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTailLineStart, formatRfc3339NanoFixed, parseCriLogLine, parseRfc3339Nano, renderEntry } from './cri-log.js';
import { parsePodLogOptions, podLogQuery, resolveLogOptions } from './log-options.js';
import { selectLogTarget, runtimeContainerId } from './log-target.js';
import { ApiError } from '../../lib/errors.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

test('parseCriLogLine: full, partial, tags with extra fields, malformed lines', () => {
  const full = parseCriLogLine(enc('2024-01-02T03:04:05.123456789Z stdout F hello world\n'));
  assert.ok(typeof full !== 'string');
  assert.equal(full.stream, 'stdout');
  assert.equal(full.partial, false);
  assert.equal(dec(full.content), 'hello world\n');
  assert.equal(full.nanos, BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1_000_000n + 123_456_789n);

  const part = parseCriLogLine(enc('2024-01-02T03:04:05Z stderr P:extra abc\n'));
  assert.ok(typeof part !== 'string');
  assert.equal(part.partial, true);
  assert.equal(part.stream, 'stderr');
  assert.equal(dec(part.content), 'abc');

  const empty = parseCriLogLine(enc('2024-01-02T03:04:05Z stdout F \n'));
  assert.ok(typeof empty !== 'string');
  assert.equal(dec(empty.content), '\n');

  assert.match(String(parseCriLogLine(enc('garbage'))), /timestamp is not found/);
  assert.match(String(parseCriLogLine(enc('notatime stdout F x'))), /unexpected timestamp/);
  assert.match(String(parseCriLogLine(enc('2024-01-02T03:04:05Z stdin F x'))), /unexpected stream type "stdin"/);
  assert.match(String(parseCriLogLine(enc('2024-01-02T03:04:05Z stdout'))), /stream type is not found/);
});

test('timestamps: RFC3339Nano in, RFC3339NanoFixed out in the written zone', () => {
  const t = parseRfc3339Nano('2024-01-02T03:04:05.5+02:00')!;
  assert.equal(t.offsetMinutes, 120);
  assert.equal(formatRfc3339NanoFixed(t.nanos, t.offsetMinutes), '2024-01-02T03:04:05.500000000+02:00');
  const z = parseRfc3339Nano('2024-01-02T03:04:05Z')!;
  assert.equal(formatRfc3339NanoFixed(z.nanos, 0), '2024-01-02T03:04:05.000000000Z');
  assert.equal(z.nanos - t.nanos, 2n * 3600n * 1_000_000_000n - 500_000_000n);
  assert.equal(parseRfc3339Nano('2024-01-02 03:04:05Z'), undefined);
});

test('renderEntry: stream selection, since, timestamp prefix on partial entries too', () => {
  const e = parseCriLogLine(enc('2024-01-02T03:04:05.000000001Z stderr P part\n'));
  assert.ok(typeof e !== 'string');
  assert.equal(dec(renderEntry(e, { timestamps: true, stream: 'All' })), '2024-01-02T03:04:05.000000001Z part');
  assert.equal(renderEntry(e, { timestamps: false, stream: 'Stdout' }).length, 0);
  assert.equal(dec(renderEntry(e, { timestamps: false, stream: 'Stderr' })), 'part');
  assert.equal(renderEntry(e, { timestamps: false, stream: 'All', sinceNanos: e.nanos + 1n }).length, 0);
  assert.equal(dec(renderEntry(e, { timestamps: false, stream: 'All', sinceNanos: e.nanos })), 'part');
});

test('findTailLineStart: counts newlines from the end like tail.FindTailLineStartIndex', async () => {
  const file = enc('a\nbb\nccc\ndddd\n');
  const block = async (l: number, r: number) => file.subarray(l, r);
  const start = async (n: number, bs?: number) => findTailLineStart(file.length, n, block, bs);
  assert.equal(await start(-1), 0);
  assert.equal(await start(0), file.length);
  assert.equal(await start(1), 9);
  assert.equal(await start(2), 5);
  assert.equal(await start(4), 0);
  assert.equal(await start(10), 0);
  for (const bs of [1, 2, 3, 5, 7]) {
    assert.equal(await start(1, bs), 9, `block ${bs}`);
    assert.equal(await start(3, bs), 2, `block ${bs}`);
  }
  // A last line without a newline is extra: tail 1 gives it plus the line before.
  const partialEnd = enc('a\nb\nc');
  assert.equal(await findTailLineStart(partialEnd.length, 1, async (l, r) => partialEnd.subarray(l, r)), 2);
  assert.equal(await findTailLineStart(0, 3, async () => new Uint8Array(0)), 0);
});

test('parsePodLogOptions: conversions, validation messages, query round trip', () => {
  const q = (s: string) => new URLSearchParams(s);
  const o = parsePodLogOptions(q('container=c&follow=true&previous=1&timestamps=false&tailLines=5&limitBytes=10&sinceSeconds=3'), 'p');
  assert.ok(!(o instanceof ApiError));
  assert.deepEqual(o, { container: 'c', follow: true, previous: true, timestamps: false, tailLines: 5, limitBytes: 10, sinceSeconds: 3 });
  assert.equal(podLogQuery(o).toString(), 'follow=true&previous=true&sinceSeconds=3&tailLines=5&limitBytes=10');
  const bad = (s: string) => {
    const r = parsePodLogOptions(q(s), 'p');
    assert.ok(r instanceof ApiError);
    return r;
  };
  assert.equal(bad('tailLines=x').code, 400);
  assert.equal(bad('sinceTime=yesterday').code, 400);
  assert.equal(bad('tailLines=-1').message, 'PodLogOptions "p" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
  assert.equal(bad('limitBytes=0').message, 'PodLogOptions "p" is invalid: limitBytes: Invalid value: 0: must be greater than 0');
  assert.equal(bad('sinceSeconds=0').code, 422);
  assert.match(bad('sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z').message, /at most one of `sinceTime` or `sinceSeconds` may be specified/);
  const r = resolveLogOptions({ follow: false, previous: false, timestamps: true, sinceSeconds: 10 }, 1_000_000);
  assert.equal(r.sinceNanos, 990_000n * 1_000_000n);
  assert.equal(resolveLogOptions({ follow: false, previous: false, timestamps: false, sinceTime: '1970-01-01T00:00:01Z' }, 0).sinceNanos, 1_000_000_000n);
});

test('selectLogTarget: kubelet validateContainerLogStatus cases', () => {
  const st = (c: object) => ({ containerStatuses: [{ name: 'c', ...c }] });
  assert.deepEqual(selectLogTarget('p', st({ containerID: 'containerd://abc', state: { running: {} } }), 'c', false), { containerId: 'abc' });
  assert.deepEqual(selectLogTarget('p', st({ state: { running: {} }, containerID: 'containerd://new', lastState: { terminated: { containerID: 'containerd://old' } } }), 'c', true), { containerId: 'old' });
  assert.deepEqual(selectLogTarget('p', st({ state: { running: {} } }), 'c', true), { error: 'previous terminated container "c" in pod "p" not found' });
  assert.deepEqual(selectLogTarget('p', st({ state: { waiting: { reason: 'ContainerCreating' } } }), 'c', false), { error: 'container "c" in pod "p" is waiting to start: ContainerCreating' });
  assert.deepEqual(selectLogTarget('p', st({ state: { waiting: { reason: 'ErrImagePull' } } }), 'c', false), { error: 'container "c" in pod "p" is waiting to start: image can\'t be pulled' });
  assert.deepEqual(selectLogTarget('p', st({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { containerID: 'containerd://x' } } }), 'c', false), { containerId: 'x' });
  assert.deepEqual(selectLogTarget('p', st({ state: { terminated: { containerID: 'containerd://t' } } }), 'c', false), { containerId: 't' });
  assert.deepEqual(selectLogTarget('p', st({ state: { terminated: {} } }), 'c', false), { error: 'container "c" in pod "p" is terminated' });
  assert.deepEqual(selectLogTarget('p', { initContainerStatuses: [{ name: 'i', state: { terminated: { containerID: 'containerd://i1' } } }] }, 'i', false), { containerId: 'i1' });
  assert.deepEqual(selectLogTarget('p', {}, 'c', false), { error: 'container "c" in pod "p" is not available' });
  assert.deepEqual(selectLogTarget('p', st({}), 'c', false), { error: 'container "c" in pod "p" is waiting to start - no logs yet' });
  assert.equal(runtimeContainerId('abc'), 'abc');
});
